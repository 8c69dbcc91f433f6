import { CniError, ErrorCode } from '../spec/errors.js';
import { convertResult } from '../spec/result.js';
import type { Attachment } from '../spec/types.js';
import { compareVersions, type Command } from '../spec/versions.js';
import { execPlugin, findPlugin, type Env } from '../sys/plugin-exec.js';
import type { Runner } from '../sys/runner.js';
import { spawnRunner } from '../sys/spawn-runner.js';
import { ResultCache } from './cache.js';
import { parseConfList, type LoadedConfList } from './conflist.js';

/** What the runtime knows about one attachment (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs. */
  args?: Array<[string, string]>;
  /** Capability arguments (portMappings, ips, ...), passed as runtimeConfig to plugins that declare them. */
  capabilityArgs?: Record<string, unknown>;
}

export interface ChainRunnerOptions {
  cniPath: string[];
  /** Where results are cached; libcni's default is /var/lib/cni. */
  cacheDir: string;
  /** Default spawnRunner: a runtime's chain is as short-lived as a plugin. */
  runner?: Runner;
  /** Environment passed to plugins in addition to the CNI_* variables. */
  env?: Env;
}

type Json = Record<string, unknown>;

/**
 * The runtime side of CNI, as libcni does it: builds each plugin's stdin
 * from the list, runs ADD in order passing each result on as prevResult, DEL
 * in reverse with the cached result, CHECK, GC and STATUS.
 */
export class ChainRunner {
  private readonly runner: Runner;
  private readonly cache: ResultCache;

  constructor(private readonly options: ChainRunnerOptions) {
    this.runner = options.runner ?? spawnRunner;
    this.cache = new ResultCache(options.cacheDir);
  }

  /** Runs ADD through the list and caches the final result. Returns it in the list's version. */
  async add(conf: LoadedConfList, rt: RuntimeConf): Promise<Json> {
    let prevResult: Json | undefined;
    for (const plugin of conf.list.plugins) {
      const out = await this.invoke('ADD', conf, plugin, rt, { prevResult });
      prevResult = out === undefined ? prevResult : (out as Json);
    }
    const result = prevResult ?? { cniVersion: conf.version };
    await this.cache.write({
      kind: 'cniCacheV1',
      containerId: rt.containerId,
      config: conf.bytes.toString('base64'),
      ifName: rt.ifName,
      networkName: conf.list.name,
      netns: rt.netns,
      cniArgs: rt.args,
      capabilityArgs: rt.capabilityArgs,
      result,
    });
    return result;
  }

  /** CHECK each plugin against the cached result (0.4.0 and later). */
  async check(conf: LoadedConfList, rt: RuntimeConf): Promise<void> {
    if (compareVersions(conf.version, '0.4.0') < 0) {
      throw new CniError(ErrorCode.IncompatibleVersion, `configuration version "${conf.version}" does not support CHECK`);
    }
    if (conf.list.disableCheck) return;
    const cached = await this.cachedResult(conf, rt);
    if (!cached) {
      throw new CniError(ErrorCode.InvalidConfig, `no cached result for ${conf.list.name}/${rt.containerId}/${rt.ifName}: was it ADDed?`);
    }
    for (const plugin of conf.list.plugins) {
      await this.invoke('CHECK', conf, plugin, rt, { prevResult: cached });
    }
  }

  /** DEL through the list in reverse, with the cached result as prevResult; then forget it. */
  async del(conf: LoadedConfList, rt: RuntimeConf): Promise<void> {
    const cached = compareVersions(conf.version, '0.4.0') >= 0 ? await this.cachedResult(conf, rt) : undefined;
    for (const plugin of [...conf.list.plugins].reverse()) {
      await this.invoke('DEL', conf, plugin, rt, { prevResult: cached });
    }
    await this.cache.remove(conf.list.name, rt.containerId, rt.ifName);
  }

  /**
   * GC (1.1.0): DEL every cached attachment of the network that is not valid
   * any more, then let each plugin collect with the list of valid ones.
   */
  async gc(conf: LoadedConfList, valid: Attachment[]): Promise<void> {
    this.requireVersion(conf, 'GC');
    const isValid = (containerId: string, ifName: string) =>
      valid.some((a) => a.containerID === containerId && a.ifname === ifName);
    const errors: string[] = [];
    for (const entry of await this.cache.list(conf.list.name)) {
      if (isValid(entry.containerId, entry.ifName)) continue;
      const stale = parseConfList(Buffer.from(entry.config, 'base64'));
      try {
        await this.del(stale, { containerId: entry.containerId, ifName: entry.ifName, netns: '', args: entry.cniArgs });
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    if (!conf.list.disableGC) {
      for (const plugin of conf.list.plugins) {
        await this.invoke('GC', conf, plugin, { containerId: '', netns: '', ifName: '' }, {
          extra: { 'cni.dev/valid-attachments': valid },
        });
      }
    }
    if (errors.length > 0) throw new CniError(ErrorCode.Internal, `GC: ${errors.join('; ')}`);
  }

  /** STATUS (1.1.0): fails with the first plugin that is not ready. */
  async status(conf: LoadedConfList): Promise<void> {
    this.requireVersion(conf, 'STATUS');
    for (const plugin of conf.list.plugins) {
      await this.invoke('STATUS', conf, plugin, { containerId: '', netns: '', ifName: '' }, {});
    }
  }

  /** The cached ADD result converted to the list's version, if any. */
  async cachedResult(conf: LoadedConfList, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>): Promise<Json | undefined> {
    const entry = await this.cache.read(conf.list.name, rt.containerId, rt.ifName);
    const result = entry?.result as Json | undefined;
    if (!result) return undefined;
    const from = typeof result.cniVersion === 'string' ? result.cniVersion : conf.version;
    return convertResult(result, from, conf.version);
  }

  private requireVersion(conf: LoadedConfList, command: Command): void {
    if (compareVersions(conf.version, '1.1.0') < 0) {
      throw new CniError(ErrorCode.IncompatibleVersion, `configuration version "${conf.version}" does not support ${command}`);
    }
  }

  /** Builds one plugin's stdin and environment, runs it, returns its stdout JSON. */
  private async invoke(
    command: Exclude<Command, 'VERSION'>,
    conf: LoadedConfList,
    plugin: Json & { type: string },
    rt: RuntimeConf,
    input: { prevResult?: Json | undefined; extra?: Json },
  ): Promise<unknown> {
    const stdin = buildPluginConfig(conf, plugin, rt.capabilityArgs, input.prevResult, input.extra);
    const path = await findPlugin(plugin.type, this.options.cniPath);
    return execPlugin(this.runner, path, command, JSON.stringify(stdin), {
      ...process.env,
      ...this.options.env,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: rt.netns,
      CNI_IFNAME: rt.ifName,
      CNI_ARGS: (rt.args ?? []).map(([k, v]) => `${k}=${v}`).join(';'),
      CNI_PATH: this.options.cniPath.join(':'),
    });
  }
}

/**
 * One plugin's stdin: its own object plus the list's name and version, the
 * runtimeConfig entries for the capabilities it declares and the runtime
 * has, and the previous result.
 */
export function buildPluginConfig(
  conf: LoadedConfList,
  plugin: Json,
  capabilityArgs: Record<string, unknown> | undefined,
  prevResult: Json | undefined,
  extra: Json = {},
): Json {
  const config: Json = { ...plugin, cniVersion: conf.version, name: conf.list.name, ...extra };
  const declared = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig: Json = {};
  for (const [capability, value] of Object.entries(capabilityArgs ?? {})) {
    if (declared[capability]) runtimeConfig[capability] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  if (prevResult) config.prevResult = prevResult;
  return config;
}
