import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { readFile, writeFile } from 'node:fs/promises';
import { STAMP_TRUST_MS, stampFileFor, syncNonMasqueradeCidrs } from '../src/index.js';
import { masqConfig, masqLines, natRules, podResult, runMasq } from './helpers.js';

/** The executable, run inside node namespaces: spec behaviour, errors, backends. */
describe('tscni-masq plugin', () => {
  const sandbox = new Sandbox('mq');
  let lockFile: string;
  const config = (extra: object = {}) => masqConfig({ lockFile, ...extra });
  const newNode = (suffix: string): Promise<TestNamespace> => sandbox.namespace(suffix);

  beforeAll(async () => (lockFile = `${await sandbox.dir()}/masq.lock`));
  afterAll(() => sandbox.cleanup());

  describe('bad input: a clear error, nothing written', () => {
    let node: TestNamespace;
    beforeAll(async () => (node = await newNode('bad')));
    afterEach(async () => expect(masqLines(await natRules(sandbox, node))).toEqual([]));

    it.each([
      ['ADD without prevResult', 7, {}],
      ['a CIDR that is not one', 7, { nonMasqueradeCIDRs: ['10.244.0.0/33'], prevResult: podResult('10.244.1.5/24') }],
      ['nonMasqueradeCIDRs that is not a list', 7, { nonMasqueradeCIDRs: '10.0.0.0/8', prevResult: podResult('10.244.1.5/24') }],
      ['an unsafe chain name', 7, { chain: 'X;rm -rf', prevResult: podResult('10.244.1.5/24') }],
      ['an unknown backend', 7, { backend: 'pf', prevResult: podResult('10.244.1.5/24') }],
      ['a prevResult that does not decode', 6, { prevResult: { ips: [{ address: 5 }] } }],
    ])('%s returns code %i', async (_what, code, extra) => {
      const run = await runMasq(node, 'ADD', config(extra));
      expect(run.exitCode).not.toBe(0);
      expect(run.json).toMatchObject({ code, msg: expect.any(String) });
    });

    it('stdin that is not JSON returns code 6', async () => {
      const run = await runMasq(node, 'ADD', '{not json');
      expect(run.json).toMatchObject({ code: 6 });
    });

    it('CHECK without prevResult returns code 7', async () => {
      expect((await runMasq(node, 'CHECK', config())).json).toMatchObject({ code: 7 });
    });
  });

  describe('iptables, the nft flavour (a fresh node)', () => {
    let node: TestNamespace;
    beforeAll(async () => (node = await newNode('nft')));
    const dualStack = () =>
      config({
        nonMasqueradeCIDRs: ['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56'],
        prevResult: podResult('10.244.1.5/24', 'fd00:10:244:1::5/64'),
      });

    it('CHECK before ADD fails naming what is missing', async () => {
      const run = await runMasq(node, 'CHECK', dualStack());
      expect(run.json).toMatchObject({ code: 999, details: expect.stringContaining('nat chain TSCNI-MASQ is missing') });
    });

    it('ADD writes one commented rule set per family, prints prevResult through, turns forwarding on', async () => {
      const run = await runMasq(node, 'ADD', dualStack());
      expect(run.exitCode).toBe(0);
      expect(run.json).toEqual(podResult('10.244.1.5/24', 'fd00:10:244:1::5/64'));
      const v4 = masqLines(await natRules(sandbox, node));
      expect(v4).toEqual([
        '-N TSCNI-MASQ',
        '-A POSTROUTING -m addrtype ! --dst-type LOCAL -m comment --comment "tscni-masq: pod traffic leaving the node" -j TSCNI-MASQ',
        '-A TSCNI-MASQ -d 10.244.0.0/16 -m comment --comment "tscni-masq: no masquerade to 10.244.0.0/16" -j RETURN',
        '-A TSCNI-MASQ -d 10.96.0.0/12 -m comment --comment "tscni-masq: no masquerade to 10.96.0.0/12" -j RETURN',
        '-A TSCNI-MASQ -m comment --comment "tscni-masq: masquerade the rest" -j MASQUERADE',
      ]);
      const v6 = masqLines(await natRules(sandbox, node, 'ip6tables-nft'));
      expect(v6.filter((line) => line.includes('-j RETURN'))).toEqual([
        '-A TSCNI-MASQ -d fd00:10:244::/56 -m comment --comment "tscni-masq: no masquerade to fd00:10:244::/56" -j RETURN',
      ]);
      expect(await sandbox.exec(node, 'sysctl', ['-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'])).toBe('1\n1\n');
      expect(masqLines(await natRules(sandbox, node, 'iptables-legacy'))).toEqual([]);
    });

    it('CHECK passes, and fails once a rule is removed by hand; ADD repairs it', async () => {
      expect((await runMasq(node, 'CHECK', dualStack())).exitCode).toBe(0);
      await sandbox.exec(node, 'iptables-nft', ['-t', 'nat', '-D', 'TSCNI-MASQ', '2']);
      expect((await runMasq(node, 'CHECK', dualStack())).json).toMatchObject({ code: 999 });
      expect((await runMasq(node, 'ADD', dualStack())).exitCode).toBe(0);
      expect((await runMasq(node, 'CHECK', dualStack())).exitCode).toBe(0);
    });

    it('a nat table flushed by hand: repaired by the first ADD once the stamp is older than STAMP_TRUST_MS, or at once by the agent\'s pass', async () => {
      const flush = () => sandbox.exec(node, 'iptables-nft', ['-w', '5', '-t', 'nat', '-F']).then(() => sandbox.exec(node, 'iptables-nft', ['-w', '5', '-t', 'nat', '-X']));
      expect((await runMasq(node, 'ADD', dualStack())).exitCode).toBe(0);
      await flush();
      // Within STAMP_TRUST_MS the ADD believes the stamp (and runs nothing).
      expect((await runMasq(node, 'ADD', dualStack())).exitCode).toBe(0);
      expect(masqLines(await natRules(sandbox, node))).toEqual([]);
      // Once it is older, the ADD reads the rules and repairs them.
      const stampFile = stampFileFor(lockFile);
      const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as { sets: Record<string, { at: number }> };
      for (const entry of Object.values(stamp.sets)) entry.at -= STAMP_TRUST_MS;
      await writeFile(stampFile, JSON.stringify(stamp));
      expect((await runMasq(node, 'ADD', dualStack())).exitCode).toBe(0);
      expect((await runMasq(node, 'CHECK', dualStack())).exitCode).toBe(0);
      // The agent's periodic pass never believes the stamp.
      await flush();
      await syncNonMasqueradeCidrs(['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56'], { lockFile, netns: node.path });
      expect((await runMasq(node, 'CHECK', dualStack())).exitCode).toBe(0);
    });

    it('prints a 0.3.1 prevResult through in 0.3.1', async () => {
      const prev = { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.244.1.5/24' }] };
      const run = await runMasq(node, 'ADD', masqConfig({ lockFile, nonMasqueradeCIDRs: ['10.244.0.0/16', '10.96.0.0/12'], prevResult: prev }, '0.3.1'));
      expect(run.json).toEqual(prev);
    });

    it('DEL succeeds without prevResult and without netns, repeatedly, and leaves the node rules', async () => {
      const before = await natRules(sandbox, node);
      for (const env of [{}, { netns: undefined }, { netns: undefined }]) {
        expect((await runMasq(node, 'DEL', config(), env)).exitCode).toBe(0);
      }
      expect((await runMasq(node, 'DEL', dualStack())).exitCode).toBe(0);
      expect(await natRules(sandbox, node)).toEqual(before);
    });

    it('STATUS succeeds', async () => {
      expect((await runMasq(node, 'STATUS', config())).exitCode).toBe(0);
    });
  });

  it('follows a node that uses iptables-legacy', async () => {
    const node = await newNode('legacy');
    // A node "uses" legacy when its rules are there (what kube-proxy's wrapper checks).
    await sandbox.exec(node, 'iptables-legacy', ['-t', 'filter', '-A', 'INPUT', '-j', 'ACCEPT']);
    const conf = config({ prevResult: podResult('10.244.3.5/24') });
    expect((await runMasq(node, 'ADD', conf)).exitCode).toBe(0);
    expect(masqLines(await natRules(sandbox, node, 'iptables-legacy'))).toContain(
      '-A TSCNI-MASQ -d 10.244.3.0/24 -m comment --comment "tscni-masq: no masquerade to 10.244.3.0/24" -j RETURN',
    );
    expect(masqLines(await natRules(sandbox, node, 'iptables-nft'))).toEqual([]);
    expect((await runMasq(node, 'CHECK', conf)).exitCode).toBe(0);
  });

  it('writes an nftables table of its own with the nftables backend', async () => {
    const node = await newNode('nftables');
    const conf = config({ backend: 'nftables', chain: 'MQ-MASQ', prevResult: podResult('10.244.4.5/24', 'fd00:4::5/64') });
    expect((await runMasq(node, 'CHECK', conf)).json).toMatchObject({ code: 999 });
    expect((await runMasq(node, 'ADD', conf)).exitCode).toBe(0);
    const v4 = await sandbox.exec(node, 'nft', ['list', 'table', 'ip', 'MQ-MASQ']);
    expect(v4).toContain('ip daddr 10.244.4.0/24 return comment "tscni-masq: no masquerade to 10.244.4.0/24"');
    expect(v4).toContain('fib daddr type != local jump pod-masquerade');
    expect(await sandbox.exec(node, 'nft', ['list', 'table', 'ip6', 'MQ-MASQ'])).toContain('ip6 daddr fd00:4::/64 return');
    expect((await runMasq(node, 'CHECK', conf)).exitCode).toBe(0);
    expect((await runMasq(node, 'DEL', config({ backend: 'nftables' }), { netns: undefined })).exitCode).toBe(0);
    expect(masqLines(await natRules(sandbox, node))).toEqual([]);
  });
});
