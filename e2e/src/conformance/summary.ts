import { FOCUS, GROUPS, type Group, type Skip } from './focus.js';
import type { SpecResult } from './junit.js';

export interface Summary {
  passed: SpecResult[];
  failed: SpecResult[];
  /** Each skipped spec of the focus with the reason: one of ours, or the one the test itself gave. */
  skipped: Array<SpecResult & { reason: string }>;
}

/** The specific groups first: a dual-stack or Netpol spec is not counted with the Conformance ones. */
const GROUP_ORDER: readonly Group[] = ['Netpol', 'dual-stack', 'conformance/granular'];
const groupRegExps = GROUP_ORDER.map((group) => [group, new RegExp(GROUPS[group])] as const);

/** The group of the focus (focus.ts GROUPS) a spec belongs to, by its full text. */
export function groupOf(name: string): Group | undefined {
  return groupRegExps.find(([, regexp]) => regexp.test(name))?.[0];
}

/** The focus's specs of a report, by result; specs outside the focus (the rest of e2e.test) are left out. */
export function summarize(specs: readonly SpecResult[], skips: readonly Skip[]): Summary {
  const focus = new RegExp(FOCUS);
  const ours = skips.map((skip) => ({ ...skip, regexp: new RegExp(skip.pattern) }));
  const summary: Summary = { passed: [], failed: [], skipped: [] };
  for (const spec of specs.filter((spec) => focus.test(spec.name))) {
    if (spec.status === 'passed') summary.passed.push(spec);
    else if (spec.status === 'failed') summary.failed.push(spec);
    else {
      const reason = ours.find((skip) => skip.regexp.test(spec.name))?.reason ?? spec.message ?? 'skipped by the test itself';
      summary.skipped.push({ ...spec, reason });
    }
  }
  return summary;
}

export interface GroupCount {
  group: Group;
  passed: number;
  failed: number;
  skipped: number;
}

/** The counts per group that has specs in the summary, in GROUPS order: the Netpol specs read apart from the rest. */
export function groupCounts(summary: Summary): GroupCount[] {
  const count = (specs: readonly SpecResult[], group: Group) => specs.filter((spec) => groupOf(spec.name) === group).length;
  return (Object.keys(GROUPS) as Group[])
    .map((group) => ({ group, passed: count(summary.passed, group), failed: count(summary.failed, group), skipped: count(summary.skipped, group) }))
    .filter(({ passed, failed, skipped }) => passed + failed + skipped > 0);
}

/** The summary as Markdown: the counts, the counts per group, then every spec by group, result and name (the README quotes it). */
export function summaryMarkdown(summary: Summary, title: string): string {
  const groups: readonly string[] = Object.keys(GROUPS);
  const rank = (spec: SpecResult) => groups.indexOf(groupOf(spec.name) ?? '');
  const byName = (a: SpecResult, b: SpecResult) => a.name.localeCompare(b.name);
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const row = (result: string, spec: SpecResult, seconds: string, why: string) =>
    ({ rank: rank(spec), text: `| ${result} | ${groupOf(spec.name) ?? ''} | ${cell(spec.name)} | ${seconds} | ${cell(why)} |` });
  const rows = [
    ...summary.failed.sort(byName).map((spec) => row('FAILED', spec, spec.seconds.toFixed(0), spec.message ?? '')),
    ...summary.passed.sort(byName).map((spec) => row('passed', spec, spec.seconds.toFixed(0), '')),
    ...summary.skipped.sort(byName).map((spec) => row('skipped', spec, '', spec.reason)),
  ].sort((a, b) => a.rank - b.rank); // stable: failed, passed, skipped within a group
  return [
    `${title}: ${summary.passed.length} passed, ${summary.failed.length} failed, ${summary.skipped.length} skipped.`,
    '',
    '| group | passed | failed | skipped |',
    '| --- | --- | --- | --- |',
    ...groupCounts(summary).map(({ group, passed, failed, skipped }) => `| ${group} | ${passed} | ${failed} | ${skipped} |`),
    '',
    '| result | group | test | s | why |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(({ text }) => text),
    '',
  ].join('\n');
}
