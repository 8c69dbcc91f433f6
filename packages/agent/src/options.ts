import { parseArgs } from 'node:util';
import { parsePrefix, formatPrefix } from '@tscni/core';
import { DEFAULT_RUN_DIR } from '@tscni/netpol';
import { DEFAULT_STATE_DIR } from '@tscni/route-sync';
import { CONFLIST_VERSIONS, DEFAULT_CONFLIST_VERSION, type ConflistVersion } from './conflist.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

export interface AgentOptions {
  nodeName: string;
  /** Undefined: in-cluster config inside a pod, else the default kubeconfig. */
  kubeconfig: string | undefined;
  clusterCidrs: string[];
  extraNonMasqueradeCidrs: string[];
  cniConfDir: string;
  cniBinDir: string;
  /** The conflist's cniVersion: the highest the node's container runtime can run a chain at. */
  cniVersion: ConflistVersion;
  /** tscni-host-local's dataDir in the conflist; undefined keeps its default. */
  ipamDataDir: string | undefined;
  /** How often the addresses of pods that no longer exist are looked for and released; 0: never. */
  ipamReconcileIntervalMs: number;
  /** How long a pod must have been missing, and its address held, before the address is released. */
  ipamReconcileGraceMs: number;
  installPlugins: boolean;
  /** The port-mapping plugin chained for hostPorts when it is in cniBinDir; empty: none. */
  portMapPlugin: string;
  stateDir: string;
  /** Where /healthz, /readyz and /metrics are served; undefined: nowhere. */
  healthAddr: ListenAddress | undefined;
  /** Whether the node enforces NetworkPolicy: the agent keeps the rules and the conflist chains tscni-netpol. */
  networkPolicy: boolean;
  /** Where the plugin and the agent meet for NetworkPolicy (@tscni/netpol's handoff). */
  netpolRunDir: string;
  logLevel: string;
}

/** Each flag, its environment twin, its default and what it does: the source of --help too. */
const FLAGS = {
  'node-name': { env: 'NODE_NAME', default: '', help: 'this node, as named in the Kubernetes API (required)' },
  kubeconfig: { env: 'KUBECONFIG', default: '', help: 'kubeconfig file (default: in-cluster config in a pod)' },
  'cluster-cidr': { env: 'TSCNI_CLUSTER_CIDR', default: '', help: "the cluster's pod CIDRs, repeatable (env: comma-separated)", multiple: true },
  'non-masquerade-cidr': { env: 'TSCNI_NON_MASQUERADE_CIDR', default: '', help: 'extra destinations pods reach without masquerade, repeatable', multiple: true },
  'cni-conf-dir': { env: 'TSCNI_CNI_CONF_DIR', default: '/etc/cni/net.d', help: 'where 10-tscni.conflist is written' },
  'cni-version': {
    env: 'TSCNI_CNI_VERSION',
    default: DEFAULT_CONFLIST_VERSION,
    help: `the conflist's cniVersion, one of ${CONFLIST_VERSIONS.join(', ')}: 1.1.0 only where the runtime's libcni is 1.2 or newer, as libcni 1.1 (containerd 1.6 and 1.7) cannot read 1.1.0 results`,
  },
  'ipam-data-dir': {
    env: 'TSCNI_IPAM_DATA_DIR',
    default: '',
    help: "tscni-host-local's store (default: its own, /var/lib/cni/networks); a tmpfs such as /run/tscni/ipam forgets addresses at reboot",
  },
  'ipam-reconcile-interval': {
    env: 'TSCNI_IPAM_RECONCILE_INTERVAL',
    default: '0',
    help: "how often to release the addresses of this node's pods that no longer exist (such as 5m; 0 never; needs list on pods)",
  },
  'ipam-reconcile-grace': {
    env: 'TSCNI_IPAM_RECONCILE_GRACE',
    default: '5m',
    help: 'how long a pod must have been gone, and its address held, before the address is released',
  },
  'cni-bin-dir': { env: 'TSCNI_CNI_BIN_DIR', default: '/opt/cni/bin', help: 'where --install-plugins copies the executables' },
  'install-plugins': { env: 'TSCNI_INSTALL_PLUGINS', default: 'false', help: 'copy the plugin executables into --cni-bin-dir at start', boolean: true },
  'portmap-plugin': {
    env: 'TSCNI_PORTMAP_PLUGIN',
    default: 'portmap',
    help: 'the port-mapping plugin chained for hostPorts while it is in --cni-bin-dir (the reference portmap by default; "" chains none)',
  },
  'state-dir': { env: 'TSCNI_STATE_DIR', default: DEFAULT_STATE_DIR, help: 'where the state file for the plugin is kept' },
  'health-addr': {
    env: 'TSCNI_HEALTH_ADDR',
    default: ':9440',
    help: 'where /healthz, /readyz and /metrics are served: :port for every address of both families, host:port or [v6]:port for one ("" turns them off)',
  },
  'network-policy': {
    env: 'TSCNI_NETWORK_POLICY',
    default: 'off',
    help: 'enforce: keep the node\'s NetworkPolicy rules and chain tscni-netpol, so a pod starts only once they cover it (needs list and watch on pods, namespaces and networkpolicies; deploy/ turns it on); off: ignore NetworkPolicies',
  },
  'netpol-run-dir': { env: 'TSCNI_NETPOL_RUN_DIR', default: DEFAULT_RUN_DIR, help: 'where tscni-netpol and the agent meet (its socket, the pod records)' },
  'log-level': { env: 'TSCNI_LOG_LEVEL', default: 'info', help: 'debug, info, warn or error' },
} as const satisfies Record<string, { env: string; default: string; help: string; multiple?: boolean; boolean?: boolean }>;

type Flag = keyof typeof FLAGS;

export class UsageError extends Error {}

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const value = 'boolean' in flag ? '' : ' VALUE';
    const fallback = flag.default ? ` (default ${JSON.stringify(flag.default)})` : '';
    return `  --${name}${value}\n      ${flag.help}${fallback}; env ${flag.env}`;
  });
  return ['usage: tscni-agent [options]', '', ...lines, '  --help', '      this text'].join('\n');
}

/** Flags win over environment variables, which win over defaults. Throws UsageError. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): AgentOptions | 'help' {
  const spec = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]) => [
      name,
      { type: 'boolean' in flag ? ('boolean' as const) : ('string' as const), multiple: 'multiple' in flag },
    ]),
  );
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    values = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const text = (name: Flag): string => {
    const given = values[name];
    if (typeof given === 'string') return given;
    return env[FLAGS[name].env] ?? FLAGS[name].default;
  };
  const list = (name: Flag): string[] => {
    const given = values[name];
    const items = Array.isArray(given) ? given.map(String) : (env[FLAGS[name].env] ?? '').split(',');
    return items.map((item) => item.trim()).filter(Boolean);
  };
  const nodeName = text('node-name');
  if (!nodeName) throw new UsageError('--node-name (or NODE_NAME) is required');
  return {
    nodeName,
    kubeconfig: text('kubeconfig') || undefined,
    clusterCidrs: list('cluster-cidr').map((cidr) => prefixOption('--cluster-cidr', cidr)),
    extraNonMasqueradeCidrs: list('non-masquerade-cidr').map((cidr) => prefixOption('--non-masquerade-cidr', cidr)),
    cniConfDir: absolutePath('--cni-conf-dir', text('cni-conf-dir')),
    cniBinDir: absolutePath('--cni-bin-dir', text('cni-bin-dir')),
    cniVersion: oneOf('--cni-version', text('cni-version'), CONFLIST_VERSIONS),
    ipamDataDir: text('ipam-data-dir') ? absolutePath('--ipam-data-dir', text('ipam-data-dir')) : undefined,
    ipamReconcileIntervalMs: durationOption('--ipam-reconcile-interval', text('ipam-reconcile-interval')),
    ipamReconcileGraceMs: durationOption('--ipam-reconcile-grace', text('ipam-reconcile-grace')),
    installPlugins: values['install-plugins'] === true || booleanEnv('TSCNI_INSTALL_PLUGINS', env),
    portMapPlugin: pluginName('--portmap-plugin', text('portmap-plugin')),
    stateDir: absolutePath('--state-dir', text('state-dir')),
    healthAddr: healthAddress(text('health-addr')),
    networkPolicy: oneOf('--network-policy', text('network-policy'), ['enforce', 'off']) === 'enforce',
    netpolRunDir: absolutePath('--netpol-run-dir', text('netpol-run-dir')),
    logLevel: oneOf('--log-level', text('log-level'), ['debug', 'info', 'warn', 'error']),
  };
}

function prefixOption(flag: string, value: string): string {
  const prefix = parsePrefix(value);
  if (!prefix) throw new UsageError(`${flag}: "${value}" is not a CIDR (such as 10.244.0.0/16)`);
  return formatPrefix(prefix);
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "90s", "5m", "1h", "500ms"; a bare number is seconds. */
function durationOption(flag: string, value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag}: "${value}" is not a duration (such as 30s, 5m or 1h)`);
  return Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's') as keyof typeof DURATION_UNITS_MS];
}

function absolutePath(flag: string, value: string): string {
  if (!value.startsWith('/')) throw new UsageError(`${flag}: "${value}" must be an absolute path`);
  return value;
}

function healthAddress(value: string): ListenAddress | undefined {
  if (value === '') return undefined;
  const address = parseListenAddress(value);
  if (!address) throw new UsageError(`--health-addr: "${value}" must be :port, host:port or [IPv6]:port`);
  return address;
}

function booleanEnv(name: string, env: NodeJS.ProcessEnv): boolean {
  const value = (env[name] ?? '').toLowerCase();
  if (['', 'false', '0', 'no'].includes(value)) return false;
  if (['true', '1', 'yes'].includes(value)) return true;
  throw new UsageError(`${name}: "${env[name]}" must be true or false`);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag}: "${value}" must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** A plugin's type: the name of an executable in the CNI bin dir, not a path. */
function pluginName(flag: string, value: string): string {
  if (value.includes('/')) throw new UsageError(`${flag} takes a plugin's name in --cni-bin-dir, not a path: ${value}`);
  return value;
}
