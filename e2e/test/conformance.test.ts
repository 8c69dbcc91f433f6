import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { focusFromEnv, skipsFor } from '../src/conformance/focus.js';
import { focusedSpecs, runConformance } from '../src/conformance/run.js';
import { summarize, summaryMarkdown } from '../src/conformance/summary.js';
import { buildToolchain, chooseKindMode, hostState, hostStateChanges, KindCluster, kindNetworkFromEnv, pinnedVersion, prepareKind, type HostState } from '@tscni/testbed/kind';
import { REPO_ROOT } from '@tscni/testbed/paths';

/** Where the JUnit report, the log and the summary of the last run are kept. */
const REPORT_DIR = join(REPO_ROOT, 'dist', 'conformance');
/** Parallel Ginkgo processes: the specs mostly wait on pods and timeouts, not on the 2 cores. */
const PROCS = Number(process.env.TSCNI_CONFORMANCE_PROCS ?? 6);
const choice = await chooseKindMode();
/** Dual-stack (deploy/kind-config-dual.yaml) unless TSCNI_KIND_IP_FAMILY says otherwise: the focus holds the dual-stack tests. */
const network = kindNetworkFromEnv();
/** `all` (npm test), `netpol` alone (nx run e2e:netpol) or `conformance` alone (nx run e2e:conformance-ipv6): TSCNI_CONFORMANCE_FOCUS, read by focus.ts. */
const focus = focusFromEnv();
const FOCUS_TEXT = {
  all: 'every sig-network Conformance test, the Networking Granular Checks, the dual-stack tests and the Netpol tests',
  netpol: 'the Netpol tests',
  conformance: 'every sig-network Conformance test and the Networking Granular Checks',
}[focus];
/** The focus as the summary's title names it. */
const FOCUS_NAMES = {
  all: 'network focus (Conformance, Granular Checks, dual-stack, Netpol)',
  netpol: 'Netpol focus',
  conformance: 'network focus (Conformance, Granular Checks)',
};

if (choice.usable) {
  conformanceSuite(choice.mode);
} else {
  console.warn(`conformance suite skipped: ${choice.reason}`);
  describe('Kubernetes network conformance on tscni', () => {
    it.skip(`skipped: ${choice.reason}`, () => undefined);
  });
}

/**
 * Kubernetes' own network tests (e2e.test at the cluster's version) on a
 * fresh kind cluster whose only network is deploy/: the verdict a CNI is
 * judged by, beside the kind suite's checks of what we thought of.
 */
function conformanceSuite(mode: 'online' | 'offline'): void {
  describe(`Kubernetes network conformance on tscni (kind, ${mode}, ${network.ipFamily})`, () => {
    const id = randomBytes(3).toString('hex');
    let hostBefore: HostState;
    let dir: string;
    let cluster: KindCluster | undefined;

    beforeAll(async () => {
      hostBefore = await hostState();
      dir = await mkdtemp(join(tmpdir(), 'tscni-conformance-'));
      const started = Date.now();
      cluster = new KindCluster(`tscni-${id}`, await prepareKind(mode, id), dir, network);
      await cluster.create();
      await cluster.loadImage();
      await cluster.rollOutTscni();
      console.log(`cluster set-up (engine, kind create, image load, tscni rolled out): ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    }, 60 * 60_000);

    afterAll(async () => {
      if (cluster) {
        await cluster.delete().catch(() => undefined);
        await cluster.setup.engine.stop();
      }
      if (dir) await rm(dir, { recursive: true, force: true });
      expect(hostStateChanges(hostBefore, await hostState())).toEqual([]);
    }, 5 * 60_000);

    it(`passes ${FOCUS_TEXT}`, async () => {
      const bin = await buildToolchain();
      const skips = await skipsFor(undefined, network.families);
      await rm(REPORT_DIR, { recursive: true, force: true });
      await mkdir(REPORT_DIR, { recursive: true });
      const started = Date.now();
      const run = await runConformance(cluster!, { ginkgo: bin('ginkgo'), e2eTest: bin('e2e.test'), kubectl: bin('kubectl') }, {
        reportDir: REPORT_DIR,
        skips,
        procs: PROCS,
        schedulableNodes: 2,
      });
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      const summary = summarize(run.specs, skips);
      const text = summaryMarkdown(summary, `e2e.test ${await pinnedVersion('KUBERNETES_VERSION')} ${FOCUS_NAMES[focus]} on tscni (kind, 3 nodes, ${network.ipFamily === 'dual' ? 'dual-stack' : network.ipFamily}, ${PROCS} Ginkgo processes, ${minutes} min)`);
      await writeFile(join(REPORT_DIR, 'summary.md'), text);
      console.log(`${text}\nJUnit report: ${join(REPORT_DIR, 'junit_01.xml')}; log: ${run.logFile}`);
      // No spec failed, and every spec of the focus was reported (passed, failed or skipped for a reason): one diff shows both.
      const reported = new Set([...summary.passed, ...summary.failed, ...summary.skipped].map((spec) => spec.name));
      expect({
        failed: summary.failed.map((spec) => `${spec.name}: ${spec.message ?? ''}`),
        unreported: (await focusedSpecs(bin('e2e.test'))).filter((name) => !reported.has(name)),
      }).toEqual({ failed: [], unreported: [] });
      expect(summary.passed.length).toBeGreaterThan(0);
      expect(run.exitCode).toBe(0);
    }, 150 * 60_000);
  });
}
