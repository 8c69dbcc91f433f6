import { CRASH_AT_ENV, CRASH_STEPS, type SpecVersion } from '@tscni/core';
import { CRASH_TEST_VERSIONS, FOLLOW_UPS, Sandbox, hostLocalStore, lockIsFree, versionsOf, type FollowUp } from '@tscni/core/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressesOf, ipam, type IpamNet } from './run.js';

type Step = (typeof CRASH_STEPS)['tscni-host-local'][number];
const KEEPER = 'crash-keeper';

/** What the killed ADD has left at each crash point. */
const LEFT_BY: Record<Step, { allocated: boolean; staged: boolean }> = {
  'host-local-add:staged': { allocated: false, staged: true },
  'host-local-add:linked': { allocated: true, staged: true },
};

/**
 * tscni-host-local executed as a main plugin executes it, killed at each of
 * its crash points at each spec version, then DEL, DEL without netns, GC or
 * the next ADD of the same container ID. Nothing of the killed container may
 * remain, and the next container must get a free address. Each version has
 * its own store, so the versions of a case run at once.
 */
describe('tscni-host-local killed at every crash point', () => {
  const sandbox = new Sandbox('crash');
  const stores = new Map<SpecVersion, { net: IpamNet; dataDir: string; keeper: string }>();

  beforeAll(async () => {
    for (const version of CRASH_TEST_VERSIONS) {
      const dataDir = await sandbox.dir();
      const net: IpamNet = { name: 'crashnet', cniVersion: version, ipam: { type: 'tscni-host-local', dataDir, subnet: '10.251.0.0/24' } };
      const [keeper] = addressesOf(await ipam('ADD', KEEPER, net));
      stores.set(version, { net, dataDir, keeper: keeper! });
    }
  });
  afterAll(() => sandbox.cleanup());

  async function crashThen(version: SpecVersion, step: Step, followUp: FollowUp, containerId: string): Promise<void> {
    const { net, dataDir, keeper } = stores.get(version)!;
    const store = () => hostLocalStore(dataDir, 'crashnet');
    const lockFree = () => lockIsFree(join(dataDir, 'crashnet', 'lock'));
    const crashed = await ipam('ADD', containerId, net, { env: { [CRASH_AT_ENV]: step } });
    // Killed by a signal: no exit code (-1 here), no error JSON.
    expect(crashed).toMatchObject({ exitCode: -1, stdout: '', stderr: expect.stringContaining(`crash point ${step} reached`) });
    const left = store();
    expect({ allocated: left.allocated.length > 1, staged: left.staged.length > 0, lockFree: await lockFree() }).toEqual({
      ...LEFT_BY[step],
      lockFree: true,
    });

    switch (followUp) {
      case 'del':
        expect((await ipam('DEL', containerId, net, { netns: '/var/run/netns/ipam-only' })).exitCode).toBe(0);
        break;
      case 'del-no-netns':
        expect((await ipam('DEL', containerId, net, { netns: '' })).exitCode).toBe(0);
        break;
      case 'gc': {
        const valid = { ...net, 'cni.dev/valid-attachments': [{ containerID: KEEPER, ifname: 'eth0' }] };
        expect((await ipam('GC', '', valid, { ifName: '' })).exitCode).toBe(0);
        break;
      }
      case 'next-add': {
        // An IPAM plugin refuses an attachment that holds an address (code 102,
        // as the reference does); the main plugin releases it and asks again
        // (tscni-bridge does, see its crash test). Without a linked file there
        // is nothing to refuse.
        const again = await ipam('ADD', containerId, net);
        if (LEFT_BY[step].allocated) expect(again.json).toMatchObject({ code: 102 });
        else expect(addressesOf(again)).not.toContain(keeper);
        expect((await ipam('DEL', containerId, net)).exitCode).toBe(0);
        break;
      }
    }
    expect({ ...store(), lockFree: await lockFree() }).toEqual({ allocated: [keeper], staged: [], lockFree: true });

    const [address] = addressesOf(await ipam('ADD', `${containerId}-next`, net));
    expect(address).not.toBe(keeper);
    expect(readFileSync(join(dataDir, 'crashnet', address!), 'utf8')).toBe(`${containerId}-next\r\neth0`);
    expect((await ipam('DEL', `${containerId}-next`, net)).exitCode).toBe(0);
  }

  describe.each(CRASH_STEPS['tscni-host-local'].map((step, i) => [step, i] as const))('killed at %s', (step, stepIndex) => {
    it.each(Object.entries(FOLLOW_UPS) as Array<[FollowUp, string]>)('then %s (%s): nothing leaks, the next ADD gets a free address', async (followUp) => {
      await Promise.all(versionsOf(followUp).map((version) => crashThen(version, step, followUp, `crash-${stepIndex}-${followUp}`)));
    });
  });
});
