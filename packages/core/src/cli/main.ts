import { ChainRunner, type RuntimeConf } from '../chain/chain-runner.js';
import { loadConfList } from '../chain/conflist.js';
import { findPlugin } from '../sys/plugin-exec.js';
import { ownExecutable } from '../skel/executable.js';
import { CniError, ErrorCode } from '../spec/errors.js';
import type { Attachment } from '../spec/types.js';
import { LATEST_VERSION, versionInfo } from '../spec/versions.js';

const USAGE = `tscni: run a CNI network config list, as a container runtime would

usage: tscni add|check|del <network> <netns-path>
       tscni gc|status <network>
       tscni ipam ls|check|release ...   (tscni-host-local's store; tscni ipam --help)
       tscni version

environment:
  NETCONFPATH      directory of .conf/.conflist files (default /etc/cni/net.d)
  CNI_PATH         plugin directories, ':'-separated (default /opt/cni/bin)
  CNI_IFNAME       interface name in the container (default eth0)
  CNI_CONTAINERID  container ID (default derived from the netns path)
  CNI_ARGS         K=V;K=V arguments for the plugins
  CAP_ARGS         JSON object of capability arguments (portMappings, ips, ...)
  CNI_CACHE_DIR    result cache directory (default /var/lib/cni)
  CNI_VALID_ATTACHMENTS  for gc: JSON list of {"containerID","ifname"}
`;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [verb, network, netns] = argv;
  if (verb === 'version') {
    process.stdout.write(JSON.stringify(versionInfo()) + '\n');
    return 0;
  }
  if (verb === 'ipam') return runIpam(argv.slice(1), env);
  const needsNetns = verb === 'add' || verb === 'check' || verb === 'del';
  if (!verb || !network || (needsNetns && !netns) || !['add', 'check', 'del', 'gc', 'status'].includes(verb)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const chain = new ChainRunner({
    cniPath: cniPathOf(env),
    cacheDir: env.CNI_CACHE_DIR ?? '/var/lib/cni',
  });
  const conf = await loadConfList(env.NETCONFPATH ?? '/etc/cni/net.d', network);
  const rt: RuntimeConf = {
    containerId: env.CNI_CONTAINERID || defaultContainerId(netns ?? ''),
    netns: netns ?? '',
    ifName: env.CNI_IFNAME || 'eth0',
    args: parsePairs(env.CNI_ARGS),
    capabilityArgs: parseJson(env.CAP_ARGS, 'CAP_ARGS') as Record<string, unknown> | undefined,
  };
  switch (verb) {
    case 'add':
      process.stdout.write(JSON.stringify(await chain.add(conf, rt), null, 2) + '\n');
      break;
    case 'check':
      await chain.check(conf, rt);
      break;
    case 'del':
      await chain.del(conf, rt);
      break;
    case 'gc':
      await chain.gc(conf, (parseJson(env.CNI_VALID_ATTACHMENTS, 'CNI_VALID_ATTACHMENTS') ?? []) as Attachment[]);
      break;
    case 'status':
      await chain.status(conf);
      break;
  }
  return 0;
}

/**
 * `tscni ipam ...` is tscni-host-local's own (it owns the store's format and
 * lock): the executable beside this one, else the one in CNI_PATH, runs it.
 */
async function runIpam(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { dirname } = process.getBuiltinModule('node:path');
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const self = ownExecutable();
  const beside = self ? [dirname(self)] : [];
  const hostLocal = await findPlugin('tscni-host-local', [...beside, ...cniPathOf(env)]);
  const run = spawnSync(hostLocal, ['ipam', ...args], { stdio: 'inherit', env });
  if (run.error) throw run.error;
  return run.status ?? 1;
}

function cniPathOf(env: NodeJS.ProcessEnv): string[] {
  return (env.CNI_PATH ?? '/opt/cni/bin').split(':').filter(Boolean);
}

/** cnitool's rule: a stable ID from the netns path when none is given. */
function defaultContainerId(netns: string): string {
  const { createHash } = process.getBuiltinModule('node:crypto'); // not loaded at every start: about 5 ms
  return `cnitool-${createHash('sha512').update(netns).digest('hex').slice(0, 20)}`;
}

function parsePairs(raw: string | undefined): Array<[string, string]> {
  return (raw ?? '')
    .split(';')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new CniError(ErrorCode.InvalidEnvironment, `CNI_ARGS: "${pair}" is not KEY=VALUE`);
      return [pair.slice(0, eq), pair.slice(eq + 1)] as [string, string];
    });
}

function parseJson(raw: string | undefined, name: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new CniError(ErrorCode.DecodeFailure, `${name} is not valid JSON: ${(error as Error).message}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2), process.env);
} catch (thrown) {
  const error = CniError.from(thrown);
  process.stdout.write(JSON.stringify(error.toJSON(LATEST_VERSION)) + '\n');
  process.stderr.write(`tscni: ${error.message}${error.details ? ` (${error.details})` : ''}\n`);
  process.exitCode = 1;
}
