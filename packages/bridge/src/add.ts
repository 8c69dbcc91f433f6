import {
  CniError,
  ErrorCode,
  IpRoute,
  armedCrashStep,
  crashPoint,
  enableForwarding,
  requireNetns,
  type CmdArgs,
  type Result,
  type Runner,
} from '@tscni/core';
import { bridgeGatewayCidrs, familiesOf, withDefaultRoutes, withGateways } from './addressing.js';
import { addGatewayAddresses } from './bridge.js';
import { loadConfig, type BridgeConfig } from './config.js';
import { configureContainer } from './container.js';
import { setUpHostSide, type HostSide } from './host-side.js';
import { ipamAdd, ipamRun } from './ipam.js';
import { bridgeResult } from './result.js';
import { settle, settleAll, step } from './steps.js';
import { hostVethAlias, hostVethName, randomMac, type VethPlan } from './veth.js';

/**
 * Test hook: when this environment variable is set, ADD fails after all its
 * work is done, so tests can prove the rollback leaves nothing behind.
 */
export const FAIL_AFTER_IPAM_ENV = 'TSCNI_TEST_FAIL_AFTER_IPAM';

export async function cmdAdd(args: CmdArgs, runner: Runner): Promise<Result> {
  const config = loadConfig(args.config);
  await requireNetns(args.netns);
  if (/\s/.test(args.netns)) {
    throw new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS must not contain whitespace: "${args.netns}"`);
  }
  const plan: VethPlan = {
    hostName: hostVethName(args.containerId, args.ifName),
    hostAlias: hostVethAlias(args.config.name),
    hostMac: randomMac(),
    containerName: args.ifName,
    containerMac: randomMac(),
    netns: args.netns,
    bridge: config.bridge,
    mtu: config.mtu,
    hairpinMode: config.hairpinMode,
  };
  const [ipam, host] = await addressAndLinks(args, config, plan, runner);
  try {
    if (ipam.status === 'rejected') throw ipam.reason;
    if (host.status === 'rejected') throw host.reason;
    return await connect(args, config, plan, ipam.value, host.value, runner);
  } catch (error) {
    throw await rollBack(error, args, config, plan, ipam.status === 'fulfilled', runner);
  }
}

/**
 * The address and the links do not depend on each other: both are got at
 * once, and both are settled before anything else happens. Under the crash
 * test hook they run one after the other, so that a crash point leaves the
 * same state on every run: the host side first when the crash is due right
 * after it (a veth, no address), IPAM first otherwise (a crash in or right
 * after IPAM leaves an address and no veth).
 */
async function addressAndLinks(
  args: CmdArgs,
  config: BridgeConfig,
  plan: VethPlan,
  runner: Runner,
): Promise<[PromiseSettledResult<Result | undefined>, PromiseSettledResult<HostSide>]> {
  const address = async () => {
    const result = await step(`IPAM ADD (${config.ipam?.type})`, ipamAdd(config, args));
    crashPoint('bridge-add:ipam-done');
    return result;
  };
  const links = async () => {
    const host = await setUpHostSide(runner, config, plan);
    crashPoint('bridge-add:veth-in-netns');
    return host;
  };
  const armed = armedCrashStep();
  if (armed === undefined) return Promise.all([settle(address()), settle(links())]);
  if (armed === 'bridge-add:veth-in-netns') {
    const host = await settle(links());
    return [await settle(address()), host];
  }
  const ipam = await settle(address());
  return [ipam, await settle(links())];
}

/** Addresses the pod and the bridge once IPAM has answered and the links exist. */
async function connect(
  args: CmdArgs,
  config: BridgeConfig,
  plan: VethPlan,
  ipam: Result | undefined,
  host: HostSide,
  runner: Runner,
): Promise<Result> {
  if (config.ipam && !ipam?.ips?.length) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin ${config.ipam.type} returned no IP address`);
  }
  const ips = withGateways(ipam?.ips ?? [], config.isGateway);
  const routes = withDefaultRoutes(ipam?.routes ?? [], ips, config.isDefaultGateway);
  await settleAll([
    config.isGateway ? addGatewayAddresses(runner, config, host.bridgeAddresses, bridgeGatewayCidrs(ips)) : Promise.resolve(),
    configureContainer(runner, args.netns, args.ifName, ips, routes),
    step('enabling IP forwarding', enableForwarding(runner, familiesOf(ips))),
  ]);
  crashPoint('bridge-add:addresses-set');
  if (args.env[FAIL_AFTER_IPAM_ENV]) {
    throw new CniError(ErrorCode.Internal, `failing after IPAM ADD because ${FAIL_AFTER_IPAM_ENV} is set (a test hook)`);
  }
  const mtu = config.mtu === undefined ? {} : { mtu: config.mtu };
  const result = bridgeResult({
    bridge: { name: config.bridge, mac: host.bridgeMac, ...mtu },
    hostVeth: { name: plan.hostName, mac: plan.hostMac, ...mtu },
    container: { name: args.ifName, mac: plan.containerMac, ...mtu, sandbox: args.netns },
    ips,
    routes,
    // The config's dns wins over the IPAM plugin's, as in the reference bridge.
    dns: config.dns ?? ipam?.dns,
  });
  crashPoint('bridge-add:before-result');
  return result;
}

/**
 * Undoes a failed ADD: removes the veth (its container end goes with it)
 * and releases the address. The bridge stays: other pods share it.
 */
async function rollBack(
  error: unknown,
  args: CmdArgs,
  config: BridgeConfig,
  plan: VethPlan,
  ipamAdded: boolean,
  runner: Runner,
): Promise<CniError> {
  const failure = CniError.from(error);
  const undo = await Promise.allSettled([
    new IpRoute(runner).deleteLink(plan.hostName),
    ipamAdded ? ipamRun(config, 'DEL', args) : Promise.resolve(),
  ]);
  const undoFailures = undo.flatMap((o) => (o.status === 'rejected' ? [CniError.from(o.reason).message] : []));
  args.log.warn('ADD failed and was rolled back', { error: failure.message, rollbackFailures: undoFailures });
  if (undoFailures.length === 0) return failure;
  return new CniError(failure.code, `${failure.message} (rollback failed too: ${undoFailures.join('; ')})`, failure.details);
}
