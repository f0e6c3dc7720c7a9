/**
 * Checks the minimal example's chart with the real vmalert and amtool, as a test in your app would: each vmalert
 * container's rule files and arguments through `vmalert -dryRun`, the Alertmanager config through
 * `amtool check-config`.
 *
 *   VMALERT_BIN=/path/to/vmalert AMTOOL_BIN=/path/to/amtool npx ts-node examples/real-tools-check.ts
 *
 * In your own app, import from 'cdk8s-vmalert-ha/testing' instead of '../constructs/testing'.
 */
import { App } from 'cdk8s';
import { checkWithRealTools } from '../constructs/testing/index';
import { minimalChart } from './minimal';

if (require.main === module) {
  // In a jest test, assertRealToolsAccept(chart) throws with the tools' messages instead.
  const checks = checkWithRealTools(minimalChart(new App()));
  for (const check of checks) {
    process.stdout.write(`${check.ok ? 'ok' : 'REFUSED'}  ${check.subject}\n`);
    if (!check.ok) process.stdout.write(`${check.output.trim()}\n`);
  }
  process.exitCode = checks.every(check => check.ok) ? 0 : 1;
}
