import { waitFor } from '@tscni/core/testing';
import type { KindCluster } from '@tscni/testbed/kind';

const BUSYBOX = 'busybox:1.36';
export const ECHO_PORT = 9000;
/** A message every 100 ms; a gap longer than this between two echoes is a stall. */
export const MAX_STALL_S = 1;

/** An echo server: busybox nc, persistent (-ll), one cat per connection (found on PATH: the image keeps busybox's applets in /bin/busybox.d), on both families. */
export function echoServer(name: string, node: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'echo', image: BUSYBOX, command: ['sh', '-c', `while :; do nc -ll -p ${ECHO_PORT} -e cat; echo "nc exited: $?"; sleep 1; done`], ports: [{ containerPort: ECHO_PORT }] }],
    },
  };
}

export function echoService(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ipFamilyPolicy: 'PreferDualStack', selector: { app: name }, ports: [{ port: ECHO_PORT, targetPort: ECHO_PORT }] },
  };
}

export function clientPod(name: string, node: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'client', image: BUSYBOX, command: ['sleep', '3600'] }] },
  };
}

/** What one connection's log shows: every echo's arrival, in seconds of the kernel's uptime (one clock for every pod of the machine). */
export interface ConnectionReport {
  name: string;
  messages: number;
  /** The longest wait between two echoes, seconds. */
  longestGapS: number;
  /** Sequence numbers missing between the first and last echo: the stream is one TCP connection, so any would mean it broke. */
  missing: number;
  /** How long before the read the last echo came: the connection is still open if this is small. */
  silentForS: number;
}

/**
 * Long-lived TCP connections from a client pod, each sending a numbered
 * line every 100 ms and logging when its echo comes back. Only busybox is
 * in the cluster: `/proc/uptime` (10 ms steps, read without a fork) is the
 * clock, since busybox date has no sub-second format.
 */
export class LongLivedConnections {
  private readonly targets = new Map<string, string>();

  constructor(
    private readonly cluster: KindCluster,
    private readonly client: string,
  ) {}

  /**
   * Opens a connection to ip:ECHO_PORT that runs, detached, until the pod
   * goes. First waits for the target to echo a probe: a Service answers
   * only once its endpoints reach kube-proxy, and a refused connection
   * would not be tried again.
   */
  async open(name: string, ip: string): Promise<void> {
    this.targets.set(name, ip);
    const probe = () => this.exec(`echo probe | timeout 2 nc ${ip} ${ECHO_PORT} 2>&1; echo "exit $?"`);
    try {
      await waitFor(`${ip} port ${ECHO_PORT} echoing`, async () => (await probe()).includes('probe'), { timeoutMs: 60_000, intervalMs: 500 });
    } catch (error) {
      throw new Error(`${(error as Error).message}; the last probe said: ${await probe().catch(String)}`);
    }
    const loop = `i=0; while :; do echo $i; i=$((i+1)); sleep 0.1; done | nc ${ip} ${ECHO_PORT} | while read seq; do read up _ </proc/uptime; echo "$up $seq"; done >/tmp/${name}.log`;
    await this.exec(`setsid sh -c '${loop}' </dev/null >/dev/null 2>/tmp/${name}.err &`);
  }

  async reports(): Promise<ConnectionReport[]> {
    const out = await this.exec(`read up _ </proc/uptime; echo "now $up"; for f in ${[...this.targets.keys()].map((name) => `/tmp/${name}.log`).join(' ')}; do echo "file $f"; cat $f; done; true`);
    const lines = out.trim().split('\n');
    const now = Number(lines[0]!.split(' ')[1]);
    const reports: ConnectionReport[] = [];
    let current: { name: string; echoes: Array<[number, number]> } | undefined;
    const close = () => current && reports.push(summarize(current.name, current.echoes, now));
    for (const line of lines.slice(1)) {
      if (line.startsWith('file ')) {
        close();
        current = { name: line.slice('file /tmp/'.length, -'.log'.length), echoes: [] };
      } else if (current) {
        const [at, seq] = line.split(' ').map(Number);
        if (Number.isFinite(at) && Number.isFinite(seq)) current.echoes.push([at!, seq!]);
      }
    }
    close();
    return reports;
  }

  /** What the connections' shells and nc wrote to stderr: why one did not start. */
  errors(): Promise<string> {
    return this.exec(`for name in ${[...this.targets.keys()].join(' ')}; do echo "$name: $(cat /tmp/$name.err 2>/dev/null)"; done`);
  }

  private exec(script: string): Promise<string> {
    return this.cluster.kubectl(['exec', this.client, '--', 'sh', '-c', script]);
  }
}

function summarize(name: string, echoes: Array<[number, number]>, now: number): ConnectionReport {
  let longestGapS = 0;
  let missing = 0;
  for (let i = 1; i < echoes.length; i++) {
    longestGapS = Math.max(longestGapS, echoes[i]![0] - echoes[i - 1]![0]);
    missing += echoes[i]![1] - echoes[i - 1]![1] - 1;
  }
  const last = echoes.at(-1);
  return { name, messages: echoes.length, longestGapS: round(longestGapS), missing, silentForS: last ? round(now - last[0]) : Infinity };
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;
