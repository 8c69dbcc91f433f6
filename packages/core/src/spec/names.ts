import { CniError, ErrorCode } from './errors.js';

/**
 * Names that end up in file paths, interface names and iptables comments are
 * checked before any use, so that none can escape a directory or smuggle
 * arguments into a tool. The patterns follow libcni's validators.
 */
const SAFE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const MAX_IFNAME_BYTES = 15;

export function validateContainerId(id: string): void {
  if (!id) throw new CniError(ErrorCode.InvalidEnvironment, 'CNI_CONTAINERID is empty');
  if (!SAFE_NAME.test(id)) {
    throw new CniError(
      ErrorCode.InvalidEnvironment,
      `invalid CNI_CONTAINERID "${id}": must start with a letter or digit and contain only letters, digits, '_', '.' and '-'`,
    );
  }
}

export function validateInterfaceName(name: string): void {
  const problem = interfaceNameProblem(name);
  if (problem) throw new CniError(ErrorCode.InvalidEnvironment, `invalid CNI_IFNAME "${name}": ${problem}`);
}

export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (Buffer.byteLength(name) > MAX_IFNAME_BYTES) return `longer than ${MAX_IFNAME_BYTES} bytes`;
  if (name === '.' || name === '..') return 'it is "." or ".."';
  if (/[/:\s]/.test(name)) return "it contains '/', ':' or whitespace";
  return undefined;
}

/** A network's name is a directory name (host-local's store): NAME_MAX bytes at most. */
export const MAX_NETWORK_NAME_BYTES = 255;

export function validateNetworkName(name: unknown): void {
  if (typeof name !== 'string' || name === '') {
    throw new CniError(ErrorCode.InvalidConfig, 'network config: "name" is required');
  }
  if (Buffer.byteLength(name) > MAX_NETWORK_NAME_BYTES) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid network name: longer than ${MAX_NETWORK_NAME_BYTES} bytes`);
  }
  if (!SAFE_NAME.test(name)) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `invalid network name "${name}": must start with a letter or digit and contain only letters, digits, '_', '.' and '-'`,
    );
  }
}
