import { ChainRunner, parseConfList, type RunOptions, type Runner } from '@tscni/core';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fake runner standing for two plugins: records each call's command and stdin. */
function recordingRunner() {
  const calls: Array<{ plugin: string; command: string; stdin: Record<string, unknown> }> = [];
  const runner: Runner = {
    async run(file, _args, options: RunOptions = {}) {
      const stdin = JSON.parse(String(options.input)) as Record<string, unknown>;
      const command = options.env?.CNI_COMMAND ?? '';
      const plugin = file.split('/').pop() ?? '';
      calls.push({ plugin, command, stdin });
      if (command !== 'ADD') return { stdout: '', stderr: '', exitCode: 0 };
      const prev = (stdin.prevResult ?? { cniVersion: stdin.cniVersion, ips: [] }) as Record<string, unknown>;
      const ips = [...(prev.ips as unknown[]), { address: `10.0.0.${calls.length}/24` }];
      return { stdout: JSON.stringify({ ...prev, ips }), stderr: '', exitCode: 0 };
    },
  };
  return { runner, calls };
}

const conflist = JSON.stringify({
  cniVersion: '1.1.0',
  name: 'net1',
  plugins: [
    { type: 'true', capabilities: { portMappings: true } },
    { type: 'true', marker: 'second' },
  ],
});

describe('ChainRunner', () => {
  let cacheDir: string;
  beforeEach(async () => (cacheDir = await mkdtemp(join(tmpdir(), 'tscni-chain-'))));
  afterEach(async () => rm(cacheDir, { recursive: true, force: true }));

  const rt = {
    containerId: 'c1',
    netns: '/var/run/netns/x',
    ifName: 'eth0',
    capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080 }], bandwidth: {} },
  };

  it('passes each result on, gives runtimeConfig only for declared capabilities, and caches', async () => {
    const { runner, calls } = recordingRunner();
    const chain = new ChainRunner({ cniPath: ['/bin'], cacheDir, runner });
    const result = await chain.add(parseConfList(conflist), rt);
    expect(result.ips).toEqual([{ address: '10.0.0.1/24' }, { address: '10.0.0.2/24' }]);
    expect(calls[0]?.stdin).toMatchObject({ name: 'net1', cniVersion: '1.1.0', runtimeConfig: { portMappings: rt.capabilityArgs.portMappings } });
    expect(calls[0]?.stdin.prevResult).toBeUndefined();
    expect(calls[1]?.stdin.runtimeConfig).toBeUndefined();
    expect(calls[1]?.stdin.prevResult).toMatchObject({ ips: [{ address: '10.0.0.1/24' }] });
    expect(await readdir(join(cacheDir, 'results'))).toEqual(['net1-c1-eth0']);
  });

  it('runs DEL in reverse order with the cached result, then forgets it', async () => {
    const { runner, calls } = recordingRunner();
    const chain = new ChainRunner({ cniPath: ['/bin'], cacheDir, runner });
    const conf = parseConfList(conflist);
    await chain.add(conf, rt);
    calls.length = 0;
    await chain.check(conf, rt);
    await chain.del(conf, rt);
    expect(calls.map((c) => `${c.command}:${(c.stdin.marker as string) ?? 'first'}`)).toEqual([
      'CHECK:first',
      'CHECK:second',
      'DEL:second',
      'DEL:first',
    ]);
    expect(calls.every((c) => (c.stdin.prevResult as { ips: unknown[] }).ips.length === 2)).toBe(true);
    expect(await chain.cachedResult(conf, rt)).toBeUndefined();
  });

  it('GC deletes stale cached attachments and sends the valid list to each plugin', async () => {
    const { runner, calls } = recordingRunner();
    const chain = new ChainRunner({ cniPath: ['/bin'], cacheDir, runner });
    const conf = parseConfList(conflist);
    await chain.add(conf, rt);
    await chain.add(conf, { ...rt, containerId: 'c2' });
    calls.length = 0;
    await chain.gc(conf, [{ containerID: 'c2', ifname: 'eth0' }]);
    expect(calls.map((c) => c.command)).toEqual(['DEL', 'DEL', 'GC', 'GC']);
    expect(calls[2]?.stdin['cni.dev/valid-attachments']).toEqual([{ containerID: 'c2', ifname: 'eth0' }]);
    expect(await readdir(join(cacheDir, 'results'))).toEqual(['net1-c2-eth0']);
  });

  it('wraps a single .conf into a list and picks the highest of cniVersions', () => {
    const single = parseConfList('{"cniVersion":"0.4.0","name":"n","type":"bridge"}');
    expect(single.list.plugins).toEqual([{ cniVersion: '0.4.0', name: 'n', type: 'bridge' }]);
    expect(parseConfList('{"cniVersions":["0.4.0","1.0.0","9.0.0"],"name":"n","plugins":[{"type":"x"}]}').version).toBe('1.0.0');
  });

  it.each([
    ['malformed JSON', '{', 6],
    ['no plugins', '{"cniVersion":"1.0.0","name":"n","plugins":[]}', 7],
    ['a plugin without type', '{"cniVersion":"1.0.0","name":"n","plugins":[{}]}', 7],
    ['an unsupported version', '{"cniVersion":"0.2.0","name":"n","plugins":[{"type":"x"}]}', 1],
    ['a bad name', '{"cniVersion":"1.0.0","name":"a b","plugins":[{"type":"x"}]}', 7],
  ])('refuses a list with %s (code %s)', (_what, text, code) => {
    expect(() => parseConfList(text)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses CHECK for 0.3.1 lists with code 1', async () => {
    const chain = new ChainRunner({ cniPath: ['/bin'], cacheDir, runner: recordingRunner().runner });
    const conf = parseConfList('{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"x"}]}');
    await expect(chain.check(conf, rt)).rejects.toMatchObject({ code: 1 });
  });
});
