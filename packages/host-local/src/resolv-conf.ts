import { invalidConfig, type Dns } from '@tscni/core';
import { readFileSync } from 'node:fs';

/** The result's dns from a resolv.conf: nameserver, domain, search and options lines. */
export function readResolvConf(path: string): Dns | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidConfig(`ipam.resolvConf: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseResolvConf(text);
}

export function parseResolvConf(text: string): Dns | undefined {
  const dns: Dns = {};
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (values.length === 0) continue;
    if (keyword === 'nameserver') dns.nameservers = [...(dns.nameservers ?? []), values[0]!];
    else if (keyword === 'domain') dns.domain = values[0]!;
    else if (keyword === 'search') dns.search = values;
    else if (keyword === 'options') dns.options = [...(dns.options ?? []), ...values];
  }
  return Object.keys(dns).length > 0 ? dns : undefined;
}
