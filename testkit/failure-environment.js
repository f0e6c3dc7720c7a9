/**
 * Jest test environment for the end-to-end suite: Node's environment plus a per-test failure flag.
 *
 * jest-circus reports a failed test body (`test_fn_failure`) or a failed beforeEach (`hook_failure`)
 * BEFORE it runs the afterEach hooks, so testkit/lifecycle.ts can read the flag in afterEach and
 * print the logs of that test's processes while they are still in memory.
 */
const { TestEnvironment } = require('jest-environment-node');

const FLAG = '__E2E_CURRENT_TEST_FAILED__';

class FailureFlagEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name === 'test_start') {
      this.global[FLAG] = false;
    } else if (event.name === 'test_fn_failure' || (event.name === 'hook_failure' && event.hook.type !== 'afterEach')) {
      this.global[FLAG] = true;
    }
  }
}

module.exports = FailureFlagEnvironment;
