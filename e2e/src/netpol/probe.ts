import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestNamespace } from '@tscni/core/testing';
import type { Attempt, ProbeRequest, Proto } from './probe-daemon.js';

export type { Attempt, Proto };

const DAEMON = join(import.meta.dirname, 'probe-daemon.ts');

type Request = ProbeRequest extends infer R ? (R extends ProbeRequest ? Omit<R, 'id'> : never) : never;

/**
 * The test's handle on a probe daemon (probe-daemon.ts) in one network
 * namespace: servers there answer with "LABEL:PORT" and count; clients
 * there connect where the test says. The namespace's cleanup kills it.
 */
export class Probe {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: Record<string, unknown>) => void>();
  private exited: string | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {}

  /** Starts the daemon inside `ns` (nsenter: the namespace's network only) and waits until it reads requests. */
  static async start(ns: TestNamespace, label: string): Promise<Probe> {
    const child = spawn('nsenter', [`--net=${ns.path}`, '--', process.execPath, '--no-warnings', DAEMON, label]);
    const probe = new Probe(label, child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = new Promise<void>((resolve) => probe.pending.set(0, () => resolve()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number } & Record<string, unknown>;
      probe.pending.get(answer.id)?.(answer);
      probe.pending.delete(answer.id);
    });
    child.on('exit', (code, signal) => {
      probe.exited = `the probe in ${ns.name} exited (${code ?? signal}): ${stderr}`;
      for (const resolve of probe.pending.values()) resolve({ error: probe.exited });
      probe.pending.clear();
    });
    await ready;
    if (probe.exited) throw new Error(probe.exited);
    return probe;
  }

  /** Servers on '::' (both families), each answering "LABEL:PORT". */
  async listen(ports: ReadonlyArray<{ proto: Proto; port: number }>): Promise<void> {
    for (const { proto, port } of ports) await this.request({ op: 'listen', proto, port });
  }

  /** `count` attempts one after the other, each bounded by `timeoutMs`. */
  async connect(host: string, port: number, options: { proto?: Proto; count?: number; timeoutMs?: number } = {}): Promise<Attempt[]> {
    const { proto = 'tcp', count = 1, timeoutMs = 2_000 } = options;
    return (await this.request({ op: 'connect', proto, host, port, count, timeoutMs })).attempts as Attempt[];
  }

  /** One attempt. */
  async once(host: string, port: number, proto: Proto = 'tcp'): Promise<Attempt> {
    return (await this.connect(host, port, { proto }))[0]!;
  }

  /** TCP attempts every `gapMs` until one is answered; `at` is the epoch ms of that answer. */
  async until(host: string, port: number, deadlineMs: number): Promise<{ ok: boolean; at: number; attempts: number; lastError?: string }> {
    return (await this.request({ op: 'until', host, port, deadlineMs, attemptTimeoutMs: 500, gapMs: 20 })) as { ok: boolean; at: number; attempts: number };
  }

  /** Connections (TCP) or datagrams (UDP) its servers answered, by "proto/port". */
  async accepted(): Promise<Record<string, number>> {
    return (await this.request({ op: 'accepted' })).accepted as Record<string, number>;
  }

  async http(url: string): Promise<{ status: number; body: string }> {
    return (await this.request({ op: 'http', url })) as unknown as { status: number; body: string };
  }

  stop(): void {
    this.child.stdin.end();
  }

  private async request(request: Request): Promise<Record<string, unknown>> {
    if (this.exited) throw new Error(this.exited);
    const id = this.nextId++;
    const answer = new Promise<Record<string, unknown>>((resolve) => this.pending.set(id, resolve));
    this.child.stdin.write(JSON.stringify({ ...request, id }) + '\n');
    const result = await answer;
    if (typeof result.error === 'string') throw new Error(`probe ${this.label}: ${result.error}`);
    return result;
  }
}
