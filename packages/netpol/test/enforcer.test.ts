import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Nftables } from '@tscni/core';
import { handoffPaths, PolicyEnforcer, type CoverReply, type HandoffPaths, type PodInfo, type PolicyView } from '../src/index.js';
import { namespace, pod, policy, rule } from './fixtures.js';

const SELF = 'node-a';
const MINUTE = 60_000;

/** An Nftables that records the scripts it was given, and fails while `failWith` is set. */
class FakeNft {
  readonly scripts: string[] = [];
  failWith: string | undefined;
  /** Runs inside apply, i.e. while a pass is under way. */
  during: (() => void) | undefined;

  async apply(script: string): Promise<void> {
    this.during?.();
    if (this.failWith) throw new Error(this.failWith);
    this.scripts.push(script);
  }
}

const onNode = (info: PodInfo, nodeName: string | undefined = SELF) => ({ ...info, nodeName });
const WEB = onNode(pod('prod/web', { app: 'web' }, ['10.244.1.5']));
const OTHER = onNode(pod('dev/tool', { app: 'tool' }, ['10.244.2.7']), 'node-b');
const DENY_PROD = policy('prod/deny', { ingress: [] });
const NAMESPACES = [namespace('prod'), namespace('dev'), namespace('free')];

function view(parts: Partial<PolicyView> = {}): PolicyView {
  return { self: SELF, policies: [DENY_PROD], namespaces: NAMESPACES, pods: [WEB, OTHER], ...parts };
}

/** A cover request's answer, readable without awaiting it. */
function track(answer: Promise<CoverReply>): { reply: CoverReply | undefined } {
  const state: { reply: CoverReply | undefined } = { reply: undefined };
  void answer.then((reply) => (state.reply = reply));
  return state;
}

/** Lets settled promises run their callbacks. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PolicyEnforcer', () => {
  let dir: string;
  let paths: HandoffPaths;
  let nft: FakeNft;
  let clock: number;
  let enforcer: PolicyEnforcer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-enforcer-'));
    paths = handoffPaths(dir);
    nft = new FakeNft();
    clock = Date.now();
    enforcer = new PolicyEnforcer({ nft: nft as unknown as Nftables, paths, log: silentLogger, now: () => clock });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** The plugin's record of a pod, written `ageMs` ago. */
  async function record(containerId: string, namespace: string, name: string, ips: string[], ageMs = 0): Promise<void> {
    await mkdir(paths.podsDir, { recursive: true });
    await writeFile(paths.record(containerId), JSON.stringify({ namespace, name, ips }));
    const at = (Date.now() - ageMs) / 1000;
    await utimes(paths.record(containerId), at, at);
  }

  const lastScript = () => nft.scripts.at(-1) ?? '';

  describe('applying', () => {
    it('a pass applies once, and not again while the rule set is unchanged', async () => {
      const first = await enforcer.pass(view());
      expect(first).toMatchObject({ changed: true, localPods: 1, rules: 0, elements: 1 });
      expect(nft.scripts).toHaveLength(1);
      expect(lastScript()).toContain('10.244.1.5 : goto verdict_ingress_0');
      expect(await enforcer.pass(view())).toMatchObject({ changed: false });
      expect(nft.scripts).toHaveLength(1);
    });

    it('a changed rule set is applied', async () => {
      await enforcer.pass(view());
      await enforcer.pass(view({ policies: [DENY_PROD, policy('prod/out', { egress: [] })] }));
      expect(nft.scripts).toHaveLength(2);
      expect(lastScript()).toContain('10.244.1.5 : goto verdict_egress_0');
    });

    it('forget(): the next pass re-applies the same rule set', async () => {
      await enforcer.pass(view());
      enforcer.forget();
      expect(await enforcer.pass(view())).toMatchObject({ changed: true });
      expect(nft.scripts).toHaveLength(2);
      expect(nft.scripts[1]).toBe(nft.scripts[0]);
    });

    it('pods of other nodes are not judged here, even in an isolated namespace', async () => {
      const remote = onNode(pod('prod/remote', {}, ['10.244.2.9']), 'node-b');
      expect(await enforcer.pass(view({ pods: [WEB, remote] }))).toMatchObject({ localPods: 1 });
      expect(lastScript()).not.toContain('10.244.2.9');
    });

    it('writes the namespaces that have policies, sorted, once each', async () => {
      await enforcer.pass(view({ policies: [policy('prod/b', { ingress: [] }), policy('dev/a', { egress: [] }), policy('prod/a', { ingress: [rule()] })] }));
      expect(await readFile(paths.isolatedNamespaces, 'utf8')).toBe('["dev","prod"]\n');
      await enforcer.pass(view({ policies: [] }));
      expect(await readFile(paths.isolatedNamespaces, 'utf8')).toBe('[]\n');
    });
  });

  describe('records', () => {
    it("the record's addresses override the API's for a local pod", async () => {
      await record('c-web', 'prod', 'web', ['10.244.1.99', 'fd00:1::99']);
      await enforcer.pass(view());
      expect(lastScript()).toContain('10.244.1.99 : goto verdict_ingress_0');
      expect(lastScript()).toContain('fd00:1::99 : goto verdict_ingress_0');
      expect(lastScript()).not.toContain('10.244.1.5');
    });

    it('a record makes a pod local before the API places it on this node', async () => {
      const scheduled = onNode(pod('prod/new', {}, []), undefined);
      await record('c-new', 'prod', 'new', ['10.244.1.20']);
      expect(await enforcer.pass(view({ pods: [WEB, scheduled] }))).toMatchObject({ localPods: 2 });
      expect(lastScript()).toContain('10.244.1.20 : goto');
    });

    it('an address two records claim belongs to the newer one', async () => {
      const pods = [onNode(pod('prod/old', { app: 'old' }, [])), onNode(pod('prod/fresh', { app: 'fresh' }, []))];
      await record('c-old', 'prod', 'old', ['10.244.1.30'], 2 * MINUTE);
      await record('c-fresh', 'prod', 'fresh', ['10.244.1.30'], MINUTE);
      const isolate = (app: string) => view({ pods, policies: [policy(`prod/${app}`, { podSelector: { matchLabels: { app } }, ingress: [] })] });
      expect(await enforcer.pass(isolate('old'))).toMatchObject({ elements: 0 });
      expect(lastScript()).not.toContain('10.244.1.30');
      expect(await enforcer.pass(isolate('fresh'))).toMatchObject({ elements: 1 });
      expect(lastScript()).toContain('10.244.1.30 : goto verdict_ingress_0');
    });

    it('a record of a pod the API places on another node is stale (a DEL that never ran; the name reused there)', async () => {
      const moved = onNode(pod('prod/db-0', { app: 'db' }, ['10.244.2.50']), 'node-b');
      await record('c-db-old', 'prod', 'db-0', ['10.244.1.50'], 20 * MINUTE);
      const report = await enforcer.pass(view({ pods: [WEB, moved], policies: [policy('prod/from-db', { ingress: [rule([{ podSelector: { matchLabels: { app: 'db' } } }])] })] }));
      expect(report.localPods).toBe(1);
      expect(lastScript()).toContain('elements = { 10.244.2.50 }');
      expect(lastScript()).not.toContain('10.244.1.50');
      expect(await readdir(paths.podsDir)).toEqual([]);
    });

    it('stale records (older than 10 minutes, pod absent from the API) are removed; others kept', async () => {
      await record('c-gone', 'prod', 'gone', ['10.244.1.40'], 11 * MINUTE);
      await record('c-recent', 'prod', 'recent', ['10.244.1.41'], 9 * MINUTE);
      await record('c-web', 'prod', 'web', ['10.244.1.5'], 60 * MINUTE);
      await enforcer.pass(view());
      expect((await readdir(paths.podsDir)).sort()).toEqual(['c-recent', 'c-web']);
      clock += 2 * MINUTE;
      await enforcer.pass(view());
      expect(await readdir(paths.podsDir)).toEqual(['c-web']);
    });
  });

  describe('cover requests', () => {
    it('are answered ok after the next pass, not before', async () => {
      await record('c-web', 'prod', 'web', ['10.244.1.5']);
      const answer = track(enforcer.cover('c-web'));
      await flush();
      expect(answer.reply).toBeUndefined();
      await enforcer.pass(view());
      await flush();
      expect(answer.reply).toEqual({ ok: true });
    });

    it('one made while a pass is under way waits for the pass after it', async () => {
      await record('c-web', 'prod', 'web', ['10.244.1.5']);
      let answer: { reply: CoverReply | undefined } | undefined;
      nft.during = () => (answer ??= track(enforcer.cover('c-web')));
      await enforcer.pass(view());
      await flush();
      expect(answer?.reply).toBeUndefined();
      nft.during = undefined;
      await enforcer.pass(view());
      await flush();
      expect(answer?.reply).toEqual({ ok: true });
    });

    it('a pod the API does not show yet, in a namespace with policies: pending until a pass shows it', async () => {
      await record('c-new', 'prod', 'new', ['10.244.1.20']);
      const answer = track(enforcer.cover('c-new'));
      await enforcer.pass(view());
      await enforcer.pass(view());
      await flush();
      expect(answer.reply).toBeUndefined();
      await enforcer.pass(view({ pods: [WEB, OTHER, onNode(pod('prod/new', {}, []))] }));
      await flush();
      expect(answer.reply).toEqual({ ok: true });
      expect(lastScript()).toContain('10.244.1.20 : goto');
    });

    it('...and expire() answers it ok:false with the reason', async () => {
      await record('c-new', 'prod', 'new', ['10.244.1.20']);
      const answer = enforcer.cover('c-new');
      const other = track(enforcer.cover('c-other'));
      await enforcer.pass(view());
      enforcer.expire('c-new', 'the API has not shown the pod');
      expect(await answer).toEqual({ ok: false, error: 'the API has not shown the pod' });
      await flush();
      expect(other.reply).toEqual({ ok: true }); // no record at all: nothing a policy could select
    });

    it('a pod the API does not show yet, in a namespace without policies: ok at once', async () => {
      await record('c-free', 'free', 'new', ['10.244.1.21']);
      const answer = enforcer.cover('c-free');
      await enforcer.pass(view());
      expect(await answer).toEqual({ ok: true });
    });

    it('when apply fails: ok:false for pods of isolated namespaces, ok:true for others, and the error propagates', async () => {
      await record('c-web', 'prod', 'web', ['10.244.1.5']);
      await record('c-free', 'free', 'free', ['10.244.1.21']);
      const web = enforcer.cover('c-web');
      const free = enforcer.cover('c-free');
      nft.failWith = 'Error: Could not process rule: No buffer space available';
      await expect(enforcer.pass(view())).rejects.toThrow('No buffer space available');
      expect(await web).toEqual({ ok: false, error: "the node's rule set could not be applied: Error: Could not process rule: No buffer space available" });
      expect(await free).toEqual({ ok: true });
      // Nothing was applied: the next pass tries again.
      nft.failWith = undefined;
      expect(await enforcer.pass(view())).toMatchObject({ changed: true });
      expect(nft.scripts).toHaveLength(1);
    });
  });
});
