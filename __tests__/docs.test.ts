/**
 * The README is a front door: short, with its example working, and linking every docs/ page; every relative link of
 * the READMEs and the docs/ pages reaches an existing file and, in a Markdown file, an existing heading.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as yaml from 'js-yaml';
import * as ts from 'typescript';
import { markdownAnchors } from '../scripts/docs/api-docs';
import { DOCS_DIR, markdownOutline, markdownPages, READMES, relativeLinks, translatedPages, ZH_TW_DOCS_DIR } from '../scripts/docs/readme-parts';

const ROOT = path.join(__dirname, '..');
/** The most lines a README may have: what it is, set-up, an example, the picture, the main options, where to go next. */
const MAX_README_LINES = 300;
const [README, README_ZH_TW] = READMES;
const read = (file: string) => fs.readFileSync(file, 'utf8');
const rel = (file: string) => path.relative(ROOT, file);

/** Each relative link of `file` that names no existing file, or a heading or id its Markdown target does not have. */
function brokenLinks(file: string): string[] {
  return relativeLinks(read(file)).flatMap(link => {
    const target = link.file === '' ? file : path.resolve(path.dirname(file), decodeURI(link.file));
    const written = `${link.file}${link.anchor === undefined ? '' : `#${link.anchor}`}`;
    if (!fs.existsSync(target)) return [written];
    if (link.anchor === undefined) return [];
    if (!target.endsWith('.md') || !markdownAnchors(read(target)).has(decodeURI(link.anchor))) return [written];
    return [];
  });
}

/** The docs pages in `dir` a README links to, as absolute paths. */
function linkedPages(readme: string, dir: string): string[] {
  const targets = relativeLinks(read(readme)).map(link => path.resolve(path.dirname(readme), link.file));
  return [...new Set(targets.filter(target => path.dirname(target) === dir && target.endsWith('.md')))].sort();
}

describe('relativeLinks', () => {
  test('finds links and images to files and anchors, not URLs, inline code or code blocks', () => {
    // GIVEN a page with each kind of link
    const page = ['See [a](docs/a.md), [b](docs/b.md#part) and [c](#here).', '![pic](docs/pic.png) [web](https://x.io/a.md)',
      '`[code](not/a-link.md)`', '```md', '[block](not/a-link.md)', '```', '[mail](mailto:a@b.c)'].join('\n');
    // WHEN / THEN
    expect(relativeLinks(page)).toEqual([
      { file: 'docs/a.md' }, { file: 'docs/b.md', anchor: 'part' }, { file: '', anchor: 'here' }, { file: 'docs/pic.png' },
    ]);
  });
});

describe('brokenLinks', () => {
  test('reports a missing file and a missing heading, and accepts existing ones', () => {
    // GIVEN two pages in a temporary folder, linking to each other
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-links-'));
    try {
      fs.writeFileSync(path.join(dir, 'b.md'), '# B\n\n## Part two\n');
      fs.writeFileSync(path.join(dir, 'a.md'), '# A\n\n[ok](b.md) [ok](b.md#part-two) [ok](#a) [gone](c.md) [gone](b.md#part-three) [gone](#z)\n');
      // WHEN / THEN
      expect(brokenLinks(path.join(dir, 'a.md'))).toEqual(['c.md', 'b.md#part-three', '#z']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each([[README, DOCS_DIR], [README_ZH_TW, ZH_TW_DOCS_DIR]].map(([readme, dir]) => [rel(readme), readme, dir]))('%s', (_name, readme, dir) => {
  test(`has at most ${MAX_README_LINES} lines`, () => {
    expect(read(readme).split('\n').length).toBeLessThanOrEqual(MAX_README_LINES);
  });

  test('links every page of its docs folder, and only pages that are there', () => {
    // GIVEN the pages on disk / WHEN the README's links into the folder are collected / THEN they are the same pages
    expect(linkedPages(readme, dir).map(rel)).toEqual(markdownPages(dir).map(rel));
  });

  test('keeps the set-up commands: one synthesizes dist/, one runs the whole test suite', () => {
    const setUp = markdownOutline(read(readme)).codeBlocks[0];
    expect(setUp).toContain('npm ci && npm run synth');
    expect(setUp).toContain('npm ci && npm test');
  });
});

test('the CI entry point runs the README\'s test command', () => {
  expect(read(path.join(ROOT, '.ci', 'run'))).toMatch(/^npm ci --no-audit --no-fund\nnpm test$/m);
});

describe.each(translatedPages().flat().map(file => [rel(file), file]))('%s', (_name, file) => {
  test('every relative link reaches an existing file and heading', () => {
    expect(brokenLinks(file)).toEqual([]);
  });

  if (path.dirname(file) !== ROOT) {
    test('links back to its README', () => {
      const readme = path.dirname(file) === ZH_TW_DOCS_DIR ? README_ZH_TW : README;
      expect(relativeLinks(read(file)).map(link => path.resolve(path.dirname(file), link.file))).toContain(readme);
    });
  }
});

describe("the README's example", () => {
  test('synthesizes the stack: a vmalert Deployment, an Alertmanager StatefulSet and the rules of rules/', () => {
    // GIVEN the README's TypeScript block, importing the library from this repository and writing to a temporary folder
    const example = markdownOutline(read(README)).codeBlocks.find(block => block.startsWith('```ts'))!;
    const source = example.split('\n').slice(1, -1).join('\n');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
    class App extends cdk8s.App {
      constructor() {
        super({ outdir });
      }
    }
    const modules: Record<string, unknown> = { 'cdk8s': { ...cdk8s, App }, 'cdk8s-vmalert-ha': require('../constructs') };
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
    try {
      // WHEN it runs
      new Function('require', 'exports', js)((name: string) => modules[name], {});
      // THEN it wrote the stack
      const objects = fs.readdirSync(outdir).flatMap(f => yaml.loadAll(read(path.join(outdir, f))) as Array<{ kind: string; metadata: { name: string } }>);
      const kinds = objects.map(o => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'StatefulSet', 'ConfigMap', 'Secret']));
      expect(objects.filter(o => o.kind === 'ConfigMap').map(o => o.metadata.name).some(name => name.includes('rules'))).toBe(true);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('is about 20 lines', () => {
    const example = markdownOutline(read(README)).codeBlocks.find(block => block.startsWith('```ts'))!;
    expect(example.split('\n').length - 2).toBeLessThanOrEqual(25);
  });
});
