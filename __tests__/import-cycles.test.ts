/**
 * No import cycles: neither between files nor between the project's top-level areas (constructs/, each folder of
 * scripts/, testkit/, e2e/, examples/, the app). Read from the sources' own import statements (TypeScript's
 * pre-processor, so imports inside strings and comments do not count); `import type` counts too, because a cycle of
 * types is a cycle a reader has to follow.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { areaOf, findCycles, ImportGraph, importGraph } from './support/import-graph';

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['constructs', 'scripts', 'testkit', 'e2e', 'examples', '__tests__'];
const ROOT_FILES = ['main.ts', 'app-config.ts'];

let graph: ImportGraph;

beforeAll(() => {
  graph = importGraph(ROOT, SOURCE_DIRS, ROOT_FILES);
});

test('the graph is read: every construct module is in it, and index.ts imports the constructs', () => {
  expect(graph.size).toBeGreaterThan(100);
  expect([...graph.get('constructs/index.ts')!]).toEqual(expect.arrayContaining([
    'constructs/vmalert/vmalert-ha.ts', 'constructs/alertmanager/alertmanager-cluster.ts',
  ]));
});

test('no file imports itself through other files', () => {
  expect(findCycles(graph)).toEqual([]);
});

test('no top-level area imports itself through other areas', () => {
  const areas: ImportGraph = new Map();
  for (const [file, imports] of graph) {
    const from = areaOf(file);
    if (!areas.has(from)) areas.set(from, new Set());
    for (const target of imports) if (areaOf(target) !== from) areas.get(from)!.add(areaOf(target));
  }
  expect(findCycles(areas)).toEqual([]);
});

describe('the cycle finder', () => {
  test('finds a loop of three and a file that imports itself; a diamond is no loop', () => {
    const g: ImportGraph = new Map([
      ['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a', 'd'])], ['d', new Set()],
      ['e', new Set(['e'])], ['f', new Set(['g', 'h'])], ['g', new Set(['i'])], ['h', new Set(['i'])], ['i', new Set()],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
  });

  test('reads import, export-from, require and dynamic import; not an import written inside a string', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
    try {
      fs.mkdirSync(path.join(dir, 'src', 'sub'), { recursive: true });
      const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, 'src', file), text);
      write('a.ts', "import { b } from './b';\nexport * from './sub';\nconst s = \"import { x } from './x';\";\n");
      write('b.ts', "const c = require('./c');\nexport const b = () => import('./sub/d');\n");
      write('c.js', "module.exports = {};\n");
      write('x.ts', "import './a';\n");
      write('sub/index.ts', "export type { B } from '../b';\n");
      write('sub/d.ts', "import * as fs from 'fs';\n");
      const g = importGraph(dir, ['src'], []);
      expect(Object.fromEntries([...g].map(([f, s]) => [f, [...s].sort()]))).toEqual({
        'src/a.ts': ['src/b.ts', 'src/sub/index.ts'],
        'src/b.ts': ['src/c.js', 'src/sub/d.ts'],
        'src/c.js': [],
        'src/sub/d.ts': [],
        'src/sub/index.ts': ['src/b.ts'],
        'src/x.ts': ['src/a.ts'],
      });
      expect(findCycles(g)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
