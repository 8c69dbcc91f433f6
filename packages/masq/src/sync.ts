import { CniError, ErrorCode, withFileLock } from '@tscni/core';
import { groupCidrs, type CidrsByFamily } from './cidrs.js';
import { resolveOptions, type MasqOptions } from './options.js';
import { selectBackend } from './rules/backend.js';
import type { RuleSet } from './rules/rule-set.js';

function ruleSets(cidrs: CidrsByFamily, chain: string): RuleSet[] {
  return [...cidrs].map(([family, nonMasqueradeCidrs]) => ({ family, chain, nonMasqueradeCidrs }));
}

/**
 * Makes the node's rules for each family in `cidrs` exactly the given set.
 * Writers on a node serialise on one lock file and each family changes in
 * one atomic transaction, so concurrent ADDs and the node agent converge on
 * a single rule set; when it is already in place nothing is written and
 * the lock is not taken.
 */
export async function ensureRuleSets(cidrs: CidrsByFamily, options?: MasqOptions): Promise<void> {
  const { chain, backend: kind, lockFile, runner, netns } = resolveOptions(options);
  if (cidrs.size === 0) return;
  const backend = await selectBackend(kind, runner, netns);
  const sets = ruleSets(cidrs, chain);
  // Nearly every ADD finds the node's set in place. Every change is one
  // atomic transaction, so a read without the lock sees a whole set: when
  // that is the wanted one there is nothing to write and nothing to wait for.
  const inPlace = await Promise.all(sets.map(async (set) => (await backend.inspectAsChosen(set)).length === 0));
  if (inPlace.every(Boolean)) return;
  await withFileLock(lockFile, async () => {
    for (const set of sets) {
      if ((await backend.inspect(set)).length > 0) await backend.replace(set);
    }
  });
}

/** Throws unless the node's rules for each family are exactly the given set (CHECK). */
export async function verifyRuleSets(cidrs: CidrsByFamily, options?: MasqOptions): Promise<void> {
  const { chain, backend: kind, runner, netns } = resolveOptions(options);
  const backend = await selectBackend(kind, runner, netns);
  const problems: string[] = [];
  for (const set of ruleSets(cidrs, chain)) problems.push(...(await backend.inspectAsChosen(set)));
  if (problems.length > 0) {
    throw new CniError(ErrorCode.Internal, 'masquerade rules are not in place', problems.join('\n'));
  }
}

/**
 * Replaces the node's non-masquerade set atomically (both families as the
 * CIDRs have them) and ensures the jump and the final MASQUERADE.
 *
 * A family absent from `cidrs` is left as it is (so an empty list changes
 * nothing); a malformed CIDR is a CniError with code 7 before anything is
 * written. The plugin's ADD converges the same rules to its config's
 * `nonMasqueradeCIDRs`, so a node agent that calls this should write the
 * same set into the tscni-masq entry of the node's conflist, or the next
 * ADD puts the config's set back.
 */
export async function syncNonMasqueradeCidrs(cidrs: string[], options?: MasqOptions): Promise<void> {
  await ensureRuleSets(groupCidrs(cidrs, 'non-masquerade CIDRs'), options);
}
