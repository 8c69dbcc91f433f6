import { join } from 'node:path';
import { familyOf, type NetConfList } from '@tscni/core';

export const CONFLIST_NAME = '10-tscni.conflist';

export interface ConflistInput {
  podCidrs: readonly string[];
  nonMasqueradeCidrs: readonly string[];
  stateDir: string;
}

/**
 * This node's network: a bridge with host-local IPAM on the node's pod
 * CIDRs (one range set per family), masquerade for traffic leaving the
 * cluster, and route-sync last so a pod is ready only when peers are routed.
 */
export function buildConflist(input: ConflistInput): NetConfList {
  const ranges = [4, 6]
    .map((family) => input.podCidrs.filter((cidr) => familyOf(cidr) === family).map((subnet) => ({ subnet })))
    .filter((set) => set.length > 0);
  return {
    cniVersion: '1.1.0',
    cniVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    name: 'tscni',
    plugins: [
      {
        type: 'tscni-bridge',
        bridge: 'cni0',
        isGateway: true,
        isDefaultGateway: true,
        ipam: { type: 'tscni-host-local', ranges },
      },
      { type: 'tscni-masq', nonMasqueradeCIDRs: [...input.nonMasqueradeCidrs], lockFile: masqLockFile(input.stateDir) },
      { type: 'tscni-route-sync', stateDir: input.stateDir },
    ],
  };
}

/** The lock the masq plugin and the agent share while they change the rules. */
export function masqLockFile(stateDir: string): string {
  return join(stateDir, 'masq.lock');
}
