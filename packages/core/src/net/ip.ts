/**
 * IPv4/IPv6 addresses and prefixes as BigInts. Self-contained on purpose:
 * it runs in every per-pod plugin process, where each loaded module costs
 * start-up time. Validation is Node's own (see isIPv4/isIPv6 below).
 */
export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  value: bigint;
}

export interface IpPrefix {
  family: Family;
  /** The address as written (host bits kept: "10.0.0.5/24" keeps .5). */
  address: bigint;
  prefixLength: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

// node:net's isIPv4/isIPv6, copied from Node 24's lib/internal/net.js (the same
// regular expressions, so the same answers; test/ip-validate.test.ts compares
// them with node:net's). Importing node:net for these two checks cost ~2.4 ms
// at every plugin start under Node and ~6 ms under Bun (it loads the stream layer).
const V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4_STR = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const IPV4_RE = new RegExp(`^${V4_STR}$`);
const V6_SEG = '(?:[0-9a-fA-F]{1,4})';
const IPV6_RE = new RegExp(
  '^(?:' +
    `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){6}(?:${V4_STR}|:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){5}(?::${V4_STR}|(?::${V6_SEG}){1,2}|:)|` +
    `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4_STR}|(?::${V6_SEG}){1,3}|:)|` +
    `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4_STR}|(?::${V6_SEG}){1,4}|:)|` +
    `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4_STR}|(?::${V6_SEG}){1,5}|:)|` +
    `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4_STR}|(?::${V6_SEG}){1,6}|:)|` +
    `(?::(?:(?::${V6_SEG}){0,5}:${V4_STR}|(?::${V6_SEG}){1,7}|:))` +
    ')(?:%[0-9a-zA-Z-.:]{1,})?$',
);

/** node:net's isIPv4: dotted quad, no leading zeros. */
export function isIPv4(text: string): boolean {
  return IPV4_RE.test(text);
}

/** node:net's isIPv6: any RFC 4291 text form, an optional %zone. */
export function isIPv6(text: string): boolean {
  return IPV6_RE.test(text);
}

export function familyOf(text: string): Family | undefined {
  const address = text.split('/')[0] ?? '';
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}

export function parseIp(text: string): IpAddress | undefined {
  const family = familyOf(text);
  if (!family || text.includes('/')) return undefined;
  return { family, value: family === 4 ? parseV4(text) : parseV6(text) };
}

export function parsePrefix(text: string): IpPrefix | undefined {
  const [address = '', length, ...rest] = text.split('/');
  if (length === undefined || rest.length > 0 || !/^\d{1,3}$/.test(length)) return undefined;
  const ip = parseIp(address);
  const prefixLength = Number(length);
  if (!ip || prefixLength > BITS[ip.family]) return undefined;
  return { family: ip.family, address: ip.value, prefixLength };
}

export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

/** "10.0.0.0/24" for the network of any address in it. */
export function formatPrefix(prefix: IpPrefix, keepHost = false): string {
  const address = keepHost ? prefix.address : networkOf(prefix);
  return `${formatIp({ family: prefix.family, value: address })}/${prefix.prefixLength}`;
}

export function hostMask(prefix: Pick<IpPrefix, 'family' | 'prefixLength'>): bigint {
  return (1n << BigInt(BITS[prefix.family] - prefix.prefixLength)) - 1n;
}

export function networkOf(prefix: IpPrefix): bigint {
  return prefix.address & ~hostMask(prefix);
}

/** The last address of the prefix (IPv4's broadcast address). */
export function lastOf(prefix: IpPrefix): bigint {
  return networkOf(prefix) | hostMask(prefix);
}

export function prefixContains(prefix: IpPrefix, ip: IpAddress): boolean {
  return prefix.family === ip.family && (ip.value & ~hostMask(prefix)) === networkOf(prefix);
}

export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefixLength <= b.prefixLength ? a : b;
  return prefixContains(shorter, { family: b.family, value: (shorter === a ? b : a).address });
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

function parseV6(text: string): bigint {
  let groups: string[];
  let tail = text;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(tail);
  if (v4?.[1]) {
    const value = parseV4(v4[1]);
    tail = tail.slice(0, -v4[1].length) + `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = tail.split('::');
  if (rest === undefined) {
    groups = head.split(':');
  } else {
    const left = head ? head.split(':') : [];
    const right = rest ? rest.split(':') : [];
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** RFC 5952 text: lower case, longest run of zero groups (2+) as "::". */
function formatV6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
