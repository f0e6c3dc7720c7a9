/**
 * What the deploy job must do besides `kubectl apply -f dist/`, read from the synthesized objects: which
 * namespaces they go to, which Secrets the pods need although dist/ does not hold them (the SMTP password
 * Secret, created by the job from a masked CI/CD variable), and which workloads to watch roll out.
 *
 * The plan is a small text file (rendered by {@link renderDeployPlan}) because the deploy image has kubectl
 * and sh but no node; scripts/ci/deploy.sh reads it line by line.
 */
import * as path from 'path';
import { SCRAPE_OBJECT_TYPES } from '../../constructs/self-monitoring/scrape-config';
import { Container, K8sObject, PodSpec, allContainers, workloadsOf } from '../../constructs/testing/manifests';

/** A Secret a pod references that is not among the synthesized objects. */
export interface RequiredSecret {
  /** Namespace of the pods that use it; undefined when the manifests name none (the context's default). */
  readonly namespace?: string;
  readonly name: string;
  /** Keys the pods read; empty when a volume mounts the whole Secret and no file of it is named. */
  readonly keys: string[];
  /** True when Alertmanager reads it as its SMTP password file: the deploy job fills it from SMTP_PASSWORD. */
  readonly smtpPassword: boolean;
}

/** A workload whose rollout the deploy job waits for: `kubectl rollout status <ref>`. */
export interface Rollout {
  readonly namespace?: string;
  /** `deployment/<name>`, `statefulset/<name>` or `daemonset/<name>`. */
  readonly ref: string;
}

/** A custom resource kind of dist/: the cluster must have its CustomResourceDefinition. */
export interface RequiredCrd {
  /** `<plural>.<group>`, the CRD's name. */
  readonly crd: string;
  readonly kind: string;
}

/** Everything scripts/ci/deploy.sh needs to know about dist/. */
export interface DeployPlan {
  /** Namespaces the objects go to, in manifest order; the job creates the missing ones before `kubectl diff`. */
  readonly namespaces: string[];
  readonly secrets: RequiredSecret[];
  readonly rollouts: Rollout[];
  /** Custom resource kinds of dist/; without their CRD `kubectl apply` fails with "no matches for kind". */
  readonly crds: RequiredCrd[];
  /**
   * Values of the Alertmanager config that name a reserved example domain (see {@link placeholderAddresses}):
   * the deploy job refuses to apply while there is any.
   */
  readonly placeholders: Placeholder[];
}

/** A value in the Alertmanager config that is a placeholder, not a real address. */
export interface Placeholder {
  /** Where in alertmanager.yml, e.g. `global.smtp_smarthost`. */
  readonly at: string;
  readonly value: string;
}

/** Kinds `kubectl rollout status` can watch, with the resource name it takes. */
const ROLLOUT_RESOURCES: Record<string, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

/** Alertmanager config fields holding the path of the SMTP password file (global and per email receiver). */
const SMTP_PASSWORD_FILE_FIELDS = ['smtp_auth_password_file', 'auth_password_file'];

/** A file a container reads from a Secret: which Secret and key. */
interface SecretFile {
  readonly secretName: string;
  readonly key: string;
}

/**
 * The deploy plan of `objects`. `smtpPasswordFiles` are the paths, inside the Alertmanager container, of
 * the SMTP password files its config names (see {@link smtpPasswordFiles}); the Secrets behind them are
 * marked `smtpPassword`.
 */
export function deployPlan(
  objects: readonly K8sObject[],
  smtpPasswordFiles: ReadonlyArray<{ workload: K8sObject; container: Container; file: string }> = [],
  alertmanagerConfig?: unknown,
): DeployPlan {
  const namespaces: string[] = [];
  for (const obj of objects) {
    const ns = obj.metadata.namespace;
    if (ns && !namespaces.includes(ns)) namespaces.push(ns);
  }

  const secrets: RequiredSecret[] = [];
  const addSecret = (namespace: string | undefined, name: string, keys: readonly string[], smtpPassword: boolean) => {
    if (objects.some((o) => o.kind === 'Secret' && o.metadata.name === name && o.metadata.namespace === namespace)) {
      return; // dist/ holds it
    }
    const existing = secrets.findIndex((s) => s.name === name && s.namespace === namespace);
    if (existing < 0) {
      secrets.push({ namespace, name, keys: [...keys], smtpPassword });
      return;
    }
    const merged = secrets[existing];
    secrets[existing] = {
      ...merged,
      keys: [...merged.keys, ...keys.filter((k) => !merged.keys.includes(k))],
      smtpPassword: merged.smtpPassword || smtpPassword,
    };
  };

  for (const { workload, podSpec } of workloadsOf(objects)) {
    const ns = workload.metadata.namespace;
    for (const ref of referencedSecrets(podSpec)) addSecret(ns, ref.name, ref.keys, false);
  }
  for (const { workload, container, file } of smtpPasswordFiles) {
    const podSpec = workloadsOf([workload])[0]?.podSpec;
    const source = podSpec ? secretFileAt(podSpec, container, file) : undefined;
    if (!source) {
      throw new Error(
        `${workload.kind} "${workload.metadata.name}": the SMTP password file ${file} is not in a mounted Secret; ` +
          'mount the password Secret in the Alertmanager container and point smtp_auth_password_file into it',
      );
    }
    addSecret(workload.metadata.namespace, source.secretName, [source.key], true);
  }

  const rollouts: Rollout[] = [];
  for (const obj of objects) {
    const resource = ROLLOUT_RESOURCES[obj.kind];
    if (resource) rollouts.push({ namespace: obj.metadata.namespace, ref: `${resource}/${obj.metadata.name}` });
  }
  const crds: RequiredCrd[] = [];
  for (const [kind, type] of Object.entries(SCRAPE_OBJECT_TYPES)) {
    if (objects.some((o) => o.kind === kind && o.apiVersion === type.apiVersion)) crds.push({ crd: type.crd, kind });
  }
  return { namespaces, secrets, rollouts, crds, placeholders: placeholderAddresses(alertmanagerConfig) };
}

/**
 * Where the line is drawn: a domain reserved for documentation and testing (RFC 2606 / RFC 6761: example.com,
 * example.net, example.org and anything under .example, .invalid, .test, .localhost) can never deliver mail or
 * receive a webhook, so a config naming one is an unfilled placeholder. `npm run synth` writes it (a fresh
 * checkout must synthesize for review and CI), and the deploy job refuses it. Private names such as
 * `smtp.corp.internal` are real addresses and pass.
 */
export function placeholderAddresses(config: unknown): Placeholder[] {
  const found: Placeholder[] = [];
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${at}[${i}]`));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([key, child]) => visit(child, at ? `${at}.${key}` : key));
    else if (typeof value === 'string' && domainsIn(value).some(isReservedDomain)) found.push({ at, value });
  };
  visit(config, '');
  return found;
}

const RESERVED_SECOND_LEVEL = /(^|\.)example\.(com|net|org)$/;
const RESERVED_TOP_LEVEL = ['example', 'invalid', 'test', 'localhost'];

function domainsIn(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9-]+(\.[a-z0-9-]+)+/g) ?? []);
}

function isReservedDomain(domain: string): boolean {
  return RESERVED_SECOND_LEVEL.test(domain) || RESERVED_TOP_LEVEL.includes(domain.slice(domain.lastIndexOf('.') + 1));
}

/**
 * The plan as deploy.sh reads it: one `<kind> <namespace or -> ...` line per item, kinds `namespace`,
 * `smtp-secret <ns> <name> <key,...>`, `secret <ns> <name> <key,...|->`, `rollout <ns> <ref>`, `crd - <crd> <kind>` and
 * `placeholder <path in alertmanager.yml> <JSON value>`.
 */
export function renderDeployPlan(plan: DeployPlan, source: string): string {
  const ns = (namespace?: string) => namespace ?? '-';
  const lines = [
    `# Deploy plan for scripts/ci/deploy.sh, written by scripts/ci/extract-dist.ts from ${source}.`,
    '# <kind> <namespace, - for the context default> [<name> [<keys>]]',
    ...plan.namespaces.map((n) => `namespace ${n}`),
    ...plan.secrets.map((s) => `${s.smtpPassword ? 'smtp-secret' : 'secret'} ${ns(s.namespace)} ${s.name} ${s.keys.join(',') || '-'}`),
    ...plan.rollouts.map((r) => `rollout ${ns(r.namespace)} ${r.ref}`),
    ...plan.crds.map((c) => `crd - ${c.crd} ${c.kind}`),
    // JSON keeps a value with spaces on one line; deploy.sh only prints these lines.
    ...plan.placeholders.map((p) => `placeholder ${p.at} ${JSON.stringify(p.value)}`),
  ];
  return lines.join('\n') + '\n';
}

/** Values of the SMTP password file fields anywhere in a parsed alertmanager.yml. */
export function smtpPasswordFiles(config: unknown): string[] {
  const files: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (SMTP_PASSWORD_FILE_FIELDS.includes(key) && typeof child === 'string' && !files.includes(child)) files.push(child);
        else visit(child);
      }
    }
  };
  visit(config);
  return files;
}

/** Secrets a pod spec references (volumes, projected volumes, env, envFrom), except optional ones. */
function referencedSecrets(podSpec: PodSpec): Array<{ name: string; keys: string[] }> {
  const refs: Array<{ name: string; keys: string[] }> = [];
  for (const volume of podSpec.volumes ?? []) {
    if (volume.secret && !volume.secret.optional) {
      refs.push({ name: volume.secret.secretName, keys: (volume.secret.items ?? []).map((i) => i.key) });
    }
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret && !source.secret.optional) {
        refs.push({ name: source.secret.name, keys: (source.secret.items ?? []).map((i) => i.key) });
      }
    }
  }
  for (const container of allContainers(podSpec)) {
    for (const env of container.env ?? []) {
      const ref = env.valueFrom?.secretKeyRef;
      if (ref && !ref.optional) refs.push({ name: ref.name, keys: [ref.key] });
    }
    for (const from of container.envFrom ?? []) {
      if (from.secretRef && !from.secretRef.optional) refs.push({ name: from.secretRef.name, keys: [] });
    }
  }
  return refs;
}

/** The Secret and key behind an absolute file path inside a container, if a Secret volume mounts it. */
function secretFileAt(podSpec: PodSpec, container: Container, file: string): SecretFile | undefined {
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of mounts) {
    const rel = path.posix.relative(mount.mountPath, file);
    if (rel.startsWith('..') || path.posix.isAbsolute(rel)) continue;
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    const sources = [
      ...(volume?.secret ? [{ name: volume.secret.secretName, items: volume.secret.items }] : []),
      ...(volume?.projected?.sources ?? []).flatMap((s) => (s.secret ? [{ name: s.secret.name, items: s.secret.items }] : [])),
    ];
    // A subPath mount puts one file of the volume at the mount path itself.
    const inVolume = mount.subPath ? (rel === '' ? mount.subPath : undefined) : rel;
    if (inVolume === undefined || inVolume === '') return undefined;
    for (const source of sources) {
      if (!source.items) return { secretName: source.name, key: inVolume };
      const item = source.items.find((i) => i.path === inVolume);
      if (item) return { secretName: source.name, key: item.key };
    }
    return undefined;
  }
  return undefined;
}
