/**
 * The READMEs and the docs/ pages (English and Traditional Chinese), their generated parts between marker comments,
 * and the links between them.
 */
import * as fs from 'fs';
import * as path from 'path';

const REPO_ROOT = path.join(__dirname, '..', '..');
/** The English pages the README links to, one per task. */
export const DOCS_DIR = path.join(REPO_ROOT, 'docs');
/** Their Traditional Chinese counterparts, page for page under the same names. */
export const ZH_TW_DOCS_DIR = path.join(DOCS_DIR, 'zh-TW');

/** Every README that carries the generated stack diagram; the Chinese one mirrors the English one section for section. */
export const READMES = ['README.md', 'README.zh-TW.md'].map(name => path.join(REPO_ROOT, name));

/** The Markdown pages directly in `dir`, as absolute paths sorted by name. */
export function markdownPages(dir: string): string[] {
  return fs.readdirSync(dir).filter(name => name.endsWith('.md')).sort().map(name => path.join(dir, name));
}

/** Each English page with its Traditional Chinese counterpart: the READMEs, then every docs/ page. */
export function translatedPages(): Array<[english: string, chinese: string]> {
  const [readme, readmeZhTw] = READMES;
  return [[readme, readmeZhTw], ...markdownPages(DOCS_DIR).map((page): [string, string] => [page, path.join(ZH_TW_DOCS_DIR, path.basename(page))])];
}

/** `text` with what lies between `begin` and `end` replaced by `content`; `file` names the text in the error. */
export function replaceBetween(text: string, begin: string, end: string, content: string, file: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path.basename(file)} has no "${begin}" ... "${end}" section: add the two markers where the generated part belongs`);
  return `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`;
}

/**
 * Applies `update` to every README there is (or to `files`): writes the result, or with `check` only reports (on
 * stderr) each file it would change. Returns false when a check found a stale file.
 */
export function rewriteReadmes(update: (readme: string, file: string) => string, check: boolean, stale: string, files = READMES): boolean {
  let current = true;
  for (const file of files.filter(f => fs.existsSync(f))) {
    const readme = fs.readFileSync(file, 'utf8');
    const updated = update(readme, file);
    if (updated === readme) continue;
    if (check) {
      process.stderr.write(`${path.relative(REPO_ROOT, file)}: ${stale}\n`);
      current = false;
    } else {
      fs.writeFileSync(file, updated);
      process.stdout.write(`wrote ${path.relative(REPO_ROOT, file)}\n`);
    }
  }
  return current;
}

/** What two translations of a README must share: headings per level and the fenced code blocks. */
export interface MarkdownOutline {
  /** Number of ATX headings (`#`, `##`, ...) outside code blocks, by level (index 0 is level 1). */
  readonly headingsPerLevel: number[];
  /** Every fenced code block, fences and indentation included, in order. */
  readonly codeBlocks: string[];
}

/** The outline of a Markdown text: fenced blocks (``` or ~~~, indented in list items too) and the headings outside them. */
export function markdownOutline(markdown: string): MarkdownOutline {
  const headingsPerLevel = [0, 0, 0, 0, 0, 0];
  const codeBlocks: string[] = [];
  let block: string[] | undefined;
  let fence = '';
  for (const line of markdown.split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (block === undefined) {
      if (opening) {
        block = [line];
        fence = opening[1];
        continue;
      }
      const heading = /^(#{1,6})\s/.exec(line);
      if (heading) headingsPerLevel[heading[1].length - 1]++;
    } else {
      block.push(line);
      if (new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(line)) {
        codeBlocks.push(block.join('\n'));
        block = undefined;
      }
    }
  }
  if (block !== undefined) throw new Error(`a code block opened with ${fence} is never closed: ${block[0].trim()}`);
  return { headingsPerLevel, codeBlocks };
}

/** A link of a Markdown text to a file of the repository (not a URL), as written: `path`, `path#anchor` or `#anchor`. */
export interface RelativeLink {
  /** The file, relative to the page; '' for an in-page anchor. */
  readonly file: string;
  /** The anchor after `#`, if any. */
  readonly anchor?: string;
}

/** The links and images outside fenced code blocks whose target is not a URL (`[text](target)`, `![alt](target)`). */
export function relativeLinks(markdown: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  let fence = '';
  for (const line of markdown.split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = '';
      continue;
    }
    if (opening) {
      fence = opening[1];
      continue;
    }
    for (const [, target] of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      links.push(hash < 0 ? { file: target } : { file: target.slice(0, hash), anchor: target.slice(hash + 1) });
    }
  }
  return links;
}
