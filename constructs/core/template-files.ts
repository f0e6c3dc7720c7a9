/** Go template files (`*.tmpl`) a workload loads at start: read from disk, checked into ConfigMap data. No cdk8s here. */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from './errors';

/** A Go template file: a name and its text. */
export interface TemplateFile {
  readonly fileName: string;
  readonly text: string;
}

/** A template file from disk, its base name the file name; `what` names it in the error ("notification template"). */
export function readTemplateFile(file: string, what: string): TemplateFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the ${what} (${(error as Error).message})`);
  }
  return { fileName: path.basename(file), text };
}

const TEMPLATE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.tmpl$/;

/**
 * The ConfigMap data of template files, checked: file names end with ".tmpl" and are unique, and each file defines a
 * template. `prop` names the list in messages, `example` a file name, `problemOf` any further check of the text.
 */
export function templateFileData(owner: string, prop: string, templates: readonly TemplateFile[], example: string,
  problemOf: (text: string) => string | undefined = () => undefined): Record<string, string> {
  const data: Record<string, string> = {};
  templates.forEach((template, i) => {
    const at = `${owner}: ${prop}[${i}]`;
    if (!TEMPLATE_FILE.test(template.fileName)) {
      throw new ConfigError(`${at}: file name ${JSON.stringify(template.fileName)} must end with ".tmpl" (letters, digits, ".", "_", "-"), e.g. "${example}"`);
    }
    if (template.fileName in data) throw new ConfigError(`${at}: "${template.fileName}" is given twice: rename one`);
    if (!/\{\{-?\s*define\s+"/.test(template.text)) {
      throw new ConfigError(`${at} (${template.fileName}): defines no template: wrap it in {{ define "name" }}...{{ end }} and call it by name `
        + '({{ template "name" . }})');
    }
    const problem = problemOf(template.text);
    if (problem) throw new ConfigError(`${at} (${template.fileName}): ${problem}`);
    data[template.fileName] = template.text;
  });
  return data;
}
