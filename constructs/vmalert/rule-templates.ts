/**
 * Go template files vmalert loads with `-rule.templates`: shared `{{ define "name" }}` blocks that annotations and
 * labels call with `{{ template "name" . }}`. Loading and checking them. No cdk8s here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../core/errors';
import { readTemplateFile, templateFileData } from '../core/template-files';
import { templateProblem } from '../rules/syntax';

/** One template file for vmalert's `-rule.templates`. */
export interface RuleTemplate {
  /** File name in the templates ConfigMap; ends with ".tmpl". */
  readonly fileName: string;
  /** The template text: one or more `{{ define "name" }}...{{ end }}` blocks. */
  readonly text: string;
}

/** Factories for {@link RuleTemplate}. */
export class RuleTemplates {
  /** A template file from disk; its base name becomes the file name. */
  public static fromFile(file: string): RuleTemplate {
    return readTemplateFile(file, 'rule template');
  }

  /** Every `*.tmpl` file directly in `directory` (not hidden), in name order; none is an error naming what was there. */
  public static fromDirectory(directory: string): RuleTemplate[] {
    let names: string[];
    try {
      names = fs.readdirSync(directory).sort();
    } catch (error) {
      throw new ConfigError(`${directory}: cannot read the rule templates directory (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    const templates = names.filter(name => !name.startsWith('.') && name.endsWith('.tmpl'))
      .filter(name => fs.statSync(path.join(directory, name)).isFile());
    if (templates.length === 0) {
      throw new ConfigError(`${directory}: no rule templates (*.tmpl, not hidden) in it${names.length > 0 ? `; it holds ${names.join(', ')}` : ': it is empty'}`);
    }
    return templates.map(name => RuleTemplates.fromFile(path.join(directory, name)));
  }

  /** A template written inline. */
  public static inline(fileName: string, text: string): RuleTemplate {
    return { fileName, text };
  }

  private constructor() {}
}

/**
 * The ConfigMap data of the templates, checked as vmalert checks them at start (it exits on a template it cannot
 * parse): file names end with ".tmpl" and are unique, each file defines a template, and its actions are complete.
 */
export function ruleTemplateFiles(owner: string, templates: readonly RuleTemplate[]): Record<string, string> {
  return templateFileData(owner, 'ruleTemplates', templates, 'links.tmpl', text => {
    const problem = templateProblem(text);
    return problem && `${problem}; vmalert would exit at start`;
  });
}
