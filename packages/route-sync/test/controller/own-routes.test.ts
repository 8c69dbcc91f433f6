import { IpRoute, silentLogger, type RunOptions, type RunResult, type Runner } from '@tscni/core';
import { OwnRoutes } from '../../src/controller/own-routes.js';

/** Answers `ip -j route show` from a fixed table, records every call, and fails batches on demand. */
class FakeIp implements Runner {
  readonly calls: Array<{ args: readonly string[]; input?: string }> = [];
  failBatches = false;
  constructor(private readonly table: Record<'4' | '6', object[]>) {}
  async run(_file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push({ args, input: options?.input?.toString() });
    if (args.includes('-batch') && this.failBatches) return { stdout: '', stderr: 'RTNETLINK answers: busy', exitCode: 1 };
    const family = args.find((arg) => arg === '-4' || arg === '-6');
    const stdout = family ? JSON.stringify(this.table[family.slice(1) as '4' | '6']) : '';
    return { stdout, stderr: '', exitCode: 0 };
  }

  /** The calls since the last take. */
  take(): Array<{ args: readonly string[]; input?: string }> {
    return this.calls.splice(0);
  }
}

const reads = [
  { args: ['-j', '-d', '-4', 'route', 'show'], input: undefined },
  { args: ['-j', '-d', '-6', 'route', 'show'], input: undefined },
];
const batch = (input: string) => ({ args: ['-batch', '-'], input });

describe('OwnRoutes', () => {
  test('reads the table once, then applies every change in one ip -batch', async () => {
    const runner = new FakeIp({
      '4': [
        { dst: '10.244.1.0/24', gateway: '172.17.0.3', protocol: '243' },
        { dst: '10.244.9.0/24', gateway: '172.17.0.9', protocol: '243' },
      ],
      '6': [],
    });
    const desired = [
      { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' },
      { dst: 'fd10:0:0:2::/64', via: 'fd00::4', node: 'c' },
    ];
    await new OwnRoutes(new IpRoute(runner), silentLogger).reconcile(desired);
    expect(runner.take()).toEqual([
      ...reads,
      batch('route replace fd10:0:0:2::/64 via fd00::4 proto 243\nroute del 10.244.9.0/24 proto 243\n'),
    ]);
  });

  test('runs no batch when nothing differs', async () => {
    const runner = new FakeIp({ '4': [{ dst: '10.244.1.0/24', gateway: '172.17.0.3', protocol: '243' }], '6': [] });
    await new OwnRoutes(new IpRoute(runner), silentLogger).reconcile([{ dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' }]);
    expect(runner.take()).toEqual(reads);
  });

  test('later passes send only the difference from what it made, without reading the table', async () => {
    const runner = new FakeIp({ '4': [], '6': [] });
    const routes = new OwnRoutes(new IpRoute(runner), silentLogger);
    const b = { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' };
    const c = { dst: '10.244.2.0/24', via: '172.17.0.4', node: 'c' };
    await routes.reconcile([b]);
    runner.take();
    await routes.reconcile([b, c]);
    expect(runner.take()).toEqual([batch('route replace 10.244.2.0/24 via 172.17.0.4 proto 243\n')]);
    await routes.reconcile([c]);
    expect(runner.take()).toEqual([batch('route del 10.244.1.0/24 proto 243\n')]);
    await routes.reconcile([c]);
    expect(runner.take()).toEqual([]);
  });

  test('leaves a prefix of another protocol alone until a reload finds it gone', async () => {
    const table: Record<'4' | '6', object[]> = { '4': [{ dst: '10.244.3.0/24', gateway: '172.17.0.2', protocol: 'static' }], '6': [] };
    const runner = new FakeIp(table);
    const routes = new OwnRoutes(new IpRoute(runner), silentLogger);
    const d = { dst: '10.244.3.0/24', via: '172.17.0.5', node: 'd' };
    expect((await routes.reconcile([d])).blockedByForeign).toEqual([d]);
    table['4'] = [];
    await routes.reload();
    runner.take();
    await routes.reconcile([d]);
    expect(runner.take()).toEqual([batch('route replace 10.244.3.0/24 via 172.17.0.5 proto 243\n')]);
  });

  test('reads the table again after a failed batch: what it did is unknown', async () => {
    const runner = new FakeIp({ '4': [], '6': [] });
    const routes = new OwnRoutes(new IpRoute(runner), silentLogger);
    const b = { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' };
    runner.failBatches = true;
    await expect(routes.reconcile([b])).rejects.toThrow('busy');
    runner.failBatches = false;
    runner.take();
    await routes.reconcile([b]);
    expect(runner.take()).toEqual([...reads, batch('route replace 10.244.1.0/24 via 172.17.0.3 proto 243\n')]);
  });

  test('reports what each batch added, re-pointed, removed, and every change of a batch that failed', async () => {
    const runner = new FakeIp({ '4': [{ dst: '10.244.9.0/24', gateway: '172.17.0.9', protocol: '243' }], '6': [] });
    const reports: object[] = [];
    const routes = new OwnRoutes(new IpRoute(runner), silentLogger, (changes) => reports.push(changes));
    const b = { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' };
    await routes.reconcile([b, { dst: '10.244.2.0/24', via: '172.17.0.4', node: 'c' }]);
    await routes.reconcile([b, { dst: '10.244.2.0/24', via: '172.17.0.5', node: 'c' }]);
    // Nothing differs: no batch, no report.
    await routes.reconcile([b, { dst: '10.244.2.0/24', via: '172.17.0.5', node: 'c' }]);
    runner.failBatches = true;
    await expect(routes.reconcile([])).rejects.toThrow('busy');
    expect(reports).toEqual([
      { added: 2, removed: 1, failed: 0 },
      { added: 1, removed: 0, failed: 0 },
      { added: 0, removed: 0, failed: 2 },
    ]);
  });
});
