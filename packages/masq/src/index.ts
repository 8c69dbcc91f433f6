import { groupCidrs } from './cidrs.js';
import type { MasqOptions } from './options.js';
import { ensureRuleSets } from './sync.js';

export type { MasqOptions } from './options.js';
export { masqPlugin } from './plugin.js';

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
