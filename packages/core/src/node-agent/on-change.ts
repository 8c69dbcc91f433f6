/**
 * Runs an action only when its value differs from the one it last ran with
 * successfully: a pass that changes nothing neither redoes nor re-logs it.
 */
export class OnChange<Key extends string = string> {
  private readonly last = new Map<Key, string>();

  async run(key: Key, value: unknown, act: () => unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (this.last.get(key) === text) return;
    await act();
    this.last.set(key, text);
  }

  /** The next run of `key` acts whatever its value (what it did may have been undone). */
  forget(key: Key): void {
    this.last.delete(key);
  }
}
