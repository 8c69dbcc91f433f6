import { execIn } from '@tscni/core/testing';
import type { TestNode } from '@tscni/testbed';

/** The agent's health address in its node's namespace (the bench starts it with --health-addr 127.0.0.1:9440). */
const HEALTH = 'http://127.0.0.1:9440';

/** Asks the agent on the node itself: the body, a newline and the HTTP status. */
export function agentGet(node: TestNode, path: string): Promise<string> {
  return execIn(node.ns, 'curl', ['-s', '-w', '\n%{http_code}', `${HEALTH}${path}`]);
}

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}
