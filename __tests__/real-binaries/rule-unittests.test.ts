/**
 * Runs the rule unit tests kept next to the rules (rules/tests/*.test.yml) with the pinned vmalert-tool, so a
 * user's own tests added there run in `npm test` too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runRuleUnitTests } from '../support/vmalert-tool';

const RULES_DIR = path.join(__dirname, '..', '..', 'rules');
const RULE_TESTS_DIR = path.join(RULES_DIR, 'tests');
const testFiles = fs.existsSync(RULE_TESTS_DIR)
  ? fs.readdirSync(RULE_TESTS_DIR).filter((f) => /\.test\.ya?ml$/.test(f)).sort()
  : [];

describe('vmalert-tool unittest of rules/tests/', () => {
  test('the app ships rule unit tests', () => {
    // GIVEN the rules directory / THEN at least the app's own test file is there
    expect(testFiles).toContain('victoriametrics.test.yml');
  });

  test.each(testFiles)('rules/tests/%s passes', (file) => {
    // GIVEN a vmalert-tool unit-test file next to the rules
    // WHEN vmalert-tool runs it (rule_files are relative to the test file)
    const result = runRuleUnitTests(path.join(RULE_TESTS_DIR, file));
    // THEN every test case in it passes; on failure vmalert-tool's own report is the message
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('a wrong expectation fails the run, naming the alert and the time (the cases really check the rules)', () => {
    // GIVEN the app's rule tests with the CPU alert expected 15s too early, next to a copy of the rules
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-unittests-'));
    try {
      fs.mkdirSync(path.join(dir, 'tests'));
      fs.copyFileSync(path.join(RULES_DIR, 'victoriametrics.yml'), path.join(dir, 'victoriametrics.yml'));
      const original = fs.readFileSync(path.join(RULE_TESTS_DIR, 'victoriametrics.test.yml'), 'utf8');
      const wrong = original.replace('eval_time: 13m45s', 'eval_time: 13m30s').replace('- eval_time: 13m30s\n', '- eval_time: 13m15s\n');
      expect(wrong).not.toBe(original);
      fs.writeFileSync(path.join(dir, 'tests', 'victoriametrics.test.yml'), wrong);
      // WHEN vmalert-tool runs it
      const result = runRuleUnitTests(path.join(dir, 'tests', 'victoriametrics.test.yml'));
      // THEN it fails, reporting the still-pending alert at the time it was wrongly expected
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/groupname: victoriametrics-cpu, alertname: VictoriaMetricsHighCPU, time: 13m30s/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
