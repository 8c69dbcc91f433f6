import type { Server } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '@tscni/core';
import { handoffPaths, serveCoverRequests, type CoverReply, type CoverRequest, type HandoffPaths, type PodRecord } from '../../src/index.js';
import { netpolPlugin } from '../../src/plugin/plugin.js';

const K8S_ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=prod;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=c1';

function podResult(cniVersion: string, ...addresses: string[]): Record<string, unknown> {
  const old = cniVersion.startsWith('0.');
  return {
    cniVersion,
    interfaces: [{ name: 'eth0', mac: '0a:58:0a:f4:01:05', sandbox: '/var/run/netns/pod' }],
    ips: addresses.map((address) => ({ ...(old && { version: address.includes(':') ? '6' : '4' }), address, interface: 0 })),
  };
}

/** Runs the plugin through the dispatcher as a runtime would, with an env map and buffers. */
async function runNetpol(
  command: string,
  config: Record<string, unknown>,
  options: { containerId?: string; args?: string; netns?: string } = {},
): Promise<{ exitCode: number; json: Record<string, unknown> | undefined; ms: number }> {
  let stdout = '';
  const started = Date.now();
  const exitCode = await dispatch(netpolPlugin, {
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: options.containerId ?? 'c1',
      CNI_NETNS: options.netns ?? '/var/run/netns/pod',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
      CNI_ARGS: options.args ?? K8S_ARGS,
    },
    readStdin: async () => Buffer.from(JSON.stringify(config)),
    writeStdout: (text) => void (stdout += text),
    writeStderr: () => undefined,
  });
  return { exitCode, json: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : undefined, ms: Date.now() - started };
}

describe('tscni-netpol plugin', () => {
  let dir: string;
  let paths: HandoffPaths;
  let server: Server | undefined;
  /** What the agent was asked, and the record it found on disk when asked. */
  let asked: Array<{ request: CoverRequest; record: PodRecord | undefined }>;

  const config = (extra: object = {}, cniVersion = '1.1.0') => ({
    cniVersion,
    name: 'kindnet',
    type: 'tscni-netpol',
    runDir: dir,
    timeoutMs: 200,
    prevResult: podResult(cniVersion, '10.244.1.5/24', 'fd00:10:244:1::5/64'),
    ...extra,
  });

  /** A tiny agent answering each request with `answer` (never, when it returns a promise that does not settle). */
  async function agent(answer: () => Promise<CoverReply>): Promise<void> {
    server = await serveCoverRequests(paths.socket, async (request) => {
      const text = await readFile(paths.record(request.containerId), 'utf8').catch(() => undefined);
      asked.push({ request, record: text === undefined ? undefined : (JSON.parse(text) as PodRecord) });
      return answer();
    });
  }

  const records = () => readdir(paths.podsDir).catch(() => [] as string[]);
  const isolate = (...namespaces: string[]) => writeFile(paths.isolatedNamespaces, JSON.stringify(namespaces) + '\n');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-plugin-'));
    paths = handoffPaths(dir);
    asked = [];
  });
  afterEach(async () => {
    const closing = server;
    server = undefined;
    if (closing) await new Promise((resolve) => closing.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  describe.each(['0.3.1', '1.0.0', '1.1.0'])('spec %s', (version) => {
    it('no K8S_POD_NAME: the result passes through, no one is asked, nothing written', async () => {
      await agent(async () => ({ ok: true }));
      const run = await runNetpol('ADD', config({}, version), { args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=prod' });
      expect(run).toMatchObject({ exitCode: 0, json: podResult(version, '10.244.1.5/24', 'fd00:10:244:1::5/64') });
      expect(asked).toEqual([]);
      expect(await records()).toEqual([]);
    });

    it('the agent answers ok: the result passes through, the record holds the addresses', async () => {
      await agent(async () => ({ ok: true }));
      const run = await runNetpol('ADD', config({}, version));
      expect(run).toMatchObject({ exitCode: 0, json: podResult(version, '10.244.1.5/24', 'fd00:10:244:1::5/64') });
      const record = { namespace: 'prod', name: 'web', ips: ['10.244.1.5', 'fd00:10:244:1::5'] };
      // The agent is asked to answer within 80 % of the plugin's own wait (200 ms here), so a refusal arrives before the plugin gives up.
      expect(asked).toEqual([{ request: { containerId: 'c1', namespace: 'prod', answerWithinMs: 160 }, record }]);
      expect(JSON.parse(await readFile(paths.record('c1'), 'utf8'))).toEqual(record);
      expect(await records()).toEqual(['c1']);
    });
  });

  it('the agent answers ok:false: code 11 with its reason, no record left', async () => {
    await agent(async () => ({ ok: false, error: 'the API has not shown the pod' }));
    const run = await runNetpol('ADD', config());
    expect(run.exitCode).toBe(1);
    expect(run.json).toMatchObject({ code: 11, msg: expect.stringContaining('prod/web') });
    expect(run.json?.msg).toContain('the API has not shown the pod');
    expect(await records()).toEqual([]);
  });

  it('no agent socket, namespace listed as isolated: code 11 naming the namespace, no record left', async () => {
    await isolate('dev', 'prod');
    const run = await runNetpol('ADD', config());
    expect(run.json).toMatchObject({ code: 11, msg: expect.stringContaining('namespace prod has NetworkPolicies') });
    expect(await records()).toEqual([]);
  });

  it('no agent socket, namespace not listed: success, the record stays for the agent', async () => {
    await isolate('dev');
    expect(await runNetpol('ADD', config())).toMatchObject({ exitCode: 0 });
    expect(await records()).toEqual(['c1']);
  });

  it('no agent socket and no isolated-namespaces file (no agent ever ran): success', async () => {
    expect(await runNetpol('ADD', config())).toMatchObject({ exitCode: 0 });
  });

  it('an unreadable isolated-namespaces file counts as isolated', async () => {
    await writeFile(paths.isolatedNamespaces, '["pro');
    expect((await runNetpol('ADD', config())).json).toMatchObject({ code: 11 });
  });

  describe('an agent that never answers', () => {
    it('gives up after timeoutMs; the namespace not isolated: success', async () => {
      await agent(() => new Promise(() => undefined));
      const run = await runNetpol('ADD', config());
      expect(run.exitCode).toBe(0);
      expect(asked).toHaveLength(1);
      expect(run.ms).toBeGreaterThanOrEqual(190);
      expect(run.ms).toBeLessThan(2_000);
    });

    it('gives up after timeoutMs; the namespace isolated: code 11 saying so', async () => {
      await isolate('prod');
      await agent(() => new Promise(() => undefined));
      const run = await runNetpol('ADD', config());
      expect(run.json).toMatchObject({ code: 11, msg: expect.stringContaining('no answer within 200 ms') });
      expect(run.ms).toBeLessThan(2_000);
      expect(await records()).toEqual([]);
    });
  });

  it('DEL removes the record, and succeeds again without it and without netns', async () => {
    await agent(async () => ({ ok: true }));
    expect((await runNetpol('ADD', config())).exitCode).toBe(0);
    expect((await runNetpol('ADD', config(), { containerId: 'c2' })).exitCode).toBe(0);
    expect(await runNetpol('DEL', config({ prevResult: undefined }))).toMatchObject({ exitCode: 0, json: undefined });
    expect(await records()).toEqual(['c2']);
    expect((await runNetpol('DEL', config({ prevResult: undefined }), { netns: '' })).exitCode).toBe(0);
    expect((await runNetpol('DEL', config(), { args: '' })).exitCode).toBe(0);
    expect(await records()).toEqual(['c2']);
  });

  it('CHECK passes with the record, fails without it', async () => {
    await agent(async () => ({ ok: true }));
    expect((await runNetpol('CHECK', config())).json).toMatchObject({ code: 999, msg: expect.stringContaining('no NetworkPolicy record of container c1') });
    expect((await runNetpol('ADD', config())).exitCode).toBe(0);
    expect((await runNetpol('CHECK', config())).exitCode).toBe(0);
  });

  describe('bad input: code 7, nothing written, no one asked', () => {
    it.each<[string, string, object]>([
      ['ADD, a relative runDir', 'ADD', { runDir: 'run/tscni/netpol' }],
      ['ADD, a runDir that is not a string', 'ADD', { runDir: 5 }],
      ['ADD, a timeoutMs that is not an integer', 'ADD', { timeoutMs: 1.5 }],
      ['ADD, a timeoutMs in a string', 'ADD', { timeoutMs: '200' }],
      ['ADD, a timeoutMs of 0', 'ADD', { timeoutMs: 0 }],
      ['ADD without prevResult', 'ADD', { prevResult: undefined }],
      ['CHECK without prevResult', 'CHECK', { prevResult: undefined }],
      ['DEL, a relative runDir', 'DEL', { runDir: 'netpol' }],
      ['ADD of no Kubernetes pod, a relative runDir', 'ADD', { runDir: 'netpol', args: '' }],
      ['CHECK of no Kubernetes pod, a timeoutMs of -1', 'CHECK', { timeoutMs: -1, args: '' }],
    ])('%s', async (_what, command, { args, ...extra }: { args?: string }) => {
      await agent(async () => ({ ok: true }));
      const run = await runNetpol(command, config(extra), args === undefined ? {} : { args });
      expect(run.exitCode).toBe(1);
      expect(run.json).toMatchObject({ code: 7, msg: expect.any(String) });
      expect(asked).toEqual([]);
      expect(await records()).toEqual([]);
    });
  });
});
