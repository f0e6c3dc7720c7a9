#!/usr/bin/env node
/**
 * `npm run synth`: what `npx cdk8s synth` does for this app (empty the output directory, run the `app` of
 * cdk8s.yaml with CDK8S_OUTDIR set, list what it wrote), without the CLI's online upgrade check and without the
 * stack trace the CLI prints when the app fails: a bad rule or setting gives the app's one-line message only.
 *
 * When the app is this repository's launcher (`node scripts/synth/synth-app.js`) it runs in this process: a second
 * node and a shell would cost more than the whole synth of a current build.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const ROOT = path.resolve(__dirname, '..', '..');
/** The app cdk8s.yaml names by default, which can run in this process. */
const IN_PROCESS_APP = 'node scripts/synth/synth-app.js';

async function main() {
  const config = yaml.load(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  const outdir = path.resolve(ROOT, process.env.CDK8S_OUTDIR || config.output || 'dist');
  // As the CLI does: a failed synth leaves no manifests behind that a later step could apply by mistake.
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const code = config.app.trim() === IN_PROCESS_APP ? await runInProcess(outdir) : runCommand(config.app, outdir);
  if (code !== 0) return code;
  for (const file of fs.readdirSync(outdir).sort()) console.log(`  - ${path.relative(ROOT, path.join(outdir, file))}`);
  return 0;
}

async function runInProcess(outdir) {
  process.env.CDK8S_OUTDIR = outdir;
  process.chdir(ROOT);
  return require('./synth-app').runApp();
}

function runCommand(app, outdir) {
  const result = spawnSync(app, { cwd: ROOT, shell: true, stdio: 'inherit', env: { ...process.env, CDK8S_OUTDIR: outdir } });
  return result.status ?? 1;
}

main().then(code => { process.exitCode = code; });
