import { IpRoute, silentLogger, type RunOptions, type RunResult, type Runner } from '@tscni/core';
import { reconcileRoutes } from '../../src/agent/routes.js';

/** Answers `ip -j route show` from a fixed table and records every call. */
class FakeIp implements Runner {
  readonly calls: Array<{ args: readonly string[]; input?: string }> = [];
  constructor(private readonly table: Record<'4' | '6', object[]>) {}
  async run(_file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push({ args, input: options?.input?.toString() });
    const family = args.find((arg) => arg === '-4' || arg === '-6');
    const stdout = family ? JSON.stringify(this.table[family.slice(1) as '4' | '6']) : '';
    return { stdout, stderr: '', exitCode: 0 };
  }
}

describe('reconcileRoutes', () => {
  test('applies every change in one ip -batch', async () => {
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
    await reconcileRoutes(new IpRoute(runner), desired, silentLogger);
    const batches = runner.calls.filter((call) => call.args.includes('-batch'));
    expect(batches).toEqual([
      {
        args: ['-batch', '-'],
        input: 'route replace fd10:0:0:2::/64 via fd00::4 proto 243\nroute del 10.244.9.0/24 proto 243\n',
      },
    ]);
  });

  test('runs no batch when nothing differs', async () => {
    const runner = new FakeIp({ '4': [{ dst: '10.244.1.0/24', gateway: '172.17.0.3', protocol: '243' }], '6': [] });
    await reconcileRoutes(new IpRoute(runner), [{ dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' }], silentLogger);
    expect(runner.calls.map((call) => call.args)).toEqual([
      ['-j', '-d', '-4', 'route', 'show'],
      ['-j', '-d', '-6', 'route', 'show'],
    ]);
  });
});
