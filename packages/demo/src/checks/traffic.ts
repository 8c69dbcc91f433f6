import { execaRunner, type Family } from '@tscni/core';
import { ECHO_REQUEST_FILTER, startCapture, type TestNamespace } from '@tscni/core/testing';
import { netOf, podIp, type ClusterNode, type Pod } from '@tscni/testbed/netns-cluster';
import { fail, pass, type CheckResult } from './result.js';

interface PingReply {
  ok: boolean;
  /** The reply's ttl (IPv4) or hop limit (IPv6): ping prints both as ttl=. */
  ttl?: number;
  output: string;
}

export async function ping(from: TestNamespace, to: string): Promise<PingReply> {
  const result = await execaRunner.run('ping', ['-n', '-c', '1', '-W', '2', to], { netns: from.path });
  const ttl = /ttl=(\d+)/.exec(result.stdout)?.[1];
  return { ok: result.exitCode === 0, ttl: ttl ? Number(ttl) : undefined, output: result.stdout + result.stderr };
}

/** The echo requests to `address` that a capture printed, by their source address. */
function echoSources(lines: string[]): string[] {
  return lines.flatMap((line) => / IP6? (\S+) > \S+: ICMP6?,? echo request/.exec(line)?.[1] ?? []);
}

const echoesTo = (address: string) => `(${ECHO_REQUEST_FILTER}) and dst host ${address}`;
const ttlName = (family: Family) => (family === 4 ? 'ttl' : 'hop limit');

/**
 * The seed's proof: a ping between pods on two nodes arrives after two routed
 * hops (ttl 62, or hop limit 62 in IPv6), and the destination node's bridge
 * sees the source pod's own address (no masquerade between pods).
 */
export async function checkCrossNodePing(from: Pod, to: Pod, family: Family): Promise<CheckResult> {
  const name = `ping ${from.name} -> ${to.name}`;
  const [source, target] = [podIp(from, family), podIp(to, family)];
  const capture = await startCapture(to.node.ns, 'cni0', echoesTo(target));
  const reply = await ping(from.ns, target);
  const sources = echoSources(await capture.stop());
  if (!reply.ok) return fail(name, `no reply: ${reply.output.trim().split('\n').at(-1)}`);
  if (reply.ttl !== 62) return fail(name, `${ttlName(family)} ${reply.ttl}, expected 62 (two routed hops)`);
  if (!sources.includes(source)) return fail(name, `cni0 on ${to.node.name} saw no request from ${source}, only from ${sources.join(', ') || 'nobody'}`);
  return pass(name, `${source} -> ${target} ${ttlName(family)} 62; cni0 on ${to.node.name} saw ${source}`);
}

/** Pods on one node talk over the bridge alone: no routed hop, ttl 64. */
export async function checkSameNodePing(from: Pod, to: Pod, family: Family): Promise<CheckResult> {
  const name = `ping ${from.name} -> ${to.name}`;
  const [source, target] = [podIp(from, family), podIp(to, family)];
  const reply = await ping(from.ns, target);
  if (!reply.ok || reply.ttl !== 64) return fail(name, `expected a reply with ${ttlName(family)} 64: ${reply.output.trim()}`);
  return pass(name, `${source} -> ${target} ${ttlName(family)} 64 (same bridge)`);
}

/** A node reaches a pod on another node through the peer route. */
export async function checkNodeToPod(node: ClusterNode, pod: Pod, family: Family): Promise<CheckResult> {
  const name = `ping ${node.name} -> ${pod.name}`;
  const [source, target] = [netOf(node, family).ip, podIp(pod, family)];
  const reply = await ping(node.ns, target);
  return reply.ok ? pass(name, `${source} -> ${target} ${ttlName(family)} ${reply.ttl}`) : fail(name, reply.output.trim());
}

/** Traffic leaving the cluster is masqueraded to the node's address of its family, as the outside host sees it. */
export async function checkOutsideMasquerade(pod: Pod, outside: TestNamespace, outsideIp: string, family: Family): Promise<CheckResult> {
  const name = `${pod.name} -> outside, masqueraded`;
  const [source, nodeIp] = [podIp(pod, family), netOf(pod.node, family).ip];
  const capture = await startCapture(outside, 'eth0', echoesTo(outsideIp));
  const reply = await ping(pod.ns, outsideIp);
  const sources = echoSources(await capture.stop());
  if (!reply.ok) return fail(name, `no reply from ${outsideIp}`);
  if (sources.length === 0) return fail(name, `the outside host saw no echo request`);
  if (sources.some((seen) => seen !== nodeIp)) return fail(name, `the outside host saw ${sources.join(', ')}, expected ${nodeIp}`);
  return pass(name, `${outsideIp} saw ${source} as ${nodeIp} (${pod.node.name})`);
}
