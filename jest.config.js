/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j|mj|cj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Nest 12 and several of its dependencies ship ESM only; Jest cannot require ESM on Node 20,
  // so SWC transforms dependencies too. Not axe-core (its UMD wrapper needs the untransformed
  // top-level `this`) nor playwright-core (CommonJS already, and large).
  transformIgnorePatterns: ['/node_modules/(axe-core|playwright-core)/'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 30000,
  // Every e2e response is checked against the OpenAPI document (test/support/contract.ts); these count them.
  globalSetup: '<rootDir>/test/support/contract-setup.ts',
  globalTeardown: '<rootDir>/test/support/contract-report.ts',
};
