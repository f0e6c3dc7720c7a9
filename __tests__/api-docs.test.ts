/** API.md is generated from the JSDoc in constructs/ (scripts/docs/api-docs.ts); it must match the sources. */
import * as fs from 'fs';
import { API_MD, brokenAnchors, generateApiDocs } from '../scripts/docs/api-docs';

/** typedoc parses the whole library; generous on a shared 2-core machine. */
const TYPEDOC_TIMEOUT_MS = 120_000;

test('API.md is current: regenerating it from constructs/ gives the committed file', () => {
  // GIVEN the committed reference
  const committed = fs.readFileSync(API_MD, 'utf8');
  // WHEN regenerating it into a temporary directory
  const generated = generateApiDocs();
  // THEN they are identical (if not: npm run docs, and commit API.md)
  if (generated !== committed) {
    throw new Error('API.md is out of date with the JSDoc in constructs/: run "npm run docs" and commit API.md');
  }
  expect(brokenAnchors(generated)).toEqual([]);
  expect(generated).toMatch(/^### VmalertHa$/m);
  expect(generated).toMatch(/^### AlertmanagerCluster$/m);
  expect(generated).toMatch(/^### RulesConfigMap$/m);
}, TYPEDOC_TIMEOUT_MS);

describe('brokenAnchors', () => {
  test('accepts links to headings (GitHub slugs, repeats numbered) and to explicit ids', () => {
    // GIVEN links to a heading, its second occurrence and an <a id>
    const markdown = '### VmalertHa\n## fromFile()\n## fromFile()\n<a id="property-x"></a>\n'
      + '[a](#vmalertha) [b](#fromfile) [c](#fromfile-1) [d](#property-x)';
    // WHEN / THEN
    expect(brokenAnchors(markdown)).toEqual([]);
  });

  test('reports a link to an anchor that does not exist, once', () => {
    // GIVEN two links to a missing anchor
    const markdown = '### VmalertHa\n[a](#fromfile-1) [b](#fromfile-1)';
    // WHEN / THEN
    expect(brokenAnchors(markdown)).toEqual(['fromfile-1']);
  });
});
