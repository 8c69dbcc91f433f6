import { familyOf } from '@tscni/core';
import { BIN_DIR, REFERENCE_BIN_DIR, binary, execPluginIn, type PluginRun, type Sandbox, type TestNamespace } from '@tscni/core/testing';

export const BRIDGE = binary('tscni-bridge');
/** Ours first, then the reference plugins (host-local, portmap, tuning). */
export const CNI_PATH = `${BIN_DIR}:${REFERENCE_BIN_DIR}`;

export interface Attach {
  containerId: string;
  netns: string;
  ifName?: string;
  env?: Record<string, string | undefined>;
}

/** Runs tscni-bridge inside `node`, as a runtime on that node would. */
export function runBridge(node: TestNamespace, command: string, config: object | string, attach: Attach): Promise<PluginRun> {
  return execPluginIn(
    node,
    BRIDGE,
    {
      command,
      containerId: attach.containerId,
      netns: attach.netns,
      ifName: attach.ifName ?? 'eth0',
      cniPath: CNI_PATH,
      env: attach.env,
    },
    config,
  );
}

/** ADD that must succeed; returns the result. */
export async function addOk(node: TestNamespace, config: object, attach: Attach): Promise<Record<string, unknown>> {
  const run = await runBridge(node, 'ADD', config, attach);
  if (run.exitCode !== 0 || !run.json) throw new Error(`ADD failed: ${run.stdout} ${run.stderr}`);
  return run.json;
}

/** The names of the links in a namespace. */
export async function linkNames(sandbox: Sandbox, ns: TestNamespace, type?: string): Promise<string[]> {
  const out = await sandbox.exec(ns, 'ip', ['-j', 'link', 'show', ...(type ? ['type', type] : [])]);
  return (JSON.parse(out) as Array<{ ifname: string }>).map((l) => l.ifname);
}

/** The files of an IPAM store named after an allocated address (not its lock or bookkeeping). */
export async function allocationFiles(sandbox: Sandbox, node: TestNamespace, dir: string): Promise<string[]> {
  // Not under .tscni-host-local: host-local's index and pod records, named by address too.
  const out = await sandbox.exec(node, 'find', [dir, '-name', '.tscni-host-local', '-prune', '-o', '-type', 'f', '-print']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((path) => path.slice(path.lastIndexOf('/') + 1))
    .filter((name) => familyOf(name) !== undefined);
}

/** Succeeds when `ping` from `from` reaches `address`. */
export async function ping(sandbox: Sandbox, from: TestNamespace, address: string): Promise<boolean> {
  try {
    await sandbox.exec(from, 'ping', ['-c', '1', '-W', '2', address]);
    return true;
  } catch {
    return false;
  }
}
