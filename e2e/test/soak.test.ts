import { Sandbox } from '@tscni/core/testing';
import { soak, soakReport } from '../src/soak/soak.js';

/**
 * Pods through the chain with a share of their ADDs killed (TSCNI_SOAK_*):
 * a few hundred cycles here, 2,000 in `npm run soak`. What must hold: no
 * leak at the end, no failure that was not asked for, and the plugins'
 * memory as it was at the start. Latency is printed, not asserted.
 */
const options = {
  cycles: Number(process.env.TSCNI_SOAK_CYCLES ?? 200),
  seed: Number(process.env.TSCNI_SOAK_SEED ?? 20261202),
  crashRate: Number(process.env.TSCNI_SOAK_CRASH_RATE ?? 0.05),
};
const sandbox = new Sandbox('soak');
afterAll(() => sandbox.cleanup());

test(`${options.cycles} pod cycles with ${options.crashRate * 100}% of the ADDs killed leave nothing behind`, async () => {
  const figures = await soak(sandbox, options);
  console.log(soakReport(figures, options));
  expect(figures.failures).toEqual([]);
  expect(figures.leaks).toEqual([]);
  for (const [name, memory] of Object.entries(figures.memory)) {
    expect({ name, growth: memory.last / memory.first <= 1.1 }).toEqual({ name, growth: true });
  }
}, 60 * 60_000);
