import { FOCUS, skipsFor, skipPattern } from '../src/conformance/focus.js';
import { parseJUnit } from '../src/conformance/junit.js';
import { summarize, summaryMarkdown } from '../src/conformance/summary.js';
import { Sandbox } from '@tscni/core/testing';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sandbox = new Sandbox('cfr');
afterAll(() => sandbox.cleanup());

// The shape Ginkgo v2 writes with Kubernetes' settings (no failure message attribute, no labels).
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" disabled="1" errors="0" failures="1" time="90.1">
  <testsuite name="Kubernetes e2e suite" tests="4" disabled="1" skipped="0" errors="0" failures="1" time="90.1">
    <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="0.5"></testcase>
    <testcase name="[It] [sig-network] DNS should provide DNS for the cluster  [Conformance]" classname="Kubernetes e2e suite" status="passed" time="12.25"></testcase>
    <testcase name="[It] [sig-network] HostPort validates that there is no conflict between pods with same hostPort but different hostIP and protocol [LinuxOnly] [Conformance]" classname="Kubernetes e2e suite" status="failed" time="61.0">
      <failure type="failed">[FAILED] Failed to connect to 127.0.0.1 port 54323 &amp; gave up&#xA;In [It] at: hostport.go:200</failure>
    </testcase>
    <testcase name="[It] [sig-network] Networking Granular Checks: Services should function for pod-Service: sctp [Feature:SCTPConnectivity]" classname="Kubernetes e2e suite" status="skipped" time="0">
      <skipped message="skipped"></skipped>
    </testcase>
    <testcase name="[It] [sig-storage] CSI mock volume should do things" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"></skipped></testcase>
    <testcase name="[It] [sig-network] Services should have session affinity work for LoadBalancer service [Conformance]" classname="Kubernetes e2e suite" status="skipped" time="1">
      <skipped message="skipped - Only supported for providers [gce gke aws] (not skeleton)"></skipped>
    </testcase>
  </testsuite>
</testsuites>`;

describe('the conformance report', () => {
  test('parses the specs of a Ginkgo JUnit report, without the suite nodes', () => {
    const specs = parseJUnit(REPORT);
    expect(specs.map((spec) => spec.status)).toEqual(['passed', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(specs[0]).toEqual({ name: '[sig-network] DNS should provide DNS for the cluster  [Conformance]', status: 'passed', seconds: 12.25 });
    expect(specs[1]!.message).toBe('[FAILED] Failed to connect to 127.0.0.1 port 54323 & gave up');
  });

  test("summarizes the focus only, each skip with our reason or the test's own", () => {
    const skips = [{ pattern: String.raw`\[Feature:SCTPConnectivity\]`, reason: 'no SCTP in the host kernel' }];
    const summary = summarize(parseJUnit(REPORT), skips);
    expect(summary.passed.map((spec) => spec.seconds)).toEqual([12.25]);
    expect(summary.failed).toHaveLength(1);
    expect(summary.skipped.map((spec) => spec.reason)).toEqual([
      'no SCTP in the host kernel',
      'skipped - Only supported for providers [gce gke aws] (not skeleton)',
    ]);
    const markdown = summaryMarkdown(summary, 'run');
    expect(markdown.split('\n')[0]).toBe('run: 1 passed, 1 failed, 2 skipped.');
    expect(markdown).toContain('| FAILED | [sig-network] HostPort validates');
  });

  test('the focus holds sig-network Conformance, the Granular Checks and the dual-stack tests, nothing else', () => {
    const focus = new RegExp(FOCUS);
    expect(focus.test('[sig-network] Services should serve a basic endpoint from pods  [Conformance]')).toBe(true);
    expect(focus.test('[sig-network] Networking Granular Checks: Services should update endpoints: http')).toBe(true);
    expect(focus.test('[sig-network] [Feature:IPv6DualStack] should have ipv4 and ipv6 internal node ip')).toBe(true);
    expect(focus.test('[sig-network] Services should be rejected when no endpoints exist')).toBe(false);
    expect(focus.test('[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]')).toBe(false);
  });

  test('SCTP is skipped only where the kernel lacks it', async () => {
    const dir = await sandbox.dir();
    await writeFile(join(dir, 'without'), 'protocol  size sockets\nTCP 2432 4\nUDP 1152 2\n');
    await writeFile(join(dir, 'with'), 'protocol  size sockets\nSCTP 1792 0\nTCP 2432 4\n');
    expect(skipPattern(await skipsFor(join(dir, 'without')))).toBe(String.raw`\[Feature:SCTPConnectivity\]`);
    expect(await skipsFor(join(dir, 'with'))).toEqual([]);
  });

  test('the dual-stack tests are skipped, with the reason, only on a cluster of one family', async () => {
    const dir = await sandbox.dir();
    await writeFile(join(dir, 'with'), 'protocol  size sockets\nSCTP 1792 0\n');
    expect(await skipsFor(join(dir, 'with'), [4, 6])).toEqual([]);
    expect(await skipsFor(join(dir, 'with'), [4])).toEqual([{ pattern: String.raw`\[Feature:IPv6DualStack\]`, reason: expect.stringMatching(/IPv4 alone/) }]);
  });
});
