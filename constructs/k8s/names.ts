/**
 * What the Kubernetes API server enforces on names, labels and counts (k8s.io/apimachinery validation), so that
 * a manifest it would refuse is refused at synth instead. No cdk8s here: {@link objectProblems} reads a
 * synthesized object as plain JSON.
 */
import { createHash } from 'crypto';

/** Longest DNS-1123 label / DNS-1035 label (namespaces, Services, container and volume names). */
export const DNS_LABEL_MAX = 63;
/** Longest DNS-1123 subdomain (most object names). */
export const DNS_SUBDOMAIN_MAX = 253;
/** Longest label value and label name (the part after an optional prefix). */
export const LABEL_VALUE_MAX = 63;
/**
 * Longest StatefulSet name: its controller labels each pod `controller-revision-hash=<name>-<hash of up to 10
 * characters>`, a label value limited to 63, so a longer name leaves the StatefulSet without pods.
 */
export const STATEFULSET_NAME_MAX = 52;
/** Largest int32: replica counts and ports are int32 in the API. */
export const INT32_MAX = 2 ** 31 - 1;
/** Longest port name (IANA_SVC_NAME). */
export const PORT_NAME_MAX = 15;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Length of the hash suffix {@link shortenName} appends. */
const SHORT_HASH_LEN = 8;

/** Why `value` is not a DNS-1123 label (namespaces, container and volume names), or undefined when it is one. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > DNS_LABEL_MAX) return `is ${value.length} characters, more than ${DNS_LABEL_MAX}`;
  if (!DNS1123_LABEL.test(value)) return 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
  return undefined;
}

/** Why `value` is not a DNS-1123 subdomain (names of ConfigMaps, Secrets, Deployments, ...), or undefined. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > DNS_SUBDOMAIN_MAX) return `is ${value.length} characters, more than ${DNS_SUBDOMAIN_MAX}`;
  if (!value.split('.').every(part => DNS1123_LABEL.test(part))) {
    return 'is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit)';
  }
  return undefined;
}

/** Why `value` is not a DNS-1035 label (Service names: they become DNS names and env variable prefixes), or undefined. */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > DNS_LABEL_MAX) return `is ${value.length} characters, more than ${DNS_LABEL_MAX}`;
  if (!DNS1035_LABEL.test(value)) {
    return 'is not a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit)';
  }
  return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX) return `is ${value.length} characters, more than ${LABEL_VALUE_MAX}`;
  if (!LABEL_VALUE.test(value)) return 'is not a label value (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)';
  return undefined;
}

/** Why `key` is not a label or annotation key (`[prefix/]name`), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined) {
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `has a prefix that ${problem}`;
  }
  if (name.length === 0) return 'has an empty name';
  if (name.length > LABEL_VALUE_MAX) return `has a name of ${name.length} characters, more than ${LABEL_VALUE_MAX}`;
  if (!LABEL_NAME.test(name)) return 'is not a label key (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)';
  return undefined;
}

/** Whether `key` is a label or annotation key. */
export function isLabelKey(key: unknown): boolean {
  return typeof key === 'string' && labelKeyProblem(key) === undefined;
}

/** Whether `value` is a label value. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && labelValueProblem(value) === undefined;
}

/** Whether `name` is a DNS-1123 subdomain, the name most objects (ConfigMaps, Secrets, PriorityClasses) take. */
export function isObjectName(name: unknown): boolean {
  return typeof name === 'string' && dns1123SubdomainProblem(name) === undefined;
}

/** Why `key` cannot be a key of a ConfigMap or Secret (it becomes a file name when mounted), or undefined. */
export function configKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > DNS_SUBDOMAIN_MAX) return `is ${key.length} characters, more than ${DNS_SUBDOMAIN_MAX}`;
  if (!CONFIG_KEY.test(key)) return 'may hold only letters, digits, "-", "_" and "." (no "/": a key is one file name)';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'must not be "." or start with ".." (it would leave the mount directory)';
  return undefined;
}

/** Why `name` is not a port name (IANA_SVC_NAME), or undefined. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > PORT_NAME_MAX) return `is ${name.length} characters, more than ${PORT_NAME_MAX}`;
  if (!PORT_NAME.test(name) || name.includes('--') || !/[a-z]/.test(name)) {
    return 'is not a port name (lowercase letters, digits and single "-", with at least one letter)';
  }
  return undefined;
}

/** Why `value` is not a count the API stores as int32 (replicas), or undefined. */
export function int32Problem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `is ${JSON.stringify(value)}, not a whole number`;
  if (value < 0 || value > INT32_MAX) return `is ${value}, outside 0..${INT32_MAX} (int32)`;
  return undefined;
}

/**
 * `name` if it fits in `max` characters, else its first part and a hash of the whole name: deterministic, so the
 * same input always gives the same object, and distinct for names that only differ at the end.
 */
export function shortenName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, SHORT_HASH_LEN);
  const head = name.slice(0, max - SHORT_HASH_LEN - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

/** The parts of a synthesized object the checks read. */
export interface ObjectJson {
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: any;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
}

/** Kinds whose name must be a DNS-1035 label rather than a subdomain. */
const DNS1035_KINDS = ['Service'];

/**
 * Everything about one synthesized object that the API server (or the controller that acts on it) refuses, as
 * `<field>: "<value>" <problem>`. Empty when the object is acceptable.
 */
export function objectProblems(obj: ObjectJson): string[] {
  const problems: string[] = [];
  const add = (field: string, value: string, problem: string | undefined) => {
    if (problem) problems.push(`${field} ${JSON.stringify(value)} ${problem}`);
  };
  const name = obj.metadata?.name ?? '';
  if (DNS1035_KINDS.includes(obj.kind)) add('metadata.name', name, dns1035LabelProblem(name));
  else add('metadata.name', name, dns1123SubdomainProblem(name));
  if (obj.kind === 'StatefulSet' && name.length > STATEFULSET_NAME_MAX) {
    add('metadata.name', name, `is ${name.length} characters: a StatefulSet name longer than ${STATEFULSET_NAME_MAX} gives its pods `
      + 'a controller-revision-hash label over 63 characters, and the controller creates no pod');
  }
  if (obj.metadata?.namespace !== undefined) add('metadata.namespace', obj.metadata.namespace, dns1123LabelProblem(obj.metadata.namespace));
  checkLabels('metadata.labels', obj.metadata?.labels, add);
  const spec = obj.spec ?? {};
  if (spec.replicas !== undefined) {
    const problem = int32Problem(spec.replicas);
    if (problem) problems.push(`spec.replicas ${problem}`);
  }
  checkLabels('spec.selector.matchLabels', spec.selector?.matchLabels, add);
  if (obj.kind === 'Service') checkLabels('spec.selector', spec.selector, add);
  (spec.ports ?? []).forEach((port: { name?: string }, i: number) => {
    if (port.name !== undefined) add(`spec.ports[${i}].name`, port.name, dns1123LabelProblem(port.name));
  });
  for (const field of ['data', 'stringData'] as const) {
    for (const key of Object.keys(obj[field] ?? {})) add(`${field} key`, key, configKeyProblem(key));
  }
  if (spec.template) {
    checkLabels('spec.template.metadata.labels', spec.template.metadata?.labels, add);
    problems.push(...podSpecProblems(spec.template.spec ?? {}, 'spec.template.spec'));
  }
  return problems;
}

function checkLabels(field: string, labels: Record<string, unknown> | undefined,
  add: (field: string, value: string, problem: string | undefined) => void): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    add(`${field} key`, key, labelKeyProblem(key));
    add(`${field}.${key}`, String(value), labelValueProblem(String(value)));
  }
}

function podSpecProblems(podSpec: any, at: string): string[] {
  const problems: string[] = [];
  const add = (field: string, value: string, problem: string | undefined) => {
    if (problem) problems.push(`${at}.${field} ${JSON.stringify(value)} ${problem}`);
  };
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
  containers.forEach((container: any, i: number) => {
    add(`containers[${i}].name`, container.name ?? '', dns1123LabelProblem(container.name ?? ''));
    (container.ports ?? []).forEach((port: { name?: string }, j: number) => {
      if (port.name !== undefined) add(`containers[${i}].ports[${j}].name`, port.name, portNameProblem(port.name));
    });
  });
  (podSpec.volumes ?? []).forEach((volume: any, i: number) => {
    add(`volumes[${i}].name`, volume.name ?? '', dns1123LabelProblem(volume.name ?? ''));
    if (volume.secret) add(`volumes[${i}].secret.secretName`, volume.secret.secretName ?? '', dns1123SubdomainProblem(volume.secret.secretName ?? ''));
    if (volume.configMap) add(`volumes[${i}].configMap.name`, volume.configMap.name ?? '', dns1123SubdomainProblem(volume.configMap.name ?? ''));
  });
  return problems;
}

/**
 * A DNS-1123 label made from `text` (e.g. a volume name from a Secret name that may hold dots): `text` itself when
 * it is one, else its characters mapped to [a-z0-9-] and a hash of the original, so distinct inputs stay distinct.
 */
export function labelFrom(text: string, max = DNS_LABEL_MAX): string {
  if (!dns1123LabelProblem(text) && text.length <= max) return text;
  const mapped = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, SHORT_HASH_LEN);
  const head = mapped.slice(0, max - SHORT_HASH_LEN - 1).replace(/-+$/, '');
  return head ? `${head}-${hash}` : `x${hash}`;
}
