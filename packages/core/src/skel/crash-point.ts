import { writeSync } from 'node:fs';

/**
 * Test hook: `TSCNI_TEST_CRASH_AT=<step>` makes a plugin SIGKILL itself
 * when it reaches that step, so tests can show what a crash there (an OOM
 * kill, a runtime's timeout, a node losing power) leaves behind, and that
 * DEL, GC and the next ADD clean it up. Off unless the variable is set; a
 * step the running code never reaches changes nothing.
 */
export const CRASH_AT_ENV = 'TSCNI_TEST_CRASH_AT';

/** Every crash point, by the plugin that has it, in the order an ADD reaches them. */
export const CRASH_STEPS = {
  'tscni-bridge': [
    /** IPAM ADD has returned: the allocation file is written, the host side is not started. */
    'bridge-add:ipam-done',
    /**
     * The veth exists with its container end in the pod's namespace and the
     * host end on the bridge (one netlink request creates the pair directly
     * in the namespace: there is no state between "exists" and "moved"); no
     * address is allocated yet.
     */
    'bridge-add:veth-in-netns',
    /** Addresses and routes are set in the pod, gateways on the bridge. */
    'bridge-add:addresses-set',
    /** Everything is done; the result is about to be printed. */
    'bridge-add:before-result',
  ],
  'tscni-host-local': [
    /** The allocation file is staged and the lock held; nothing is linked into place. */
    'host-local-add:staged',
    /** The first allocation file is linked into place; the owner index and the cursor are not updated. */
    'host-local-add:linked',
  ],
  'tscni-masq': [
    /** The lock is held and the rules read; the transaction is about to be committed. */
    'masq-add:before-commit',
    /** The first family's transaction is committed; the lock is still held. */
    'masq-add:after-commit',
  ],
} as const;

export type CrashStep = (typeof CRASH_STEPS)[keyof typeof CRASH_STEPS][number];

/** The step the hook is set to, if any. */
export function armedCrashStep(): string | undefined {
  return process.env[CRASH_AT_ENV] || undefined;
}

/**
 * Kills this process with SIGKILL when the hook names `step`: no handler,
 * no `finally`, no exit code of ours, exactly what a crash leaves. One line
 * on stderr (never stdout) says so, for the test that reads the failure.
 */
export function crashPoint(step: CrashStep): void {
  if (process.env[CRASH_AT_ENV] !== step) return;
  writeSync(2, `tscni: crash point ${step} reached (${CRASH_AT_ENV}): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
