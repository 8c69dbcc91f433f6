import { join } from 'node:path';
import { familyOf, type NetConfList } from '@tscni/core';

export const CONFLIST_NAME = '10-tscni.conflist';
/** The network's name: tscni-host-local keeps its addresses in `<dataDir>/tscni`. */
export const NETWORK_NAME = 'tscni';

/**
 * The versions a runtime may run the chain at, for runtimes whose libcni
 * reads `cniVersions` (1.2+): they pick the highest they know.
 */
export const CONFLIST_VERSIONS = ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type ConflistVersion = (typeof CONFLIST_VERSIONS)[number];

/**
 * What `cniVersion` says by default. libcni 1.1.x (containerd 1.6 and 1.7,
 * podman's CNI backend, cnitool) ignores `cniVersions`, runs the chain at
 * `cniVersion` and cannot parse a 1.1.0 result: at 1.1.0 no pod gets a
 * network there. 1.0.0 is what every runtime in use understands.
 */
export const DEFAULT_CONFLIST_VERSION: ConflistVersion = '1.0.0';

export interface ConflistInput {
  podCidrs: readonly string[];
  nonMasqueradeCidrs: readonly string[];
  stateDir: string;
  /** The conflist's `cniVersion`; DEFAULT_CONFLIST_VERSION when absent. */
  cniVersion?: ConflistVersion;
  /** tscni-host-local's store; its own default (/var/lib/cni/networks) when absent. */
  ipamDataDir?: string;
  /** The port-mapping plugin (a pod's hostPort) to chain, by its type; none when absent. */
  portMapPlugin?: string;
  /** Chain tscni-netpol, which holds a pod's ADD until the node's NetworkPolicy rules cover it, meeting the agent here. */
  netpolRunDir?: string;
}

/**
 * This node's network: a bridge with host-local IPAM on the node's pod
 * CIDRs (one range set per family), masquerade for traffic leaving the
 * cluster, the port mappings of hostPorts, route-sync so a pod is ready
 * only when peers are routed, and with NetworkPolicy on, tscni-netpol last:
 * the pod starts only once the node's rules cover it.
 */
export function buildConflist(input: ConflistInput): NetConfList {
  const ranges = [4, 6]
    .map((family) => input.podCidrs.filter((cidr) => familyOf(cidr) === family).map((subnet) => ({ subnet })))
    .filter((set) => set.length > 0);
  const ipam = { type: 'tscni-host-local', ranges, ...(input.ipamDataDir ? { dataDir: input.ipamDataDir } : {}) };
  return {
    cniVersion: input.cniVersion ?? DEFAULT_CONFLIST_VERSION,
    cniVersions: [...CONFLIST_VERSIONS],
    name: NETWORK_NAME,
    plugins: [
      {
        type: 'tscni-bridge',
        bridge: 'cni0',
        isGateway: true,
        isDefaultGateway: true,
        // A pod reaching its own Service may be load-balanced to itself: the
        // packet must leave and re-enter through the same bridge port.
        hairpinMode: true,
        // A runtime passes runtimeConfig.ips (a requested address, as podman's
        // --ip and nerdctl's --ip do) only to a plugin that declares it; the
        // bridge hands it to tscni-host-local. Kubelet asks for none.
        capabilities: { ips: true },
        ipam,
      },
      { type: 'tscni-masq', nonMasqueradeCIDRs: [...input.nonMasqueradeCidrs], lockFile: masqLockFile(input.stateDir) },
      // Kubelet passes a pod's hostPorts as runtimeConfig.portMappings, to the
      // plugins that declare the capability; snat lets the node itself (and
      // the pod's own node's pods) reach a hostPort on the node's addresses.
      ...(input.portMapPlugin ? [{ type: input.portMapPlugin, capabilities: { portMappings: true }, snat: true }] : []),
      { type: 'tscni-route-sync', stateDir: input.stateDir },
      ...(input.netpolRunDir ? [{ type: 'tscni-netpol', runDir: input.netpolRunDir }] : []),
    ],
  };
}

/** The lock the masq plugin and the agent share while they change the rules. */
export function masqLockFile(stateDir: string): string {
  return join(stateDir, 'masq.lock');
}
