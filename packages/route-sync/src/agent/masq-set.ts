/**
 * Keeps tscni-masq's non-masquerade set: the destinations pods reach with
 * their own source address. Behind this type so the agent's logic can be
 * driven without touching a firewall.
 */
export type NonMasqueradeSync = (cidrs: string[]) => Promise<void>;
