import { CniError } from '@tscni/core';

/** Runs one step of a command; its error keeps its code and says which step failed. */
export async function step<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const cause = CniError.from(error);
    throw new CniError(cause.code, `${what}: ${cause.message}`, cause.details, { cause: error });
  }
}

/**
 * Waits for every step, then throws the first failure. Unlike Promise.all it
 * never leaves a step running behind a failure, so a rollback that follows
 * does not race the work it undoes.
 */
export async function settleAll(work: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const outcomes = await Promise.allSettled(work);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
}

/** The outcome of `work`, as Promise.allSettled reports one. */
export async function settle<T>(work: Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await work };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/** Throws one error for the failed outcomes (the first one's code, every message), if any failed. */
export function throwFailures(outcomes: ReadonlyArray<PromiseSettledResult<unknown>>): void {
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [CniError.from(o.reason)] : []));
  const [first, ...others] = failures;
  if (!first) return;
  throw new CniError(first.code, [first, ...others].map((f) => f.message).join('; '), first.details);
}
