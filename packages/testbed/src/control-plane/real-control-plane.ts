import { execaRunner, runChecked } from '@tscni/core';
import { waitFor, type TestNamespace } from '@tscni/core/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The toolchain binaries a control plane needs (from the offline build). */
export type Bin = (name: string) => string;

const ADMIN_TOKEN = 'tscni-test-admin';

/**
 * A real Kubernetes control plane, etcd and kube-apiserver from the
 * toolchain, inside a namespace the test made: etcd on its loopback, the API
 * server on `ip`:6443 with kubeadm's certificates. A static token in
 * system:masters is the test's admin; agents get ServiceAccount tokens.
 * The watch cache is off, so a watch reads etcd itself and a compaction
 * reaches the watchers (410 Gone), as it does behind a restarted API server.
 */
export class RealControlPlane {
  private etcd: ChildProcess | undefined;
  private apiserver: ChildProcess | undefined;

  private constructor(
    private readonly bin: Bin,
    private readonly ns: TestNamespace,
    readonly ip: string,
    private readonly dir: string,
  ) {}

  get server(): string {
    return `https://${this.ip}:6443`;
  }

  get caFile(): string {
    return join(this.dir, 'pki', 'ca.crt');
  }

  static async start(bin: Bin, ns: TestNamespace, ip: string, dir: string): Promise<RealControlPlane> {
    const plane = new RealControlPlane(bin, ns, ip, dir);
    await plane.makeCertificates();
    await writeFile(join(dir, 'tokens.csv'), `${ADMIN_TOKEN},admin,admin,system:masters\n`);
    await plane.writeKubeconfig(join(dir, 'admin.kubeconfig'), ADMIN_TOKEN);
    await plane.startEtcd();
    await plane.startApiserver();
    return plane;
  }

  /** Stops the API server and starts it again on the same etcd. */
  async restartApiserver(): Promise<void> {
    await stop(this.apiserver);
    await this.startApiserver();
  }

  /** Compacts etcd's history up to its current revision: older resourceVersions are gone. */
  async compactEtcd(): Promise<void> {
    const status = await this.etcdctl(['endpoint', 'status', '--write-out', 'json']);
    const revision = (JSON.parse(status) as Array<{ Status: { header: { revision: number } } }>)[0]!.Status.header.revision;
    await this.etcdctl(['compaction', String(revision)]);
  }

  async kubectl(args: string[]): Promise<string> {
    const kubeconfig = join(this.dir, 'admin.kubeconfig');
    return (await runChecked(execaRunner, this.bin('kubectl'), ['--kubeconfig', kubeconfig, ...args], { netns: this.ns.path })).stdout;
  }

  /** A kubeconfig that authenticates as the ServiceAccount (a token from the TokenRequest API). */
  async serviceAccountKubeconfig(namespace: string, name: string, path: string): Promise<string> {
    const token = (await this.kubectl(['-n', namespace, 'create', 'token', name, '--duration', '1h'])).trim();
    await this.writeKubeconfig(path, token);
    return path;
  }

  async stop(): Promise<void> {
    await stop(this.apiserver);
    await stop(this.etcd);
  }

  private async makeCertificates(): Promise<void> {
    const config = join(this.dir, 'kubeadm.yaml');
    await writeFile(
      config,
      [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: InitConfiguration',
        'localAPIEndpoint:',
        `  advertiseAddress: ${this.ip}`,
        '---',
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: ClusterConfiguration',
        `certificatesDir: ${join(this.dir, 'pki')}`,
        '',
      ].join('\n'),
    );
    await runChecked(execaRunner, this.bin('kubeadm'), ['init', 'phase', 'certs', 'all', '--config', config]);
  }

  private async startEtcd(): Promise<void> {
    const data = join(this.dir, 'etcd');
    await mkdir(data, { recursive: true });
    this.etcd = await this.spawn('etcd', [
      '--data-dir', data,
      '--listen-client-urls', 'http://127.0.0.1:2379', '--advertise-client-urls', 'http://127.0.0.1:2379',
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'default=http://127.0.0.1:2380',
    ]);
    await waitFor('etcd to answer', async () => (await this.etcdctl(['endpoint', 'health'])).includes('is healthy'), { timeoutMs: 60_000, intervalMs: 200 });
  }

  private async startApiserver(): Promise<void> {
    const pki = join(this.dir, 'pki');
    this.apiserver = await this.spawn('kube-apiserver', [
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${this.ip}`,
      `--bind-address=${this.ip}`,
      '--secure-port=6443',
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-cluster-ip-range=10.96.0.0/12',
      '--watch-cache=false',
      '--profiling=false',
    ]);
    await waitFor('kube-apiserver to be ready', async () => (await this.kubectl(['get', '--raw', '/readyz'])) === 'ok', { timeoutMs: 120_000, intervalMs: 250 });
    // kube-system appears a moment after /readyz.
    await waitFor('the kube-system namespace', async () => (await this.kubectl(['get', 'namespace', 'kube-system', '-o', 'name'])).trim() !== '', { timeoutMs: 60_000, intervalMs: 250 });
  }

  private async writeKubeconfig(path: string, token: string): Promise<void> {
    const lines = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: real\n  cluster:\n    server: ${this.server}\n    certificate-authority: ${this.caFile}`,
      'users:',
      `- name: user\n  user:\n    token: ${token}`,
      'contexts:',
      '- name: real\n  context:\n    cluster: real\n    user: user',
      'current-context: real',
    ];
    await writeFile(path, lines.join('\n') + '\n');
  }

  private async etcdctl(args: string[]): Promise<string> {
    return (await runChecked(execaRunner, this.bin('etcdctl'), ['--endpoints', 'http://127.0.0.1:2379', ...args], { netns: this.ns.path })).stdout;
  }

  /** Starts a server inside the namespace, its output appended to DIR/NAME.log. */
  private async spawn(name: string, args: string[]): Promise<ChildProcess> {
    const log = await open(join(this.dir, `${name}.log`), 'a');
    const child = spawn('nsenter', [`--net=${this.ns.path}`, '--', this.bin(name), ...args], { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    return child;
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
