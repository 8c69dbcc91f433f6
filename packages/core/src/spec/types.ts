/**
 * The shapes of the CNI specification. Inside tscni every result is held in
 * the newest shape (1.1.0); `result.ts` converts to and from older versions
 * at the edges (stdin's prevResult, a delegate's stdout, our own stdout).
 */

export interface Interface {
  name: string;
  mac?: string;
  /** 1.1.0 */
  mtu?: number;
  /** The netns path for container-side interfaces; absent on the host side. */
  sandbox?: string;
  /** 1.1.0 */
  socketPath?: string;
  /** 1.1.0 */
  pciID?: string;
}

export interface IpConfig {
  /** CIDR notation: the address with its subnet's prefix length. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`; absent in IPAM results. */
  interface?: number;
}

export interface Route {
  dst: string;
  gw?: string;
  /** 1.1.0 */
  mtu?: number;
  /** 1.1.0 */
  advmss?: number;
  /** 1.1.0 */
  priority?: number;
  /** 1.1.0 */
  table?: number;
  /** 1.1.0 */
  scope?: number;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A result in the newest shape, without its cniVersion. */
export interface Result {
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

export interface IpamConfig {
  type: string;
  [key: string]: unknown;
}

/** One plugin's network configuration as it arrives on stdin. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  ipam?: IpamConfig;
  dns?: Dns;
  capabilities?: Record<string, boolean>;
  runtimeConfig?: Record<string, unknown>;
  args?: Record<string, unknown>;
  prevResult?: unknown;
  /** Where this plugin logs (also TSCNI_LOG_FILE); tscni's own key. */
  logFile?: string;
  logLevel?: string;
  [key: string]: unknown;
}

/** A network configuration list (`.conflist`). */
export interface NetConfList {
  cniVersion: string;
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: Array<Record<string, unknown> & { type: string }>;
}

/** `cni.dev/valid-attachments` entries sent with GC. */
export interface Attachment {
  containerID: string;
  ifname: string;
}
