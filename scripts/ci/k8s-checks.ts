/**
 * Validation of synthesized Kubernetes objects without a cluster: each object against the
 * Kubernetes OpenAPI schema (kubernetes-models), plus the cross-object checks a schema cannot make
 * and that otherwise show up only at deploy time (CreateContainerConfigError, a Service with no
 * endpoints, a pod that refuses to start as non-root).
 *
 * Every function returns a list of error strings `Kind/name: what is wrong (field)`; empty means valid.
 */
import { objectProblems } from '../../constructs/k8s/names';
import {
  Container,
  allContainers,
  K8sObject,
  PodSpec,
  Volume,
  workloadsOf,
} from '../../constructs/testing/manifests';
import { SCRAPE_OBJECT_TYPES } from '../../constructs/self-monitoring/scrape-config';

/** Options for {@link checkManifests} and {@link crossCheck}. */
export interface CheckOptions {
  /**
   * Secrets that pods may reference although the manifests do not contain them, because they are
   * created out of band (e.g. the SMTP password Secret). Plain names, or `namespace/name`.
   * @default []
   */
  readonly externalSecrets?: readonly string[];
  /**
   * ConfigMaps created out of band, as for {@link externalSecrets}.
   * @default []
   */
  readonly externalConfigMaps?: readonly string[];
}

/** Largest ConfigMap/Secret payload the API server stores (etcd's object limit is about 1 MiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The parts of a kubernetes-models class the schema check uses. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: unknown): { validate(): void };
}

/** ajv error objects as kubernetes-models' ValidationError carries them. */
interface SchemaError {
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: { missingProperty?: string; allowedValues?: unknown[] };
}

/**
 * API versions kubernetes-models still ships but current clusters (1.25+) no longer serve: an object
 * with one fails to apply ("no matches for kind"). Value: what to use instead.
 */
const REMOVED_API_VERSIONS: Record<string, string> = {
  'extensions/v1beta1': 'apps/v1 (workloads) or networking.k8s.io/v1 (Ingress, NetworkPolicy)',
  'apps/v1beta1': 'apps/v1',
  'apps/v1beta2': 'apps/v1',
  'policy/v1beta1': 'policy/v1',
  'batch/v1beta1': 'batch/v1',
  'autoscaling/v2beta1': 'autoscaling/v2',
  'autoscaling/v2beta2': 'autoscaling/v2',
  'networking.k8s.io/v1beta1': 'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1': 'rbac.authorization.k8s.io/v1',
};

const API_VERSION = /^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** Schema and cross-object checks together. */
export function checkManifests(objects: readonly K8sObject[], options: CheckOptions = {}): string[] {
  return [...validateSchemas(objects), ...crossCheck(objects, options)];
}

/**
 * Validates every object against the schema of its apiVersion/kind in kubernetes-models. A kind the
 * library does not know (a typo, a removed apiVersion, a CRD) is an error: add a check for it if
 * the product ever emits custom resources.
 */
export function validateSchemas(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  for (const obj of objects) {
    const id = objectId(obj);
    const replacement = REMOVED_API_VERSIONS[obj.apiVersion];
    if (replacement) {
      errors.push(`${id}: apiVersion "${obj.apiVersion}" is no longer served by Kubernetes 1.25+; use ${replacement}`);
      continue;
    }
    const endpointFields = SCRAPE_ENDPOINT_FIELDS[`${obj.apiVersion} ${obj.kind}`];
    if (endpointFields) {
      errors.push(...checkScrapeObject(obj, objects, endpointFields));
      continue;
    }
    const Model = modelFor(obj.apiVersion, obj.kind);
    if (!Model) {
      errors.push(`${id}: apiVersion "${obj.apiVersion}" kind "${obj.kind}" is not a built-in Kubernetes type known to kubernetes-models (check the spelling and the apiVersion)`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (err) {
      const schemaErrors = (err as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(schemaErrors)) {
        errors.push(`${id}: ${(err as Error).message}`);
        continue;
      }
      for (const e of schemaErrors) errors.push(`${id}: ${formatSchemaError(e)}`);
    }
  }
  return errors;
}

/**
 * The scrape custom resources the product emits (VictoriaMetrics operator, prometheus-operator), with the
 * endpoint fields their CRDs define: the API server prunes an unknown field silently, so a misspelt one is an error.
 */
const SCRAPE_ENDPOINT_FIELDS: Record<string, readonly string[]> = {
  [`${SCRAPE_OBJECT_TYPES.VMPodScrape.apiVersion} VMPodScrape`]: ['port', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'relabelConfigs', 'metricRelabelConfigs'],
  [`${SCRAPE_OBJECT_TYPES.PodMonitor.apiVersion} PodMonitor`]: ['port', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'relabelings', 'metricRelabelings'],
};

/** A VMPodScrape or PodMonitor selects pods of the output in its namespaces, on container ports they have. */
function checkScrapeObject(obj: K8sObject, objects: readonly K8sObject[], endpointFields: readonly string[]): string[] {
  const id = objectId(obj);
  const selector = obj.spec?.selector?.matchLabels as Record<string, string> | undefined;
  const endpoints = obj.spec?.podMetricsEndpoints as Array<Record<string, unknown>> | undefined;
  if (!selector || typeof selector !== 'object' || Object.keys(selector).length === 0) {
    return [`${id}: spec.selector.matchLabels must select the pods to scrape`];
  }
  if (!Array.isArray(endpoints) || endpoints.length === 0) return [`${id}: spec.podMetricsEndpoints must list at least one endpoint`];
  const namespaces: string[] = obj.spec?.namespaceSelector?.matchNames ?? [namespaceOf(obj)];
  const selected = workloadsOf(objects).filter(({ workload }) => namespaces.includes(namespaceOf(workload)) && matches(selector, podLabelsOf(workload)));
  if (selected.length === 0) {
    return [`${id}: spec.selector.matchLabels {${formatLabels(selector)}} matches the pod labels of no workload in namespace(s) ${namespaces.join(', ')}`];
  }
  const portNames = new Set(selected.flatMap(({ podSpec }) => allContainers(podSpec).flatMap((c) => (c.ports ?? []).map((p: { name?: string }) => p.name))));
  const errors: string[] = [];
  endpoints.forEach((endpoint, i) => {
    const at = `${id}: spec.podMetricsEndpoints[${i}]`;
    for (const key of Object.keys(endpoint)) {
      if (!endpointFields.includes(key)) errors.push(`${at}.${key} is not a field of ${obj.kind} (known here: ${endpointFields.join(', ')})`);
    }
    if (typeof endpoint.port !== 'string' || !portNames.has(endpoint.port)) {
      errors.push(`${at}.port ${JSON.stringify(endpoint.port)} is not a container port name of the selected pods (${[...portNames].join(', ')})`);
    }
  });
  return errors;
}

/**
 * What the schema cannot see: non-root pods need a numeric uid; every Service, workload and
 * PodDisruptionBudget selector matches pod labels; every volumeMount names a pod volume; every
 * ConfigMap/Secret (and key) a pod uses exists; no ConfigMap/Secret over 1 MiB; no two objects
 * with one kind, namespace and name.
 */
export function crossCheck(objects: readonly K8sObject[], options: CheckOptions = {}): string[] {
  return [
    ...checkDuplicates(objects),
    ...checkSizes(objects),
    // The schema has no name patterns: the API server's name, label and int32 rules, as the constructs apply them.
    ...objects.flatMap((o) => objectProblems(o).map((problem) => `${objectId(o)}: ${problem}`)),
    ...workloadsOf(objects).flatMap(({ workload, podSpec }) => [
      ...checkNonRoot(workload, podSpec),
      ...checkVolumeMounts(workload, podSpec),
      ...checkReferences(objects, workload, podSpec, options),
      ...checkWorkloadSelector(workload),
    ]),
    ...checkSelectors(objects, 'Service', (o) => o.spec?.type === 'ExternalName' ? undefined : o.spec?.selector),
    ...checkSelectors(objects, 'PodDisruptionBudget', (o) => o.spec?.selector?.matchLabels),
  ];
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) return undefined;
  let mod: Record<string, unknown>;
  try {
    // Models live at kubernetes-models/<group>/<version>/<Kind> (core group: v1/<Kind>).
    mod = require(`kubernetes-models/${apiVersion}/${kind}`);
  } catch {
    return undefined;
  }
  const Model = mod[kind] as ModelClass | undefined;
  // The same folders hold nested types (DeploymentSpec ...): only a top-level kind matches both.
  return Model && Model.kind === kind && Model.apiVersion === apiVersion ? Model : undefined;
}

/** `/spec/template/spec/containers/0/x` -> `spec.template.spec.containers[0].x`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function formatSchemaError(e: SchemaError): string {
  const field = fieldPath(e.instancePath);
  if (e.params?.missingProperty) {
    return `${field ? `${field}: ` : ''}missing required field "${e.params.missingProperty}"`;
  }
  const allowed = e.params?.allowedValues ? ` (${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${field || '(object)'} ${e.message ?? 'is invalid'}${allowed}`;
}

function objectId(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata?.name ?? '(no name)'}`;
}

function namespaceOf(obj: K8sObject): string {
  return obj.metadata.namespace ?? '';
}

/** Path of the pod spec inside a workload, for messages. */
function podSpecPath(workload: K8sObject): string {
  if (workload.kind === 'Pod') return 'spec';
  if (workload.kind === 'CronJob') return 'spec.jobTemplate.spec.template.spec';
  return 'spec.template.spec';
}

function podLabelsOf(workload: K8sObject): Record<string, string> {
  if (workload.kind === 'Pod') return workload.metadata.labels ?? {};
  if (workload.kind === 'CronJob') return workload.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return workload.spec?.template?.metadata?.labels ?? {};
}

function containerPaths(workload: K8sObject, podSpec: PodSpec): Array<{ container: Container; at: string }> {
  const base = podSpecPath(workload);
  return [
    ...(podSpec.initContainers ?? []).map((container, i) => ({ container, at: `${base}.initContainers[${i}]` })),
    ...(podSpec.containers ?? []).map((container, i) => ({ container, at: `${base}.containers[${i}]` })),
  ];
}

function checkDuplicates(objects: readonly K8sObject[]): string[] {
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const obj of objects) {
    const key = `${obj.apiVersion}|${obj.kind}|${namespaceOf(obj)}|${obj.metadata.name}`;
    if (seen.has(key)) {
      errors.push(`${objectId(obj)}: defined twice in namespace "${namespaceOf(obj) || '(default)'}"; the second would overwrite the first on apply`);
    }
    seen.add(key);
  }
  return errors;
}

function checkSizes(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  for (const obj of objects) {
    if (obj.kind !== 'ConfigMap' && obj.kind !== 'Secret') continue;
    let bytes = 0;
    for (const [field, encoding] of [['data', obj.kind === 'Secret' ? 'base64' : 'utf8'], ['binaryData', 'base64'], ['stringData', 'utf8']] as const) {
      for (const value of Object.values((obj[field] as Record<string, string> | undefined) ?? {})) {
        bytes += Buffer.from(String(value), encoding).length;
      }
    }
    if (bytes > MAX_CONFIG_BYTES) {
      errors.push(`${objectId(obj)}: data+binaryData is ${bytes} bytes, over the ${MAX_CONFIG_BYTES}-byte (1 MiB) limit of the API server; split it into several ${obj.kind}s`);
    }
  }
  return errors;
}

function checkNonRoot(workload: K8sObject, podSpec: PodSpec): string[] {
  const errors: string[] = [];
  const podContext = podSpec.securityContext ?? {};
  for (const { container, at } of containerPaths(workload, podSpec)) {
    const context = container.securityContext ?? {};
    const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) continue;
    const uid = context.runAsUser ?? podContext.runAsUser;
    if (!Number.isInteger(uid)) {
      errors.push(`${objectId(workload)}: container "${container.name}" sets runAsNonRoot: true but no numeric runAsUser (${at}.securityContext.runAsUser or ${podSpecPath(workload)}.securityContext.runAsUser); the kubelet cannot verify a named image user and refuses to start it`);
    } else if (uid === 0) {
      errors.push(`${objectId(workload)}: container "${container.name}" sets runAsNonRoot: true with runAsUser: 0 (${at}.securityContext); use a non-zero uid such as 65534`);
    }
  }
  return errors;
}

function checkVolumeMounts(workload: K8sObject, podSpec: PodSpec): string[] {
  const volumeNames = new Set((podSpec.volumes ?? []).map((v) => v.name));
  const errors: string[] = [];
  for (const { container, at } of containerPaths(workload, podSpec)) {
    (container.volumeMounts ?? []).forEach((mount, i) => {
      // A StatefulSet's volumeClaimTemplates also provide volumes by name.
      const claims = (workload.spec?.volumeClaimTemplates ?? []).map((c: K8sObject) => c.metadata?.name);
      if (!volumeNames.has(mount.name) && !claims.includes(mount.name)) {
        errors.push(`${objectId(workload)}: container "${container.name}" mounts "${mount.name}" (${at}.volumeMounts[${i}].name), which is not a volume of the pod (${podSpecPath(workload)}.volumes)`);
      }
    });
  }
  return errors;
}

/** A use of a ConfigMap or Secret by a pod, with the key when one is named. */
interface Reference {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  readonly keys: string[];
  readonly optional: boolean;
  readonly at: string;
}

function podReferences(workload: K8sObject, podSpec: PodSpec): Reference[] {
  const refs: Reference[] = [];
  const base = podSpecPath(workload);
  (podSpec.volumes ?? []).forEach((volume: Volume, i) => {
    const at = `${base}.volumes[${i}]`;
    const keys = (items?: Array<{ key: string }>) => (items ?? []).map((item) => item.key);
    if (volume.configMap) refs.push({ kind: 'ConfigMap', name: volume.configMap.name, keys: keys(volume.configMap.items), optional: !!volume.configMap.optional, at: `${at}.configMap` });
    if (volume.secret) refs.push({ kind: 'Secret', name: volume.secret.secretName, keys: keys(volume.secret.items), optional: !!volume.secret.optional, at: `${at}.secret` });
    (volume.projected?.sources ?? []).forEach((s, j) => {
      if (s.configMap) refs.push({ kind: 'ConfigMap', name: s.configMap.name, keys: keys(s.configMap.items), optional: !!s.configMap.optional, at: `${at}.projected.sources[${j}].configMap` });
      if (s.secret) refs.push({ kind: 'Secret', name: s.secret.name, keys: keys(s.secret.items), optional: !!s.secret.optional, at: `${at}.projected.sources[${j}].secret` });
    });
  });
  for (const { container, at } of containerPaths(workload, podSpec)) {
    (container.envFrom ?? []).forEach((source, i) => {
      if (source.configMapRef) refs.push({ kind: 'ConfigMap', name: source.configMapRef.name, keys: [], optional: !!source.configMapRef.optional, at: `${at}.envFrom[${i}].configMapRef` });
      if (source.secretRef) refs.push({ kind: 'Secret', name: source.secretRef.name, keys: [], optional: !!source.secretRef.optional, at: `${at}.envFrom[${i}].secretRef` });
    });
    (container.env ?? []).forEach((env, i) => {
      const cm = env.valueFrom?.configMapKeyRef;
      const secret = env.valueFrom?.secretKeyRef;
      if (cm) refs.push({ kind: 'ConfigMap', name: cm.name, keys: [cm.key], optional: !!cm.optional, at: `${at}.env[${i}].valueFrom.configMapKeyRef` });
      if (secret) refs.push({ kind: 'Secret', name: secret.name, keys: [secret.key], optional: !!secret.optional, at: `${at}.env[${i}].valueFrom.secretKeyRef` });
    });
  }
  return refs;
}

function checkReferences(objects: readonly K8sObject[], workload: K8sObject, podSpec: PodSpec, options: CheckOptions): string[] {
  const namespace = namespaceOf(workload);
  const external = (ref: Reference) => {
    const list = (ref.kind === 'Secret' ? options.externalSecrets : options.externalConfigMaps) ?? [];
    return list.includes(ref.name) || list.includes(`${namespace}/${ref.name}`);
  };
  const errors: string[] = [];
  for (const ref of podReferences(workload, podSpec)) {
    if (ref.optional || external(ref)) continue;
    const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && namespaceOf(o) === namespace);
    if (!target) {
      const declare = ref.kind === 'Secret' ? 'externalSecrets' : 'externalConfigMaps';
      errors.push(`${objectId(workload)}: ${ref.at} uses ${ref.kind} "${ref.name}", which is not in the output (namespace "${namespace || '(default)'}"); add it, or list it in ${declare} if it is created out of band`);
      continue;
    }
    const present = new Set([...Object.keys(target.data ?? {}), ...Object.keys(target.binaryData ?? {}), ...Object.keys(target.stringData ?? {})]);
    for (const key of ref.keys.filter((k) => !present.has(k))) {
      errors.push(`${objectId(workload)}: ${ref.at} uses key "${key}" of ${ref.kind} "${ref.name}", which has no such key (keys: ${[...present].join(', ') || 'none'})`);
    }
  }
  return errors;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function checkWorkloadSelector(workload: K8sObject): string[] {
  const selector = workload.spec?.selector?.matchLabels as Record<string, string> | undefined;
  if (workload.kind === 'Pod' || workload.kind === 'CronJob' || workload.kind === 'Job' || !selector) return [];
  const labels = podLabelsOf(workload);
  return matches(selector, labels)
    ? []
    : [`${objectId(workload)}: spec.selector.matchLabels {${formatLabels(selector)}} does not match the pod template's labels {${formatLabels(labels)}} (the API server rejects this)`];
}

function checkSelectors(objects: readonly K8sObject[], kind: string, selectorOf: (o: K8sObject) => Record<string, string> | undefined): string[] {
  const workloads = workloadsOf(objects);
  const errors: string[] = [];
  for (const obj of objects.filter((o) => o.kind === kind)) {
    const selector = selectorOf(obj);
    if (!selector || Object.keys(selector).length === 0) continue;
    const field = kind === 'Service' ? 'spec.selector' : 'spec.selector.matchLabels';
    const hit = workloads.some(({ workload }) => namespaceOf(workload) === namespaceOf(obj) && matches(selector, podLabelsOf(workload)));
    if (!hit) {
      errors.push(`${objectId(obj)}: ${field} {${formatLabels(selector)}} matches the pod labels of no workload in namespace "${namespaceOf(obj) || '(default)'}"`);
    }
  }
  return errors;
}
