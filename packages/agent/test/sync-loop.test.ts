import { silentLogger } from '@tscni/core';
import { RESYNC_MS, SyncLoop, needsFullPass } from '../src/sync-loop.js';

/** A pass that records its kind and finishes only when the test releases it. */
class ControlledPass {
  readonly kinds: Array<'full' | 'changes'> = [];
  private release: Array<(ran: boolean) => void> = [];
  private started: Array<() => void> = [];
  fail = false;

  readonly pass = (full: boolean): Promise<boolean> => {
    this.kinds.push(full ? 'full' : 'changes');
    this.started.splice(0).forEach((resolve) => resolve());
    return new Promise((resolve, reject) => this.release.push((ran) => (this.fail ? reject(new Error('busy')) : resolve(ran))));
  };

  /** Resolves once a pass is in progress. */
  inProgress(): Promise<void> {
    if (this.release.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.started.push(resolve));
  }

  /** Lets the pass in progress finish, then lets the loop react. */
  async finish(ran = true): Promise<void> {
    this.release.shift()!(ran);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('needsFullPass', () => {
  test('when asked for, and once the resync period has passed', () => {
    expect(needsFullPass({ fullRequested: true, sinceFullMs: 0 })).toBe(true);
    expect(needsFullPass({ fullRequested: false, sinceFullMs: RESYNC_MS - 1 })).toBe(false);
    expect(needsFullPass({ fullRequested: false, sinceFullMs: RESYNC_MS })).toBe(true);
  });
});

describe('SyncLoop', () => {
  let loop: SyncLoop;
  afterEach(() => loop.stop());

  test('starts with a full pass, then gathers the changes of a pass into one pass after it', async () => {
    const passes = new ControlledPass();
    loop = new SyncLoop(passes.pass, silentLogger, () => 1_000);
    loop.schedule();
    await passes.inProgress();
    for (let i = 0; i < 5; i++) loop.schedule();
    await passes.finish();
    await passes.inProgress();
    await passes.finish();
    expect(passes.kinds).toEqual(['full', 'changes']);
    expect(loop.health).toEqual({ synced: true, lastError: undefined });
  });

  test('events delivered together make one pass', async () => {
    const passes = new ControlledPass();
    loop = new SyncLoop(passes.pass, silentLogger, () => 1_000);
    for (let i = 0; i < 3; i++) loop.schedule();
    await passes.inProgress();
    await passes.finish();
    expect(passes.kinds).toEqual(['full']);
  });

  test('a pass that finds nothing known yet stays full for the next change', async () => {
    const passes = new ControlledPass();
    loop = new SyncLoop(passes.pass, silentLogger, () => 1_000);
    loop.schedule();
    await passes.inProgress();
    await passes.finish(false);
    loop.schedule();
    await passes.inProgress();
    await passes.finish();
    expect(passes.kinds).toEqual(['full', 'full']);
    expect(loop.health.synced).toBe(true);
  });

  test('after a failed pass the next one is full', async () => {
    const passes = new ControlledPass();
    loop = new SyncLoop(passes.pass, silentLogger, () => 1_000);
    loop.schedule();
    await passes.inProgress();
    await passes.finish();
    loop.schedule();
    await passes.inProgress();
    passes.fail = true;
    await passes.finish();
    expect(loop.health.lastError).toBe('busy');
    passes.fail = false;
    loop.schedule(); // a change does not wait for the backoff
    await passes.inProgress();
    await passes.finish();
    expect(passes.kinds).toEqual(['full', 'changes', 'full']);
    expect(loop.health).toEqual({ synced: true, lastError: undefined });
  });
});
