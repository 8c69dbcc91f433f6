import { CniError, ErrorCode } from '../spec/errors.js';

/**
 * `CNI_ARGS`: `K=V;K=V`. A plugin names the keys it understands; any other
 * key is an error unless `IgnoreUnknown` is set to 1 or true, which runtimes
 * send because they pass keys meant for other plugins (K8S_POD_NAME, ...).
 */
export class CniArgs {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  static parse(raw: string | undefined): CniArgs {
    const values = new Map<string, string>();
    for (const pair of (raw ?? '').split(';')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new CniError(ErrorCode.InvalidEnvironment, `CNI_ARGS: "${pair}" is not a KEY=VALUE pair`);
      }
      values.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return new CniArgs(values);
  }

  get ignoreUnknown(): boolean {
    const flag = this.values.get('IgnoreUnknown')?.toLowerCase();
    return flag === '1' || flag === 'true';
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  entries(): Array<[string, string]> {
    return [...this.values];
  }

  /** Throws code 4 for keys outside `known` unless IgnoreUnknown is set. */
  requireKnown(known: readonly string[]): void {
    if (this.ignoreUnknown) return;
    const unknown = [...this.values.keys()].filter((key) => key !== 'IgnoreUnknown' && !known.includes(key));
    if (unknown.length > 0) {
      throw new CniError(
        ErrorCode.InvalidEnvironment,
        `CNI_ARGS: unknown keys ${unknown.join(', ')} (set IgnoreUnknown=1 to pass them through)`,
      );
    }
  }
}
