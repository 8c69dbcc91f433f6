import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestNamespace {
  /** The `ip netns` name. */
  name: string;
  /** /var/run/netns/<name>, what CNI_NETNS takes. */
  path: string;
}

/**
 * Everything one test file makes on the machine, under a unique prefix, and
 * removed by `cleanup()` (call it in afterAll, which jest runs on failure
 * too). "Host-side" plugin work happens inside namespaces made here, never in
 * the machine's own network namespace, so tests can run in parallel.
 */
export class Sandbox {
  readonly prefix: string;
  private readonly namespaces: TestNamespace[] = [];
  private readonly dirs: string[] = [];

  /** `tag` names the test file (a few letters); a random part keeps runs apart. */
  constructor(tag: string) {
    this.prefix = `tscni-${tag}-${randomBytes(3).toString('hex')}`;
  }

  /** A new network namespace with loopback up. */
  async namespace(suffix: string): Promise<TestNamespace> {
    const name = `${this.prefix}-${suffix}`;
    await run('ip', ['netns', 'add', name]);
    const ns = { name, path: `/var/run/netns/${name}` };
    this.namespaces.push(ns);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A temporary directory removed at cleanup. */
  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${this.prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** Runs a command inside a namespace made here; rejects on non-zero exit. */
  async exec(ns: TestNamespace, file: string, args: string[], input?: string): Promise<string> {
    return execIn(ns, file, args, input);
  }

  /** Removes a namespace early (e.g. to test DEL after the pod is gone). */
  async removeNamespace(ns: TestNamespace): Promise<void> {
    await killAndDelete(ns.name);
    const i = this.namespaces.indexOf(ns);
    if (i >= 0) this.namespaces.splice(i, 1);
  }

  async cleanup(): Promise<void> {
    for (const ns of this.namespaces.splice(0).reverse()) await killAndDelete(ns.name);
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

async function killAndDelete(name: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', name]).then((r) => r.stdout.split('\n').filter(Boolean), () => []);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'del', name]).catch(() => undefined);
}

/** Runs `file args` inside the namespace (ip netns exec also gives it that netns's /sys). */
export async function execIn(ns: TestNamespace, file: string, args: string[], input?: string): Promise<string> {
  const child = run('ip', ['netns', 'exec', ns.name, file, ...args], { maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
}
