/** The project's import graph, read from the sources' import statements, and the cycles in a graph. */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** File (path from the root, with "/") -> the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

const SOURCE = /\.(ts|js)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.js', '.json', '/index.ts', '/index.js'];

/** Every .ts/.js file below `dirs` (and the `files` named) with the project files it imports by relative path. */
export function importGraph(root: string, dirs: readonly string[], files: readonly string[]): ImportGraph {
  const sources = [...files.filter(f => fs.existsSync(path.join(root, f))), ...dirs.flatMap(d => listSources(root, d))];
  const graph: ImportGraph = new Map();
  for (const file of sources) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('./') && !fileName.startsWith('../') && fileName !== '.' && fileName !== '..') continue;
      const target = resolve(root, path.posix.join(path.posix.dirname(file), fileName));
      if (target) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The top-level area a file belongs to: constructs, scripts/<folder>, testkit, e2e, examples, __tests__, or app. */
export function areaOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return 'app';
  return parts[0] === 'scripts' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Each set of nodes that reach each other (and each node that imports itself), sorted; none for an acyclic graph. */
export function findCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

function listSources(root: string, dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : listSources(root, rel);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

function resolve(root: string, spec: string): string | undefined {
  for (const suffix of RESOLVE_SUFFIXES) {
    const candidate = path.posix.normalize(spec + suffix);
    const full = path.join(root, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  return undefined;
}
