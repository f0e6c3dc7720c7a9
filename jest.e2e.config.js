/**
 * End-to-end suite: real vmalert, Alertmanager and victoria-metrics processes on loopback (e2e/).
 * One test at a time (run with --runInBand): every test owns its processes and addresses.
 */
module.exports = {
  // Records per-test failure so afterEach can print the logs of the failed test's processes.
  testEnvironment: '<rootDir>/testkit/failure-environment.js',
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/scripts/tools/jest-transform.js' },
  // Scenarios wait for real `for:` timers and Alertmanager group waits; each allows a few minutes.
  testTimeout: 300_000,
};
