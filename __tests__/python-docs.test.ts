/** docs/zh-TW/python.md stays a section-for-section counterpart of docs/python.md, with the same code. */
import * as fs from 'fs';
import * as path from 'path';
import { markdownOutline } from '../scripts/docs/readme-parts';

const DOCS = path.join(__dirname, '..', 'docs');

test('docs/zh-TW/python.md has the headings and the code blocks of docs/python.md', () => {
  // GIVEN both files / WHEN outlined
  const [english, chinese] = ['python.md', path.join('zh-TW', 'python.md')].map(f => markdownOutline(fs.readFileSync(path.join(DOCS, f), 'utf8')));
  // THEN the same number of headings per level and the same code, verbatim
  expect(chinese.headingsPerLevel).toEqual(english.headingsPerLevel);
  expect(chinese.codeBlocks).toEqual(english.codeBlocks);
  expect(english.codeBlocks.length).toBeGreaterThan(5);
});

test('the zh-TW translation keeps each paragraph on one line', () => {
  // GIVEN the translation's prose lines (outside code blocks, tables and lists)
  const text = fs.readFileSync(path.join(DOCS, 'zh-TW', 'python.md'), 'utf8').replace(/^( *)```[\s\S]*?^\1```$/gm, '');
  const lines = text.split('\n');
  // WHEN looking for a prose line followed by another prose line
  const wrapped = lines.filter((line, i) => /^[^\s#|>\-\d]/.test(line) && /^[^\s#|>\-\d]/.test(lines[i + 1] ?? ''));
  // THEN there is none
  expect(wrapped).toEqual([]);
});
