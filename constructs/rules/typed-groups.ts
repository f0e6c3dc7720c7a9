/**
 * Typed rule groups in the rule file's spelling: the camelCase fields of the typed API (`evalOffset`,
 * `keepFiringFor`, ...) become the snake_case keys vmalert reads, before the groups are checked like a loaded file.
 * Only typed groups go through here: a rule file with `evalOffset:` is refused, as vmalert refuses it. No cdk8s here.
 */
import { ConfigError } from '../core/errors';
import { RuleGroup, validateRuleGroups } from './rules';

/** Each camelCase field of a typed group and its key in the rule file. */
export const TYPED_GROUP_FIELDS: Readonly<Record<string, string>> = {
  evalOffset: 'eval_offset', evalDelay: 'eval_delay', evalAlignment: 'eval_alignment', notifierHeaders: 'notifier_headers',
};
/** Each camelCase field of a typed rule and its key in the rule file. */
export const TYPED_RULE_FIELDS: Readonly<Record<string, string>> = {
  keepFiringFor: 'keep_firing_for', updateEntriesLimit: 'update_entries_limit',
};

/**
 * Typed groups checked like a rule file and returned as it holds them. When a camelCase field was given and a message
 * names its rule-file key, a last line says which prop that is.
 */
export function typedRuleGroups(groups: unknown, source: string): RuleGroup[] {
  try {
    return validateRuleGroups({ groups: ruleFileSpelling(groups, source) }, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const given = new Set(JSON.stringify(groups ?? null).match(/"\w+":/g)?.map(key => key.slice(1, -2)));
    const named = Object.entries({ ...TYPED_GROUP_FIELDS, ...TYPED_RULE_FIELDS })
      .filter(([prop, fileKey]) => given.has(prop) && error.message.includes(fileKey));
    if (named.length === 0) throw error;
    throw new ConfigError(`${error.message}\n${source}: the messages name fields as the rule file does: `
      + `${named.map(([prop, fileKey]) => `${fileKey} is ${prop}`).join(', ')}`);
  }
}

/**
 * `groups` with every camelCase field renamed to its rule-file key, in place of it. Anything that is not a list of
 * mappings is passed on unchanged for the rule checks to report. A field given in both spellings is an error.
 */
export function ruleFileSpelling(groups: unknown, source: string): unknown {
  if (!Array.isArray(groups)) return groups;
  const problems: string[] = [];
  const result = groups.map((group: unknown, i: number) => {
    if (!isMapping(group)) return group;
    const where = `${source}: group ${typeof group.name === 'string' && group.name !== '' ? JSON.stringify(group.name) : `#${i + 1}`}`;
    const renamed = renameFields(group, TYPED_GROUP_FIELDS, where, problems);
    if (!Array.isArray(renamed.rules)) return renamed;
    const rules = renamed.rules.map((rule: unknown, j: number) => {
      if (!isMapping(rule)) return rule;
      const name = [rule.alert, rule.record].find(n => typeof n === 'string' && n !== '');
      return renameFields(rule, TYPED_RULE_FIELDS, `${where}: rule ${name !== undefined ? JSON.stringify(name) : `#${j + 1}`}`, problems);
    });
    return { ...renamed, rules };
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return result;
}

function renameFields(object: Record<string, unknown>, fields: Readonly<Record<string, string>>, where: string, problems: string[]): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    const fileKey = fields[key];
    if (fileKey !== undefined && object[fileKey] !== undefined) {
      problems.push(`${where}: ${key} and ${fileKey} are the same field (${fileKey} is how the rule file spells ${key}): give one of them`);
    }
    entries.push([fileKey ?? key, value]);
  }
  return Object.fromEntries(entries);
}

function isMapping(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
