import { CniError, ErrorCode, type Runner } from '@tscni/core';

/** One command of a batch that failed, with iproute2's message for it. */
export interface BatchFailure {
  command: readonly string[];
  message: string;
}

/** What a concurrent ADD that got there first makes `ip` say. */
const ALREADY_DONE = /File exists|already assigned/;

export function isAlreadyDone(failure: BatchFailure): boolean {
  return ALREADY_DONE.test(failure.message);
}

export interface BatchOutcome {
  failures: BatchFailure[];
  /** What the `show` commands printed: one JSON array per line. */
  stdout: string;
}

/**
 * Runs the commands in one `ip -force -d -j -batch -` process: every command
 * is tried, and the failures come back by command instead of as one error,
 * so the caller can accept "already exists" where a concurrent ADD is
 * expected. A `show` command among them prints JSON with details.
 */
export async function runBatch(
  runner: Runner,
  commands: ReadonlyArray<readonly string[]>,
  netns?: string,
): Promise<BatchOutcome> {
  if (commands.length === 0) return { failures: [], stdout: '' };
  const input = commands.map((c) => c.join(' ')).join('\n') + '\n';
  const result = await runner.run('ip', ['-force', '-d', '-j', '-batch', '-'], { input, netns });
  if (result.exitCode === 0) return { failures: [], stdout: result.stdout };
  const failures = parseFailures(result.stderr, commands);
  if (failures.length === 0) {
    throw new CniError(ErrorCode.Internal, `ip -batch failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
  }
  return { failures, stdout: result.stdout };
}

/** iproute2 prints a command's error lines, then "Command failed -:<line>". */
function parseFailures(stderr: string, commands: ReadonlyArray<readonly string[]>): BatchFailure[] {
  const failures: BatchFailure[] = [];
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^Command failed -:(\d+)$/.exec(line.trim());
    if (!failed) {
      if (line.trim()) pending.push(line.trim());
      continue;
    }
    const command = commands[Number(failed[1]) - 1] ?? [];
    failures.push({ command, message: pending.join(' ') || 'failed' });
    pending = [];
  }
  return failures;
}

/** Throws for the first failure that `tolerated` does not accept. */
export function requireNoFailure(
  failures: readonly BatchFailure[],
  what: string,
  tolerated: (failure: BatchFailure) => boolean = () => false,
): void {
  const failure = failures.find((f) => !tolerated(f));
  if (failure) {
    throw new CniError(ErrorCode.Internal, `${what}: "ip ${failure.command.join(' ')}" failed: ${failure.message}`);
  }
}
