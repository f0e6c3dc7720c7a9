/** The version table is the only place a version is written; everything that names a version derives from it. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ALERTMANAGER_IMAGE, VERSIONS, VMALERT_IMAGE } from '../constructs/core/versions';

const ROOT = path.join(__dirname, '..');
/**
 * Files allowed to spell a tag out: the table itself, prose that shows it to people (the READMEs and the docs/ pages),
 * the pipeline, which GitLab reads without our code (__tests__/gitlab/pipeline-file.test.ts fails when its
 * validate images differ from the table), and the scale bench's recording, which states the versions it measured.
 */
const MAY_SPELL_TAGS = new Set([
  'constructs/core/versions.ts', 'README.md', 'README.zh-TW.md', 'CHANGELOG.md', 'API.md', '.gitlab-ci.yml', 'docs/sizing-measurements.json',
]);
const maySpellTags = (file: string) => MAY_SPELL_TAGS.has(file) || /^docs\/(zh-TW\/)?[\w-]+\.md$/.test(file);

test('the default images carry the tags of the table', () => {
  expect(VMALERT_IMAGE).toBe(`victoriametrics/vmalert:${VERSIONS.victoriaMetrics}`);
  expect(ALERTMANAGER_IMAGE).toBe(`prom/alertmanager:${VERSIONS.alertmanager}`);
});

test('the test-tools script reads the same tags from the table', () => {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'tools', 'test-tools.sh'), '--versions'], { encoding: 'utf8' });
  expect(Object.fromEntries(out.trim().split('\n').map(line => line.split('\t')))).toEqual(VERSIONS);
});

test("the versions page's table shows the tags and images of the table", () => {
  const page = fs.readFileSync(path.join(ROOT, 'docs', 'versions.md'), 'utf8');
  const table = page.slice(page.indexOf('| component | tag |'), page.indexOf('Why these:'));
  expect(table).toContain(`| VictoriaMetrics | \`${VERSIONS.victoriaMetrics}\` | \`${VMALERT_IMAGE}\` |`);
  expect(table).toContain(`| Alertmanager | \`${VERSIONS.alertmanager}\` | \`${ALERTMANAGER_IMAGE}\` |`);
  for (const tag of Object.values(VERSIONS)) expect(table).toContain(`| \`${tag}\` |`);
});

test("the Traditional Chinese versions page's table shows the same tags and images", () => {
  const page = fs.readFileSync(path.join(ROOT, 'docs', 'zh-TW', 'versions.md'), 'utf8');
  const table = page.slice(page.indexOf('| 元件 | tag |'), page.indexOf('為什麼選這'));
  expect(table).toContain(`| VictoriaMetrics | \`${VERSIONS.victoriaMetrics}\` | \`${VMALERT_IMAGE}\` |`);
  expect(table).toContain(`| Alertmanager | \`${VERSIONS.alertmanager}\` | \`${ALERTMANAGER_IMAGE}\` |`);
  for (const tag of Object.values(VERSIONS)) expect(table).toContain(`| \`${tag}\` |`);
});

test('no other tracked file writes a pinned tag', () => {
  // GIVEN every file git tracks, other than the table and the prose that shows it
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n')
    .filter(f => f && !maySpellTags(f) && !f.endsWith('package-lock.json') && fs.existsSync(path.join(ROOT, f)));
  // WHEN searched for the tags
  const offenders = files.filter(f => {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    return Object.values(VERSIONS).some(tag => text.includes(tag) || text.includes(tag.replace(/^v/, '')));
  });
  // THEN none writes one: they import VERSIONS or read constructs/core/versions.ts
  expect(offenders).toEqual([]);
});
