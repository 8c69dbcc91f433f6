import { CniError, ErrorCode } from './errors.js';

/** Every spec version tscni speaks, oldest first. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type SpecVersion = (typeof SUPPORTED_VERSIONS)[number];
export const LATEST_VERSION: SpecVersion = '1.1.0';

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

/** The first spec version in which each command exists. */
const COMMAND_SINCE: Record<Command, string> = {
  ADD: '0.1.0',
  DEL: '0.1.0',
  VERSION: '0.1.0',
  CHECK: '0.4.0',
  GC: '1.1.0',
  STATUS: '1.1.0',
};

/** Compares dotted versions numerically: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function isSupportedVersion(version: unknown): version is SpecVersion {
  return typeof version === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/** Throws code 1 unless `version` is one tscni speaks. */
export function requireSupportedVersion(version: unknown): SpecVersion {
  if (isSupportedVersion(version)) return version;
  throw new CniError(
    ErrorCode.IncompatibleVersion,
    `incompatible CNI versions: config is ${JSON.stringify(version ?? null)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
  );
}

export function commandExistsIn(command: Command, version: string): boolean {
  return compareVersions(version, COMMAND_SINCE[command]) >= 0;
}

/** Throws code 1 when `command` does not exist in `version` (e.g. CHECK in 0.3.1). */
export function requireCommandIn(command: Command, version: string): void {
  if (!commandExistsIn(command, version)) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      `config version "${version}" does not allow command ${command} (it needs ${COMMAND_SINCE[command]} or later)`,
    );
  }
}

/** The highest version both sides support, for a conflist's `cniVersions`. */
export function highestSupported(candidates: readonly string[]): SpecVersion | undefined {
  return candidates
    .filter(isSupportedVersion)
    .sort(compareVersions)
    .at(-1);
}

/** The VERSION command's reply. */
export function versionInfo(): { cniVersion: SpecVersion; supportedVersions: SpecVersion[] } {
  return { cniVersion: LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}
