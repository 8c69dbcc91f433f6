import { execaRunner, runChecked } from '@tscni/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KindCluster } from '@tscni/testbed/kind';
import { FOCUS, skipPattern, type Skip } from './focus.js';
import { parseJUnit, type SpecResult } from './junit.js';

/** The programs of a run, from the offline toolchain (e2e/kind-offline/toolchain.sh). */
export interface ConformanceTools {
  ginkgo: string;
  e2eTest: string;
  kubectl: string;
}

export interface ConformanceRun {
  specs: SpecResult[];
  /** ginkgo's exit code: non-zero when a spec failed, or the suite could not run. */
  exitCode: number;
  /** Where ginkgo's and e2e.test's output went. */
  logFile: string;
}

/** Every spec of e2e.test the focus selects, skipped or not: what a complete run reports on. */
export async function focusedSpecs(e2eTest: string): Promise<string[]> {
  // Lines of "path:line: full text".
  const { stdout } = await runChecked(execaRunner, e2eTest, ['--list-tests']);
  const focus = new RegExp(FOCUS);
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/^\S+:\d+: /, ''))
    .filter((name) => focus.test(name))
    .sort();
}

/**
 * Runs e2e.test's network focus against the cluster as Kubernetes' own CI
 * runs it against kind (provider skeleton, conformance mode), in parallel
 * Ginkgo processes; [Serial] specs run alone at the end. It runs beside the
 * cluster's engine (its network namespace), where the API server is; the
 * JUnit report (junit_01.xml) and the log land in reportDir.
 */
export async function runConformance(
  cluster: KindCluster,
  tools: ConformanceTools,
  options: { reportDir: string; skips: readonly Skip[]; procs: number; schedulableNodes: number },
): Promise<ConformanceRun> {
  const logFile = join(options.reportDir, 'e2e.log');
  const skip = skipPattern(options.skips);
  const ginkgo = [
    `--procs=${options.procs}`,
    `--focus=${FOCUS}`,
    ...(skip ? [`--skip=${skip}`] : []),
    '--timeout=2h',
    '--no-color',
    '--silence-skips',
    '--poll-progress-after=5m',
    tools.e2eTest,
    '--',
    `--kubeconfig=${cluster.kubeconfig}`,
    `--kubectl-path=${tools.kubectl}`,
    '--provider=skeleton',
    `--num-nodes=${options.schedulableNodes}`,
    `--report-dir=${options.reportDir}`,
    '--disable-log-dump=true',
  ];
  // KUBERNETES_CONFORMANCE_TEST: no provider set-up, as for any cluster that is not the framework's own.
  const script = 'log=$1; shift; exec env KUBERNETES_CONFORMANCE_TEST=y "$@" >"$log" 2>&1';
  const result = await cluster.engine.tryRun('sh', ['-c', script, 'sh', logFile, tools.ginkgo, ...ginkgo]);
  const report = await readFile(join(options.reportDir, 'junit_01.xml'), 'utf8').catch(() => '');
  return { specs: parseJUnit(report), exitCode: result.exitCode, logFile };
}
