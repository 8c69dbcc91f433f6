import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { compilePolicies, removalScript, renderScript, TABLE, type RuleSet } from '../src/index.js';
import { inputs, named, namespace, pod, policy, rule } from './fixtures.js';

const run = promisify(execFile);

const EMPTY: RuleSet = { targets: { ingress: new Map(), egress: new Map() }, verdictChains: [], policyChains: [], sets: [] };

/** Every kind of line the compiler makes: dual-stack pods, sets, ipBlock with except, ranges, named ports, all three protocols, deny-all. */
function representative(): RuleSet {
  const web = pod('prod/web', { app: 'web' }, ['10.244.1.10', 'fd00:1::10'], { namedPorts: [named('http', 8080), named('sig', 3868, 'SCTP')] });
  const db = pod('prod/db', { app: 'db' }, ['10.244.1.12', 'fd00:1::12']);
  const client = pod('dev/client', { app: 'client' }, ['10.244.2.20', 'fd00:2::20'], { namedPorts: [named('dns', 53, 'UDP')] });
  return compilePolicies(
    inputs(
      {
        namespaces: [namespace('prod', { team: 'a' }), namespace('dev', { team: 'b' })],
        pods: [web, db, client],
        policies: [
          policy('prod/web', {
            podSelector: { matchLabels: { app: 'web' } },
            ingress: [
              rule([{ namespaceSelector: { matchLabels: { team: 'b' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.1.2.0/24'] } }], [{ protocol: 'TCP', port: 'http' }, { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 1000, endPort: 2000 }]),
              rule([{ ipBlock: { cidr: 'fd00::/8', except: ['fd00:9::/64'] } }], [{ protocol: 'SCTP', port: 'sig' }, { protocol: 'UDP' }]),
            ],
            egress: [rule([{ podSelector: {}, namespaceSelector: {} }], [{ protocol: 'UDP', port: 'dns' }, { protocol: 'SCTP', port: 3868 }])],
          }),
          policy('prod/db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [rule([{ podSelector: { matchLabels: { app: 'web' } } }])], egress: [] }),
          policy('prod/allow-all', { ingress: [rule()] }),
        ],
      },
      [web, db],
    ),
  );
}

describe('renderScript', () => {
  it('replaces the table in one transaction: declare, delete, then the table', () => {
    const lines = renderScript(EMPTY).split('\n');
    expect(lines.slice(0, 3)).toEqual([`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`]);
    expect(renderScript(EMPTY).endsWith('}\n')).toBe(true);
    expect(removalScript()).toBe(`table inet ${TABLE}\ndelete table inet ${TABLE}\n`);
  });

  it('judges traffic in two forward base chains, egress first, replies and IPv6 neighbour discovery passing', () => {
    const script = renderScript(EMPTY);
    const passing = 'ct state established,related accept\n\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept';
    expect(script).toContain(`chain egress {\n\t\ttype filter hook forward priority filter - 1; policy accept;\n\t\t${passing}\n\t\tip saddr vmap @egress_4\n\t\tip6 saddr vmap @egress_6\n\t}`);
    expect(script).toContain(`chain ingress {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\t${passing}\n\t\tip daddr vmap @ingress_4\n\t\tip6 daddr vmap @ingress_6\n\t}`);
  });

  it('maps local addresses per family to verdict chains that try the policy chains, then reject', () => {
    const script = renderScript(representative());
    expect(script).toMatch(/map ingress_4 \{\n\t\ttype ipv4_addr : verdict\n\t\telements = \{ 10\.244\.1\.10 : goto verdict_ingress_\d, 10\.244\.1\.12 : goto verdict_ingress_\d \}/);
    expect(script).toMatch(/map egress_6 \{\n\t\ttype ipv6_addr : verdict\n\t\telements = \{ fd00:1::10 : goto verdict_egress_\d, fd00:1::12 : goto verdict_egress_\d \}/);
    expect(script).toMatch(/chain verdict_ingress_0 \{\n(\t\tjump ingress_[0-9a-f]{12}\n)+\t\tmeta l4proto tcp reject with tcp reset\n\t\treject with icmpx admin-prohibited\n\t\}/);
  });

  it('writes protocols by number, named ports as a concatenated set, ipBlock except per family, a comment per line', () => {
    const script = renderScript(representative());
    expect(script).toMatch(/ip daddr \. meta l4proto \. th dport @ingress_[0-9a-f]{12}_0_ports_4 accept comment "prod\/web ingress\[0\]"/);
    expect(script).toContain('ip saddr 10.0.0.0/8 ip saddr != { 10.1.0.0/16, 10.1.2.0/24 } meta l4proto 6 th dport { 1000-2000, 80 } accept comment "prod/web ingress[0]"');
    expect(script).toContain('ip6 saddr fd00::/8 ip6 saddr != { fd00:9::/64 } meta l4proto 17 accept comment "prod/web ingress[1]"');
    expect(script).toContain('meta l4proto 132 th dport { 3868 } accept comment "prod/web egress[0]"');
    expect(script).toContain('type ipv6_addr . inet_proto . inet_service');
    expect(script).toContain('fd00:1::10 . 132 . 3868');
    expect(script).toContain('10.244.2.20 . 17 . 53');
    expect(script).toMatch(/\taccept comment "prod\/allow-all ingress\[0\]"/);
  });
});

/** Root only: proves nft accepts what renderScript writes, inside network namespaces made here (never the host's). */
describe('nft accepts the script', () => {
  const prefix = `npu-${randomBytes(3).toString('hex')}`;
  const made: string[] = [];

  async function netns(suffix: string): Promise<string> {
    const name = `${prefix}-${suffix}`;
    await run('ip', ['netns', 'add', name]);
    made.push(name);
    return name;
  }

  function nft(name: string, args: string[], input?: string): Promise<string> {
    const child = run('ip', ['netns', 'exec', name, 'nft', ...args]);
    // `nft list` exits without reading stdin: writing to it then fails with EPIPE.
    child.child.stdin?.on('error', () => undefined);
    child.child.stdin?.end(input ?? '');
    return child.then((result) => result.stdout);
  }

  const apply = (name: string, script: string) => nft(name, ['-f', '-'], script);
  const listTable = (name: string) => nft(name, ['list', 'table', 'inet', TABLE]);
  const tables = (name: string) => nft(name, ['list', 'tables']);

  afterAll(async () => {
    for (const name of made.splice(0)) await run('ip', ['netns', 'del', name]).catch(() => undefined);
  });

  it('a representative rule set, applied twice in a row (replacing works)', async () => {
    const name = await netns('full');
    const script = renderScript(representative());
    await apply(name, script);
    const first = await listTable(name);
    await apply(name, script);
    expect(await listTable(name)).toBe(first);
    expect(first).toContain('10.244.1.10 : goto verdict_ingress_');
    expect(first).toContain('fd00:1::10 . sctp . 3868');
    expect(first).toMatch(/ip saddr 10\.0\.0\.0\/8 ip saddr != \{ 10\.1\.0\.0\/16 \}/); // nft merges the except that 10.1.0.0/16 holds
  });

  it('the empty rule set, first and after a full one; the removal script, present or not', async () => {
    const name = await netns('empty');
    await apply(name, renderScript(EMPTY));
    expect(await tables(name)).toBe(`table inet ${TABLE}\n`);
    await apply(name, renderScript(representative()));
    await apply(name, renderScript(EMPTY));
    expect(await listTable(name)).not.toContain('verdict_');
    await apply(name, removalScript());
    await apply(name, removalScript());
    expect(await tables(name)).toBe('');
  });

  it('a script nft refuses leaves the table applied before it untouched', async () => {
    const name = await netns('atomic');
    await apply(name, renderScript(representative()));
    const before = await listTable(name);
    const broken: RuleSet = {
      ...EMPTY,
      policyChains: [{ name: 'ingress_broken', direction: 'ingress', policy: 'prod/broken', lines: [{ family: 4, ruleIndex: 0, peer: { cidr: 'not-a-cidr', except: [] } }] }],
    };
    await expect(apply(name, renderScript(broken))).rejects.toThrow();
    expect(await listTable(name)).toBe(before);
  });
});
