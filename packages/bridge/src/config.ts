import { CniError, ErrorCode, interfaceNameProblem, invalidConfig, parsePrefix, type Dns, type IpamConfig, type NetConf } from '@tscni/core';

/** The IPAM plugin the seed's `podcidr` shorthand means. */
export const DEFAULT_IPAM_TYPE = 'tscni-host-local';

/** tscni-bridge's settings, defaulted and validated. */
export interface BridgeConfig {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  mtu: number | undefined;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** The IPAM section; undefined for a layer-2 only network. */
  ipam: IpamConfig | undefined;
  /** What the IPAM delegate reads on stdin when it differs from ours (the podcidr shorthand). */
  ipamStdin: string | undefined;
  dns: Dns | undefined;
}

const MTU_MIN = 68;
const MTU_MAX = 65535;

/**
 * Reference bridge keys tscni-bridge does not implement. Ignoring them would
 * silently drop what a moved-over config asks for, so setting one is code 2.
 */
const UNSUPPORTED: Record<string, string> = {
  ipMasq: 'chain tscni-masq after tscni-bridge to masquerade pod traffic',
  vlan: 'VLANs on the bridge are not supported',
  macspoofchk: 'MAC spoof checking is not supported',
};

/** Reads the plugin's keys from the network config; any problem is code 7 (code 2 for an unsupported key). */
export function loadConfig(netconf: NetConf): BridgeConfig {
  for (const [key, advice] of Object.entries(UNSUPPORTED)) {
    const value = netconf[key];
    if (value !== undefined && value !== false && value !== 0) {
      throw new CniError(ErrorCode.UnsupportedField, `"${key}" is not supported by tscni-bridge: ${advice}`);
    }
  }
  const bridge = netconf.bridge ?? 'cni0';
  const nameProblem = typeof bridge === 'string' ? interfaceNameProblem(bridge) : 'it is not a string';
  if (nameProblem) throw invalidConfig(`invalid bridge name ${JSON.stringify(bridge)}: ${nameProblem}`);

  const podcidr = readPodCidr(netconf);
  const isDefaultGateway = flag(netconf, 'isDefaultGateway', podcidr !== undefined);
  // As the reference bridge: a default gateway must be the bridge, so it implies isGateway.
  const isGateway = flag(netconf, 'isGateway', podcidr !== undefined) || isDefaultGateway;
  const hairpinMode = flag(netconf, 'hairpinMode', false);
  const promiscMode = flag(netconf, 'promiscMode', false);
  if (hairpinMode && promiscMode) {
    throw invalidConfig('hairpinMode and promiscMode cannot both be set: choose one way to reflect traffic');
  }
  const ipam = podcidr === undefined ? netconf.ipam : shorthandIpam(netconf.ipam, podcidr);
  if (isGateway && !ipam) {
    throw invalidConfig('isGateway and isDefaultGateway need addresses: add an "ipam" section or "podcidr"');
  }
  return {
    bridge: bridge as string,
    isGateway,
    isDefaultGateway,
    forceAddress: flag(netconf, 'forceAddress', false),
    mtu: readMtu(netconf.mtu),
    hairpinMode,
    promiscMode,
    ipam,
    ipamStdin: ipam && ipam !== netconf.ipam ? JSON.stringify({ ...netconf, ipam }) : undefined,
    dns: readDns(netconf.dns),
  };
}

function flag(netconf: NetConf, key: string, fallback: boolean): boolean {
  const value = netconf[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidConfig(`"${key}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function readMtu(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MTU_MIN || value > MTU_MAX) {
    throw invalidConfig(`"mtu" must be an integer from ${MTU_MIN} to ${MTU_MAX}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The config's dns, when it says anything: it then replaces the IPAM plugin's. */
function readDns(value: unknown): Dns | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidConfig(`"dns" must be an object, got ${JSON.stringify(value)}`);
  }
  return Object.keys(value).length > 0 ? (value as Dns) : undefined;
}

function readPodCidr(netconf: NetConf): string | undefined {
  const value = netconf.podcidr;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !parsePrefix(value)) {
    throw invalidConfig(`"podcidr" must be a subnet such as "10.244.2.0/24", got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The seed's `{"podcidr": ...}` means tscni-host-local on that subnet. An
 * explicit ipam section may come with it (to pick the plugin or its dataDir)
 * as long as it names no subnet of its own.
 */
function shorthandIpam(ipam: IpamConfig | undefined, podcidr: string): IpamConfig {
  if (!ipam) return { type: DEFAULT_IPAM_TYPE, podcidr };
  const own = ['podcidr', 'ranges', 'subnet'].filter((key) => ipam[key] !== undefined);
  if (own.length > 0) {
    throw invalidConfig(`"podcidr" and ipam.${own[0]} both name the pod subnet: give one of them`);
  }
  return { ...ipam, podcidr };
}
