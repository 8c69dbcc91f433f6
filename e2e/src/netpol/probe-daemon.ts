/**
 * The traffic end in one network namespace (a pod's or a node's), run by
 * Node.js itself (`node probe-daemon.ts LABEL`, types stripped): servers
 * that answer and count, and clients that connect, both driven by JSON
 * lines on stdin, one JSON answer line on stdout per request (same id).
 *
 * One long-lived process per namespace instead of a process per probe: on
 * a busy machine a process start costs more than the probe, and "the
 * moment ADD returns" must mean the next SYN, not the next process start.
 * Only node: built-ins, and only erasable TypeScript, so Node runs it as is.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server } from 'node:net';
import { createInterface } from 'node:readline';

export type Proto = 'tcp' | 'udp';

export type ProbeRequest =
  | { id: number; op: 'listen'; proto: Proto; port: number }
  | { id: number; op: 'connect'; proto: Proto; host: string; port: number; count: number; timeoutMs: number }
  | { id: number; op: 'until'; host: string; port: number; deadlineMs: number; attemptTimeoutMs: number; gapMs: number }
  | { id: number; op: 'accepted' }
  | { id: number; op: 'http'; url: string };

/** One attempt: `reply` is what the server answered (its label and port); `error` why there was none. */
export interface Attempt {
  ok: boolean;
  reply?: string;
  error?: string;
  ms: number;
}

const label = process.argv[2] ?? 'probe';
/** "tcp/8080" → connections accepted (TCP) or datagrams answered (UDP). */
const accepted: Record<string, number> = {};
const servers: Array<Server | UdpSocket> = [];

function listen(proto: Proto, port: number): Promise<void> {
  const key = `${proto}/${port}`;
  accepted[key] = 0;
  const answer = `${label}:${port}\n`;
  if (proto === 'tcp') {
    const server = createServer((socket) => {
      accepted[key]! += 1;
      socket.on('error', () => socket.destroy());
      socket.end(answer);
    });
    servers.push(server);
    // '::' without ipv6Only: one socket for both families (IPv4 arrives mapped).
    return new Promise((resolve, reject) => server.once('error', reject).listen({ host: '::', port }, resolve));
  }
  const socket = createSocket({ type: 'udp6', ipv6Only: false });
  servers.push(socket);
  socket.on('message', (_message, peer) => {
    accepted[key]! += 1;
    socket.send(answer, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: '::', port }, () => resolve());
  });
}

function tcpAttempt(host: string, port: number, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    let settled = false;
    const done = (attempt: Omit<Attempt, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...attempt, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => done({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\n')) done({ ok: true, reply: reply.trim() });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
    socket.on('close', () => done(reply ? { ok: true, reply: reply.trim() } : { ok: false, error: 'closed without an answer' }));
  });
}

function udpAttempt(host: string, port: number, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (attempt: Omit<Attempt, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ...attempt, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => done({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('message', (message) => done({ ok: true, reply: message.toString().trim() }));
    // A connected socket hears the ICMP error a reject sends back.
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
    socket.connect(port, host, () => socket.send('ping'));
  });
}

async function attempts(request: Extract<ProbeRequest, { op: 'connect' }>): Promise<Attempt[]> {
  const results: Attempt[] = [];
  for (let i = 0; i < request.count; i++) {
    const attempt = request.proto === 'tcp' ? tcpAttempt : udpAttempt;
    results.push(await attempt(request.host, request.port, request.timeoutMs));
  }
  return results;
}

/** TCP attempts until one is answered: when (epoch ms, comparable with the test's clock) and after how many. */
async function until(request: Extract<ProbeRequest, { op: 'until' }>): Promise<{ ok: boolean; at: number; attempts: number; lastError?: string }> {
  const deadline = Date.now() + request.deadlineMs;
  let count = 0;
  let lastError: string | undefined;
  while (Date.now() < deadline) {
    count += 1;
    const attempt = await tcpAttempt(request.host, request.port, request.attemptTimeoutMs);
    if (attempt.ok) return { ok: true, at: Date.now(), attempts: count };
    lastError = attempt.error;
    await new Promise((resolve) => setTimeout(resolve, request.gapMs));
  }
  return { ok: false, at: Date.now(), attempts: count, ...(lastError && { lastError }) };
}

async function http(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

async function handle(request: ProbeRequest): Promise<object> {
  switch (request.op) {
    case 'listen':
      await listen(request.proto, request.port);
      return {};
    case 'connect':
      return { attempts: await attempts(request) };
    case 'until':
      return until(request);
    case 'accepted':
      return { accepted: { ...accepted } };
    case 'http':
      return http(request.url);
  }
}

const reply = (value: object): boolean => process.stdout.write(JSON.stringify(value) + '\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as ProbeRequest;
  handle(request).then(
    (result) => reply({ id: request.id, ...result }),
    (error: unknown) => reply({ id: request.id, error: (error as Error).message }),
  );
});
// The test closes stdin (or dies): nothing of ours outlives it.
process.stdin.on('end', () => process.exit(0));
reply({ id: 0, ready: true });
