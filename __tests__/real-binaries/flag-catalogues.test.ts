/**
 * The generated flag catalogues against the pinned binaries: regenerating them from `vmalert -help` and
 * `alertmanager --help` gives exactly the committed files, and the binaries' parsers agree with them.
 */
import * as fs from 'fs';
import { ALERTMANAGER_FLAGS } from '../../constructs/alertmanager/flags';
import { VMALERT_FLAGS } from '../../constructs/vmalert/flags';
import { CATALOGUES, helpText } from '../../scripts/codegen/gen-flag-catalogues';
import { binary, run } from '../../testkit/binaries';

describe.each(CATALOGUES.map(c => [c.binary, c] as const))('%s', (_name, catalogue) => {
  test('the committed catalogue is what the pinned binary\'s help generates (npm run gen:flags fixes a difference)', () => {
    // GIVEN the help text of the pinned binary
    const help = helpText(binary(catalogue.binary), catalogue.helpArgs);
    // WHEN the catalogue is regenerated from it
    const generated = catalogue.render(help);
    // THEN it equals the committed file, byte for byte
    expect(generated).toBe(fs.readFileSync(catalogue.file, 'utf8'));
  });
});

test('vmalert refuses a flag outside its catalogue and accepts one inside (the catalogue is the parser\'s truth)', () => {
  expect(VMALERT_FLAGS.has('rule.evalDelay')).toBe(true);
  expect(run(binary('vmalert'), ['-rule.evalDelay=10s', '-version']).code).toBe(0);
  expect(VMALERT_FLAGS.has('rule.evalDelayy')).toBe(false);
  expect(run(binary('vmalert'), ['-rule.evalDelayy=10s', '-version']).code).toBe(2);
});

test('alertmanager refuses a flag outside its catalogue and accepts --no-<bool>', () => {
  const unknown = run(binary('alertmanager'), ['--web.timeoutt=1s', '--version']);
  expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 1, stderr: expect.stringContaining("unknown long flag '--web.timeoutt'") });
  expect(ALERTMANAGER_FLAGS['log.silences'].boolean).toBe(true);
  expect(run(binary('alertmanager'), ['--no-log.silences', '--version']).code).toBe(0);
});

