import type { HeldAddress } from '../src/admin/inventory.js';
import { silentLogger } from '@tscni/core';
import { IpamReconciler, type PodIdentity } from '../src/reconcile/ipam-reconciler.js';

const MINUTE = 60_000;
const START = Date.parse('2026-12-01T10:00:00Z');

function held(ip: string, pod?: { namespace: string; name: string; uid: string }, allocatedAt = START - 60 * MINUTE): HeldAddress {
  const owner = { containerId: `ctr-${ip}`, ifName: 'eth0' };
  return {
    network: 'tscni',
    ip,
    owner,
    readable: true,
    pod: pod ? { ...owner, netns: '/var/run/netns/x', ...pod, allocatedAt: new Date(allocatedAt).toISOString() } : undefined,
  };
}

/** The reconciler's decisions, on fakes of the store and the API (the real ones: e2e/test/real-apiserver.test.ts). */
describe('IpamReconciler', () => {
  let now: number;
  let addresses: HeldAddress[];
  let pods: PodIdentity[];
  let released: string[];
  const reconciler = (graceMs = 5 * MINUTE) =>
    new IpamReconciler(
      {
        listHeld: async () => addresses,
        listPods: async () => pods,
        release: async (address) => {
          released.push(address.ip);
          addresses = addresses.filter((a) => a !== address);
          return true;
        },
        log: silentLogger,
        now: () => now,
      },
      graceMs,
    );

  beforeEach(() => {
    now = START;
    released = [];
    pods = [
      { namespace: 'default', name: 'web', uid: 'u-web' },
      { namespace: 'kube-system', name: 'etcd-node1', uid: 'u-mirror', mirrorOf: 'u-static' },
      { namespace: 'default', name: 'db-0', uid: 'u-db-new' },
    ];
    addresses = [
      held('10.244.1.2', { namespace: 'default', name: 'web', uid: 'u-web' }),
      held('10.244.1.3', { namespace: 'kube-system', name: 'etcd-node1', uid: 'u-static' }),
      held('10.244.1.4', { namespace: 'default', name: 'db-0', uid: 'u-db-old' }),
      held('10.244.1.5', { namespace: 'default', name: 'gone', uid: 'u-gone' }),
      held('10.244.1.6'),
    ];
  });

  test('keeps every address whose pod exists (by UID, by a mirror pod, by namespace and name) and every one with no pod recorded', async () => {
    const r = reconciler();
    await r.pass();
    now += 10 * MINUTE;
    const outcome = await r.pass();
    expect(released).toEqual(['10.244.1.5']);
    expect(outcome).toMatchObject({ held: 5, unattributed: 1, waiting: [] });
  });

  test('releases only after the pod has been missing for the grace period, across passes', async () => {
    const r = reconciler();
    expect((await r.pass()).waiting.map((a) => a.ip)).toEqual(['10.244.1.5']);
    now += 4 * MINUTE;
    await r.pass();
    expect(released).toEqual([]);
    now += MINUTE;
    expect((await r.pass()).released.map((a) => a.ip)).toEqual(['10.244.1.5']);
  });

  test('an address younger than the grace period is kept even when its pod is not listed (a static pod before its mirror)', async () => {
    addresses = [held('10.244.1.7', { namespace: 'kube-system', name: 'static', uid: 'u-new' }, START - MINUTE)];
    const r = reconciler();
    await r.pass();
    now += 3 * MINUTE;
    await r.pass();
    expect(released).toEqual([]);
    now += 3 * MINUTE;
    await r.pass();
    expect(released).toEqual(['10.244.1.7']);
  });

  test('a pod that comes back resets its clock', async () => {
    const r = reconciler();
    await r.pass();
    now += 4 * MINUTE;
    pods.push({ namespace: 'default', name: 'gone', uid: 'u-gone' });
    await r.pass();
    pods.pop();
    now += 4 * MINUTE;
    await r.pass();
    expect(released).toEqual([]);
  });

  test('when the API server cannot list the pods, the pass fails and releases nothing', async () => {
    const r = new IpamReconciler(
      { listHeld: async () => addresses, listPods: () => Promise.reject(new Error('forbidden')), release: async () => true, log: silentLogger, now: () => now },
      0,
    );
    await expect(r.pass()).rejects.toThrow('forbidden');
  });

  test('once releases what is missing now and older than the grace period; a dry run releases nothing', async () => {
    expect((await reconciler().pass({ once: true, dryRun: true })).released.map((a) => a.ip)).toEqual(['10.244.1.5']);
    expect(released).toEqual([]);
    expect((await reconciler().pass({ once: true })).released.map((a) => a.ip)).toEqual(['10.244.1.5']);
    expect(released).toEqual(['10.244.1.5']);
  });

  test('an address that changed hands since it was listed is not counted as released', async () => {
    const r = new IpamReconciler(
      { listHeld: async () => addresses, listPods: async () => pods, release: async () => false, log: silentLogger, now: () => now },
      0,
    );
    expect((await r.pass({ once: true })).released).toEqual([]);
  });
});
