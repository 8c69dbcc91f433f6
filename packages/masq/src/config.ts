import { invalidConfig, type NetConf } from '@tscni/core';
import { groupCidrs, type CidrsByFamily } from './cidrs.js';
import { resolveOptions, type ResolvedOptions } from './options.js';

/** tscni-masq's own keys of the network config. */
export interface MasqConfig {
  /** Undefined: each pod's own subnet, from prevResult. */
  nonMasqueradeCidrs: CidrsByFamily | undefined;
  options: ResolvedOptions;
}

/** Reads and validates the plugin config; nothing touches the node before this passes. */
export function parseMasqConfig(config: NetConf): MasqConfig {
  const cidrs = config.nonMasqueradeCIDRs;
  if (cidrs !== undefined && (!Array.isArray(cidrs) || cidrs.length === 0)) {
    throw invalidConfig('"nonMasqueradeCIDRs" must be a non-empty list of CIDRs (omit it to use the pod\'s own subnet)');
  }
  return {
    nonMasqueradeCidrs: cidrs === undefined ? undefined : groupCidrs(cidrs, 'nonMasqueradeCIDRs'),
    options: resolveOptions({
      chain: optionalString(config, 'chain'),
      backend: optionalString(config, 'backend') as ResolvedOptions['backend'] | undefined,
      lockFile: optionalString(config, 'lockFile'),
    }),
  };
}

function optionalString(config: NetConf, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidConfig(`"${key}" must be a string`);
  return value;
}
