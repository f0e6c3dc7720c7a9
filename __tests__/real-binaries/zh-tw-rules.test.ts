/**
 * The Traditional Chinese example rules (examples/files/rules.zh-TW.yml) through the pinned vmalert-tool: the
 * annotations render character for character as the unit tests expect them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runRuleUnitTests } from '../support/vmalert-tool';

const FILES_DIR = path.join(__dirname, '..', '..', 'examples', 'files');
const RULES_FILE = path.join(FILES_DIR, 'rules.zh-TW.yml');
const TEST_FILE = path.join(FILES_DIR, 'tests', 'rules.zh-TW.test.yml');

describe('vmalert-tool unittest of examples/files/tests/rules.zh-TW.test.yml', () => {
  test('every case passes', () => {
    // GIVEN the Chinese rules and their unit tests
    // WHEN vmalert-tool runs them
    const result = runRuleUnitTests(TEST_FILE);
    // THEN every case passes
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('one Chinese character off in an expected summary fails the run (the annotations are really compared)', () => {
    // GIVEN the unit tests expecting 告警 where the rule renders 資料, next to a copy of the rules
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zh-tw-rules-'));
    try {
      fs.mkdirSync(path.join(dir, 'tests'));
      fs.copyFileSync(RULES_FILE, path.join(dir, 'rules.zh-TW.yml'));
      const original = fs.readFileSync(TEST_FILE, 'utf8');
      const wrong = original.replace('summary: vmagent 已有 5 分鐘沒有資料', 'summary: vmagent 已有 5 分鐘沒有告警');
      expect(wrong).not.toBe(original);
      fs.writeFileSync(path.join(dir, 'tests', 'rules.zh-TW.test.yml'), wrong);
      // WHEN vmalert-tool runs them
      const result = runRuleUnitTests(path.join(dir, 'tests', 'rules.zh-TW.test.yml'));
      // THEN the no-data case fails and the report shows the rendered Chinese summary
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/alertname: VmagentNoData, time: 20m/);
      expect(result.stdout + result.stderr).toContain('vmagent 已有 5 分鐘沒有資料');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
