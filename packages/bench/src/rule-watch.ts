import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { execIn, type TestNamespace } from '@tscni/core/testing';

const TABLE = 'tscni_netpol';
/** `add rule inet tscni_netpol <chain> … comment "ns/name ingress[0]" # handle 12` (nft -a) */
const ADDED = new RegExp(`^add rule inet ${TABLE} \\S+ .*comment "([^"]*)" # handle (\\d+)$`);
const DELETED = new RegExp(`^delete rule inet ${TABLE} \\S+ handle (\\d+)$`);
const LISTED = /comment "([^"]*)" # handle (\d+)$/;

/**
 * The comments of the rules in the node's NetworkPolicy table as the kernel
 * announces them (`nft -a monitor rules`), each change stamped on arrival:
 * no polling, so a rule's time is the kernel's notification of the agent's
 * transaction. The agent replaces the whole table at each apply, so every
 * apply announces every rule (deleted, then added with handles counted
 * afresh): the handles are followed in order.
 */
export class RuleWatch {
  /** handle -> comment of the rules present. */
  private readonly rules = new Map<number, string>();
  private readonly counts = new Map<string, number>();
  private waiter: { comment: string; present: boolean; resolve: (at: number) => void } | undefined;
  /** Waits that only a poll of the table settled: the monitor lost events (netlink drops them when its reader falls behind). */
  polled = 0;

  private constructor(
    readonly child: ChildProcess,
    private readonly ns: TestNamespace,
  ) {}

  static async start(ns: TestNamespace): Promise<RuleWatch> {
    const child = spawn('ip', ['netns', 'exec', ns.name, 'nft', '-a', 'monitor', 'rules'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const watch = new RuleWatch(child, ns);
    createInterface({ input: child.stdout! }).on('line', (line) => watch.onLine(line));
    // `nft monitor` prints nothing until a change: give it a moment to subscribe.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await watch.poll();
    return watch;
  }

  stop(): void {
    this.child.kill();
  }

  private onLine(line: string): void {
    const added = ADDED.exec(line);
    if (added) this.set(Number(added[2]), added[1]!);
    const deleted = DELETED.exec(line);
    if (deleted) this.set(Number(deleted[1]), undefined);
    this.check();
  }

  private set(handle: number, comment: string | undefined): void {
    const old = this.rules.get(handle);
    if (old !== undefined) this.counts.set(old, this.counts.get(old)! - 1);
    if (comment === undefined) this.rules.delete(handle);
    else {
      this.rules.set(handle, comment);
      this.counts.set(comment, (this.counts.get(comment) ?? 0) + 1);
    }
  }

  /** The table as it is, when the monitor may have missed something. */
  private async poll(): Promise<void> {
    const text = await execIn(this.ns, 'nft', ['-a', 'list', 'table', 'inet', TABLE]).catch(() => '');
    this.rules.clear();
    this.counts.clear();
    for (const line of text.split('\n')) {
      const match = LISTED.exec(line.trim());
      if (match) this.set(Number(match[2]), match[1]!);
    }
  }

  private check(): boolean {
    const waiter = this.waiter;
    if (!waiter || ((this.counts.get(waiter.comment) ?? 0) > 0) !== waiter.present) return false;
    this.waiter = undefined;
    waiter.resolve(performance.now());
    return true;
  }

  /**
   * Resolves with the moment a rule with this comment is in the table (or
   * none is): performance.now() on the line's arrival. Call it before the
   * change, await it after.
   */
  until(comment: string, present: boolean, timeoutMs = 60_000): Promise<number> {
    let at: number | undefined;
    const done = new Promise<void>((resolve) => {
      this.waiter = { comment, present, resolve: (time) => ((at = time), resolve()) };
    });
    return (async () => {
      const deadline = performance.now() + timeoutMs;
      while (at === undefined) {
        if (performance.now() > deadline) throw new Error(`no rule "${comment}" ${present ? 'appeared' : 'went'} in the node's table within ${timeoutMs} ms`);
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        if (at !== undefined) break;
        await this.poll();
        if (this.check()) this.polled++;
      }
      return at;
    })();
  }
}
