/**
 * Unit, snapshot, real-binary and integration tests. The end-to-end suite has its own config (jest.e2e.config.js).
 * `unit` runs in-process only (npm run test:unit); `integration` holds the suites that start other programs: the pinned
 * binaries, the Kubernetes API server, gitlab-ci-local, typedoc, the app through node or the cdk8s CLI, and the jsii
 * packages with the Python app.
 */
const INTEGRATION_SUITES = [
  '<rootDir>/__tests__/real-binaries/',
  '<rootDir>/__tests__/kubernetes/',
  '<rootDir>/__tests__/cluster/',
  '<rootDir>/__tests__/gitlab/',
  '<rootDir>/__tests__/api-docs.test.ts',
  '<rootDir>/__tests__/examples.test.ts',
  '<rootDir>/__tests__/synth-launcher.test.ts',
  '<rootDir>/__tests__/python-package.test.ts',
];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/testing-outdirs.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/scripts/tools/jest-transform.js' },
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION_SUITES] },
    { ...common, displayName: 'integration', testMatch: INTEGRATION_SUITES.map((p) => (p.endsWith('/') ? `${p}**/*.test.ts` : p)) },
  ],
};
