import { jestConfig } from '../jest.preset.js';

// The local cluster suite builds a whole cluster in beforeAll.
export default jestConfig(import.meta.dirname, { testTimeout: 120_000 });
