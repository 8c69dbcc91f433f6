import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestNamespace } from '@tscni/core/testing';

const SCRIPT = join(import.meta.dirname, 'fake-apiserver.ts');

export interface KubeNode {
  metadata: { name: string; resourceVersion?: string };
  spec: { podCIDR?: string; podCIDRs?: string[] };
  status: { addresses: Array<{ type: string; address: string }> };
}

export function kubeNode(name: string, internalIps: string[], podCidrs: string[]): KubeNode {
  return {
    metadata: { name },
    spec: { podCIDR: podCidrs[0], podCIDRs: podCidrs },
    status: { addresses: [...internalIps.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: name }] },
  };
}

interface SavedState {
  resourceVersion: number;
  nodes: KubeNode[];
}

/**
 * The fake API server (fake-apiserver.ts) as a child process inside a test
 * namespace, driven over its stdin and stdout.
 */
export class FakeApiServer {
  /** Every request it served, as "GET /api/v1/nodes?...". */
  readonly requests: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  /** Starts it on `port`; `state` (from state()) makes it a restarted server with the same data. */
  static async start(ns: TestNamespace, port: number, dir: string, options: { state?: SavedState; gone?: 'event' | 'http' } = {}): Promise<FakeApiServer> {
    const args = ['netns', 'exec', ns.name, process.execPath, SCRIPT, String(port)];
    if (options.state) {
      const file = join(dir, `apiserver-state-${Date.now()}.json`);
      await writeFile(file, JSON.stringify(options.state));
      args.push(file, options.gone ?? 'event');
    }
    const child = spawn('ip', args, { stdio: 'pipe' });
    const server = new FakeApiServer(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`fake API server exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const message = JSON.parse(line) as { listening?: number; request?: string; done?: number; value?: unknown };
        if (message.listening !== undefined) resolve();
        if (message.request) server.requests.push(message.request);
        if (message.done !== undefined) server.waiting.get(message.done)?.(message.value);
      });
    });
    return server;
  }

  put(node: KubeNode): Promise<unknown> {
    return this.command({ op: 'put', node });
  }

  delete(name: string): Promise<unknown> {
    return this.command({ op: 'delete', name });
  }

  /** Compacts the history: every watcher gets an ERROR event with 410 Gone. */
  expire(): Promise<unknown> {
    return this.command({ op: 'expire' });
  }

  /** Cuts every watch connection, as a load balancer or a crash would. */
  drop(): Promise<unknown> {
    return this.command({ op: 'drop' });
  }

  /** Sends every watcher a BOOKMARK at the current resourceVersion. */
  bookmark(): Promise<unknown> {
    return this.command({ op: 'bookmark' });
  }

  async state(): Promise<SavedState> {
    return (await this.command({ op: 'state' })) as SavedState;
  }

  /** Kills it at once (a crash, not a shutdown); resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  private command(command: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(JSON.stringify({ id, ...command }) + '\n');
    });
  }
}
