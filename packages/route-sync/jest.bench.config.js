import { jestConfig } from '../../jest.preset.js';

// Benchmarks only (npx nx run route-sync:bench): timings are printed, never asserted.
export default jestConfig(import.meta.dirname, { testMatch: ['<rootDir>/bench/**/*.bench.ts'], testTimeout: 300_000 });
