/**
 * Shorter timings for the playground: a copy of the user's rule files in which every `for:` longer than the
 * playground's is cut down, so the first email comes in minutes. Pure apart from the file copy; the changes are
 * returned so the terminal can say what was shortened.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { parseDuration } from '../../constructs/core/duration';

/** One `for:` the playground shortened. */
export interface ShortenedFor {
  readonly file: string;
  readonly alert: string;
  readonly from: string;
  readonly to: string;
}

const RULE_FILE = /\.ya?ml$/;

/**
 * A rule-file document with every alerting rule's `for:` above `maxFor` set to `maxFor`.
 * Anything that is not a rule group list is returned as it is (RulesConfigMap reports it).
 */
export function shortenRuleFor(doc: unknown, maxFor: string, file: string): { doc: unknown; changes: ShortenedFor[] } {
  const changes: ShortenedFor[] = [];
  const groups = (doc as { groups?: unknown })?.groups;
  if (!Array.isArray(groups)) return { doc, changes };
  const maxMs = parseDuration(maxFor);
  const shortened = groups.map((group) => {
    if (!group || typeof group !== 'object' || !Array.isArray(group.rules)) return group;
    return {
      ...group,
      rules: group.rules.map((rule: Record<string, unknown>) => {
        if (!rule || typeof rule.alert !== 'string' || typeof rule.for !== 'string') return rule;
        let ms: number;
        try {
          ms = parseDuration(rule.for);
        } catch {
          return rule; // RulesConfigMap names the bad duration
        }
        if (ms <= maxMs) return rule;
        changes.push({ file, alert: rule.alert, from: rule.for, to: maxFor });
        return { ...rule, for: maxFor };
      }),
    };
  });
  return { doc: { ...(doc as object), groups: shortened }, changes };
}

/**
 * Copy the rule files of `sourceDir` (not its subdirectories, as RulesConfigMap.fromDirectory reads them) into
 * `targetDir` with {@link shortenRuleFor} applied. A file that is not YAML is copied unchanged.
 */
export function copyRulesWithShortFor(sourceDir: string, targetDir: string, maxFor: string): ShortenedFor[] {
  if (!fs.existsSync(sourceDir) || !fs.statSync(sourceDir).isDirectory()) {
    throw new Error(`--rules ${sourceDir}: not a directory (give the directory of your *.yml rule files)`);
  }
  fs.mkdirSync(targetDir, { recursive: true });
  const changes: ShortenedFor[] = [];
  for (const name of fs.readdirSync(sourceDir).sort()) {
    const source = path.join(sourceDir, name);
    if (!RULE_FILE.test(name) || !fs.statSync(source).isFile()) continue;
    const text = fs.readFileSync(source, 'utf8');
    let doc: unknown;
    try {
      doc = yaml.load(text);
    } catch {
      fs.writeFileSync(path.join(targetDir, name), text);
      continue;
    }
    const result = shortenRuleFor(doc, maxFor, name);
    changes.push(...result.changes);
    fs.writeFileSync(path.join(targetDir, name), result.changes.length > 0 ? yaml.dump(result.doc, { lineWidth: -1 }) : text);
  }
  return changes;
}

/** One line for the terminal. */
export function describeShortening(change: ShortenedFor): string {
  return `${change.file}: ${change.alert} for: ${change.from} -> ${change.to}`;
}
