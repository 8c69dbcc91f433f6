import { FOCUS, type Skip } from './focus.js';
import type { SpecResult } from './junit.js';

export interface Summary {
  passed: SpecResult[];
  failed: SpecResult[];
  /** Each skipped spec of the focus with the reason: one of ours, or the one the test itself gave. */
  skipped: Array<SpecResult & { reason: string }>;
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

/** The summary as Markdown: the counts, then every spec with its result (the README quotes it). */
export function summaryMarkdown(summary: Summary, title: string): string {
  const byName = (a: SpecResult, b: SpecResult) => a.name.localeCompare(b.name);
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = [
    ...summary.failed.sort(byName).map((spec) => `| FAILED | ${cell(spec.name)} | ${spec.seconds.toFixed(0)} | ${cell(spec.message ?? '')} |`),
    ...summary.passed.sort(byName).map((spec) => `| passed | ${cell(spec.name)} | ${spec.seconds.toFixed(0)} | |`),
    ...summary.skipped.sort(byName).map((spec) => `| skipped | ${cell(spec.name)} | | ${cell(spec.reason)} |`),
  ];
  return [
    `${title}: ${summary.passed.length} passed, ${summary.failed.length} failed, ${summary.skipped.length} skipped.`,
    '',
    '| result | test | s | why |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
