/**
 * The flag catalogues constructs/vmalert/flags.ts and constructs/alertmanager/flags.ts, generated from the help of
 * the pinned binaries (built by scripts/tools/test-tools.sh at the tags of constructs/core/versions.ts).
 *
 *   npm run gen:flags            regenerate both files
 *   npm run gen:flags -- --check fail if a file is not what the pinned binaries' help generates
 *
 * After bumping a version: run this, review the diff (new, removed and renamed flags), commit.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAlertmanagerHelp, parseVmalertHelp, renderAlertmanagerFlags, renderVmalertFlags } from './flag-catalogue';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** A generated catalogue: the file and how to produce its text from a binary. */
export interface Catalogue {
  readonly file: string;
  readonly binary: string;
  readonly helpArgs: readonly string[];
  readonly render: (help: string) => string;
}

export const CATALOGUES: readonly Catalogue[] = [
  {
    file: path.join(REPO_ROOT, 'constructs', 'vmalert', 'flags.ts'),
    binary: 'vmalert',
    helpArgs: ['-help'],
    render: help => renderVmalertFlags(parseVmalertHelp(help)),
  },
  {
    file: path.join(REPO_ROOT, 'constructs', 'alertmanager', 'flags.ts'),
    binary: 'alertmanager',
    helpArgs: ['--help'],
    render: help => renderAlertmanagerFlags(parseAlertmanagerHelp(help)),
  },
];

/** The help text of a binary (both print it on stdout and exit 0). */
export function helpText(binaryPath: string, args: readonly string[]): string {
  return execFileSync(binaryPath, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function pinnedBinaries(): Map<string, string> {
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'tools', 'test-tools.sh'), '--paths'], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map(line => line.split('\t') as [string, string]));
}

function main(): void {
  const check = process.argv.includes('--check');
  const binaries = pinnedBinaries();
  let stale = 0;
  for (const catalogue of CATALOGUES) {
    const binaryPath = binaries.get(catalogue.binary);
    if (!binaryPath) throw new Error(`scripts/tools/test-tools.sh --paths lists no ${catalogue.binary}`);
    const text = catalogue.render(helpText(binaryPath, catalogue.helpArgs));
    const relative = path.relative(REPO_ROOT, catalogue.file);
    const current = fs.existsSync(catalogue.file) ? fs.readFileSync(catalogue.file, 'utf8') : '';
    if (current === text) {
      console.log(`${relative}: up to date`);
    } else if (check) {
      console.error(`${relative}: differs from \`${catalogue.binary} ${catalogue.helpArgs.join(' ')}\`: run npm run gen:flags`);
      stale++;
    } else {
      fs.writeFileSync(catalogue.file, text);
      console.log(`${relative}: written`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`gen-flag-catalogues: ${(error as Error).message}`);
    process.exit(1);
  }
}
