/**
 * Seeded bad input for every plugin and command: one fault per case, so
 * each case knows which spec error codes are the right answer. A case is a
 * pure value (no I/O); `fuzz.test.ts` executes it.
 */

import { REQUIRED_ENV, SUPPORTED_VERSIONS, commandExistsIn } from '@tscni/core';
import { rng } from '@tscni/core/testing';

export const PLUGINS = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync'] as const;
export type PluginName = (typeof PLUGINS)[number];

const COMMANDS = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'] as const;
export type Command = (typeof COMMANDS)[number];

/** Where a case's plugin may write, and the namespace a pod would have: one set per worker. */
export interface FuzzPaths {
  podNetns: string;
  bridge: string;
  dataDir: string;
  lockFile: string;
  stateDir: string;
  logFile: string;
  binDir: string;
}

/** Config keys holding paths the plugin writes: never pointed elsewhere, or the suite would write there. */
const PATH_KEYS = new Set(['dataDir', 'lockFile', 'stateDir', 'logFile']);

export interface FuzzCase {
  index: number;
  plugin: PluginName;
  version: string;
  command: string | undefined;
  /** What is wrong with this case ('none': a valid invocation). */
  fault: string;
  env: Record<string, string | undefined>;
  stdin: string;
  /** The error codes that are right for the fault; success is right where `success` says so. */
  codes: number[];
  success: boolean;
  /** CHECK, DEL and GC act on an attachment: ADD it first with the valid config (and DEL it after). */
  needsAttachment: boolean;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Values of every wrong shape a field can be given. */
const WEIRD: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'x'.repeat(5000), 'eth0;rm -rf /', '10.0.0.0/33', '::1/200', '../../etc', '\u0000', [], [null], {}, { a: 1 }, [[{}]]];
const PLUGIN_SPECIFIC = Array.from({ length: 100 }, (_, i) => 100 + i);
const CONFIG_CODES = [2, 7, ...PLUGIN_SPECIFIC];

export function versionsFor(command: Command): string[] {
  return SUPPORTED_VERSIONS.filter((version) => commandExistsIn(command, version));
}

/** A result of the previous plugin, in the version's shape. */
function prevResult(version: string, paths: FuzzPaths): Record<string, unknown> {
  const legacy = version.startsWith('0.');
  return {
    cniVersion: version,
    interfaces: [{ name: 'eth0', mac: '0a:58:0a:63:00:05', sandbox: paths.podNetns }],
    ips: [{ ...(legacy ? { version: '4' } : {}), address: '10.99.0.5/24', gateway: '10.99.0.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.99.0.1' }],
  };
}

/** The valid config of each plugin, as a conflist entry would give it. */
export function validConfig(plugin: PluginName, version: string, command: Command, paths: FuzzPaths): Record<string, unknown> {
  const common = { cniVersion: version, name: 'fuzznet', logFile: paths.logFile, logLevel: 'debug' };
  const ipam = { type: 'tscni-host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir: paths.dataDir };
  const chained = command === 'ADD' || command === 'CHECK' ? { prevResult: prevResult(version, paths) } : {};
  switch (plugin) {
    case 'tscni-bridge':
      return { ...common, type: 'tscni-bridge', bridge: paths.bridge, isGateway: true, ipam };
    case 'tscni-host-local':
      return { ...common, type: 'tscni-bridge', ipam };
    case 'tscni-masq':
      return { ...common, type: 'tscni-masq', nonMasqueradeCIDRs: ['10.99.0.0/16'], lockFile: paths.lockFile, ...chained };
    case 'tscni-route-sync':
      return { ...common, type: 'tscni-route-sync', stateDir: paths.stateDir, ...chained };
  }
}

export function validEnv(command: string, index: number, paths: FuzzPaths): Record<string, string | undefined> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: `fuzz${index}`,
    CNI_NETNS: paths.podNetns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: paths.binDir,
    CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=fuzz;K8S_POD_UID=0d1b2c3a',
  };
}

/** Every [path, value] under an object, depth first (arrays by index). */
function leaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [path];
  const children = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...(path.length ? [path] : []), ...children.flatMap((key) => leaves((value as Record<string | number, unknown>)[key], [...path, key]))];
}

function setAt(root: Record<string, unknown>, path: Array<string | number>, value: unknown | typeof REMOVE): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === REMOVE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}
const REMOVE = Symbol('remove');

/** The case at `index` of the run seeded `seed`: the same case for the same pair, always. */
export function fuzzCase(seed: number, index: number, paths: FuzzPaths): FuzzCase {
  const random = rng(seed * 1_000_003 + index);
  const plugin = pick(random, PLUGINS);
  const command = pick(random, COMMANDS);
  const version = pick(random, versionsFor(command));
  const config = validConfig(plugin, version, command, paths);
  const env = validEnv(command, index, paths);
  const base = { index, plugin, version, command, env, needsAttachment: ['CHECK', 'DEL', 'GC'].includes(command) };
  const ok = (fault: string, stdin: unknown = config): FuzzCase => ({ ...base, fault, stdin: text(stdin), codes: [], success: true });
  const fails = (fault: string, codes: number[], stdin: unknown = config, success = false): FuzzCase => ({ ...base, fault, stdin: text(stdin), codes, success });
  if (command === 'GC') config['cni.dev/valid-attachments'] = [];

  const kind = pick(random, ['none', 'env', 'env', 'stdin', 'version', 'config', 'config', 'config', 'config', 'prevResult', 'capability', 'cniArgs']);
  // VERSION reads nothing but CNI_COMMAND: whatever else is wrong, it answers.
  if (command === 'VERSION' && kind !== 'env') return ok(`${kind} (VERSION ignores it)`, pick(random, [config, '', '{', 'null']));
  switch (kind) {
    case 'none':
      return ok('none');
    case 'env': {
      const required = REQUIRED_ENV[command];
      const fault = pick(random, ['command-missing', 'command-unknown', 'required-missing', 'container-id', 'ifname', 'netns']);
      if (fault === 'command-missing') return { ...fails('CNI_COMMAND missing', [4]), command: undefined, env: { ...env, CNI_COMMAND: undefined } };
      if (fault === 'command-unknown') {
        const bogus = pick(random, ['add', 'BOGUS', ' ADD', 'ADD\n', 'DELETE']);
        return { ...fails(`CNI_COMMAND ${JSON.stringify(bogus)}`, [4]), command: bogus, env: { ...env, CNI_COMMAND: bogus } };
      }
      if (command === 'VERSION') return ok('VERSION needs nothing else');
      if (fault === 'required-missing' && required.length) {
        const name = pick(random, required);
        return { ...fails(`${name} missing`, [4]), env: { ...env, [name]: pick(random, [undefined, '']) } };
      }
      if (fault === 'container-id' && required.includes('CNI_CONTAINERID')) {
        const id = pick(random, ['has space', 'a/b', '../x', '-lead', 'x'.repeat(5000).replace(/x/g, 'é')]);
        return { ...fails(`CNI_CONTAINERID ${JSON.stringify(id.slice(0, 20))}`, [4]), env: { ...env, CNI_CONTAINERID: id } };
      }
      if (fault === 'ifname' && required.includes('CNI_IFNAME')) {
        const name = pick(random, ['x'.repeat(16), 'a/b', '.', '..', 'eth 0', 'eth:0']);
        return { ...fails(`CNI_IFNAME ${JSON.stringify(name)}`, [4]), env: { ...env, CNI_IFNAME: name } };
      }
      if (fault === 'netns' && (command === 'ADD' || command === 'CHECK') && plugin !== 'tscni-host-local') {
        const [netns, codes] = pick(random, [['relative/ns', [4]], ['/nonexistent/ns', [3]], ['/etc/hostname', [3, 4]]] as const);
        // Only the bridge works inside the pod; the host-side plugins need not open its netns.
        return { ...fails(`CNI_NETNS ${netns}`, [...codes], config, plugin !== 'tscni-bridge'), env: { ...env, CNI_NETNS: netns } };
      }
      return ok('none');
    }
    case 'stdin': {
      const whole = text(config);
      const bad = pick(random, [whole.slice(0, Math.floor(random() * whole.length)), '', 'null', '[]', '"x"', '42', '\u00ff\u00fe', whole + '}', '{"cniVersion":']);
      // A cut that happens to stay valid JSON is not a decode failure.
      if (isJsonObject(bad)) return fails('stdin cut short, still an object', [1, 7], bad);
      return fails('stdin not a JSON object', [6], bad);
    }
    case 'version': {
      const value = pick(random, [undefined, '', '0.1.0', '0.2.0', '1.2.0', '9.9.9', 1, null, ['1.0.0']]);
      const broken = { ...config };
      if (value === undefined) delete broken.cniVersion;
      else broken.cniVersion = value;
      return fails(`cniVersion ${JSON.stringify(value)}`, [1], broken);
    }
    case 'cniArgs': {
      // [CNI_ARGS, whether it is not KEY=VALUE pairs at all]
      const [args, malformed] = pick(random, [['a', true], ['=b', true], ['K8S_POD_NAME', true], [';;x;', true], ['IP=10.99.0.300', false], ['IgnoreUnknown=0;FOO=bar', false], ['FOO=bar', false]] as const);
      return { ...fails(`CNI_ARGS ${JSON.stringify(args)}`, malformed ? [4] : [4, 7], config, !malformed), env: { ...env, CNI_ARGS: args } };
    }
    case 'capability': {
      const runtimeConfig = pick(random, [{ ips: ['x'] }, { ips: '10.99.0.9' }, { ips: ['10.98.0.9/24'] }, { ips: [{}] }, { portMappings: 'x' }, { mac: 5 }, [], 'x', null]);
      return fails(`runtimeConfig ${JSON.stringify(runtimeConfig)}`, [2, 4, 7, ...PLUGIN_SPECIFIC], { ...config, runtimeConfig }, true);
    }
    case 'prevResult': {
      const prev = (config.prevResult as Record<string, unknown> | undefined) ?? prevResult(version, paths);
      const mutated = mutate(random, { prevResult: structuredClone(prev) }, true);
      return fails(`prevResult: ${mutated.what}`, [6, 7, ...PLUGIN_SPECIFIC], { ...config, prevResult: mutated.value.prevResult }, true);
    }
    default: {
      const mutated = mutate(random, structuredClone(config), false);
      const top = mutated.path[0];
      if (top === 'cniVersion') return fails(mutated.what, [1], mutated.value);
      if (top === 'prevResult') return fails(mutated.what, [6, 7, ...PLUGIN_SPECIFIC], mutated.value, true);
      // Any non-empty string is a type; a name must be a safe file name.
      if (top === 'name' || (top === 'type' && mutated.path.length === 1 && mutated.removed)) return fails(mutated.what, [7], mutated.value);
      return fails(mutated.what, CONFIG_CODES, mutated.value, true);
    }
  }
}

/** One change somewhere in the object: a key removed, a value of the wrong shape, or a key added. */
function mutate(random: Random, value: Record<string, unknown>, anyPath: boolean) {
  const candidates = leaves(value).filter((path) => anyPath || !PATH_KEYS.has(String(path.at(-1))));
  const path = pick(random, candidates);
  const op = pick(random, ['remove', 'weird', 'weird', 'add']);
  if (op === 'add' || path.length === 0) {
    const key = pick(random, ['fuzz', 'constructor', 'ipMasq', '']);
    const where = path.length && typeof get(value, path) === 'object' && get(value, path) !== null ? path : [];
    const added = pick(random, WEIRD);
    if (where.length) setAt(value, [...where, key], added);
    else value[key] = added;
    return { value, path: [...where, key], what: `${[...where, key].join('.')} added: ${short(added)}`, removed: false };
  }
  if (op === 'remove') {
    setAt(value, path, REMOVE);
    return { value, path, what: `${path.join('.')} removed`, removed: true };
  }
  const weird = pick(random, WEIRD);
  setAt(value, path, weird);
  return { value, path, what: `${path.join('.')} = ${short(weird)}`, removed: false };
}

function get(root: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

const short = (value: unknown) => {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
};

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
