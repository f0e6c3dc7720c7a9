/**
 * Runs the rule unit tests kept next to the rules (rules/tests/*.test.yml) with the real promtool,
 * so a user's own tests added there run in `npm test` too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { binary, run } from '../support/binaries';

const RULE_TESTS_DIR = path.join(__dirname, '..', '..', 'rules', 'tests');
const testFiles = fs.existsSync(RULE_TESTS_DIR)
  ? fs.readdirSync(RULE_TESTS_DIR).filter((f) => /\.test\.ya?ml$/.test(f)).sort()
  : [];

describe('promtool test rules', () => {
  test('the app ships rule unit tests', () => {
    // GIVEN the rules directory / THEN at least the app's own test file is there
    expect(testFiles).toContain('victoriametrics.test.yml');
  });

  test.each(testFiles)('rules/tests/%s passes', (file) => {
    // GIVEN a promtool unit-test file next to the rules
    const promtool = binary('promtool');
    // WHEN promtool runs it (from its own directory: rule_files are relative to it)
    const result = run(promtool, ['test', 'rules', file], { cwd: RULE_TESTS_DIR });
    // THEN every test case in it passes; on failure promtool's own report is the message
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });
});
