import { namespaceInfoOf, podInfoOf, policyInfoOf, type ApiNetworkPolicy, type ApiPod } from '../src/index.js';

type Spec = NonNullable<ApiNetworkPolicy['spec']>;
const policy = (spec: Spec): ApiNetworkPolicy => ({ metadata: { namespace: 'prod', name: 'p' }, spec });
const ALLOW_FROM_WEB = { from: [{ podSelector: { matchLabels: { app: 'web' } } }] };
const ALLOW_TO_DNS = { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }] };

describe('policyInfoOf', () => {
  describe('policyTypes, defaulted as the API defines', () => {
    it.each<[string, Spec, { ingress: number | undefined; egress: number | undefined }]>([
      ['no policyTypes, no rules: Ingress only, denying all ingress', { podSelector: {} }, { ingress: 0, egress: undefined }],
      ['no policyTypes, ingress rules: Ingress only', { podSelector: {}, ingress: [ALLOW_FROM_WEB] }, { ingress: 1, egress: undefined }],
      ['no policyTypes, an empty egress list: Ingress only', { podSelector: {}, egress: [] }, { ingress: 0, egress: undefined }],
      ['no policyTypes, egress rules: both', { podSelector: {}, egress: [ALLOW_TO_DNS] }, { ingress: 0, egress: 1 }],
      ['explicit [] types: defaulted like none', { podSelector: {}, policyTypes: [], egress: [ALLOW_TO_DNS] }, { ingress: 0, egress: 1 }],
      ['explicit [] types, no rules: Ingress only', { podSelector: {}, policyTypes: [] }, { ingress: 0, egress: undefined }],
      ['explicit Egress, no rules: deny all egress, ingress untouched', { podSelector: {}, policyTypes: ['Egress'] }, { ingress: undefined, egress: 0 }],
      [
        'explicit Egress: ingress rules ignored',
        { podSelector: {}, policyTypes: ['Egress'], ingress: [ALLOW_FROM_WEB], egress: [ALLOW_TO_DNS] },
        { ingress: undefined, egress: 1 },
      ],
      ['explicit Ingress with egress rules: egress ignored', { podSelector: {}, policyTypes: ['Ingress'], egress: [ALLOW_TO_DNS] }, { ingress: 0, egress: undefined }],
      ['explicit both, no rules: deny all both ways', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, { ingress: 0, egress: 0 }],
    ])('%s', (_what, spec, expected) => {
      const info = policyInfoOf(policy(spec));
      expect({ ingress: info.ingress?.length, egress: info.egress?.length }).toEqual(expected);
      expect('ingress' in info).toBe(expected.ingress !== undefined);
      expect('egress' in info).toBe(expected.egress !== undefined);
    });
  });

  it('keeps namespace, name and podSelector; an absent podSelector selects all', () => {
    expect(policyInfoOf(policy({ podSelector: { matchLabels: { app: 'db' } } }))).toMatchObject({
      namespace: 'prod',
      name: 'p',
      podSelector: { matchLabels: { app: 'db' } },
    });
    expect(policyInfoOf(policy({})).podSelector).toEqual({});
    expect(policyInfoOf({}).ingress).toEqual([]);
  });

  it('a rule without from/ports has no peers and no ports (anyone, any port)', () => {
    expect(policyInfoOf(policy({ ingress: [{}] })).ingress).toEqual([{ peers: [], ports: [] }]);
  });

  it('peers: selectors kept as given, ipBlock without except gets an empty one', () => {
    const info = policyInfoOf(
      policy({
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { app: 'web' } } },
              { namespaceSelector: { matchLabels: { team: 'a' } } },
              { podSelector: {}, namespaceSelector: { matchLabels: { team: 'b' } } },
              { ipBlock: { cidr: '10.0.0.0/8' } },
              { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
            ],
          },
        ],
      }),
    );
    expect(info.ingress?.[0]?.peers).toEqual([
      { podSelector: { matchLabels: { app: 'web' } } },
      { namespaceSelector: { matchLabels: { team: 'a' } } },
      { podSelector: {}, namespaceSelector: { matchLabels: { team: 'b' } } },
      { ipBlock: { cidr: '10.0.0.0/8', except: [] } },
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
    ]);
  });

  it('ports: protocol defaults to TCP; number, name, range and whole protocol kept', () => {
    const info = policyInfoOf(
      policy({
        egress: [
          {
            ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 'diameter' }, { port: 1000, endPort: 2000 }, { protocol: 'UDP' }, {}],
          },
        ],
      }),
    );
    expect(info.egress?.[0]?.ports).toEqual([
      { protocol: 'TCP', port: 80 },
      { protocol: 'UDP', port: 53 },
      { protocol: 'SCTP', port: 'diameter' },
      { protocol: 'TCP', port: 1000, endPort: 2000 },
      { protocol: 'UDP' },
      { protocol: 'TCP' },
    ]);
  });
});

describe('podInfoOf', () => {
  const running = (status: ApiPod['status'], spec: ApiPod['spec'] = {}): ApiPod => ({
    metadata: { namespace: 'prod', name: 'web-1', labels: { app: 'web' } },
    spec: { nodeName: 'node-a', ...spec },
    status,
  });

  it('takes podIPs, every family', () => {
    const info = podInfoOf(running({ phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }] }));
    expect(info).toEqual({
      namespace: 'prod',
      name: 'web-1',
      labels: { app: 'web' },
      ips: ['10.244.1.5', 'fd00:10:244:1::5'],
      hostNetwork: false,
      namedPorts: [],
      nodeName: 'node-a',
    });
  });

  it('falls back to podIP without podIPs', () => {
    expect(podInfoOf(running({ phase: 'Running', podIP: '10.244.1.5' })).ips).toEqual(['10.244.1.5']);
  });

  it('no address before one is reported', () => {
    expect(podInfoOf(running({ phase: 'Pending' })).ips).toEqual([]);
    expect(podInfoOf(running(undefined)).ips).toEqual([]);
  });

  it.each(['Succeeded', 'Failed'])('a %s pod holds no address (its address may be reused)', (phase) => {
    expect(podInfoOf(running({ phase, podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] })).ips).toEqual([]);
  });

  it('hostNetwork is kept', () => {
    expect(podInfoOf(running({ phase: 'Running', podIP: '192.168.0.5' }, { hostNetwork: true })).hostNetwork).toBe(true);
  });

  it('named ports are kept per container port, protocol defaulted to TCP; unnamed ones dropped', () => {
    const info = podInfoOf(
      running(
        { phase: 'Running' },
        {
          containers: [
            { ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] },
            {},
            { ports: [{ name: 'dns-tcp', containerPort: 5353, protocol: 'TCP' }, { name: 'sig', containerPort: 3868, protocol: 'SCTP' }] },
          ],
        },
      ),
    );
    expect(info.namedPorts).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'dns', port: 5353, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353, protocol: 'TCP' },
      { name: 'sig', port: 3868, protocol: 'SCTP' },
    ]);
  });

  it('an object missing everything still gives a PodInfo', () => {
    expect(podInfoOf({})).toEqual({ namespace: '', name: '', labels: {}, ips: [], hostNetwork: false, namedPorts: [], nodeName: undefined });
  });
});

describe('namespaceInfoOf', () => {
  it('keeps name and labels', () => {
    expect(namespaceInfoOf({ metadata: { name: 'prod', labels: { team: 'a' } } })).toEqual({ name: 'prod', labels: { team: 'a' } });
    expect(namespaceInfoOf({ metadata: { name: 'bare' } })).toEqual({ name: 'bare', labels: {} });
  });
});
