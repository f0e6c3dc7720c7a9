/**
 * The hostile-input table (support/hostile-inputs.ts): every refused input stops synth with its message and
 * writes nothing; every accepted one writes manifests that pass the Kubernetes checks. The pinned binaries check
 * the accepted ones too, in real-binaries/hostile-inputs.test.ts.
 */
import * as fs from 'fs';
import { readManifests } from '../constructs/testing/manifests';
import { checkManifests } from '../scripts/ci/k8s-checks';
import { HOSTILE_CASES } from './support/hostile-inputs';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();

/** Secrets the pods mount that the manifests do not hold: created out of band (the SMTP password). */
function externalSecrets(objects: ReturnType<typeof readManifests>): string[] {
  const held = new Set(objects.filter(o => o.kind === 'Secret').map(o => o.metadata.name));
  return objects.flatMap(o => ((o as any).spec?.template?.spec?.volumes ?? []) as Array<{ secret?: { secretName: string } }>)
    .map(v => v.secret?.secretName)
    .filter((name): name is string => name !== undefined && !held.has(name));
}

test('the table holds at least 100 hostile inputs, refused and accepted ones', () => {
  expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(100);
  expect(new Set(HOSTILE_CASES.map(c => c.name)).size).toBe(HOSTILE_CASES.length);
  expect(HOSTILE_CASES.filter(c => c.refused === undefined).length).toBeGreaterThanOrEqual(20);
});

describe.each(HOSTILE_CASES.filter(c => c.refused !== undefined).map(c => [c.name, c] as const))('refused: %s', (_, hostile) => {
  test('synth stops with the message and writes nothing', () => {
    // GIVEN an empty output directory
    const outdir = tempDir('hostile-out-');
    // WHEN the input is synthesized
    let message = '';
    try {
      hostile.build(outdir, tempDir('hostile-fixtures-'));
    } catch (error) {
      message = (error as Error).message;
    }
    // THEN it is refused with a message naming the problem, and no manifest was written
    expect(message).toContain(hostile.refused);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe.each(HOSTILE_CASES.filter(c => c.refused === undefined).map(c => [c.name, c] as const))('accepted: %s', (_, hostile) => {
  test('the written manifests pass the Kubernetes checks', () => {
    // GIVEN an input that is safe (or made safe)
    const outdir = tempDir('hostile-out-');
    // WHEN it is synthesized
    hostile.build(outdir, tempDir('hostile-fixtures-'));
    // THEN the manifests pass the schema and cross-object checks
    const objects = readManifests(outdir);
    expect(objects.length).toBeGreaterThan(0);
    expect(checkManifests(objects, { externalSecrets: externalSecrets(objects) })).toEqual([]);
  });
});
