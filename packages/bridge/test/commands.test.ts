import type { Runner } from '@tscni/core';
import { bridgeGatewayCidrs, withDefaultRoutes, withGateways } from '../src/addressing.js';
import { isAlreadyDone, requireNoFailure, runBatch } from '../src/batch.js';
import { bridgeRepairCommands, createBridgeCommand, gatewayCommands } from '../src/bridge.js';
import { loadConfig } from '../src/config.js';
import { containerCommands } from '../src/container.js';
import { hostVethAlias, hostVethName, randomMac, vethCommands } from '../src/veth.js';

describe('veth names and MACs', () => {
  it('derives the host name from containerID and ifname: stable, distinct, 15 bytes', () => {
    const name = hostVethName('abc123', 'eth0');
    expect(name).toMatch(/^veth[0-9a-f]{11}$/);
    expect(Buffer.byteLength(name)).toBe(15);
    expect(hostVethName('abc123', 'eth0')).toBe(name);
    expect(hostVethName('abc123', 'net1')).not.toBe(name);
  });

  it('marks host veths with their network, a name too long for an alias cut and hashed', () => {
    expect(hostVethAlias('kindnet')).toBe('tscni-bridge:kindnet');
    const long = hostVethAlias('n'.repeat(255));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long).toMatch(/^tscni-bridge:n+~[0-9a-f]{16}$/);
    expect(hostVethAlias(`${'n'.repeat(254)}m`)).not.toBe(long);
  });

  it('makes locally administered unicast MACs', () => {
    const first = parseInt(randomMac().slice(0, 2), 16);
    expect(first & 0x01).toBe(0);
    expect(first & 0x02).toBe(2);
  });

  it('creates the container end directly in the pod namespace, then attaches and marks the host end', () => {
    const plan = {
      hostName: 'vethX', hostAlias: 'tscni-bridge:net', hostMac: '02:00:00:00:00:01', containerName: 'eth0', containerMac: '02:00:00:00:00:02',
      netns: '/proc/7/ns/net', bridge: 'cni0', mtu: 1400, hairpinMode: true,
    };
    expect(vethCommands(plan).map((c) => c.join(' '))).toEqual([
      'link add vethX address 02:00:00:00:00:01 mtu 1400 type veth peer name eth0 address 02:00:00:00:00:02 mtu 1400 netns /proc/7/ns/net',
      'link set vethX master cni0 up alias tscni-bridge:net',
      'link set vethX type bridge_slave hairpin on',
    ]);
  });
});

describe('the bridge', () => {
  const config = loadConfig({ cniVersion: '1.1.0', name: 'n', type: 't', mtu: 1400, promiscMode: true });

  it('is created up and promiscuous in one step, never changing a device that exists', () => {
    expect(createBridgeCommand(config, '02:00:00:00:00:09').join(' ')).toBe(
      'link add cni0 address 02:00:00:00:00:09 mtu 1400 up promisc on type bridge',
    );
  });

  it('is repaired when it exists down or without promisc', () => {
    const bridge = { ifindex: 3, ifname: 'cni0', flags: ['BROADCAST'], addr_info: [] };
    expect(bridgeRepairCommands(bridge, config)).toEqual([['link', 'set', 'cni0', 'up'], ['link', 'set', 'cni0', 'promisc', 'on']]);
    expect(bridgeRepairCommands({ ...bridge, flags: ['UP', 'PROMISC'] }, config)).toEqual([]);
  });
});

describe('gateway addresses on the bridge', () => {
  const v4 = { family: 'inet' as const, local: '10.0.0.1', prefixlen: 24, scope: 'global' };
  it('adds nothing that is there already', () => {
    expect(gatewayCommands('cni0', [v4], ['10.0.0.1/24'], false)).toEqual([]);
  });

  it('refuses another IPv4 address unless forceAddress, which replaces it', () => {
    expect(() => gatewayCommands('cni0', [v4], ['10.9.0.1/24'], false)).toThrow(/forceAddress/);
    expect(gatewayCommands('cni0', [v4], ['10.9.0.1/24'], true)).toEqual([
      ['addr', 'del', '10.0.0.1/24', 'dev', 'cni0'],
      ['addr', 'add', '10.9.0.1/24', 'dev', 'cni0', 'brd', '+'],
    ]);
  });

  it('adds an IPv6 gateway beside a non-overlapping one, without duplicate detection', () => {
    const v6 = { family: 'inet6' as const, local: 'fd00:1::1', prefixlen: 64, scope: 'global' };
    expect(gatewayCommands('cni0', [v6], ['fd00:2::1/64'], false)).toEqual([['addr', 'add', 'fd00:2::1/64', 'dev', 'cni0', 'nodad']]);
  });
});

describe('addresses and routes from the IPAM result', () => {
  const ips = withGateways([{ address: '10.0.0.5/24' }, { address: 'fd00::5/64', gateway: 'fd00::fe' }], true);

  it('fills in the subnet first address as gateway when IPAM gave none', () => {
    expect(ips.map((ip) => ip.gateway)).toEqual(['10.0.0.1', 'fd00::fe']);
    expect(bridgeGatewayCidrs(ips)).toEqual(['10.0.0.1/24', 'fd00::fe/64']);
  });

  it('adds a default route per family unless IPAM has one', () => {
    expect(withDefaultRoutes([{ dst: '::/0', gw: 'fd00::fe' }], ips, true)).toEqual([
      { dst: '::/0', gw: 'fd00::fe' },
      { dst: '0.0.0.0/0', gw: '10.0.0.1' },
    ]);
    expect(withDefaultRoutes([], ips, false)).toEqual([]);
  });

  it('refuses anything from IPAM that is not an address, as it would reach an ip command line', () => {
    expect(() => withGateways([{ address: '10.0.0.5/24', gateway: '10.0.0.1 dev lo' }], true)).toThrow(/invalid gateway/);
    expect(() => withDefaultRoutes([{ dst: '10.1.0.0/16 table 7' }], ips, false)).toThrow(/invalid route destination/);
  });

  it('configures the container: addresses, up, routes via the family gateway with 1.1 attributes', () => {
    const routes = [{ dst: '192.168.0.0/16', priority: 10, mtu: 1300 }, { dst: 'fd01::/64', gw: 'fd00::2' }];
    expect(containerCommands('eth0', ips, routes).map((c) => c.join(' '))).toEqual([
      'addr add 10.0.0.5/24 dev eth0 brd +',
      'addr add fd00::5/64 dev eth0 nodad',
      'link set eth0 up',
      'route add 192.168.0.0/16 via 10.0.0.1 dev eth0 metric 10 mtu 1300',
      'route add fd01::/64 via fd00::2 dev eth0',
    ]);
  });
});

describe('ip -force -batch', () => {
  const fakeRunner = (stderr: string, exitCode = 1): Runner & { inputs: string[] } => {
    const inputs: string[] = [];
    return { inputs, run: async (_file, _args, options) => (inputs.push(String(options?.input)), { stdout: '', stderr, exitCode }) };
  };
  const commands = [['link', 'add', 'cni0', 'type', 'bridge'], ['link', 'set', 'cni0', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'cni0']];

  it('reports each failed command with its message', async () => {
    const runner = fakeRunner('RTNETLINK answers: File exists\nCommand failed -:1\nError: ipv4: Address already assigned.\nCommand failed -:3\n');
    const { failures } = await runBatch(runner, commands, '/var/run/netns/x');
    expect(runner.inputs).toEqual(['link add cni0 type bridge\nlink set cni0 up\naddr add 10.0.0.1/24 dev cni0\n']);
    expect(failures).toEqual([
      { command: commands[0], message: 'RTNETLINK answers: File exists' },
      { command: commands[2], message: 'Error: ipv4: Address already assigned.' },
    ]);
    expect(failures.every(isAlreadyDone)).toBe(true);
    expect(() => requireNoFailure(failures, 'setting up', isAlreadyDone)).not.toThrow();
    expect(() => requireNoFailure(failures, 'setting up')).toThrow('setting up: "ip link add cni0 type bridge" failed: RTNETLINK answers: File exists');
  });

  it('turns a failure it cannot attribute into an error', async () => {
    await expect(runBatch(fakeRunner('ip: cannot open netns'), commands)).rejects.toThrow('ip -batch failed: ip: cannot open netns');
  });

  it('runs nothing for no commands', async () => {
    const runner = fakeRunner('');
    expect(await runBatch(runner, [])).toEqual({ failures: [], stdout: '' });
    expect(runner.inputs).toEqual([]);
  });
});
