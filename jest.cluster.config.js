/**
 * The real-cluster suite (cluster-tests/): three real nodes on this machine (scripts/cluster/), as root. Kept out of
 * the unit suite (jest.config.js reads only __tests__/) and the process-level e2e suite (e2e/). One test at a time.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/cluster-tests'],
  testMatch: ['**/*.cluster.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/scripts/tools/jest-transform.js' },
  // Bringing three nodes up and waiting for rollouts takes minutes on 2 cores.
  testTimeout: 900_000,
};
