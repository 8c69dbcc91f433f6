import type { IpRoute, Logger } from '@tscni/core';
import type { NodeController } from '@tscni/core/node-agent';
import { NonMasqueradeController, type NonMasqueradeSync } from '@tscni/masq';
import { PeerRoutesController, type RouteChangeReport } from '@tscni/route-sync';
import type { AgentOptions } from './options.js';

export interface ControllerDeps {
  options: AgentOptions;
  ip: IpRoute;
  syncNonMasquerade: NonMasqueradeSync;
  log: Logger;
  /** Hears what each pass changed in the route table (the agent's metrics). */
  onRouteChanges?: RouteChangeReport;
}

/** The controllers a node pass drives, in order; the non-masquerade one by name, as the conflist names its set. */
export interface NodeControllers {
  all: NodeController[];
  nonMasquerade: NonMasqueradeController;
}

/**
 * Every controller the agent drives on each pass, each living with what it
 * controls: add a new one here. Routes come first, so a peer is reachable
 * before its pods' traffic is exempt from masquerade.
 */
export function nodeControllers({ options, ip, syncNonMasquerade, log, onRouteChanges }: ControllerDeps): NodeControllers {
  const nonMasquerade = new NonMasqueradeController({
    sync: syncNonMasquerade,
    fixedCidrs: [...options.clusterCidrs, ...options.extraNonMasqueradeCidrs],
    log,
  });
  return { all: [new PeerRoutesController({ ip, stateDir: options.stateDir, log, onRouteChanges }), nonMasquerade], nonMasquerade };
}
