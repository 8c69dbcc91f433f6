import { Sandbox, binary, REFERENCE_BIN_DIR, type TestNamespace } from '@tscni/core/testing';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs the built `tscni` CLI inside the node namespace, as a user would. */
function tscni(node: TestNamespace, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('ip', ['netns', 'exec', node.name, binary('tscni'), ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('tscni CLI driving the reference bridge + host-local', () => {
  const sandbox = new Sandbox('cli');
  let node: TestNamespace;
  let pod: TestNamespace;
  let env: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    pod = await sandbox.namespace('pod');
    const confDir = await sandbox.dir();
    dataDir = await sandbox.dir();
    env = { NETCONFPATH: confDir, CNI_PATH: REFERENCE_BIN_DIR, CNI_CACHE_DIR: await sandbox.dir() };
    await writeFile(
      join(confDir, '10-ref.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'refnet',
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: false,
            ipam: { type: 'host-local', ranges: [[{ subnet: '10.77.0.0/24' }]], dataDir },
          },
        ],
      }),
    );
  });
  afterAll(() => sandbox.cleanup());

  it('runs ADD, CHECK and DEL, leaving no address behind', async () => {
    const add = await tscni(node, ['add', 'refnet', pod.path], env);
    expect(add).toMatchObject({ code: 0 });
    const result = JSON.parse(add.stdout) as { ips: Array<{ address: string }> };
    expect(result.ips[0]?.address).toMatch(/^10\.77\.0\.\d+\/24$/);
    const podAddr = await sandbox.exec(pod, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(podAddr).toContain(result.ips[0]!.address);

    expect(await tscni(node, ['check', 'refnet', pod.path], env)).toMatchObject({ code: 0 });
    expect(await tscni(node, ['del', 'refnet', pod.path], env)).toMatchObject({ code: 0 });
    const files = await readdir(join(dataDir, 'refnet'));
    expect(files.filter((f) => /^\d/.test(f))).toEqual([]);
  });

  it('reports an unknown network as code 7 and bad usage with exit 2', async () => {
    const missing = await tscni(node, ['add', 'nope', pod.path], env);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ code: 7 });
    expect((await tscni(node, ['frob'], env)).code).toBe(2);
  });

  it('answers version', async () => {
    const out = await tscni(node, ['version'], env);
    expect(JSON.parse(out.stdout).supportedVersions).toEqual(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  });
});
