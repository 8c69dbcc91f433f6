/**
 * Where the health server listens. No host: every address of both
 * families (Node's `listen(port)` opens one dual-stack socket on `::`, or
 * 0.0.0.0 where the kernel has no IPv6). Kubelet probes a hostNetwork pod
 * on the node's own IP, which on an IPv6-only node is an IPv6 address: a
 * default of 0.0.0.0 refused it and the agent crash-looped.
 */
export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/**
 * ":9440" (every address), "host:port", "0.0.0.0:9440", "[::1]:9440".
 * An IPv6 host needs its brackets: "::1:9440" could be either. Undefined
 * when the text is none of these.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.%\w-]+)\]|([^[\]:]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return { host: host || undefined, port };
}

/** For log lines: ":9440", "127.0.0.1:9440", "[::1]:9440". */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host?.includes(':') ? `[${address.host}]` : (address.host ?? '');
  return `${host}:${address.port}`;
}
