/** One spec as Ginkgo's JUnit report gives it. */
export interface SpecResult {
  /** The spec's full text, as `--focus` matches it. */
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending';
  seconds: number;
  /** The failure's (or skip's) first line, where there is one. */
  message?: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
const unescape = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, entity: string) =>
    entity.startsWith('#') ? String.fromCodePoint(Number(entity.startsWith('#x') ? `0x${entity.slice(2)}` : entity.slice(1))) : ENTITIES[entity]!,
  );
const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescape(match[1]!) : undefined;
};

/** Ginkgo's other end states (interrupted, panicked, timedout, aborted) are failures: the spec did not pass. */
const STATUSES: ReadonlySet<string> = new Set(['passed', 'failed', 'skipped', 'pending']);

/**
 * The specs of a Ginkgo JUnit report (`junit_01.xml`): each <testcase>,
 * without the suite's own setup and teardown nodes. Ginkgo names a spec
 * "[It] <full text>"; the prefix goes. Kubernetes' Ginkgo writes an empty
 * message attribute and the message in the element's text.
 */
export function parseJUnit(xml: string): SpecResult[] {
  const specs: SpecResult[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const [, attributes = '', , body = ''] = match;
    const name = attribute(attributes, 'name') ?? '';
    if (!name.startsWith('[It] ')) continue;
    const written = attribute(attributes, 'status');
    const status = written === undefined ? undefined : STATUSES.has(written) ? (written as SpecResult['status']) : 'failed';
    const detail = /<(failure|error|skipped)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    const message = detail ? (attribute(detail[2] ?? '', 'message') || unescape(detail[3] ?? '').trim()).split('\n')[0] : undefined;
    specs.push({
      name: name.slice('[It] '.length),
      status: status ?? (detail?.[1] === 'skipped' ? 'skipped' : detail ? 'failed' : 'passed'),
      seconds: Number(attribute(attributes, 'time') ?? 0),
      ...(message ? { message } : {}),
    });
  }
  return specs;
}
