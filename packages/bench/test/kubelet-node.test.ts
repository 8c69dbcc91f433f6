import { kubeletNode } from '../src/kubelet-node.js';

describe('kubeletNode', () => {
  const node = kubeletNode('peer-42', '172.17.100.42', '10.244.17.80/29', { 'tscni-bench/group': 'churn' }) as {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    spec: { podCIDR: string; podCIDRs: string[] };
    status: { conditions: unknown[]; addresses: Array<{ type: string }>; images: Array<{ names: string[] }>; capacity: object; allocatable: object };
  };

  test('is about 10 KB of JSON, as a kubelet-registered Node', () => {
    const bytes = Buffer.byteLength(JSON.stringify(node));
    expect(bytes).toBeGreaterThan(9_000);
    expect(bytes).toBeLessThan(15_000);
  });

  test('carries what kubelet posts: five conditions, InternalIP and Hostname, 50 images, a dozen labels, the pod CIDR in spec', () => {
    expect(node.status.conditions).toHaveLength(5);
    expect(node.status.addresses.map((a) => a.type)).toEqual(['InternalIP', 'Hostname']);
    expect(node.status.images).toHaveLength(50);
    expect(node.status.images[1]!.names[0]).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(Object.keys(node.metadata.labels).length).toBeGreaterThanOrEqual(12);
    expect(node.metadata.labels['tscni-bench/group']).toBe('churn');
    expect(node.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']!.length).toBeGreaterThan(300);
    expect(node.spec).toMatchObject({ podCIDR: '10.244.17.80/29', podCIDRs: ['10.244.17.80/29'] });
  });
});
