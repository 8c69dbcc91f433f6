import { CniError, ErrorCode, withFileLock } from '@tscni/core';
import { groupCidrs, type CidrsByFamily } from './cidrs.js';
import { resolveOptions, type MasqOptions } from './options.js';
import { selectBackend } from './rules/backend.js';
import type { RuleSet } from './rules/rule-set.js';
import { RuleStamp, stampFileFor } from './rules/stamp.js';

function ruleSets(cidrs: CidrsByFamily, chain: string): RuleSet[] {
  return [...cidrs].map(([family, nonMasqueradeCidrs]) => ({ family, chain, nonMasqueradeCidrs }));
}

/** Whether an ADD may believe the stamp (the library's callers, the agent's periodic pass above all, always read the rules). */
export interface EnsureMode {
  trustStamp?: boolean;
}

/**
 * Makes the node's rules for each family in `cidrs` exactly the given set.
 * Writers on a node serialise on one lock file and each family changes in
 * one atomic transaction, so concurrent ADDs and the node agent converge on
 * a single rule set. Nearly every ADD finds its set in place: with
 * `trustStamp`, a fresh stamp saying so ends it without a process or the
 * lock. Otherwise the rules are read under the lock (a stamp written after
 * an unlocked read could name a set another writer has just replaced),
 * replaced where they differ, and stamped.
 */
export async function ensureRuleSets(cidrs: CidrsByFamily, options?: MasqOptions, mode: EnsureMode = {}): Promise<void> {
  const { chain, backend: kind, lockFile, runner, netns } = resolveOptions(options);
  if (cidrs.size === 0) return;
  const sets = ruleSets(cidrs, chain);
  const stamp = new RuleStamp(stampFileFor(lockFile), netns);
  if (mode.trustStamp && stamp.covers(kind, sets)) return;
  await withFileLock(lockFile, async () => {
    // Parallel ADDs that found no stamp queue here; the first one stamps.
    if (mode.trustStamp && stamp.covers(kind, sets)) return;
    const backend = await selectBackend(kind, runner, netns);
    const differing: RuleSet[] = [];
    for (const set of sets) if ((await backend.inspectAsChosen(set)).length > 0) differing.push(set);
    if (differing.length > 0) stamp.remove(); // a crash between a commit and the stamp leaves none
    for (const set of differing) await backend.replace(set);
    stamp.record(backend.stamped, sets);
  });
}

/** Throws unless the node's rules for each family are exactly the given set (CHECK). It never believes the stamp. */
export async function verifyRuleSets(cidrs: CidrsByFamily, options?: MasqOptions): Promise<void> {
  const { chain, backend: kind, lockFile, runner, netns } = resolveOptions(options);
  const backend = await selectBackend(kind, runner, netns);
  const problems: string[] = [];
  for (const set of ruleSets(cidrs, chain)) problems.push(...(await backend.inspectAsChosen(set)));
  if (problems.length > 0) {
    // The next ADD reads the rules and repairs them. (No lock: removing a stamp only costs a read.)
    new RuleStamp(stampFileFor(lockFile), netns).remove();
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
