/**
 * Rule groups inside Kubernetes manifests: prometheus-operator's PrometheusRule and the VictoriaMetrics operator's
 * VMRule, as `kubectl get -o yaml`, a chart or a mixin writes them (single objects, several YAML documents, or a
 * `kind: List`). Each object's `spec.groups` is read as a vmalert rule file's `groups:` and checked the same way; a
 * field vmalert would not understand is refused naming the file, the object and the field. No cdk8s here.
 */
import { decodeString, PlainScalar } from './syntax';

/** A rule manifest kind, the apiVersion it must have and the group fields of its dialect vmalert refuses, with the fix. */
interface RuleManifestKind {
  readonly apiVersion: string;
  readonly groupFields: Readonly<Record<string, string>>;
}

/** The kinds read as rule sources. */
export const RULE_MANIFEST_KINDS: Readonly<Record<string, RuleManifestKind>> = {
  PrometheusRule: {
    apiVersion: 'monitoring.coreos.com/v1',
    groupFields: {
      query_offset: 'vmalert has no query_offset; eval_delay shifts each evaluation back the same way: write eval_delay',
      partial_response_strategy: 'partial_response_strategy is for Thanos rulers; vmalert has no such setting: remove it',
    },
  },
  VMRule: {
    apiVersion: 'operator.victoriametrics.com/v1beta1',
    groupFields: {
      tenant: 'a group tenant needs enterprise vmalert\'s -clusterMode; the pinned vmalert refuses it: remove it and evaluate the '
        + 'group with a VmalertHa whose URLs are that tenant\'s (tenantUrls({ tenant, ... }))',
    },
  },
};
/** Top-level fields of a manifest; `status` is written by the API server and ignored. */
const OBJECT_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const SPEC_KEYS = ['groups'];

/** One YAML document to read as a rule file, and the object it came from (for messages) when it was a manifest. */
export interface RuleDocument {
  readonly document: unknown;
  /** `<file> (PrometheusRule monitoring/node-rules)`, or the file (and the document's number) for a plain rule file. */
  readonly where: string;
}

/** Whether a YAML document is a Kubernetes object rather than a plain rule file. */
export function isManifest(document: unknown): document is Record<string, unknown> {
  return isMapping(document) && ('apiVersion' in document || 'kind' in document);
}

/**
 * The rule documents of a file's YAML documents: plain rule files as they are, every PrometheusRule or VMRule
 * (also the items of a `kind: List`) as `{ groups: spec.groups }`. What cannot be read is added to `problems`.
 */
export function ruleDocuments(documents: readonly unknown[], source: string, problems: string[]): RuleDocument[] {
  return documents.flatMap((document, index) => {
    const at = documents.length > 1 ? `${source} (YAML document ${index + 1})` : source;
    if (!isManifest(document)) return [{ document, where: at }];
    const kind = text(document.kind);
    if (kind === 'List') {
      const items = document.items;
      if (!Array.isArray(items)) {
        problems.push(`${at}: a List needs "items": the PrometheusRule or VMRule objects`);
        return [];
      }
      return items.flatMap((item, i) => manifestDocument(item, `${at} items[${i}]`, source, problems));
    }
    return manifestDocument(document, at, source, problems);
  });
}

/** The rule document of one object, or nothing when it cannot be read (its problems added). */
function manifestDocument(object: unknown, at: string, source: string, problems: string[]): RuleDocument[] {
  if (!isMapping(object)) {
    problems.push(`${at}: not a Kubernetes object (a mapping with apiVersion, kind, metadata and spec)`);
    return [];
  }
  const kind = text(object.kind);
  const apiVersion = text(object.apiVersion);
  const known = Object.keys(RULE_MANIFEST_KINDS).map(name => `${name} (${RULE_MANIFEST_KINDS[name].apiVersion})`).join(' or ');
  const dialect = kind === undefined ? undefined : RULE_MANIFEST_KINDS[kind];
  if (dialect === undefined) {
    problems.push(`${at}: a ${kind ?? 'manifest without kind'}${apiVersion ? ` (${apiVersion})` : ''} is not a rule source: `
      + `give a plain rule file (groups: [...]) or a ${known}`);
    return [];
  }
  const name = isMapping(object.metadata) ? text(object.metadata.name) : undefined;
  const namespace = isMapping(object.metadata) ? text(object.metadata.namespace) : undefined;
  const where = `${source} (${kind} ${namespace ? `${namespace}/` : ''}${name ?? '<no name>'})`;
  const before = problems.length;
  if (apiVersion !== dialect.apiVersion) {
    problems.push(`${where}: apiVersion ${JSON.stringify(apiVersion ?? '')} is not ${kind}'s: write apiVersion: ${dialect.apiVersion}`);
  }
  if (name === undefined) problems.push(`${where}: metadata.name is missing: every ${kind} has a name`);
  const unknownTop = Object.keys(object).filter(key => !OBJECT_KEYS.includes(key));
  if (unknownTop.length > 0) problems.push(`${where}: unknown field${plural(unknownTop)} ${quoted(unknownTop)} (a ${kind} has ${OBJECT_KEYS.join(', ')})`);
  const spec = object.spec;
  if (!isMapping(spec)) {
    problems.push(`${where}: spec must be a mapping with "groups", not ${spec === undefined || spec === null ? 'missing' : 'a list or text'}`);
    return [];
  }
  const unknownSpec = Object.keys(spec).filter(key => !SPEC_KEYS.includes(key));
  if (unknownSpec.length > 0) {
    problems.push(`${where}: spec: unknown field${plural(unknownSpec)} ${quoted(unknownSpec)}, which vmalert would not understand (a ${kind}'s spec has only groups)`);
  }
  const groups = Array.isArray(spec.groups) ? spec.groups.map((group, i) => withoutDialectFields(group, i, dialect, where, problems)) : spec.groups;
  return problems.length > before ? [] : [{ document: { groups }, where }];
}

/** A group with its dialect's fields that vmalert refuses reported (with the fix) and taken out, so each is said once. */
function withoutDialectFields(group: unknown, index: number, dialect: RuleManifestKind, where: string, problems: string[]): unknown {
  if (!isMapping(group)) return group;
  const found = Object.keys(group).filter(key => key in dialect.groupFields);
  if (found.length === 0) return group;
  const name = text(group.name) ?? `#${index + 1}`;
  for (const key of found) problems.push(`${where}: group "${name}": ${key}: ${dialect.groupFields[key]}`);
  return Object.fromEntries(Object.entries(group).filter(([key]) => !found.includes(key)));
}

function text(value: unknown): string | undefined {
  const result = decodeString(value);
  return 'value' in result ? result.value : undefined;
}

function plural(list: readonly string[]): string {
  return list.length > 1 ? 's' : '';
}

function quoted(list: readonly string[]): string {
  return list.map(key => `"${key}"`).join(', ');
}

function isMapping(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PlainScalar);
}
