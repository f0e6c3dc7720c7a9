/**
 * The package's public API is a deliberate list. constructs/index.ts exports by name; the names are recorded in
 * __tests__/fixtures/public-api.json with whether each is a value (class, function, constant) or a type only.
 * Changing the exports means changing that record, regenerating API.md (`npm run docs`) and saying in CHANGELOG.md
 * ("Unreleased") which names were added or removed since the last release, whose list the record keeps too.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import * as api from '../constructs';

const ROOT = path.resolve(__dirname, '..');
const INDEX = path.join(ROOT, 'constructs', 'index.ts');
const RECORD_FILE = path.join(__dirname, 'fixtures', 'public-api.json');

type Kind = 'value' | 'type';
interface Record {
  readonly released: { readonly version: string; readonly exports: string[] };
  readonly exports: { [name: string]: Kind };
}

const record: Record = JSON.parse(fs.readFileSync(RECORD_FILE, 'utf8'));
const FIX = 'update __tests__/fixtures/public-api.json, run "npm run docs" and list the change in CHANGELOG.md (Unreleased)';

/** The names constructs/index.ts exports, read from its export declarations, each a value or a type only. */
function indexExports(): { [name: string]: Kind } {
  const source = ts.createSourceFile(INDEX, fs.readFileSync(INDEX, 'utf8'), ts.ScriptTarget.ES2020, true);
  const found: { [name: string]: Kind } = {};
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && !statement.exportClause && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      // export * from a module that holds public types only (alertmanager/config/types.ts: jsii needs it whole)
      Object.assign(found, moduleDeclarations(path.join(path.dirname(INDEX), `${statement.moduleSpecifier.text}.ts`)));
      continue;
    }
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      throw new Error(`constructs/index.ts: "${statement.getText().split('\n')[0]}": the index re-exports by name (export { A } from './module'), or a whole module of public types`);
    }
    for (const element of statement.exportClause.elements) {
      found[element.name.text] = statement.isTypeOnly || element.isTypeOnly ? 'type' : 'value';
    }
  }
  return found;
}

/** What a module re-exported whole declares with `export`: a value where any declaration of a name is one. */
function moduleDeclarations(file: string): { [name: string]: Kind } {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true);
  const found: { [name: string]: Kind } = {};
  const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some(m => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) throw new Error(`${file}: a module the index re-exports whole declares what it exports`);
    if (!exported(statement)) continue;
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      found[statement.name.text] = found[statement.name.text] ?? 'type';
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
      found[statement.name.text] = 'value';
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) found[declaration.name.text] = 'value';
      }
    }
  }
  return found;
}

/** The headings of API.md's sections (classes, interfaces, type aliases, variables, functions), unescaped. */
function apiMdNames(): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8');
  return new Set([...text.matchAll(/^### (.+)$/gm)].map(m => m[1].replace(/\\_/g, '_').replace(/\(\)$/, '')));
}

/** The text of CHANGELOG.md's "Unreleased" section. */
function unreleasedChangelog(): string {
  const text = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
  const start = text.indexOf('## [Unreleased]');
  if (start < 0) return '';
  const next = text.indexOf('\n## [', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

const sorted = (names: Iterable<string>) => [...names].sort();

test('constructs/index.ts exports exactly the recorded names, values and types as recorded', () => {
  const actual = indexExports();
  expect({ exports: actual, fix: FIX }).toEqual({ exports: record.exports, fix: FIX });
});

test('the values recorded are what the package really exports at run time', () => {
  const values = Object.entries(record.exports).filter(([, kind]) => kind === 'value').map(([name]) => name);
  expect(sorted(Object.keys(api).filter(k => k !== '__esModule'))).toEqual(sorted(values));
});

test('API.md documents the public API and nothing else', () => {
  expect({ headings: sorted(apiMdNames()), fix: FIX }).toEqual({ headings: sorted(Object.keys(record.exports)), fix: FIX });
});

test('CHANGELOG.md (Unreleased) names every export added or removed since the last release', () => {
  const released = new Set(record.released.exports);
  const current = new Set(Object.keys(record.exports));
  const changed = [...sorted([...current].filter(n => !released.has(n))), ...sorted([...released].filter(n => !current.has(n)))];
  const changelog = unreleasedChangelog();
  const unmentioned = changed.filter(name => !changelog.includes(`\`${name}\``));
  expect({ unmentioned, since: record.released.version }).toEqual({ unmentioned: [], since: record.released.version });
});
