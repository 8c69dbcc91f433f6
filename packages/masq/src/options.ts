import { invalidConfig, spawnRunner, type Runner } from '@tscni/core';

export type BackendKind = 'auto' | 'iptables' | 'nftables';

/** How and where the node's masquerade rules are written; shared by the plugin and the library. */
export interface MasqOptions {
  /** The iptables chain (or nftables table) holding the rules; default TSCNI-MASQ. */
  chain?: string;
  backend?: BackendKind;
  /** The node-wide lock serialising writers; default /run/tscni/masq.lock. */
  lockFile?: string;
  runner?: Runner;
  /** Work inside this network namespace (a path) instead of the caller's. */
  netns?: string;
}

export const DEFAULT_CHAIN = 'TSCNI-MASQ';
export const DEFAULT_LOCK_FILE = '/run/tscni/masq.lock';
export const BACKENDS: readonly BackendKind[] = ['auto', 'iptables', 'nftables'];

// iptables allows 28 characters in a chain name; the name also becomes an
// nftables table name and an argument, so only a plain identifier is taken.
const SAFE_CHAIN = /^[A-Za-z][A-Za-z0-9_-]{0,27}$/;
const RESERVED = new Set([
  ...['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  ...['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT'],
]);

export function validateChainName(chain: unknown): string {
  if (typeof chain !== 'string' || !SAFE_CHAIN.test(chain) || RESERVED.has(chain.toUpperCase())) {
    throw invalidConfig(
      `invalid chain "${String(chain)}": must be 1-28 letters, digits, '_' or '-', start with a letter, ` +
        'and not be a built-in chain or target',
    );
  }
  return chain;
}

export function validateBackend(backend: unknown): BackendKind {
  if (!BACKENDS.includes(backend as BackendKind)) {
    throw invalidConfig(`invalid backend "${String(backend)}": must be one of ${BACKENDS.join(', ')}`);
  }
  return backend as BackendKind;
}

export function validateLockFile(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw invalidConfig(`invalid lockFile "${String(path)}": must be an absolute path`);
  }
  return path;
}

/** The options with defaults applied, validated before anything touches the node. */
export interface ResolvedOptions {
  chain: string;
  backend: BackendKind;
  lockFile: string;
  runner: Runner;
  netns?: string;
}

export function resolveOptions(options: MasqOptions = {}): ResolvedOptions {
  return {
    chain: validateChainName(options.chain ?? DEFAULT_CHAIN),
    backend: validateBackend(options.backend ?? 'auto'),
    lockFile: validateLockFile(options.lockFile ?? DEFAULT_LOCK_FILE),
    runner: options.runner ?? spawnRunner,
    netns: options.netns,
  };
}
