/**
 * Rule groups as PrometheusRule or VMRule objects, for a cluster whose operator evaluates rules with its own
 * vmalert or Prometheus: the same rule files and checks as RulesConfigMap, one object per file.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { COMPONENT_LABEL, RULES_CONFIGMAP_DATA_BUDGET } from '../core/constants';
import { ConfigError } from '../core/errors';
import { validateApiObjects } from '../k8s/api-objects';
import { resolveNamespace } from '../k8s/namespace';
import { loadRuleFile, ruleFilesIn } from './configmap';
import { RULE_MANIFEST_KINDS } from './manifests';
import { duplicateGroupNames, isAlertingRule, renderRuleFile, RuleFile, RuleGroup, ruleFileName, validateRuleGroups } from './rules';

/** Which operator's rule object to write. */
export enum RuleObjectKind {
  /** prometheus-operator's `PrometheusRule` (monitoring.coreos.com/v1). */
  PROMETHEUS_RULE = 'PrometheusRule',
  /** The VictoriaMetrics operator's `VMRule` (operator.victoriametrics.com/v1beta1). */
  VM_RULE = 'VMRule',
}

/** Options shared by every way of building {@link RuleObjects}. */
export interface RuleObjectsOptions {
  /** The kind of object to write. */
  readonly kind: RuleObjectKind;
  /**
   * Namespace of the objects; the operator's rule selector must cover it.
   * @default - the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Labels of every object, e.g. the `release` label a kube-prometheus-stack's ruleSelector matches.
   * @default - only the component label
   */
  readonly labels?: Record<string, string>;
}

/** Options for `new RuleObjects(...)`. Give `groups` or `files`. */
export interface RuleObjectsProps extends RuleObjectsOptions {
  /**
   * Typed rule groups, written as one object.
   * @default - none; `files` must be given
   */
  readonly groups?: RuleGroup[];
  /**
   * Rule files already loaded and checked (what `fromFile` and `fromDirectory` pass), one object each.
   * @default - none; `groups` must be given
   */
  readonly files?: RuleFile[];
}

/** Group and rule fields of vmalert that a PrometheusRule's spec does not have (prometheus-operator's RuleGroup and Rule). */
const NOT_IN_PROMETHEUS_RULE = {
  group: ['type', 'eval_offset', 'eval_delay', 'eval_alignment', 'concurrency', 'params', 'headers', 'notifier_headers', 'debug'],
  rule: ['debug', 'update_entries_limit'],
};

/**
 * Rule groups as operator objects instead of ConfigMaps: one PrometheusRule or VMRule per rule file, its
 * `spec.groups` the file's groups as vmalert reads them. For rules another vmalert or Prometheus evaluates; a
 * {@link VmalertHa} takes {@link RulesConfigMap}s.
 */
export class RuleObjects extends Construct {
  /** A rule file, or rule manifests (see `RulesConfigMap.fromFile`). */
  public static fromFile(scope: Construct, id: string, file: string, options: RuleObjectsOptions): RuleObjects {
    return new RuleObjects(scope, id, { ...options, files: [loadRuleFile(file)] });
  }

  /** The rule files of a directory, as `RulesConfigMap.fromDirectory` picks them: one object each. */
  public static fromDirectory(scope: Construct, id: string, directory: string, options: RuleObjectsOptions): RuleObjects {
    return new RuleObjects(scope, id, { ...options, files: ruleFilesIn(directory, `RuleObjects "${id}"`).map(file => loadRuleFile(file)) });
  }

  /** The objects, one per rule file, in order. */
  public readonly objects: ApiObject[];
  /** All rule groups. */
  public readonly groups: RuleGroup[];

  constructor(scope: Construct, id: string, props: RuleObjectsProps) {
    super(scope, id);
    const owner = `RuleObjects "${id}"`;
    if ((props.groups === undefined) === (props.files === undefined)) {
      throw new ConfigError(`${owner}: give either "groups" or "files" (use RuleObjects.fromFile / fromDirectory for files)`);
    }
    const dialect = RULE_MANIFEST_KINDS[props.kind];
    if (dialect === undefined) throw new ConfigError(`${owner}: kind ${JSON.stringify(props.kind)} is not one of ${Object.keys(RULE_MANIFEST_KINDS).join(', ')}`);
    const sources = props.files ?? [{ name: ruleFileName(id), source: owner, groups: validateRuleGroups({ groups: props.groups }, owner) }];
    const problems = [...duplicateGroupNames(sources).map(p => `${owner}: ${p}`), ...sources.flatMap(file => kindProblems(props.kind, file))];
    if (problems.length > 0) throw new ConfigError(problems.join('\n'));
    if (sources.every(file => file.groups.length === 0)) throw new ConfigError(`${owner}: no rule groups in ${sources.map(f => f.source).join(', ')}`);
    const namespace = resolveNamespace(this, props.namespace);
    this.groups = sources.flatMap(file => file.groups);
    this.objects = sources.map(file => {
      const size = Buffer.byteLength(renderRuleFile(file.groups));
      if (size > RULES_CONFIGMAP_DATA_BUDGET) {
        throw new ConfigError(`${file.source}: ${size} bytes of rules, more than one ${props.kind} holds (${RULES_CONFIGMAP_DATA_BUDGET}): split the file`);
      }
      return new ApiObject(this, sources.length === 1 ? 'Resource' : file.name.replace(/\.yml$/, ''), {
        apiVersion: dialect.apiVersion,
        kind: props.kind,
        metadata: { namespace, labels: { [COMPONENT_LABEL]: 'rules', ...props.labels } },
        // The groups as vmalert reads them, through the same JSON as a rendered rule file.
        spec: { groups: JSON.parse(JSON.stringify(file.groups)) },
      });
    });
    validateApiObjects(this);
  }
}

/** Fields of `file` that the object kind cannot hold, each naming the file, group and rule. */
function kindProblems(kind: RuleObjectKind, file: RuleFile): string[] {
  if (kind !== RuleObjectKind.PROMETHEUS_RULE) return [];
  return file.groups.flatMap(group => [
    ...NOT_IN_PROMETHEUS_RULE.group.filter(key => key in group)
      .map(key => `${file.source}: group "${group.name}": ${key} is vmalert's, a PrometheusRule has no such field: remove it or write a VMRule`),
    ...group.rules.flatMap(rule => NOT_IN_PROMETHEUS_RULE.rule.filter(key => key in rule)
      .map(key => `${file.source}: group "${group.name}": rule "${isAlertingRule(rule) ? rule.alert : rule.record}": ${key} is vmalert's, `
        + 'a PrometheusRule has no such field: remove it or write a VMRule')),
    ...group.rules.filter(rule => !isAlertingRule(rule) && rule.annotations !== undefined)
      .map(rule => `${file.source}: group "${group.name}": rule "${(rule as { record: string }).record}": annotations on a recording rule `
        + 'are refused by Prometheus: remove them or write a VMRule'),
  ]);
}
