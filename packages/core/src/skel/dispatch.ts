import { createLogger, fileSink, type Logger } from '../log.js';
import { CniError, ErrorCode } from '../spec/errors.js';
import { validateContainerId, validateInterfaceName, validateNetworkName } from '../spec/names.js';
import { encodeResult, parseResult } from '../spec/result.js';
import type { Attachment, NetConf, Result } from '../spec/types.js';
import {
  LATEST_VERSION,
  isSupportedVersion,
  requireCommandIn,
  requireSupportedVersion,
  versionInfo,
  type Command,
  type SpecVersion,
} from '../spec/versions.js';
import type { Env } from '../sys/plugin-exec.js';
import { CniArgs } from './cni-args.js';


/** What one invocation hands a command handler. */
export interface CmdArgs {
  command: Command;
  containerId: string;
  /** Empty on a DEL whose container is already gone. */
  netns: string;
  ifName: string;
  cniPath: string[];
  args: CniArgs;
  /** The raw stdin bytes, to pass on to delegates unchanged. */
  stdin: Buffer;
  config: NetConf;
  version: SpecVersion;
  prevResult: Result | undefined;
  /** The environment, to pass on to delegates. */
  env: Env;
  log: Logger;
}

export interface GcArgs extends CmdArgs {
  validAttachments: Attachment[];
}

/** A plugin is its handlers; the dispatcher does everything around them. */
export interface PluginHandlers {
  add(args: CmdArgs): Promise<Result>;
  del(args: CmdArgs): Promise<void>;
  check(args: CmdArgs): Promise<void>;
  gc?(args: GcArgs): Promise<void>;
  status?(args: CmdArgs): Promise<void>;
}

/** Everything the dispatcher touches, injectable so tests need no process. */
export interface PluginIO {
  env: Env;
  readStdin(): Promise<Buffer>;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
}

/** The CNI_* variables each command needs (the spec's table). */
export const REQUIRED_ENV: Record<Command, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  // DEL must work after the container (and so its netns) is gone.
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

const COMMANDS = Object.keys(REQUIRED_ENV) as Command[];

/**
 * Runs one CNI invocation: validates the environment and the config, calls
 * the handler, prints the result or the spec's error JSON. Returns the exit
 * code; it never throws.
 */
export async function dispatch(plugin: PluginHandlers, io: PluginIO, about?: string): Promise<number> {
  let errorVersion: string = LATEST_VERSION;
  let log = loggerFor(io.env, undefined);
  try {
    const command = io.env.CNI_COMMAND;
    if (!command) {
      if (about) io.writeStderr(about + '\n');
      throw new CniError(ErrorCode.InvalidEnvironment, 'required env variables [CNI_COMMAND] missing');
    }
    if (!COMMANDS.includes(command as Command)) {
      throw new CniError(ErrorCode.InvalidEnvironment, `unknown CNI_COMMAND: ${command}`);
    }
    if (command === 'VERSION') {
      io.writeStdout(JSON.stringify(versionInfo()));
      return 0;
    }
    const args = await buildArgs(command as Command, io, (version) => (errorVersion = version));
    log = args.log;
    log.debug('invoked', { command, containerId: args.containerId, ifName: args.ifName, netns: args.netns });
    await runHandler(plugin, args, io);
    return 0;
  } catch (thrown) {
    const error = CniError.from(thrown);
    log.error(error.message, {
      code: error.code,
      details: error.details,
      cause: error.cause instanceof Error ? error.cause.stack : undefined,
    });
    io.writeStdout(JSON.stringify(error.toJSON(errorVersion)));
    return 1;
  }
}

async function runHandler(plugin: PluginHandlers, args: CmdArgs, io: PluginIO): Promise<void> {
  switch (args.command) {
    case 'ADD': {
      const result = await plugin.add(args);
      io.writeStdout(JSON.stringify(encodeResult(result, args.version)));
      return;
    }
    case 'DEL':
      return plugin.del(args);
    case 'CHECK':
      return plugin.check(args);
    case 'GC':
      // A plugin with nothing to collect succeeds, as the spec's default.
      return plugin.gc?.({ ...args, validAttachments: validAttachmentsOf(args.config) });
    case 'STATUS':
      return plugin.status?.(args);
    default:
      throw new CniError(ErrorCode.InvalidEnvironment, `unknown CNI_COMMAND: ${args.command}`);
  }
}

/** Validates env and config into CmdArgs; reports the config's version as soon as it is known. */
async function buildArgs(command: Command, io: PluginIO, onVersion: (version: string) => void): Promise<CmdArgs> {
  const env = io.env;
  const missing = REQUIRED_ENV[command].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new CniError(ErrorCode.InvalidEnvironment, `required env variables [${missing.join(',')}] missing`);
  }
  const containerId = env.CNI_CONTAINERID ?? '';
  const ifName = env.CNI_IFNAME ?? '';
  if (containerId) validateContainerId(containerId);
  if (ifName) validateInterfaceName(ifName);
  const cniArgs = CniArgs.parse(env.CNI_ARGS);

  const stdin = await io.readStdin();
  const config = parseConfig(stdin);
  const version = config.cniVersion as SpecVersion;
  onVersion(version); // errors from here on are printed in the config's version
  requireCommandIn(command, version);

  return {
    command,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifName,
    cniPath: (env.CNI_PATH ?? '').split(':').filter(Boolean),
    args: cniArgs,
    stdin,
    config,
    version,
    prevResult: parsePrevResult(config),
    env,
    log: loggerFor(env, config).with({ command, containerId, network: config.name }),
  };
}

/** Decodes and validates the parts of the config every plugin relies on. */
export function parseConfig(stdin: Buffer | string): NetConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin.toString());
  } catch (error) {
    throw new CniError(ErrorCode.DecodeFailure, `failed to decode network config: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CniError(ErrorCode.DecodeFailure, 'network config must be a JSON object');
  }
  const config = raw as NetConf;
  requireSupportedVersion(config.cniVersion);
  validateNetworkName(config.name);
  if (typeof config.type !== 'string' || config.type === '') {
    throw new CniError(ErrorCode.InvalidConfig, 'network config: "type" must be a non-empty string');
  }
  if (config.ipam !== undefined) {
    if (typeof config.ipam !== 'object' || config.ipam === null || typeof config.ipam.type !== 'string') {
      throw new CniError(ErrorCode.InvalidConfig, 'network config: "ipam" must be an object with a string "type"');
    }
  }
  return config;
}

function parsePrevResult(config: NetConf): Result | undefined {
  const prev = config.prevResult;
  if (prev === undefined || prev === null) return undefined;
  const declared = (prev as { cniVersion?: unknown }).cniVersion;
  // A prevResult is in the config's version; one that names its own is read as that.
  const version = isSupportedVersion(declared) ? declared : config.cniVersion;
  return parseResult(prev, version);
}

function validAttachmentsOf(config: NetConf): Attachment[] {
  const raw = config['cni.dev/valid-attachments'];
  if (raw === undefined) return [];
  const valid =
    Array.isArray(raw) &&
    raw.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as Attachment).containerID === 'string' &&
        typeof (entry as Attachment).ifname === 'string',
    );
  if (!valid) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      '"cni.dev/valid-attachments" must be a list of {"containerID", "ifname"} objects',
    );
  }
  return raw as Attachment[];
}

function loggerFor(env: Env, config: NetConf | undefined): Logger {
  const file = (typeof config?.logFile === 'string' && config.logFile) || env.TSCNI_LOG_FILE;
  const level = (typeof config?.logLevel === 'string' && config.logLevel) || env.TSCNI_LOG_LEVEL;
  return createLogger({ sink: file ? fileSink(file) : undefined, level });
}
