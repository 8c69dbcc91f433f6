import { cidrsForPod, groupCidrs, podSubnets } from '../src/cidrs.js';

describe('groupCidrs', () => {
  it('groups by family, writes networks, drops duplicates', () => {
    const grouped = groupCidrs(['10.244.1.5/16', '10.244.0.0/16', 'FD00:0:0::1/64', '192.168.0.0/24'], 'x');
    expect(grouped.get(4)).toEqual(['10.244.0.0/16', '192.168.0.0/24']);
    expect(grouped.get(6)).toEqual(['fd00::/64']);
  });

  it.each([['10.0.0.0'], ['10.0.0.0/33'], ['nonsense'], [42], ['fd00::/129']])('rejects %p with code 7', (cidr) => {
    expect(() => groupCidrs([cidr], 'nonMasqueradeCIDRs')).toThrow(expect.objectContaining({ code: 7 }));
  });
});

describe('cidrsForPod', () => {
  const dualStack = { ips: [{ address: '10.244.1.5/24' }, { address: 'fd00:10:244:1::5/64' }] };

  it("defaults to the pod's own subnets", () => {
    expect([...podSubnets(dualStack)]).toEqual([
      [4, ['10.244.1.0/24']],
      [6, ['fd00:10:244:1::/64']],
    ]);
  });

  it("takes the configured CIDRs for the pod's families and falls back per family", () => {
    const configured = groupCidrs(['10.244.0.0/16', '10.96.0.0/12', '2001:db8::/32'], 'x');
    expect([...cidrsForPod(configured, { ips: [{ address: '10.244.1.5/24' }] })]).toEqual([
      [4, ['10.244.0.0/16', '10.96.0.0/12']],
    ]);
    const v4Only = groupCidrs(['10.244.0.0/16'], 'x');
    expect(cidrsForPod(v4Only, dualStack).get(6)).toEqual(['fd00:10:244:1::/64']);
  });

  it('has nothing to do for a result without addresses', () => {
    expect(cidrsForPod(undefined, {}).size).toBe(0);
  });
});
