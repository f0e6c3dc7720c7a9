/**
 * Validate job: every synthesized object against the Kubernetes schema, plus the cross checks a schema
 * cannot make (scripts/ci/k8s-checks.ts). The only Secrets the pods may reference without dist/ holding
 * them are the ones Alertmanager reads as files of its config (the SMTP password, which the deploy job creates,
 * and the heartbeat URL): scripts/ci/deploy.sh checks that they exist (scripts/ci/deploy-plan.ts).
 *
 * Usage: npx ts-node scripts/ci/check-dist.ts [DIST_DIR]   (default dist)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { deployPlan } from './deploy-plan';
import { checkManifests } from './k8s-checks';
import { ALERTMANAGER_SECRETS_DIR } from '../../constructs/core/constants';
import { Container, K8sObject, extractAlertmanagerConfig, readManifests, workloadsOf } from '../../constructs/testing/manifests';
import { passwordFilesIn } from './extract-dist';

/** Error strings for the manifests in `distDir`; empty when they are valid. */
export function checkDist(distDir: string): { objects: K8sObject[]; errors: string[] } {
  const objects = readManifests(distDir);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'check-dist-'));
  try {
    const alertmanager = extractAlertmanagerConfig(objects, scratch);
    const config = yaml.load(fs.readFileSync(alertmanager.configFile, 'utf8'));
    const plan = deployPlan(objects, passwordFilesIn(alertmanager, config), config);
    // Alertmanager reads every out-of-band Secret it mounts under its secrets directory as a *_file of its config
    // (SMTP password, heartbeat URL): created once by hand or by the deploy job, never part of dist/.
    const alertmanagerSecretMounts = new Set(secretVolumesMountedUnder(alertmanager.workload, alertmanager.container, ALERTMANAGER_SECRETS_DIR));
    const externalSecrets = plan.secrets
      .filter((s) => s.smtpPassword || alertmanagerSecretMounts.has(s.name))
      .map((s) => (s.namespace ? `${s.namespace}/${s.name}` : s.name));
    return { objects, errors: checkManifests(objects, { externalSecrets }) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Names of the Secrets that volumes mounted at or below `dir` in `container` come from. */
function secretVolumesMountedUnder(workload: K8sObject, container: Container, dir: string): string[] {
  const volumes = workloadsOf([workload])[0]?.podSpec.volumes ?? [];
  return (container.volumeMounts ?? [])
    .filter((m) => m.mountPath === dir || m.mountPath.startsWith(`${dir}/`))
    .map((m) => volumes.find((v) => v.name === m.name)?.secret?.secretName)
    .filter((name): name is string => typeof name === 'string');
}

if (require.main === module) {
  const distDir = process.argv[2] ?? 'dist';
  try {
    const { objects, errors } = checkDist(distDir);
    if (errors.length > 0) {
      console.error(`check-dist: ${distDir}: ${errors.length} problem(s):`);
      for (const error of errors) console.error(`  ${error}`);
      process.exit(1);
    }
    console.log(`check-dist: ${distDir}: ${objects.length} objects valid (schema and cross checks)`);
  } catch (err) {
    console.error(`check-dist: ${(err as Error).message}`);
    process.exit(1);
  }
}
