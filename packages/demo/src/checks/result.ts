import type { Family } from '@tscni/core';

/** One line of the summary: what was checked, whether it held, and the evidence. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** The address family the check is about; absent for a check of the pod or node as a whole (CNI CHECK). */
  family?: Family;
}

export function pass(name: string, detail: string): CheckResult {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string): CheckResult {
  return { name, ok: false, detail };
}
