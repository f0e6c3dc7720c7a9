import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { COMPONENT_LABEL, RULES_CONFIGMAP_DATA_BUDGET } from '../core/constants';
import { ConfigError } from '../core/errors';
import { validateApiObjects } from '../k8s/api-objects';
import { resolveNamespace } from '../k8s/namespace';
import {
  duplicateGroupNames, packRuleFiles, parseRuleFileBytes, RenderedRuleFile, RuleFile, RuleGroup,
  ruleFileName,
} from './rules';
import { typedRuleGroups } from './typed-groups';
import { selfMonitoringGroups, SelfMonitoringOptions } from '../self-monitoring/self-monitoring';

/** Options of {@link RulesConfigMap.selfMonitoring}: the self-monitoring alerts and where their ConfigMap goes. */
export interface SelfMonitoringRulesOptions extends SelfMonitoringOptions, RulesConfigMapOptions {}

/** Options shared by every way of building a {@link RulesConfigMap}. */
export interface RulesConfigMapOptions {
  /**
   * Namespace of the ConfigMaps; must be the namespace of the vmalert that mounts them.
   * @default - the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Most bytes of rule data in one ConfigMap. The API server refuses a ConfigMap over 1 MiB; rules beyond this go
   * into further ConfigMaps.
   * @default 921600 (900 KiB, leaving room for metadata)
   */
  readonly maxDataBytes?: number;
}

/** Options for `new RulesConfigMap(...)`. Give `groups` or `files`. */
export interface RulesConfigMapProps extends RulesConfigMapOptions {
  /**
   * Typed rule groups, written as one rule file. Their camelCase fields (`evalOffset`, `keepFiringFor`, ...) are
   * written under the rule file's names (`eval_offset`, `keep_firing_for`, ...).
   * @default - none; `files` must be given
   */
  readonly groups?: RuleGroup[];
  /**
   * File name for `groups` inside the ConfigMap.
   * @default "<id>.yml"
   */
  readonly fileName?: string;
  /**
   * Rule files already loaded and validated (what `fromFile` and `fromDirectory` pass).
   * @default - none; `groups` must be given
   */
  readonly files?: RuleFile[];
}

/** One ConfigMap of rule files and the file names it holds. */
export interface RulesConfigMapPart {
  /** The ConfigMap. */
  readonly configMap: kplus.ConfigMap;
  /** Names of the rule files (ConfigMap keys) in it. */
  readonly fileNames: string[];
}

/**
 * vmalert rule files in one or more ConfigMaps: as many as it takes to keep each below the API server's 1 MiB
 * limit. Rules are validated when the construct is created; a bad rule is an error naming file, group and rule.
 */
export class RulesConfigMap extends Construct {
  /**
   * A rule file (YAML with `groups:`), or a manifest file of PrometheusRule (`monitoring.coreos.com/v1`) and VMRule
   * (`operator.victoriametrics.com/v1beta1`) objects (one or several YAML documents, or a `kind: List`), whose
   * `spec.groups` are read as the rule file's groups. A field vmalert would not understand is an error naming the
   * file, the object and the field.
   */
  public static fromFile(scope: Construct, id: string, file: string, options: RulesConfigMapOptions = {}): RulesConfigMap {
    return new RulesConfigMap(scope, id, { ...options, files: [loadRuleFile(file)] });
  }

  /**
   * The rule files directly in `directory`, in name order: every name ending in `.yml` or `.yaml` (any case) that
   * does not start with a dot; each a plain rule file or PrometheusRule/VMRule manifests (see `fromFile`). A symbolic link counts as what it points to; a broken one is an error. Skipped:
   * hidden files (`.cpu.yml.swp`, `.#cpu.yml`), backups whose name ends otherwise (`cpu.yml~`, `cpu.yml.bak`,
   * `cpu.yml.orig`), other files, and subdirectories (rule tests can live in `tests/`).
   */
  public static fromDirectory(scope: Construct, id: string, directory: string, options: RulesConfigMapOptions = {}): RulesConfigMap {
    const files = ruleFilesIn(directory, `RulesConfigMap "${id}"`);
    const loaded = files.map(file => loadRuleFile(file));
    return new RulesConfigMap(scope, id, { ...options, files: loaded });
  }

  /**
   * The self-monitoring alerts on vmalert and the Alertmanager cluster (see `selfMonitoringGroups`), as one rule file
   * `<id>.yml`. Set `alertmanagerReplicas` to the cluster's replicas (e.g. `alertmanager.replicas`).
   */
  public static selfMonitoring(scope: Construct, id: string, options: SelfMonitoringRulesOptions = {}): RulesConfigMap {
    const { namespace, maxDataBytes, ...selfMonitoring } = options;
    return new RulesConfigMap(scope, id, { namespace, maxDataBytes, groups: selfMonitoringGroups(selfMonitoring) });
  }

  /** All rule groups, from every file, as the rule file spells them (`eval_offset`, not `evalOffset`). */
  public readonly groups: RuleGroup[];
  /** The ConfigMaps, in order, with the rule files each holds. */
  public readonly parts: RulesConfigMapPart[];
  /** Namespace of the ConfigMaps. */
  public readonly namespace: string;
  /** SHA-256 of every rule file; changes whenever a rule does. */
  public readonly checksum: string;

  constructor(scope: Construct, id: string, props: RulesConfigMapProps) {
    super(scope, id);
    if ((props.groups === undefined) === (props.files === undefined)) {
      throw new ConfigError(`RulesConfigMap "${id}": give either "groups" or "files" (use RulesConfigMap.fromFile / fromDirectory for files)`);
    }
    const budget = props.maxDataBytes ?? RULES_CONFIGMAP_DATA_BUDGET;
    if (!Number.isInteger(budget) || budget < 1024 || budget > 1024 * 1024) {
      throw new ConfigError(`RulesConfigMap "${id}": maxDataBytes must be a whole number between 1024 and 1048576, got ${budget}`);
    }
    const files = props.files ?? [{
      name: ruleFileName(props.fileName ?? id),
      source: `RulesConfigMap "${id}"`,
      groups: typedRuleGroups(props.groups, `RulesConfigMap "${id}"`),
    }];
    checkFiles(id, files);
    if (files.every(file => file.groups.length === 0)) {
      throw new ConfigError(`RulesConfigMap "${id}": no rule groups in ${files.map(f => f.source).join(', ')}: `
        + 'vmalert would have nothing to evaluate (and vmalert -dryRun refuses it): add groups');
    }

    this.namespace = resolveNamespace(this, props.namespace);
    this.groups = files.flatMap(file => file.groups);
    const bins = packRuleFiles(files, budget);
    this.checksum = checksumOf(bins.flat());
    this.parts = bins.map((bin, i) => ({
      configMap: new kplus.ConfigMap(this, bins.length === 1 ? 'Resource' : `part-${i + 1}`, {
        metadata: { namespace: this.namespace, labels: { [COMPONENT_LABEL]: 'vmalert-rules' } },
        data: Object.fromEntries(bin.map(file => [file.name, file.content])),
      }),
      fileNames: bin.map(file => file.name),
    }));
    validateApiObjects(this);
  }
}

/** A name `fromDirectory` loads: see its documentation. */
const RULE_FILE_PATTERN = /^[^.].*\.ya?ml$/i;

/** The paths of the rule files in `directory` by the rule of `fromDirectory`, sorted by name. */
export function ruleFilesIn(directory: string, owner: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw new ConfigError(`${owner}: cannot read the rules directory ${directory} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const files = entries
    .filter(entry => RULE_FILE_PATTERN.test(entry.name))
    .filter(entry => {
      if (!entry.isSymbolicLink()) return entry.isFile();
      const link = path.join(directory, entry.name);
      try {
        return fs.statSync(link).isFile();
      } catch {
        throw new ConfigError(`${owner}: ${link} is a symbolic link to ${fs.readlinkSync(link)}, which does not exist: `
          + 'fix or remove the link');
      }
    })
    .map(entry => entry.name)
    .sort();
  if (files.length === 0) {
    const skipped = entries.map(entry => `${entry.name}${entry.isDirectory() ? '/' : ''} (${skipReason(entry)})`).sort();
    throw new ConfigError(`${owner}: no rule files (*.yml, *.yaml, not hidden) in ${directory}`
      + (skipped.length > 0 ? `; skipped: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? `, and ${skipped.length - 10} more` : ''}` : ': it is empty'));
  }
  return files.map(name => path.join(directory, name));
}

/** Why `fromDirectory` does not load an entry, for the message when it loads none. */
function skipReason(entry: fs.Dirent): string {
  if (entry.isDirectory()) return 'a directory';
  if (entry.name.startsWith('.')) {
    return /\.ya?ml$/i.test(entry.name) ? 'hidden: the name starts with "."; rename it to load it' : 'hidden';
  }
  return /\.ya?ml$/i.test(entry.name) ? 'not a file' : 'not .yml or .yaml';
}

/** A rule file (or rule manifests) from disk, loaded and checked. */
export function loadRuleFile(file: string): RuleFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the rule file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return { name: ruleFileName(path.basename(file)), source: file, groups: parseRuleFileBytes(bytes, file) };
}

function checkFiles(id: string, files: readonly RuleFile[]): void {
  const problems = duplicateGroupNames(files);
  const names = new Map<string, string>();
  for (const file of files) {
    const other = names.get(file.name);
    if (other) problems.push(`${other} and ${file.source} would both be stored as ${file.name}: rename one`);
    names.set(file.name, file.source);
  }
  if (problems.length > 0) throw new ConfigError(problems.map(p => `RulesConfigMap "${id}": ${p}`).join('\n'));
}

function checksumOf(files: readonly RenderedRuleFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.name).update('\0').update(file.content).update('\0');
  return hash.digest('hex');
}
