import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { execIn, type TestNamespace } from '@tscni/core/testing';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';

/**
 * The node's routes of route-sync's protocol as the kernel announces them
 * (`ip monitor route`), each change stamped on arrival: no polling, so the
 * resolution is the kernel's notification, not a poll interval.
 */
export class RouteWatch {
  private readonly present = new Set<string>();
  /** `wrong` counts the dsts not yet as wanted, so each line costs O(1), not O(dsts): a reader that falls behind makes netlink drop. */
  private waiter: { dsts: Set<string>; present: boolean; wrong: number; resolve: (at: number) => void } | undefined;

  private constructor(
    readonly child: ChildProcess,
    private readonly ns: TestNamespace,
  ) {}

  static async start(ns: TestNamespace): Promise<RouteWatch> {
    const child = spawn('ip', ['netns', 'exec', ns.name, 'ip', '-4', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const watch = new RouteWatch(child, ns);
    createInterface({ input: child.stdout! }).on('line', (line) => watch.onLine(line));
    // `ip monitor` prints nothing until a change: give it a moment to subscribe.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return watch;
  }

  /**
   * A netlink socket drops notifications when its reader falls behind (a
   * burst of thousands on a busy machine): a slow poll of the table stands in
   * for what was lost, at its own coarser resolution.
   */
  private async poll(): Promise<void> {
    const table = await execIn(this.ns, 'ip', ['-4', 'route', 'show', 'proto', String(ROUTE_PROTOCOL)]);
    this.present.clear();
    for (const line of table.split('\n')) if (line) this.present.add(line.split(' ')[0]!);
    this.recount();
  }

  private onLine(line: string): void {
    if (!line.includes(` proto ${ROUTE_PROTOCOL}`)) return;
    const deleted = line.startsWith('Deleted ');
    const dst = (deleted ? line.slice('Deleted '.length) : line).split(' ')[0]!;
    if (this.present.has(dst) === !deleted) return;
    if (deleted) this.present.delete(dst);
    else this.present.add(dst);
    const waiter = this.waiter;
    if (waiter?.dsts.has(dst)) waiter.wrong += !deleted === waiter.present ? -1 : 1;
    this.check();
  }

  private recount(): void {
    const waiter = this.waiter;
    if (waiter) waiter.wrong = [...waiter.dsts].filter((dst) => this.present.has(dst) !== waiter.present).length;
    this.check();
  }

  private check(): void {
    const waiter = this.waiter;
    if (waiter && waiter.wrong === 0) {
      this.waiter = undefined;
      waiter.resolve(performance.now());
    }
  }

  /** Resolves with the moment every dst is present (or absent): performance.now() on the line's arrival. */
  async until(dsts: string[], present: boolean, timeoutMs = 120_000): Promise<number> {
    let at: number | undefined;
    const done = new Promise<void>((resolve) => {
      this.waiter = { dsts: new Set(dsts), present, wrong: 0, resolve: (time) => ((at = time), resolve()) };
      this.recount();
    });
    const deadline = performance.now() + timeoutMs;
    while (at === undefined) {
      if (performance.now() > deadline) throw new Error(`routes did not ${present ? 'appear' : 'go'} within ${timeoutMs} ms`);
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]);
      if (at === undefined) await this.poll();
    }
    return at;
  }
}
