/**
 * Synth job, second step: from the synthesized dist/, writes what the later pipeline jobs need and cannot
 * compute themselves (the vmalert, alertmanager and kubectl images have no node):
 *
 *   OUT/vmalert-<kind>-<name>-<container>.args  each vmalert container's arguments, one a line, file paths
 *                                               pointing at the extracted copies (scripts/ci/validate-vmalert.sh)
 *   OUT/vmalert/...                             the files those pods mount (rule files, notifier config)
 *   OUT/alertmanager.yml                        the Alertmanager config; the SMTP password file is a placeholder
 *   OUT/alertmanager/...                        the files the Alertmanager pod mounts (scripts/ci/validate-alertmanager.sh)
 *   OUT/deploy-plan.txt                         namespaces, out-of-band Secrets, workloads (scripts/ci/deploy.sh)
 *
 * Every path written into these files is relative to OUT, so a later job finds them wherever its checkout is.
 *
 * Usage: npx ts-node scripts/ci/extract-dist.ts [DIST_DIR] [OUT_DIR]   (defaults: dist .build/ci)
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { deployPlan, renderDeployPlan, smtpPasswordFiles } from './deploy-plan';
import {
  ExtractedAlertmanager,
  K8sObject,
  containerArgs,
  extractAlertmanagerConfig,
  extractRuleFiles,
  readManifests,
  rewriteArgPaths,
} from '../../constructs/testing/manifests';

const DEFAULT_DIST_DIR = 'dist';
const DEFAULT_OUT_DIR = '.build/ci';
/** Sub-directories of OUT holding the mirrored pod files. */
const VMALERT_FILES_DIR = 'vmalert';
const ALERTMANAGER_FILES_DIR = 'alertmanager';
const ALERTMANAGER_CONFIG = 'alertmanager.yml';
const DEPLOY_PLAN = 'deploy-plan.txt';

/** Files written by {@link extractDist}, relative to its output directory. */
export interface ExtractResult {
  readonly argsFiles: string[];
  readonly alertmanagerConfig: string;
  readonly deployPlan: string;
}

/** Writes the artifacts described above for the manifests in `distDir` into `outDir` (emptied first). */
export function extractDist(distDir: string, outDir: string): ExtractResult {
  const objects = readManifests(distDir);
  const absOut = path.resolve(outDir);
  fs.rmSync(absOut, { recursive: true, force: true });
  fs.mkdirSync(absOut, { recursive: true });
  const relative = (text: string) => text.split(`${absOut}${path.sep}`).join('');

  const rules = extractRuleFiles(objects, path.join(absOut, VMALERT_FILES_DIR));
  if (rules.containers.length === 0) {
    throw new Error(`${distDir}: no container with -rule arguments; dist/ should hold the vmalert Deployment`);
  }
  const argsFiles = rules.containers.map(({ workload, container, mirror }) => {
    const file = `vmalert-${workload.kind}-${workload.metadata.name}-${container.name}.args`.toLowerCase();
    const args = rewriteArgPaths(containerArgs(container), mirror).map(relative);
    fs.writeFileSync(path.join(absOut, file), args.join('\n') + '\n');
    return file;
  });

  const alertmanager = extractAlertmanagerConfig(objects, path.join(absOut, ALERTMANAGER_FILES_DIR));
  const configText = fs.readFileSync(alertmanager.configFile, 'utf8');
  fs.writeFileSync(path.join(absOut, ALERTMANAGER_CONFIG), relative(configText));
  // Its rewritten copy in the mirror names absolute paths of this machine: keep only the relative one.
  fs.rmSync(alertmanager.configFile);
  const config = yaml.load(configText);

  const plan = deployPlan(objects, passwordFilesIn(alertmanager, config), config);
  fs.writeFileSync(path.join(absOut, DEPLOY_PLAN), renderDeployPlan(plan, distDir));
  return { argsFiles, alertmanagerConfig: ALERTMANAGER_CONFIG, deployPlan: DEPLOY_PLAN };
}

/** The SMTP password files of the extracted config, as paths inside the Alertmanager container. */
export function passwordFilesIn(
  alertmanager: ExtractedAlertmanager,
  extractedConfig: unknown,
): Array<{ workload: K8sObject; container: ExtractedAlertmanager['container']; file: string }> {
  // The extraction put every file the container reads at <mirror root>/<path in the container>.
  return smtpPasswordFiles(extractedConfig).map((local) => ({
    workload: alertmanager.workload,
    container: alertmanager.container,
    file: path.isAbsolute(local) ? `/${path.relative(alertmanager.mirror.rootDir, local).split(path.sep).join('/')}` : local,
  }));
}

if (require.main === module) {
  const [distDir = DEFAULT_DIST_DIR, outDir = DEFAULT_OUT_DIR] = process.argv.slice(2);
  try {
    const result = extractDist(distDir, outDir);
    console.log(`extract-dist: ${distDir} -> ${outDir}: ${[...result.argsFiles, result.alertmanagerConfig, result.deployPlan].join(', ')}`);
  } catch (err) {
    console.error(`extract-dist: ${(err as Error).message}`);
    process.exit(1);
  }
}
