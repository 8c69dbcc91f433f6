import { execaRunner } from '@tscni/core';
import { startCapture, type TestNamespace } from '@tscni/core/testing';
import type { ClusterNode, Pod } from '@tscni/testbed/netns-cluster';
import { fail, pass, type CheckResult } from './result.js';

interface PingReply {
  ok: boolean;
  ttl?: number;
  output: string;
}

export async function ping(from: TestNamespace, to: string): Promise<PingReply> {
  const result = await execaRunner.run('ping', ['-n', '-c', '1', '-W', '2', to], { netns: from.path });
  const ttl = /ttl=(\d+)/.exec(result.stdout)?.[1];
  return { ok: result.exitCode === 0, ttl: ttl ? Number(ttl) : undefined, output: result.stdout + result.stderr };
}

/**
 * The seed's proof: a ping between pods on two nodes arrives after two routed
 * hops (ttl 62), and the destination node's bridge sees the source pod's own
 * IP (no masquerade between pods).
 */
export async function checkCrossNodePing(from: Pod, to: Pod): Promise<CheckResult> {
  const name = `ping ${from.name} -> ${to.name}`;
  const capture = await startCapture(to.node.ns, 'cni0', `icmp and host ${to.ip}`);
  const reply = await ping(from.ns, to.ip);
  const lines = await capture.stop();
  const request = lines.find((line) => line.includes(`${from.ip} > ${to.ip}: ICMP echo request`));
  if (!reply.ok) return fail(name, `no reply: ${reply.output.trim().split('\n').at(-1)}`);
  if (reply.ttl !== 62) return fail(name, `ttl=${reply.ttl}, expected 62 (two routed hops)`);
  if (!request) return fail(name, `cni0 on ${to.node.name} did not see a request from ${from.ip}: ${lines.join(' | ')}`);
  return pass(name, `${from.ip} -> ${to.ip} ttl=62; cni0 on ${to.node.name} saw ${from.ip}`);
}

/** Pods on one node talk over the bridge alone: no routed hop, ttl 64. */
export async function checkSameNodePing(from: Pod, to: Pod): Promise<CheckResult> {
  const name = `ping ${from.name} -> ${to.name}`;
  const reply = await ping(from.ns, to.ip);
  if (!reply.ok || reply.ttl !== 64) return fail(name, `expected a reply with ttl=64: ${reply.output.trim()}`);
  return pass(name, `${from.ip} -> ${to.ip} ttl=64 (same bridge)`);
}

/** A node reaches a pod on another node through the peer route. */
export async function checkNodeToPod(node: ClusterNode, pod: Pod): Promise<CheckResult> {
  const name = `ping ${node.name} -> ${pod.name}`;
  const reply = await ping(node.ns, pod.ip);
  return reply.ok ? pass(name, `${node.ip} -> ${pod.ip} ttl=${reply.ttl}`) : fail(name, reply.output.trim());
}

/** Traffic leaving the cluster is masqueraded to the node IP, as the outside host sees it. */
export async function checkOutsideMasquerade(pod: Pod, outside: TestNamespace, outsideIp: string): Promise<CheckResult> {
  const name = `${pod.name} -> outside, masqueraded`;
  const capture = await startCapture(outside, 'eth0', `icmp[icmptype] == icmp-echo and dst host ${outsideIp}`);
  const reply = await ping(pod.ns, outsideIp);
  const lines = await capture.stop();
  const sources = lines.map((line) => /IP (\S+) > /.exec(line)?.[1]).filter(Boolean);
  if (!reply.ok) return fail(name, `no reply from ${outsideIp}`);
  if (sources.length === 0) return fail(name, `the outside host saw no echo request`);
  if (sources.some((source) => source !== pod.node.ip)) {
    return fail(name, `the outside host saw ${sources.join(', ')}, expected ${pod.node.ip}`);
  }
  return pass(name, `${outsideIp} saw ${pod.ip} as ${pod.node.ip} (${pod.node.name})`);
}
