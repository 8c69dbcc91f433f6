import { Sandbox } from '@tscni/core/testing';
import { parseArgs } from 'node:util';
import { runChecks } from './checks/index.js';
import { masqueradeRules, routeTable } from './checks/node-state.js';
import {
  IP_FAMILY_MODES,
  leftovers,
  removeLeftovers,
  startCluster,
  type Cluster,
  type ClusterOptions,
  type IpFamilyMode,
} from '@tscni/testbed/netns-cluster';
import { checkLine, indent, nodesTable, passedLine, podsTable, summaryTable } from './report.js';

const USAGE = `usage: npm start [-- --keep] [--nodes N] [--pods-per-node M] [--ip-family ipv4|dual|ipv6]

Builds a cluster of network namespaces on this machine (nodes, gateway,
outside host, pods through the tscni chain), shows it, checks it, and
removes it again.

  --keep               leave the cluster up until Ctrl-C, to poke around
  --nodes N            number of nodes (default 3, as kind's seed cluster)
  --pods-per-node M    pods on every node (default 2)
  --ip-family F        ipv4 (default, as the seed), dual (IPv4 and IPv6) or
                       ipv6 (IPv6 only), as kind's networking.ipFamily; every
                       check runs once per family
`;

interface StartOptions extends Required<ClusterOptions> {
  keep: boolean;
}

function parseOptions(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      keep: { type: 'boolean', default: false },
      nodes: { type: 'string', default: '3' },
      'pods-per-node': { type: 'string', default: '2' },
      'ip-family': { type: 'string', default: 'ipv4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const ipFamily = values['ip-family'] as IpFamilyMode;
  if (!IP_FAMILY_MODES.includes(ipFamily)) {
    process.stderr.write(`--ip-family ${ipFamily}: one of ${IP_FAMILY_MODES.join(', ')}\n\n${USAGE}`);
    process.exit(2);
  }
  return { keep: values.keep, nodes: Number(values.nodes), podsPerNode: Number(values['pods-per-node']), ipFamily };
}

const started = Date.now();
function log(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${seconds}s] ${message}\n`);
}

/** Ctrl-C while building or checking tears down and exits; with --keep it ends the wait. */
let interrupted = false;
let onInterrupt: () => void = () => {
  interrupted = true;
  log('interrupted: tearing down');
  void teardown().then(() => process.exit(130));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => onInterrupt());

/** Everything the run makes carries its prefix; nothing is made until main() starts. */
const sandbox = new Sandbox('demo');

async function showCluster(cluster: Cluster): Promise<void> {
  process.stdout.write(`\nNodes\n${indent(nodesTable(cluster))}\n\nPods\n${indent(podsTable(cluster))}\n`);
  for (const node of cluster.nodes) {
    for (const { family } of node.nets) {
      const [routes, rules] = await Promise.all([routeTable(node, family), masqueradeRules(node, family)]);
      process.stdout.write(`\n${node.name}: ip -${family} route\n${indent(routes)}\n`);
      process.stdout.write(`${node.name}: IPv${family} nat rules that masquerade\n${indent(rules.join('\n') || '(none)')}\n`);
    }
  }
  process.stdout.write('\n');
}

let tornDown: Promise<boolean> | undefined;

/** Removes everything, once however often it is asked, and says whether anything is left. */
function teardown(): Promise<boolean> {
  tornDown ??= removeEverything();
  return tornDown;
}

async function removeEverything(): Promise<boolean> {
  await sandbox.cleanup();
  await removeLeftovers(sandbox.prefix);
  const { namespaces, dirs } = await leftovers(sandbox.prefix);
  const left = [...namespaces, ...dirs];
  log(left.length === 0 ? `teardown: nothing left with prefix ${sandbox.prefix}` : `teardown LEFT BEHIND: ${left.join(', ')}`);
  return left.length === 0;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const { nodes, podsPerNode, ipFamily } = options;
  log(`tscni local cluster: nodes ${nodes}, pods per node ${podsPerNode}, ip family ${ipFamily}, namespaces ${sandbox.prefix}-*`);
  let passed = false;
  try {
    const cluster = await startCluster(sandbox, options, log);
    await showCluster(cluster);
    log('checks');
    const results = await runChecks(cluster, (result) => process.stdout.write(checkLine(result) + '\n'));
    passed = results.every((r) => r.ok);
    process.stdout.write(`\nSummary\n${indent(summaryTable(results))}\n\n`);
    log(passedLine(results));
    if (options.keep) await waitForInterrupt(cluster);
  } catch (error) {
    // After Ctrl-C, whatever was running fails as its namespaces vanish: not news.
    if (!interrupted) log(`error: ${(error as Error).message}`);
  }
  const clean = await teardown();
  return passed && clean ? 0 : 1;
}

async function waitForInterrupt(cluster: Cluster): Promise<void> {
  const node = cluster.nodes[0]!;
  const pod = cluster.pods[0];
  log('--keep: the cluster stays up until Ctrl-C. Try:');
  process.stdout.write(`    ip netns exec ${node.ns.name} ip route\n`);
  if (pod) for (const { outside } of cluster.topo.nets) process.stdout.write(`    ip netns exec ${pod.ns.name} ping -c 1 ${outside.host}\n`);
  await new Promise<void>((resolve) => (onInterrupt = resolve));
}

process.exitCode = await main();
