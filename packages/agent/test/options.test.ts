import { spawn } from 'node:child_process';
import { binary } from '@tscni/core/testing';
import { parseOptions, usage } from '../src/options.js';

describe('parseOptions', () => {
  test('defaults, with only the node name given', () => {
    expect(parseOptions([], { NODE_NAME: 'n1' })).toEqual({
      nodeName: 'n1',
      kubeconfig: undefined,
      clusterCidrs: [],
      extraNonMasqueradeCidrs: [],
      cniConfDir: '/etc/cni/net.d',
      cniBinDir: '/opt/cni/bin',
      cniVersion: '1.0.0',
      ipamDataDir: undefined,
      ipamReconcileIntervalMs: 0,
      ipamReconcileGraceMs: 300_000,
      installPlugins: false,
      portMapPlugin: 'portmap',
      stateDir: '/run/tscni',
      healthAddr: { host: undefined, port: 9440 },
      // Off unless asked for: it needs RBAC on pods, namespaces and networkpolicies (deploy/ grants it and turns it on).
      networkPolicy: false,
      netpolRunDir: '/run/tscni/netpol',
      logLevel: 'info',
    });
  });

  test('--network-policy: enforce or off, anything else refused', () => {
    expect(parseOptions(['--network-policy', 'enforce'], { NODE_NAME: 'n1' })).toMatchObject({ networkPolicy: true });
    expect(parseOptions([], { NODE_NAME: 'n1', TSCNI_NETWORK_POLICY: 'enforce', TSCNI_NETPOL_RUN_DIR: '/x' })).toMatchObject({ networkPolicy: true, netpolRunDir: '/x' });
    expect(() => parseOptions(['--network-policy', 'on'], { NODE_NAME: 'n1' })).toThrow('--network-policy: "on" must be one of enforce, off');
    expect(() => parseOptions(['--netpol-run-dir', 'rel'], { NODE_NAME: 'n1' })).toThrow('--netpol-run-dir: "rel" must be an absolute path');
  });

  test('environment twins, and flags winning over them', () => {
    const env = {
      NODE_NAME: 'from-env',
      KUBECONFIG: '/k',
      TSCNI_CLUSTER_CIDR: '10.244.0.0/16, fd10::/56',
      TSCNI_INSTALL_PLUGINS: 'true',
      TSCNI_CNI_CONF_DIR: '/etc/x',
    };
    const options = parseOptions(['--node-name', 'n2', '--cni-conf-dir', '/etc/y'], env);
    expect(options).toMatchObject({
      nodeName: 'n2',
      kubeconfig: '/k',
      clusterCidrs: ['10.244.0.0/16', 'fd10::/56'],
      installPlugins: true,
      cniConfDir: '/etc/y',
    });
    expect(parseOptions([], { NODE_NAME: 'n', TSCNI_CNI_VERSION: '1.1.0', TSCNI_IPAM_DATA_DIR: '/run/tscni/ipam' })).toMatchObject({
      cniVersion: '1.1.0',
      ipamDataDir: '/run/tscni/ipam',
    });
    expect(parseOptions([], { NODE_NAME: 'n', TSCNI_PORTMAP_PLUGIN: '' })).toMatchObject({ portMapPlugin: '' });
    expect(parseOptions(['--ipam-reconcile-interval', '90s', '--ipam-reconcile-grace', '1h'], { NODE_NAME: 'n', TSCNI_IPAM_RECONCILE_INTERVAL: '5m' })).toMatchObject({
      ipamReconcileIntervalMs: 90_000,
      ipamReconcileGraceMs: 3_600_000,
    });
    expect(parseOptions([], { NODE_NAME: 'n', TSCNI_IPAM_RECONCILE_INTERVAL: '300', TSCNI_IPAM_RECONCILE_GRACE: '500ms' })).toMatchObject({
      ipamReconcileIntervalMs: 300_000,
      ipamReconcileGraceMs: 500,
    });
    const repeated = parseOptions(['--node-name', 'n', '--cluster-cidr', '10.1.0.0/16', '--cluster-cidr', '10.2.0.0/16'], env);
    expect(repeated).toMatchObject({ clusterCidrs: ['10.1.0.0/16', '10.2.0.0/16'] });
  });

  test.each([
    [[], '--node-name (or NODE_NAME) is required'],
    [['--node-name', 'n', '--cluster-cidr', '10.244.0.0'], '--cluster-cidr: "10.244.0.0" is not a CIDR'],
    [['--node-name', 'n', '--state-dir', 'run/tscni'], '--state-dir: "run/tscni" must be an absolute path'],
    [['--node-name', 'n', '--health-addr', 'localhost'], '--health-addr: "localhost" must be :port, host:port or [IPv6]:port'],
    [['--node-name', 'n', '--health-addr', '::1:9440'], '--health-addr: "::1:9440" must be :port, host:port or [IPv6]:port'],
    [['--node-name', 'n', '--log-level', 'loud'], '--log-level: "loud" must be one of'],
    [['--node-name', 'n', '--cni-version', '1.2.0'], '--cni-version: "1.2.0" must be one of 0.3.1, 0.4.0, 1.0.0, 1.1.0'],
    [['--node-name', 'n', '--ipam-data-dir', 'ipam'], '--ipam-data-dir: "ipam" must be an absolute path'],
    [['--node-name', 'n', '--portmap-plugin', '/opt/cni/bin/portmap'], "--portmap-plugin takes a plugin's name in --cni-bin-dir, not a path"],
    [['--node-name', 'n', '--ipam-reconcile-interval', '5 minutes'], '--ipam-reconcile-interval: "5 minutes" is not a duration'],
    [['--node-name', 'n', '--ipam-reconcile-grace=-1s'], '--ipam-reconcile-grace: "-1s" is not a duration'],
    [['--node-name', 'n', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  test('--health-addr: every address by default, one host or IPv6 address when given, off when empty', () => {
    const addr = (value: string) => (parseOptions(['--health-addr', value], { NODE_NAME: 'n' }) as { healthAddr: unknown }).healthAddr;
    expect(addr(':9440')).toEqual({ host: undefined, port: 9440 });
    expect(addr('0.0.0.0:9440')).toEqual({ host: '0.0.0.0', port: 9440 });
    expect(addr('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(addr('[::]:9440')).toEqual({ host: '::', port: 9440 });
    expect(addr('[fd00:172:17::3]:9440')).toEqual({ host: 'fd00:172:17::3', port: 9440 });
    expect(addr('localhost:9440')).toEqual({ host: 'localhost', port: 9440 });
    expect(addr('')).toBeUndefined();
    expect(parseOptions([], { NODE_NAME: 'n', TSCNI_HEALTH_ADDR: '[::1]:1' })).toMatchObject({ healthAddr: { host: '::1', port: 1 } });
  });

  test('--help lists every flag with its environment twin', () => {
    expect(parseOptions(['--help'], {})).toBe('help');
    for (const twin of ['NODE_NAME', 'KUBECONFIG', 'TSCNI_CLUSTER_CIDR', 'TSCNI_CNI_CONF_DIR', 'TSCNI_CNI_BIN_DIR', 'TSCNI_INSTALL_PLUGINS', 'TSCNI_STATE_DIR', 'TSCNI_HEALTH_ADDR', 'TSCNI_CNI_VERSION', 'TSCNI_IPAM_DATA_DIR', 'TSCNI_PORTMAP_PLUGIN']) {
      expect(usage()).toContain(twin);
    }
  });
});

describe('the agent executable with bad options', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(binary('tscni-agent'), [...args], { env: { PATH: process.env.PATH ?? '', ...env } });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('close', (code) => resolve({ code, stderr, stdout }));
    });

  test('exits 2 with a clear message for a bad option, before touching anything', async () => {
    const result = await run(['--node-name', 'n', '--cluster-cidr', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cluster-cidr: "nope" is not a CIDR');
  });

  test('exits 1 when the kubeconfig cannot be read', async () => {
    const result = await run(['--kubeconfig', '/nonexistent/kubeconfig', '--health-addr', ''], { NODE_NAME: 'n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('agent failed');
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: tscni-agent');
  });
});
