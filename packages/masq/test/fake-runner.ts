import type { RunOptions, RunResult, Runner } from '@tscni/core';

/** Records every command and answers from a function of its argv (unit tests only). */
export class FakeRunner implements Runner {
  readonly calls: Array<{ argv: string[]; input?: string; netns?: string }> = [];

  constructor(private readonly answer: (argv: string[]) => Partial<RunResult> = () => ({})) {}

  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.calls.push({ argv, input: options.input?.toString(), netns: options.netns });
    return { stdout: '', stderr: '', exitCode: 0, ...this.answer(argv) };
  }

  commands(): string[] {
    return this.calls.map((call) => call.argv.join(' '));
  }
}
