import { CRASH_AT_ENV, CRASH_STEPS, type SpecVersion } from '@tscni/core';
import { ChainNode, FOLLOW_UPS, WORKING, Sandbox, lockIsFree, versionsOf, type FollowUp, type TestNamespace } from '@tscni/core/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stampFileFor } from '../src/rules/stamp.js';
import { masqLines, natRules } from './helpers.js';

type Step = (typeof CRASH_STEPS)['tscni-masq'][number];
const SUBNET = '10.253.0.0/24';

/** tscni-masq's rules for a pod of SUBNET, as `iptables -S` prints them. */
const RULES = [
  '-N TSCNI-MASQ',
  '-A POSTROUTING -m addrtype ! --dst-type LOCAL -m comment --comment "tscni-masq: pod traffic leaving the node" -j TSCNI-MASQ',
  `-A TSCNI-MASQ -d ${SUBNET} -m comment --comment "tscni-masq: no masquerade to ${SUBNET}" -j RETURN`,
  '-A TSCNI-MASQ -m comment --comment "tscni-masq: masquerade the rest" -j MASQUERADE',
];

/** The node's tscni-masq rules when each crash point fires: the transaction is one commit, so none or all of them. */
const RULES_LEFT_BY: Record<Step, string[]> = {
  'masq-add:before-commit': [],
  'masq-add:after-commit': RULES,
};

/**
 * tscni-bridge -> tscni-masq, run by the chain runner inside a node
 * namespace at each spec version, with tscni-masq killed inside its rule
 * transaction; then DEL, DEL without netns, GC, or the next ADD of the same
 * container. The bridge's part of the pod must go, the node's rules must be
 * one whole set, the locks free, and the next pod must work.
 */
describe('tscni-masq killed inside its rule transaction', () => {
  const sandbox = new Sandbox('crash');
  const nodes = new Map<SpecVersion, ChainNode>();
  const masqLock = (node: ChainNode) => join(node.dataDir, 'masq.lock');
  const rules = async (node: { ns: TestNamespace }) => masqLines(await natRules(sandbox, node.ns));

  beforeAll(async () => {
    const made = await Promise.all(
      versionsOf('next-add').map(async (version) => {
        const plugins = (dataDir: string) => [
          { type: 'tscni-bridge', podcidr: SUBNET, ipam: { type: 'tscni-host-local', dataDir } },
          { type: 'tscni-masq', lockFile: join(dataDir, 'masq.lock') },
        ];
        return [version, await ChainNode.create(sandbox, { version, network: 'crashmq', plugins })] as const;
      }),
    );
    for (const [version, node] of made) nodes.set(version, node);
  });
  afterAll(() => sandbox.cleanup());

  async function crashThen(node: ChainNode, step: Step, followUp: FollowUp, containerId: string): Promise<void> {
    const rt = node.attachment(containerId);
    const next = node.attachment(`${containerId}-next`, node.nextPod);
    try {
      // Rules already in place mean no transaction at all: start each case without them.
      for (const args of [['-F', 'POSTROUTING'], ['-F', 'TSCNI-MASQ'], ['-X', 'TSCNI-MASQ']]) {
        await sandbox.exec(node.ns, 'iptables-nft', ['-w', '5', '-t', 'nat', ...args]);
      }
      // A flush by hand is not seen through a fresh stamp (see README, "Steady state"): forget it too.
      rmSync(stampFileFor(masqLock(node)), { force: true });
      await expect(node.chain({ [CRASH_AT_ENV]: step }).add(node.conf, rt)).rejects.toThrow(`crash point ${step} reached`);
      expect({ rules: await rules(node), lockFree: await lockIsFree(masqLock(node)) }).toEqual({ rules: RULES_LEFT_BY[step], lockFree: true });

      await node.followUp(followUp, rt, async (result) => expect(await node.reach(node.pod, result)).toMatchObject(WORKING));
      expect(await node.leftovers()).toEqual(node.clean);
      expect([[], RULES]).toContainEqual(await rules(node));
      expect(await node.reach(node.nextPod, await node.chain().add(node.conf, next))).toMatchObject(WORKING);
      expect({ rules: await rules(node), lockFree: await lockIsFree(masqLock(node)) }).toEqual({ rules: RULES, lockFree: true });
      await node.chain().del(node.conf, next);
    } catch (error) {
      await node.forget(rt, next);
      throw error;
    }
  }

  describe.each(CRASH_STEPS['tscni-masq'].map((step, i) => [step, i] as const))('killed at %s', (step, stepIndex) => {
    it.each(Object.entries(FOLLOW_UPS) as Array<[FollowUp, string]>)('then %s (%s): nothing leaks, one whole rule set, the next pod works', async (followUp) => {
      const containerId = `crash-mq${stepIndex}-${followUp}`;
      await Promise.all(versionsOf(followUp).map((version) => crashThen(nodes.get(version)!, step, followUp, containerId)));
    });
  });

  it('leaves every node as it found it: the keeper alone', async () => {
    for (const node of nodes.values()) expect(await node.leftovers()).toEqual(node.clean);
  });
});
