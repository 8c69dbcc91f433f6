import { compilePolicies, renderScript, type Direction, type PolicyInfo, type RuleSet } from '../src/index.js';
import { allowed, inputs, named, namespace, pod, policy, rule, unusedSets } from './fixtures.js';

/**
 * A small cluster seen from node A. Local: prod/web-1 (dual-stack),
 * prod/web-2, prod/db, ops/mon, and the hostNetwork prod/host. Elsewhere:
 * prod/client (dual-stack), dev/tool, dev/web, and ghost/x, whose Namespace
 * object is not known yet.
 */
const WEB_1 = pod('prod/web-1', { app: 'web' }, ['10.244.1.10', 'fd00:1::10'], { namedPorts: [named('http', 8080)] });
const WEB_2 = pod('prod/web-2', { app: 'web' }, ['10.244.1.11'], { namedPorts: [named('http', 9090)] });
const DB = pod('prod/db', { app: 'db' }, ['10.244.1.12'], { namedPorts: [named('sql', 5432)] });
const MON = pod('ops/mon', { app: 'mon' }, ['10.244.1.40']);
const HOST = pod('prod/host', { app: 'web' }, ['192.168.0.5'], { hostNetwork: true, namedPorts: [named('http', 80)] });
const CLIENT = pod('prod/client', { app: 'client' }, ['10.244.2.20', 'fd00:2::20']);
const TOOL = pod('dev/tool', { app: 'tool' }, ['10.244.2.30'], { namedPorts: [named('http', 7070), named('dns', 53, 'UDP')] });
const DEV_WEB = pod('dev/web', { app: 'web' }, ['10.244.2.31']);
const GHOST = pod('ghost/x', { app: 'web' }, ['10.244.2.50']);

const PODS = [WEB_1, WEB_2, DB, MON, HOST, CLIENT, TOOL, DEV_WEB, GHOST];
const LOCAL = [WEB_1, WEB_2, DB, MON, HOST];
const NAMESPACES = [namespace('prod', { team: 'a', env: 'prod' }), namespace('dev', { team: 'b', env: 'dev' }), namespace('ops', { team: 'a', env: 'ops' })];

const compile = (...policies: PolicyInfo[]): RuleSet => compilePolicies(inputs({ policies, namespaces: NAMESPACES, pods: PODS }, LOCAL));
const WEB = { matchLabels: { app: 'web' } };

describe('compilePolicies', () => {
  describe('isolation', () => {
    it('no policy: nothing is isolated, the rule set is empty', () => {
      expect(compile()).toEqual({ targets: { ingress: new Map(), egress: new Map() }, verdictChains: [], policyChains: [], sets: [] });
    });

    it('a pod no policy selects is absent from the targets (not isolated), the selected one is', () => {
      const ruleSet = compile(policy('prod/db-only', { podSelector: { matchLabels: { app: 'db' } }, ingress: [] }));
      expect(allowed(ruleSet, 'ingress', DB.ips[0]!)).toEqual([]);
      for (const address of [...WEB_1.ips, ...WEB_2.ips, ...MON.ips]) expect(allowed(ruleSet, 'ingress', address)).toBeUndefined();
      expect([...ruleSet.targets.ingress.keys()]).toEqual(['10.244.1.12']);
      expect(ruleSet.targets.egress.size).toBe(0);
    });

    it('a policy selects only pods of its own namespace', () => {
      const ruleSet = compile(policy('dev/all', { ingress: [] }));
      expect(ruleSet.targets.ingress.size).toBe(0);
      expect(ruleSet.policyChains).toEqual([]);
    });

    it.each<[string, Partial<PolicyInfo>, Record<Direction, string[] | undefined>]>([
      ['deny-all ingress', { ingress: [] }, { ingress: [], egress: undefined }],
      ['deny-all egress', { egress: [] }, { ingress: undefined, egress: [] }],
      ['deny-all both', { ingress: [], egress: [] }, { ingress: [], egress: [] }],
      ['allow-all ingress ({} rule)', { ingress: [rule()] }, { ingress: ['any any'], egress: undefined }],
      ['allow-all egress ({} rule), ingress denied', { ingress: [], egress: [rule()] }, { ingress: [], egress: ['any any'] }],
    ])('%s, both families of a dual-stack pod', (_what, spec, expected) => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ...spec }));
      for (const address of WEB_1.ips) {
        expect(allowed(ruleSet, 'ingress', address)).toEqual(expected.ingress);
        expect(allowed(ruleSet, 'egress', address)).toEqual(expected.egress);
      }
    });

    it('a pod isolated by several policies is allowed what any of them allows', () => {
      const ruleSet = compile(
        policy('prod/from-client', { podSelector: WEB, ingress: [rule([{ podSelector: { matchLabels: { app: 'client' } } }])] }),
        policy('prod/deny', { ingress: [] }),
        policy('prod/from-dev', { podSelector: WEB, ingress: [rule([{ namespaceSelector: { matchLabels: { env: 'dev' } } }])] }),
      );
      // The policies' chains in the order of their namespace/name.
      expect(allowed(ruleSet, 'ingress', '10.244.1.10')).toEqual(['{10.244.2.20} any', '{10.244.2.30,10.244.2.31} any']);
      expect(allowed(ruleSet, 'ingress', '10.244.1.12')).toEqual([]);
    });

    it('a selected pod without an address yet gets no entry, and alone makes no chain', () => {
      const pending = pod('prod/pending', { app: 'new' }, []);
      const ruleSet = compilePolicies(
        inputs({ policies: [policy('prod/new', { podSelector: { matchLabels: { app: 'new' } }, ingress: [] })], namespaces: NAMESPACES, pods: [...PODS, pending] }, [...LOCAL, pending]),
      );
      expect(ruleSet).toEqual({ targets: { ingress: new Map(), egress: new Map() }, verdictChains: [], policyChains: [], sets: [] });
    });
  });

  describe('peers (ingress of prod/web-1 from, egress of prod/web-1 to)', () => {
    it.each<[string, PolicyInfo['ingress'] & object, { v4: string[]; v6: string[] }]>([
      ['podSelector only: pods of the policy\'s namespace', [rule([{ podSelector: WEB }])], { v4: ['{10.244.1.10,10.244.1.11} any'], v6: ['{fd00:1::10} any'] }],
      ['podSelector {}: every pod of the policy\'s namespace', [rule([{ podSelector: {} }])], { v4: ['{10.244.1.10,10.244.1.11,10.244.1.12,10.244.2.20} any'], v6: ['{fd00:1::10,fd00:2::20} any'] }],
      [
        'namespaceSelector only: every pod of matching namespaces',
        [rule([{ namespaceSelector: { matchLabels: { team: 'a' } } }])],
        { v4: ['{10.244.1.10,10.244.1.11,10.244.1.12,10.244.1.40,10.244.2.20} any'], v6: ['{fd00:1::10,fd00:2::20} any'] },
      ],
      [
        'namespaceSelector {}: every pod of every known namespace',
        [rule([{ namespaceSelector: {} }])],
        { v4: ['{10.244.1.10,10.244.1.11,10.244.1.12,10.244.1.40,10.244.2.20,10.244.2.30,10.244.2.31} any'], v6: ['{fd00:1::10,fd00:2::20} any'] },
      ],
      ['both in one peer: AND', [rule([{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: WEB }])], { v4: ['{10.244.2.31} any'], v6: [] }],
      [
        'a mix in one rule: OR, one set',
        [rule([{ podSelector: { matchLabels: { app: 'client' } } }, { namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'tool' } } }])],
        { v4: ['{10.244.2.20,10.244.2.30} any'], v6: ['{fd00:2::20} any'] },
      ],
      [
        'ipBlock with except, per family, except filtered to the family',
        [rule([{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', 'fd00:1::/64', '10.2.0.0/16'] } }, { ipBlock: { cidr: 'fd00::/8', except: ['10.3.0.0/16', 'fd00:1::/64'] } }])],
        { v4: ['10.0.0.0/8 except {10.1.0.0/16,10.2.0.0/16} any'], v6: ['fd00::/8 except {fd00:1::/64} any'] },
      ],
      ['ipBlock of one family: the other has no line', [rule([{ ipBlock: { cidr: '0.0.0.0/0', except: [] } }])], { v4: ['0.0.0.0/0 any'], v6: [] }],
      [
        'selectors and ipBlocks in one rule: a line each',
        [rule([{ ipBlock: { cidr: '192.168.0.0/16', except: [] } }, { podSelector: { matchLabels: { app: 'client' } } }])],
        { v4: ['{10.244.2.20} any', '192.168.0.0/16 any'], v6: ['{fd00:2::20} any'] },
      ],
      ['an empty peer set leaves the line out', [rule([{ podSelector: { matchLabels: { app: 'nothing' } } }])], { v4: [], v6: [] }],
      ['peers of one family only: the other family has no line', [rule([{ namespaceSelector: { matchLabels: { env: 'dev' } } }])], { v4: ['{10.244.2.30,10.244.2.31} any'], v6: [] }],
    ])('%s', (_what, rules, expected) => {
      for (const direction of ['ingress', 'egress'] as const) {
        const ruleSet = compile(policy('prod/p', { podSelector: WEB, [direction]: rules }));
        expect(allowed(ruleSet, direction, '10.244.1.10')).toEqual(expected.v4);
        expect(allowed(ruleSet, direction, 'fd00:1::10')).toEqual(expected.v6);
        expect(ruleSet.sets.every((set) => set.elements.length > 0)).toBe(true);
        expect(unusedSets(ruleSet)).toEqual([]);
      }
    });

    it('hostNetwork pods are never selected and are never peers', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([{ podSelector: {} }])], egress: [rule([{ namespaceSelector: {} }])] }));
      expect(ruleSet.targets.ingress.has('192.168.0.5')).toBe(false);
      expect(ruleSet.targets.egress.has('192.168.0.5')).toBe(false);
      expect(ruleSet.sets.flatMap((set) => set.elements).some((element) => element.includes('192.168.0.5'))).toBe(false);
    });

    it('pods of other nodes get no verdict entries but are peers', () => {
      const ruleSet = compile(policy('prod/all', { ingress: [rule([{ podSelector: {} }])] }));
      expect([...ruleSet.targets.ingress.keys()].sort()).toEqual(['10.244.1.10', '10.244.1.11', '10.244.1.12', 'fd00:1::10']);
      expect(allowed(ruleSet, 'ingress', '10.244.1.12')).toEqual(['{10.244.1.10,10.244.1.11,10.244.1.12,10.244.2.20} any']);
    });

    it('a pod whose Namespace is not known yet matches no namespaceSelector, {} included', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([{ namespaceSelector: {}, podSelector: WEB }])] }));
      expect(allowed(ruleSet, 'ingress', '10.244.1.10')).toEqual(['{10.244.1.10,10.244.1.11,10.244.2.31} any']);
    });
  });

  describe('ports', () => {
    it.each<[string, PolicyInfo['ingress'] & object, string[]]>([
      ['by number, one protocol: one line', [rule([], [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }])], ['any TCP 443,80']],
      ['an endPort range', [rule([], [{ protocol: 'TCP', port: 1000, endPort: 2000 }, { protocol: 'TCP', port: 22 }])], ['any TCP 1000-2000,22']],
      ['endPort equal to port: one port', [rule([], [{ protocol: 'TCP', port: 8080, endPort: 8080 }])], ['any TCP 8080']],
      ['a whole protocol (no port)', [rule([], [{ protocol: 'UDP' }])], ['any UDP']],
      ['a whole protocol swallows its numbered ports', [rule([], [{ protocol: 'UDP', port: 53 }, { protocol: 'UDP' }, { protocol: 'UDP', port: 123 }])], ['any UDP']],
      [
        'TCP, UDP and SCTP: a line per protocol',
        [rule([], [{ protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 3868 }, { protocol: 'TCP', port: 53 }])],
        ['any SCTP 3868', 'any TCP 53', 'any UDP 53'],
      ],
      [
        'peers × ports',
        [rule([{ podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '192.168.0.0/16', except: [] } }], [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP' }])],
        ['{10.244.2.20} TCP 80', '{10.244.2.20} UDP', '192.168.0.0/16 TCP 80', '192.168.0.0/16 UDP'],
      ],
    ])('%s', (_what, rules, expected) => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: rules }));
      expect(allowed(ruleSet, 'ingress', '10.244.1.10')).toEqual(expected);
    });

    it('named ports in ingress: the selected local pod\'s port, each pod its own number', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([], [{ protocol: 'TCP', port: 'http' }])] }));
      expect(allowed(ruleSet, 'ingress', '10.244.1.10')).toEqual(['any named {10.244.1.10 . 6 . 8080,10.244.1.11 . 6 . 9090}']);
      expect(allowed(ruleSet, 'ingress', '10.244.1.11')).toEqual(['any named {10.244.1.10 . 6 . 8080,10.244.1.11 . 6 . 9090}']);
      expect(allowed(ruleSet, 'ingress', 'fd00:1::10')).toEqual(['any named {fd00:1::10 . 6 . 8080}']);
    });

    it('named ports in egress: the destination pod\'s port, each pod its own number, never a hostNetwork pod\'s', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: { matchLabels: { app: 'db' } }, egress: [rule([{ namespaceSelector: {} }], [{ protocol: 'TCP', port: 'http' }])] }));
      expect(allowed(ruleSet, 'egress', '10.244.1.12')).toEqual([
        '{10.244.1.10,10.244.1.11,10.244.1.12,10.244.1.40,10.244.2.20,10.244.2.30,10.244.2.31} named {10.244.1.10 . 6 . 8080,10.244.1.11 . 6 . 9090,10.244.2.30 . 6 . 7070}',
      ]);
    });

    it('a named port matches its protocol only; a name no pod has leaves the line out', () => {
      const udp = compile(policy('prod/p', { podSelector: WEB, egress: [rule([], [{ protocol: 'UDP', port: 'dns' }, { protocol: 'UDP', port: 'http' }])] }));
      expect(allowed(udp, 'egress', '10.244.1.10')).toEqual(['any named {10.244.2.30 . 17 . 53}']);
      expect(allowed(udp, 'egress', 'fd00:1::10')).toEqual([]);
      const none = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([], [{ protocol: 'TCP', port: 'nope' }])] }));
      expect(allowed(none, 'ingress', '10.244.1.10')).toEqual([]);
      expect(none.sets).toEqual([]);
    });

    it('named ports of a family no peer is in: no line and no set', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([{ ipBlock: { cidr: 'fd00::/8', except: [] } }], [{ protocol: 'TCP', port: 'http' }])] }));
      expect(allowed(ruleSet, 'ingress', '10.244.1.10')).toEqual([]);
      expect(allowed(ruleSet, 'ingress', 'fd00:1::10')).toEqual(['fd00::/8 named {fd00:1::10 . 6 . 8080}']);
      expect(unusedSets(ruleSet)).toEqual([]);
    });

    it('named and numbered ports in one rule: a line each', () => {
      const ruleSet = compile(policy('prod/p', { podSelector: WEB, ingress: [rule([], [{ protocol: 'TCP', port: 'http' }, { protocol: 'TCP', port: 22 }])] }));
      expect(allowed(ruleSet, 'ingress', '10.244.1.11')).toEqual(['any TCP 22', 'any named {10.244.1.10 . 6 . 8080,10.244.1.11 . 6 . 9090}']);
    });
  });

  describe('shape', () => {
    /** `count` local pods in namespace big, half labelled odd, half even; three policies. */
    function big(count: number): RuleSet {
      const pods = Array.from({ length: count }, (_, i) =>
        pod(`big/p${i}`, { group: i % 2 ? 'odd' : 'even' }, [`10.244.${Math.floor(i / 200) + 1}.${(i % 200) + 10}`, `fd00:1::${(i + 16).toString(16)}`]),
      );
      return compilePolicies(
        inputs(
          {
            namespaces: [namespace('big')],
            pods,
            policies: [
              policy('big/all', { ingress: [rule([{ podSelector: {} }])] }),
              policy('big/odd', { podSelector: { matchLabels: { group: 'odd' } }, ingress: [rule([], [{ protocol: 'TCP', port: 80 }])] }),
              policy('big/even', { podSelector: { matchLabels: { group: 'even' } }, ingress: [rule([], [{ protocol: 'TCP', port: 443 }])], egress: [] }),
            ],
          },
          pods,
        ),
      );
    }

    it.each([50, 400])('%i local pods, 3 policies: chains grow with the policies, not with pods × policies', (count) => {
      const ruleSet = big(count);
      // ingress: all+odd, all+even; egress: even.
      expect(ruleSet.verdictChains.map((chain) => chain.policyChains.length).sort()).toEqual([1, 2, 2]);
      expect(ruleSet.policyChains.map((chain) => `${chain.policy} ${chain.direction}`).sort()).toEqual(['big/all ingress', 'big/even egress', 'big/even ingress', 'big/odd ingress']);
      expect(ruleSet.targets.ingress.size).toBe(2 * count);
      expect(ruleSet.targets.egress.size).toBe(count);
      expect(ruleSet.sets.map((set) => set.elements.length)).toEqual([count, count]);
    });

    it('pods selected by the same policies share one verdict chain', () => {
      const ruleSet = big(50);
      expect(ruleSet.targets.ingress.get('10.244.1.11')).toBe(ruleSet.targets.ingress.get('10.244.1.13'));
      expect(ruleSet.targets.ingress.get('10.244.1.11')).toBe(ruleSet.targets.ingress.get('fd00:1::11'));
      expect(ruleSet.targets.ingress.get('10.244.1.10')).not.toBe(ruleSet.targets.ingress.get('10.244.1.11'));
    });

    it('deterministic: the same input in another order gives the same rule set and script', () => {
      const policies = [
        policy('prod/a', { podSelector: WEB, ingress: [rule([{ namespaceSelector: {} }], [{ protocol: 'TCP', port: 'http' }])], egress: [rule([{ podSelector: {} }])] }),
        policy('prod/b', { ingress: [rule([{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 80 }])] }),
        policy('ops/c', { egress: [rule([{ namespaceSelector: { matchLabels: { team: 'a' } } }])] }),
      ];
      const forward = compilePolicies(inputs({ policies, namespaces: NAMESPACES, pods: PODS }, LOCAL));
      const backward = compilePolicies(inputs({ policies: [...policies].reverse(), namespaces: [...NAMESPACES].reverse(), pods: [...PODS].reverse() }, [...LOCAL].reverse()));
      expect(backward).toEqual(forward);
      expect([...backward.targets.ingress]).toEqual([...forward.targets.ingress]);
      expect(renderScript(backward)).toBe(renderScript(forward));
    });
  });
});
