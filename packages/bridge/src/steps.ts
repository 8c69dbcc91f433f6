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
