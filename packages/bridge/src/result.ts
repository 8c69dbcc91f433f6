import type { Dns, Interface, IpConfig, Result, Route } from '@tscni/core';

export interface AttachmentFacts {
  bridge: Interface;
  hostVeth: Interface;
  container: Interface;
  ips: readonly IpConfig[];
  routes: readonly Route[];
  dns: Dns | undefined;
}

/** Index of the container interface in the result's `interfaces`. */
export const CONTAINER_INTERFACE = 2;

/** ADD's result: interfaces [bridge, host veth, container], the addresses on the container end. */
export function bridgeResult(facts: AttachmentFacts): Result {
  const result: Result = {
    interfaces: [facts.bridge, facts.hostVeth, facts.container],
    ips: facts.ips.map((ip) => ({ ...ip, interface: CONTAINER_INTERFACE })),
    routes: [...facts.routes],
  };
  if (facts.dns && Object.keys(facts.dns).length > 0) result.dns = facts.dns;
  return result;
}
