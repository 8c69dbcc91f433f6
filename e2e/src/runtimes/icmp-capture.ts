import type { TestNamespace } from '@tscni/core/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait-for.js';

/**
 * tcpdump inside a namespace, waiting for one ICMP echo request: its source
 * address shows what the receiver sees (a pod address, or the node's after
 * masquerading).
 */
export class IcmpCapture {
  private stdout = '';
  private stderr = '';

  private constructor(private readonly tcpdump: ChildProcess) {
    tcpdump.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    tcpdump.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static async start(ns: TestNamespace, iface: string): Promise<IcmpCapture> {
    const tcpdump = spawn('ip', ['netns', 'exec', ns.name, 'tcpdump', '-l', '-n', '-i', iface, '-c', '1', 'icmp[icmptype] == icmp-echo']);
    const capture = new IcmpCapture(tcpdump);
    // tcpdump says so on stderr once its socket is open; a packet sent before that is not seen.
    await waitFor(`tcpdump listening on ${iface}`, async () => capture.stderr.includes('listening on'));
    return capture;
  }

  /** The source address of the first echo request seen. */
  async source(): Promise<string> {
    return waitFor('an ICMP echo request', async () => /IP (\S+) > /.exec(this.stdout)?.[1]);
  }

  async stop(): Promise<void> {
    if (this.tcpdump.exitCode !== null || this.tcpdump.signalCode !== null) return;
    const exited = once(this.tcpdump, 'exit');
    this.tcpdump.kill();
    await exited;
  }
}
