import { ownName } from '@tscni/core';

// The one binary behind every per-pod executable: tscni-bridge,
// tscni-host-local, tscni-masq, tscni-route-sync and tscni-netpol are links to it, and the
// name it is run by picks the plugin (as busybox does). Any other name is the
// `tscni` CLI. Each entry is imported only when chosen, so only its own
// module's top level runs.
const entries: Record<string, () => Promise<unknown>> = {
  'tscni-bridge': () => import('@tscni/bridge/main'),
  'tscni-host-local': () => import('@tscni/host-local/main'),
  'tscni-masq': () => import('@tscni/masq/main'),
  'tscni-route-sync': () => import('@tscni/route-sync/main'),
  'tscni-netpol': () => import('@tscni/netpol/main'),
};

await (entries[ownName()] ?? (() => import('@tscni/core/cli')))();
