/**
 * The host end of a pod's veth is named from its attachment, so DEL finds it
 * without the pod's namespace (which may be gone) and without any state file:
 * "veth" + 11 hex digits of a hash of containerID and ifname, 15 bytes, the
 * kernel's limit.
 */
export function hostVethName(containerId: string, ifName: string): string {
  // node:crypto costs about 5 ms to load: only the commands that name a veth load it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const digest = createHash('sha256').update(`${containerId}\0${ifName}`).digest('hex');
  return `veth${digest.slice(0, 11)}`;
}

/**
 * A random locally administered unicast MAC. tscni picks MACs itself so that
 * the result can name them without reading them back from the kernel.
 */
export function randomMac(): string {
  const bytes = process.getBuiltinModule('node:crypto').randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The kernel's limit on an alias (IFALIASZ, less the terminating NUL). */
const MAX_ALIAS_BYTES = 255;

/**
 * The alias every host veth of ours carries: the network it belongs to, so
 * that GC removes only that network's veths (networks may share a bridge).
 * A name too long for an alias is cut and a hash of the whole added ('~'
 * cannot occur in a network name, so no other network has that alias).
 */
export function hostVethAlias(network: string): string {
  const alias = `tscni-bridge:${network}`;
  if (Buffer.byteLength(alias) <= MAX_ALIAS_BYTES) return alias;
  const { createHash } = process.getBuiltinModule('node:crypto');
  return `${alias.slice(0, 200)}~${createHash('sha256').update(network).digest('hex').slice(0, 16)}`;
}

export interface VethPlan {
  hostName: string;
  /** hostVethAlias of the network. */
  hostAlias: string;
  hostMac: string;
  containerName: string;
  containerMac: string;
  /** The container's network namespace, as a path. */
  netns: string;
  bridge: string;
  mtu: number | undefined;
  hairpinMode: boolean;
}

/**
 * `ip -batch` lines that create the pair with the container end directly in
 * the pod's namespace under its final name (nothing to rename, no temporary
 * name that could collide) and attach the host end to the bridge, marked
 * with the network's alias.
 */
export function vethCommands(plan: VethPlan): string[][] {
  const mtu = plan.mtu === undefined ? [] : ['mtu', String(plan.mtu)];
  return [
    ['link', 'add', plan.hostName, 'address', plan.hostMac, ...mtu, 'type', 'veth',
      'peer', 'name', plan.containerName, 'address', plan.containerMac, ...mtu, 'netns', plan.netns],
    ['link', 'set', plan.hostName, 'master', plan.bridge, 'up', 'alias', plan.hostAlias],
    ...(plan.hairpinMode ? [['link', 'set', plan.hostName, 'type', 'bridge_slave', 'hairpin', 'on']] : []),
  ];
}
