import { FOCUS, FOCUSES, focusFromEnv, skipsFor, skipPattern } from '../src/conformance/focus.js';
import { parseJUnit } from '../src/conformance/junit.js';
import { groupCounts, groupOf, summarize, summaryMarkdown } from '../src/conformance/summary.js';
import { Sandbox } from '@tscni/core/testing';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sandbox = new Sandbox('cfr');
afterAll(() => sandbox.cleanup());

// The shape Ginkgo v2 writes with Kubernetes' settings (an empty failure message attribute, no labels).
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="6" disabled="1" errors="1" failures="2" time="90.1">
  <testsuite name="Kubernetes e2e suite" tests="6" disabled="1" skipped="0" errors="1" failures="2" time="90.1">
    <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="0.5"></testcase>
    <testcase name="[It] [sig-network] DNS should provide DNS for the cluster  [Conformance]" classname="Kubernetes e2e suite" status="passed" time="12.25"></testcase>
    <testcase name="[It] [sig-network] HostPort validates that there is no conflict between pods with same hostPort but different hostIP and protocol [LinuxOnly] [Conformance]" classname="Kubernetes e2e suite" status="failed" time="61.0">
      <failure type="failed">[FAILED] Failed to connect to 127.0.0.1 port 54323 &amp; gave up&#xA;In [It] at: hostport.go:200</failure>
    </testcase>
    <testcase name="[It] [sig-network] Networking Granular Checks: Services should function for pod-Service: sctp [Feature:SCTPConnectivity]" classname="Kubernetes e2e suite" status="skipped" time="0">
      <skipped message="skipped"></skipped>
    </testcase>
    <testcase name="[It] [sig-network] Netpol NetworkPolicy between server and client should support a 'default-deny-ingress' policy [Feature:NetworkPolicy]" classname="Kubernetes e2e suite" status="failed" time="95.2">
      <failure message="" type="failed">[FAILED] Had 8 wrong results in reachability matrix&#xA;In [It] at: test_helper.go:129</failure>
    </testcase>
    <testcase name="[It] [sig-network] Netpol NetworkPolicy between server and client should support allow-all policy [Feature:NetworkPolicy]" classname="Kubernetes e2e suite" status="interrupted" time="210.0">
      <error message="" type="interrupted">[INTERRUPTED] Interrupted by User&#xA;In [It] at: network_policy.go:501</error>
    </testcase>
    <testcase name="[SynchronizedAfterSuite]" classname="Kubernetes e2e suite" status="panicked" time="0.01"></testcase>
    <testcase name="[It] [sig-storage] CSI mock volume should do things" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"></skipped></testcase>
    <testcase name="[It] [sig-network] Services should have session affinity work for LoadBalancer service [Conformance]" classname="Kubernetes e2e suite" status="skipped" time="1">
      <skipped message="skipped - Only supported for providers [gce gke aws] (not skeleton)"></skipped>
    </testcase>
  </testsuite>
</testsuites>`;

describe('the conformance report', () => {
  test('parses the specs of a Ginkgo JUnit report, without the suite nodes', () => {
    const specs = parseJUnit(REPORT);
    expect(specs.map((spec) => spec.status)).toEqual(['passed', 'failed', 'skipped', 'failed', 'failed', 'skipped', 'skipped']);
    expect(specs[0]).toEqual({ name: '[sig-network] DNS should provide DNS for the cluster  [Conformance]', status: 'passed', seconds: 12.25 });
    expect(specs[1]!.message).toBe('[FAILED] Failed to connect to 127.0.0.1 port 54323 & gave up');
    // An empty message attribute: the element's text; an interrupted spec did not pass.
    expect(specs[3]!.message).toBe('[FAILED] Had 8 wrong results in reachability matrix');
    expect(specs[4]).toMatchObject({ status: 'failed', message: '[INTERRUPTED] Interrupted by User' });
  });

  test("summarizes the focus only, each skip with our reason or the test's own", () => {
    const skips = [{ pattern: String.raw`\[Feature:SCTPConnectivity\]`, reason: 'no SCTP in the host kernel' }];
    const summary = summarize(parseJUnit(REPORT), skips);
    expect(summary.passed.map((spec) => spec.seconds)).toEqual([12.25]);
    expect(summary.failed).toHaveLength(3);
    expect(summary.skipped.map((spec) => spec.reason)).toEqual([
      'no SCTP in the host kernel',
      'skipped - Only supported for providers [gce gke aws] (not skeleton)',
    ]);
    const markdown = summaryMarkdown(summary, 'run');
    expect(markdown.split('\n')[0]).toBe('run: 1 passed, 3 failed, 2 skipped.');
    expect(markdown).toContain('| FAILED | conformance/granular | [sig-network] HostPort validates');
  });

  test('counts and lists the Netpol specs apart from the rest', () => {
    const summary = summarize(parseJUnit(REPORT), []);
    expect(groupCounts(summary)).toEqual([
      { group: 'conformance/granular', passed: 1, failed: 1, skipped: 2 },
      { group: 'Netpol', passed: 0, failed: 2, skipped: 0 },
    ]);
    const markdown = summaryMarkdown(summary, 'run');
    expect(markdown).toContain('| Netpol | 0 | 2 | 0 |');
    // The Netpol rows come after every row of the group before them.
    const rows = markdown.split('\n').filter((line) => /^\| (FAILED|passed|skipped) \|/.test(line));
    expect(rows.map((row) => row.split(' | ')[1])).toEqual(['conformance/granular', 'conformance/granular', 'conformance/granular', 'conformance/granular', 'Netpol', 'Netpol']);
    expect(groupOf('[sig-network] [Feature:IPv6DualStack] Granular Checks: Services Secondary IP Family [LinuxOnly] should update endpoints: http')).toBe('dual-stack');
  });

  test('the focus holds sig-network Conformance, the Granular Checks, the dual-stack and the Netpol tests, nothing else', () => {
    const focus = new RegExp(FOCUS);
    expect(focus.test('[sig-network] Services should serve a basic endpoint from pods  [Conformance]')).toBe(true);
    expect(focus.test('[sig-network] Networking Granular Checks: Services should update endpoints: http')).toBe(true);
    expect(focus.test('[sig-network] [Feature:IPv6DualStack] should have ipv4 and ipv6 internal node ip')).toBe(true);
    expect(focus.test("[sig-network] Netpol NetworkPolicy between server and client should support a 'default-deny-ingress' policy [Feature:NetworkPolicy]")).toBe(true);
    expect(focus.test('[sig-network] Netpol API should support creating NetworkPolicy API operations')).toBe(true);
    expect(focus.test('[sig-network] Services should be rejected when no endpoints exist')).toBe(false);
    expect(focus.test('[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]')).toBe(false);
  });

  test('TSCNI_CONFORMANCE_FOCUS=netpol selects the Netpol specs alone; an unknown focus is refused', () => {
    expect(focusFromEnv({})).toBe('all');
    expect(FOCUS).toBe(FOCUSES[focusFromEnv()]);
    expect(focusFromEnv({ TSCNI_CONFORMANCE_FOCUS: 'netpol' })).toBe('netpol');
    const netpol = new RegExp(FOCUSES.netpol);
    expect(netpol.test('[sig-network] Netpol API should support creating NetworkPolicy API with endport field')).toBe(true);
    expect(netpol.test('[sig-network] Services should serve a basic endpoint from pods  [Conformance]')).toBe(false);
    expect(() => focusFromEnv({ TSCNI_CONFORMANCE_FOCUS: 'policy' })).toThrow(/expected one of all, netpol, conformance/);
  });

  test('SCTP is skipped only where the kernel lacks it', async () => {
    const dir = await sandbox.dir();
    await writeFile(join(dir, 'without'), 'protocol  size sockets\nTCP 2432 4\nUDP 1152 2\n');
    await writeFile(join(dir, 'with'), 'protocol  size sockets\nSCTP 1792 0\nTCP 2432 4\n');
    expect(skipPattern(await skipsFor(join(dir, 'without')))).toBe(String.raw`\[Feature:SCTPConnectivity\]`);
    expect(await skipsFor(join(dir, 'with'))).toEqual([]);
    const skip = new RegExp(skipPattern(await skipsFor(join(dir, 'without'))));
    expect(skip.test("[sig-network] Netpol [Feature:SCTPConnectivity] [LinuxOnly] NetworkPolicy between server and client using SCTP should support a 'default-deny-ingress' policy [Feature:NetworkPolicy]")).toBe(true);
    // These create SCTP policies but probe TCP: they run without SCTP in the kernel.
    expect(skip.test("[sig-network] Netpol NetworkPolicy between server and client should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP [Feature:NetworkPolicy]")).toBe(false);
    expect(skip.test("[sig-network] Netpol NetworkPolicy between server and client should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP [Feature:NetworkPolicy]")).toBe(false);
  });

  test('the dual-stack tests are skipped, with the reason, only on a cluster of one family', async () => {
    const dir = await sandbox.dir();
    await writeFile(join(dir, 'with'), 'protocol  size sockets\nSCTP 1792 0\n');
    expect(await skipsFor(join(dir, 'with'), [4, 6])).toEqual([]);
    expect(await skipsFor(join(dir, 'with'), [4])).toEqual([{ pattern: String.raw`\[Feature:IPv6DualStack\]`, reason: expect.stringMatching(/IPv4 alone/) }]);
  });
});
