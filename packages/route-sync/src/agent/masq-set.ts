import { syncNonMasqueradeCidrs } from '@tscni/masq';

/**
 * Keeps tscni-masq's non-masquerade set: the destinations pods reach with
 * their own source address. A function type so the agent's logic can be
 * driven in tests without a firewall.
 */
export type NonMasqueradeSync = (cidrs: string[]) => Promise<void>;

/**
 * The masq library's rules (default chain) in this process's namespace,
 * serialised with the plugin's ADDs through the lock file the conflist names.
 */
export function masqRules(lockFile: string): NonMasqueradeSync {
  return (cidrs) => syncNonMasqueradeCidrs(cidrs, { lockFile });
}
