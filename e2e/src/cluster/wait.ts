/** Generous: the agents start on a machine that may be running other tests. */
const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

/** Polls `ready` until it holds; throws naming `what` when it never does. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
