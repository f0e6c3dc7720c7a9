/** README.zh-TW.md stays a section-for-section counterpart of README.md. */
import * as fs from 'fs';
import { brokenAnchors } from '../scripts/docs/api-docs';
import { markdownOutline, READMES } from '../scripts/docs/readme-parts';
import { BEGIN as TABLE_BEGIN, END as TABLE_END } from '../scripts/docs/network-table';
import { BEGIN as DIAGRAM_BEGIN, END as DIAGRAM_END } from '../scripts/docs/readme-diagram';

const [english, chinese] = READMES.map(file => fs.readFileSync(file, 'utf8'));

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

describe('README.zh-TW.md and README.md', () => {
  test('have the same number of headings at each level', () => {
    expect(markdownOutline(chinese).headingsPerLevel).toEqual(markdownOutline(english).headingsPerLevel);
  });

  test('have the same fenced code blocks, verbatim and in order', () => {
    expect(markdownOutline(chinese).codeBlocks).toEqual(markdownOutline(english).codeBlocks);
  });

  test('carry the same generated stack diagram and NetworkPolicy table', () => {
    expect(between(chinese, DIAGRAM_BEGIN, DIAGRAM_END)).toBe(between(english, DIAGRAM_BEGIN, DIAGRAM_END));
    expect(between(chinese, TABLE_BEGIN, TABLE_END)).toBe(between(english, TABLE_BEGIN, TABLE_END));
    expect(between(english, DIAGRAM_BEGIN, DIAGRAM_END)).toContain('```mermaid\nflowchart LR\n');
  });

  test('have no in-page link to a heading that is not there (the Chinese headings have their own anchors)', () => {
    expect(brokenAnchors(english)).toEqual([]);
    expect(brokenAnchors(chinese)).toEqual([]);
  });

  test('link to each other', () => {
    expect(english).toContain('](README.zh-TW.md)');
    expect(chinese).toContain('](README.md)');
  });
});
