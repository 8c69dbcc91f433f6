import { CRASH_AT_ENV, CRASH_STEPS, type SpecVersion } from '@tscni/core';
import { ChainNode, FOLLOW_UPS, WORKING, Sandbox, versionsOf, type FollowUp } from '@tscni/core/testing';
import { hostVethName } from '../src/index.js';

const STEPS = [...CRASH_STEPS['tscni-bridge'], ...CRASH_STEPS['tscni-host-local']];
type Step = (typeof STEPS)[number];

/** What the killed ADD has left when each crash point fires (under the hook ADD runs IPAM first, see add.ts). */
const LEFT_BY: Record<Step, { allocated: boolean; veth: boolean; staged: boolean }> = {
  'bridge-add:ipam-done': { allocated: true, veth: false, staged: false },
  'bridge-add:veth-in-netns': { allocated: false, veth: true, staged: false },
  'bridge-add:addresses-set': { allocated: true, veth: true, staged: false },
  'bridge-add:before-result': { allocated: true, veth: true, staged: false },
  'host-local-add:staged': { allocated: false, veth: false, staged: true },
  'host-local-add:linked': { allocated: true, veth: false, staged: true },
};

/**
 * tscni-bridge, with tscni-host-local in its process, killed at each crash
 * point by the chain runner inside a node namespace, at each spec version;
 * then DEL, DEL without netns, GC, or the next ADD of the same container.
 * Nothing of the killed pod may remain, and the next pod must get a working
 * address. The versions of a case run at once, each on a node of its own.
 */
describe('tscni-bridge killed at every crash point', () => {
  const sandbox = new Sandbox('crash');
  const nodes = new Map<SpecVersion, ChainNode>();

  beforeAll(async () => {
    const made = await Promise.all(
      versionsOf('next-add').map(async (version) => {
        const plugins = (dataDir: string) => [{ type: 'tscni-bridge', podcidr: '10.250.0.0/24', ipam: { type: 'tscni-host-local', dataDir } }];
        return [version, await ChainNode.create(sandbox, { version, network: 'crashnet', plugins })] as const;
      }),
    );
    for (const [version, node] of made) nodes.set(version, node);
  });
  afterAll(() => sandbox.cleanup());

  async function crashThen(node: ChainNode, step: Step, followUp: FollowUp, containerId: string): Promise<void> {
    const rt = node.attachment(containerId);
    const next = node.attachment(`${containerId}-next`, node.nextPod);
    try {
      await expect(node.chain({ [CRASH_AT_ENV]: step }).add(node.conf, rt)).rejects.toThrow(`crash point ${step} reached`);
      const left = await node.leftovers();
      expect({
        allocated: left.store.allocated.length > node.clean.store.allocated.length,
        veth: left.veths.includes(hostVethName(containerId, 'eth0')),
        staged: left.store.staged.length > 0,
        lockFree: left.lockFree,
      }).toEqual({ ...LEFT_BY[step], lockFree: true });

      await node.followUp(followUp, rt, async (result) => expect(await node.reach(node.pod, result)).toMatchObject(WORKING));
      expect(await node.leftovers()).toEqual(node.clean);
      expect(await node.reach(node.nextPod, await node.chain().add(node.conf, next))).toMatchObject(WORKING);
      await node.chain().del(node.conf, next);
    } catch (error) {
      await node.forget(rt, next);
      throw error;
    }
  }

  describe.each(STEPS.map((step, i) => [step, i] as const))('killed at %s', (step, stepIndex) => {
    it.each(Object.entries(FOLLOW_UPS) as Array<[FollowUp, string]>)('then %s (%s): nothing leaks, the next pod works', async (followUp) => {
      const containerId = `crash-${stepIndex}-${followUp}`;
      await Promise.all(versionsOf(followUp).map((version) => crashThen(nodes.get(version)!, step, followUp, containerId)));
    });
  });

  it('leaves every node as it found it: the keeper alone', async () => {
    for (const node of nodes.values()) expect(await node.leftovers()).toEqual(node.clean);
  });
});
