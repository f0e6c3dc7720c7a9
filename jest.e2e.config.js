/**
 * End-to-end suite: real vmalert, Alertmanager and victoria-metrics processes on loopback (e2e/).
 * Two files at a time (--maxWorkers=2): every test owns its processes, its loopback block (127.42.<block>.0/24,
 * picked free) and its work folder, and waits more than it computes, so two stacks share 2 cores.
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
