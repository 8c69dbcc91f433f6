import { nodeInfoOf } from '../src/node-info.js';

describe('nodeInfoOf', () => {
  test('reads podCIDRs (or the older podCIDR) and the InternalIPs', () => {
    expect(
      nodeInfoOf({
        metadata: { name: 'b' },
        spec: { podCIDR: '10.244.1.0/24' },
        status: { addresses: [{ type: 'Hostname', address: 'b' }, { type: 'InternalIP', address: '172.17.0.3' }] },
      }),
    ).toEqual({ name: 'b', podCidrs: ['10.244.1.0/24'], internalIps: ['172.17.0.3'] });
    expect(nodeInfoOf({ metadata: { name: 'c' } })).toEqual({ name: 'c', podCidrs: [], internalIps: [] });
  });
});
