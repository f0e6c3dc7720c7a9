/** README.zh-TW.md and docs/zh-TW/ stay section-for-section counterparts of README.md and docs/, page for page. */
import * as fs from 'fs';
import * as path from 'path';
import { brokenAnchors } from '../scripts/docs/api-docs';
import { DOCS_DIR, markdownOutline, markdownPages, READMES, translatedPages, ZH_TW_DOCS_DIR } from '../scripts/docs/readme-parts';
import { BEGIN as TABLE_BEGIN, END as TABLE_END, NETWORK_TABLE_PAGES } from '../scripts/docs/network-table';
import { BEGIN as DIAGRAM_BEGIN, END as DIAGRAM_END } from '../scripts/docs/readme-diagram';

const ROOT = path.join(__dirname, '..');
const [english, chinese] = READMES.map(file => fs.readFileSync(file, 'utf8'));
const read = (file: string) => fs.readFileSync(file, 'utf8');
const PAIRS = translatedPages().map(([en, zh]) => [path.relative(ROOT, zh), path.relative(ROOT, en), en, zh]);

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no "${begin}" ... "${end}" section`);
  return text.slice(from, to + end.length);
}

describe('markdownOutline', () => {
  const text = ['# A', '', '```sh', '# a comment, not a heading', 'npm test', '```', '## B', '- item:', '  ~~~yaml', '  a: 1', '  ~~~', '### C', '## D'].join('\n');

  test('counts headings per level outside code blocks and keeps the blocks verbatim, indented ones too', () => {
    // GIVEN a text with a "#" line inside a block and a block in a list item / WHEN outlined
    const outline = markdownOutline(text);
    // THEN
    expect(outline.headingsPerLevel).toEqual([1, 2, 1, 0, 0, 0]);
    expect(outline.codeBlocks).toEqual(['```sh\n# a comment, not a heading\nnpm test\n```', '  ~~~yaml\n  a: 1\n  ~~~']);
  });

  test('a changed command or a lost heading makes the outlines differ', () => {
    // GIVEN / WHEN
    const changed = markdownOutline(text.replace('npm test', 'npm run test'));
    const lost = markdownOutline(text.replace('### C\n', ''));
    // THEN
    expect(changed.codeBlocks).not.toEqual(markdownOutline(text).codeBlocks);
    expect(lost.headingsPerLevel).not.toEqual(markdownOutline(text).headingsPerLevel);
  });

  test('an unclosed block is refused', () => {
    expect(() => markdownOutline('```ts\nconst a = 1;\n')).toThrow('a code block opened with ``` is never closed: ```ts');
  });
});

describe.each(PAIRS)('%s and %s', (_zhName, _enName, enFile, zhFile) => {
  const [en, zh] = [enFile, zhFile].map(file => (fs.existsSync(file) ? read(file) : ''));

  test('both exist', () => {
    expect({ english: fs.existsSync(enFile), chinese: fs.existsSync(zhFile) }).toEqual({ english: true, chinese: true });
  });

  test('have the same number of headings at each level', () => {
    expect(markdownOutline(zh).headingsPerLevel).toEqual(markdownOutline(en).headingsPerLevel);
  });

  test('have the same fenced code blocks, verbatim and in order', () => {
    expect(markdownOutline(zh).codeBlocks).toEqual(markdownOutline(en).codeBlocks);
  });

  test('have no in-page link to a heading that is not there (the Chinese headings have their own anchors)', () => {
    expect(brokenAnchors(en)).toEqual([]);
    expect(brokenAnchors(zh)).toEqual([]);
  });

  test('link to each other', () => {
    expect(en).toContain(`](${path.relative(path.dirname(enFile), zhFile)})`);
    expect(zh).toContain(`](${path.relative(path.dirname(zhFile), enFile)})`);
  });
});

describe('docs/zh-TW', () => {
  test('has a page for every page of docs/ and no other', () => {
    // GIVEN the two folders / WHEN listed by name / THEN the names are the same
    const names = (dir: string) => markdownPages(dir).map(page => path.basename(page));
    expect(names(ZH_TW_DOCS_DIR)).toEqual(names(DOCS_DIR));
    expect(names(DOCS_DIR).length).toBeGreaterThan(0);
  });
});

describe('the generated parts', () => {
  test('the READMEs carry the same stack diagram', () => {
    expect(between(chinese, DIAGRAM_BEGIN, DIAGRAM_END)).toBe(between(english, DIAGRAM_BEGIN, DIAGRAM_END));
    expect(between(english, DIAGRAM_BEGIN, DIAGRAM_END)).toContain('```mermaid\nflowchart LR\n');
  });

  test('the Alertmanager cluster pages carry the same NetworkPolicy table', () => {
    const [enPage, zhPage] = NETWORK_TABLE_PAGES.map(read);
    expect(between(zhPage, TABLE_BEGIN, TABLE_END)).toBe(between(enPage, TABLE_BEGIN, TABLE_END));
    expect(between(enPage, TABLE_BEGIN, TABLE_END)).toContain('| from \\ to |');
  });
});
