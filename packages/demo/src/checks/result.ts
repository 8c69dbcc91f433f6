/** One line of the summary: what was checked, whether it held, and the evidence. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export function pass(name: string, detail: string): CheckResult {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string): CheckResult {
  return { name, ok: false, detail };
}
