import { spawn } from 'node:child_process';
import type { TestNamespace } from './sandbox.js';

/** A running tcpdump inside a namespace, listening when returned. */
export interface Capture {
  /** Stops tcpdump, after a moment for packets still in flight, and returns the packet lines. */
  stop(): Promise<string[]>;
}

/** How long a finished exchange may take to show up in the capture. */
const SETTLE_MS = 500;

/** Echo requests of both families: ICMP type 8, ICMPv6 type 128. */
export const ECHO_REQUEST_FILTER = '(icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[40] == 128)';

/**
 * Starts tcpdump on `iface` inside `ns`. It resolves once tcpdump says on
 * stderr that it listens: a packet sent before that would not be seen.
 */
export async function startCapture(ns: TestNamespace, iface: string, filter: string): Promise<Capture> {
  const child = spawn('nsenter', [`--net=${ns.path}`, 'tcpdump', '-n', '-l', '--immediate-mode', '-i', iface, filter]);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve();
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`tcpdump on ${ns.name}/${iface} exited ${code}: ${stderr.trim()}`)));
  });
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      child.kill('SIGINT');
      await exited;
      return stdout.split('\n').filter(Boolean);
    },
  };
}

/**
 * The source address of the first echo request arriving on `ns`'s `iface`
 * while `send` runs: what the receiver sees (a pod address, or the node's
 * after masquerading).
 */
export async function echoSourceSeenBy(ns: TestNamespace, iface: string, send: () => Promise<unknown>): Promise<string> {
  const capture = await startCapture(ns, iface, ECHO_REQUEST_FILTER);
  let lines: string[] = [];
  try {
    await send();
  } finally {
    lines = await capture.stop();
  }
  const source = lines.map((line) => / IP6? (\S+) > /.exec(line)?.[1]).find(Boolean);
  if (!source) throw new Error(`no echo request seen on ${ns.name}/${iface}: ${lines.join(' | ')}`);
  return source;
}
