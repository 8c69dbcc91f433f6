import { MEASURED_NODE, namespaceCount, podsOf, policyObject, probePolicy, ruleComment } from '../src/netpol-cluster.js';

describe("table 7's cluster", () => {
  it('puts about 11 % of the pods on the measured node, every address once', () => {
    const pods = podsOf(1000);
    expect(namespaceCount(1000)).toBe(100);
    expect(pods.filter((pod) => pod.node === MEASURED_NODE)).toHaveLength(110);
    expect(new Set(pods.map((pod) => pod.ip)).size).toBe(1000);
    expect(new Set(pods.map((pod) => `${pod.namespace}/${pod.name}`)).size).toBe(1000);
    expect(podsOf(100).filter((pod) => pod.node === MEASURED_NODE)).toHaveLength(11);
  });

  it('spreads the policies over the namespaces, each kind in turn', () => {
    const kinds = [0, 1, 2, 3].map((p) => policyObject(p, 100) as { metadata: { namespace: string }; spec: Record<string, unknown> });
    expect(kinds.map((policy) => policy.metadata.namespace)).toEqual(['bench-000', 'bench-001', 'bench-002', 'bench-003']);
    expect(kinds[2]!.spec).toEqual({ podSelector: { matchLabels: { app: 'app-2' } }, policyTypes: ['Ingress'] });
    expect((policyObject(100, 100) as { metadata: { namespace: string } }).metadata.namespace).toBe('bench-000');
  });

  it("waits for the probe policy's first ingress rule by the renderer's comment", () => {
    expect(probePolicy('bench-007', 'probe-10-0')).toMatchObject({ metadata: { namespace: 'bench-007', name: 'probe-10-0' } });
    expect(ruleComment('bench-007', 'probe-10-0')).toBe('bench-007/probe-10-0 ingress[0]');
  });
});
