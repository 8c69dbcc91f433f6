// Shared jest configuration: ESM TypeScript compiled by swc, run natively as ESM
// (jest is started with --experimental-vm-modules), so ESM-only dependencies
// such as execa and @kubernetes/client-node load for real instead of being mocked.
export function jestConfig(rootDir, overrides = {}) {
  return {
    rootDir,
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['@tscni/source', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
      ],
    },
    testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default', new URL('./tools/jest-summary-reporter.js', import.meta.url).pathname],
    ...overrides,
  };
}
