import { CniError, ErrorCode, parseIp, type CmdArgs, type IpAddress } from '@tscni/core';

/**
 * Addresses the runtime asks for, in the reference's order: CNI_ARGS `IP=`
 * (comma-separated), `args.cni.ips`, then `runtimeConfig.ips` (capability
 * "ips", where entries may carry a prefix length: "10.0.0.5/24").
 */
export function requestedIps(args: Pick<CmdArgs, 'config' | 'args'>): IpAddress[] {
  // Other CNI_ARGS keys are an error unless IgnoreUnknown is set (code 4).
  args.args.requireKnown(['IP']);
  const fromEnv = (args.args.get('IP') ?? '').split(',').filter((text) => text.trim() !== '');
  const cni = (args.config.args?.cni as { ips?: unknown } | undefined)?.ips;
  return [
    ...fromEnv.map((text) => parseRequested(text.trim(), 'CNI_ARGS IP', ErrorCode.InvalidEnvironment)),
    ...listOf(cni, 'args.cni.ips').map((text) => parseRequested(text, 'args.cni.ips')),
    ...listOf(args.config.runtimeConfig?.ips, 'runtimeConfig.ips').map((text) => parseRequested(text, 'runtimeConfig.ips')),
  ];
}

function listOf(raw: unknown, field: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((entry) => typeof entry !== 'string')) {
    throw new CniError(ErrorCode.InvalidConfig, `${field} must be a list of IP addresses`);
  }
  return raw as string[];
}

/** Code 7 for the config's fields, 4 for CNI_ARGS (the environment). */
function parseRequested(text: string, field: string, code: number = ErrorCode.InvalidConfig): IpAddress {
  const ip = parseIp(text.split('/')[0] ?? '');
  if (!ip) throw new CniError(code, `${field}: "${text}" is not an IP address`);
  return ip;
}
