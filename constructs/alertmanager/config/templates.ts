/** Notification templates and extra file mounts of the Alertmanager container. No cdk8s here. */
import * as fs from 'fs';
import * as path from 'path';
import {
  ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_EXTRA_DIR, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_STORAGE_PATH, ALERTMANAGER_TEMPLATES_DIR,
} from '../../core/constants';
import { ConfigError } from '../../core/errors';
import { isObjectName } from '../../k8s/names';

/** A Go template file for notifications (`{{ define "name" }}...{{ end }}`), loaded by Alertmanager at start. */
export interface NotificationTemplate {
  /** File name in the templates ConfigMap; ends with ".tmpl". */
  readonly fileName: string;
  /** The template text. */
  readonly text: string;
}

/** Factories for {@link NotificationTemplate}. */
export const NotificationTemplates = {
  /** A template file from disk; its base name becomes the file name. */
  fromFile(file: string): NotificationTemplate {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${file}: cannot read the notification template (${(error as Error).message})`);
    }
    return { fileName: path.basename(file), text };
  },
  /** A template written inline. */
  inline(fileName: string, text: string): NotificationTemplate {
    return { fileName, text };
  },
};

/** A Secret or ConfigMap of the Alertmanager's namespace mounted read-only, for receivers that read files. */
export interface AlertmanagerMount {
  /**
   * Name of the Secret to mount (certificates, tokens). Exactly one of secretName and configMapName.
   * @default - none
   */
  readonly secretName?: string;
  /**
   * Name of the ConfigMap to mount. Exactly one of secretName and configMapName.
   * @default - none
   */
  readonly configMapName?: string;
  /**
   * Directory it is mounted at; refer to its files from alertmanager.yml (e.g. `ca_file`).
   * @default "/etc/alertmanager/extra/<name>"
   */
  readonly mountPath?: string;
}

/** A checked mount: which object, where. */
export interface ResolvedMount {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  readonly mountPath: string;
}

const TEMPLATE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.tmpl$/;
/** Where the construct mounts its own files; extra mounts must stay out of them. */
const RESERVED_DIRS = [ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_TEMPLATES_DIR, ALERTMANAGER_STORAGE_PATH];

/** The ConfigMap data of the templates, checked: file names end with ".tmpl", are unique, and each defines a template. */
export function templateFiles(owner: string, templates: readonly NotificationTemplate[]): Record<string, string> {
  const data: Record<string, string> = {};
  templates.forEach((template, i) => {
    const at = `${owner}: templates[${i}]`;
    if (!TEMPLATE_FILE.test(template.fileName)) {
      throw new ConfigError(`${at}: file name ${JSON.stringify(template.fileName)} must end with ".tmpl" (letters, digits, ".", "_", "-"), e.g. "email.tmpl"`);
    }
    if (template.fileName in data) throw new ConfigError(`${at}: "${template.fileName}" is given twice: rename one`);
    if (!/\{\{-?\s*define\s+"/.test(template.text)) {
      throw new ConfigError(`${at} (${template.fileName}): defines no template: wrap it in {{ define "name" }}...{{ end }} and refer to it by name`);
    }
    data[template.fileName] = template.text;
  });
  return data;
}

/** The `templates:` glob alertmanager.yml gets, added to a config's own. */
export function withTemplates(document: Record<string, unknown>): Record<string, unknown> {
  const own = Array.isArray(document.templates) ? document.templates as unknown[] : [];
  const glob = `${ALERTMANAGER_TEMPLATES_DIR}/*.tmpl`;
  return { ...document, templates: own.includes(glob) ? own : [...own, glob] };
}

/**
 * The `templates:` entries of a config that point where nothing is mounted: Alertmanager reads each as a glob
 * (relative to the directory of alertmanager.yml) and a glob that matches nothing is no error, so every
 * notification that uses a template from there fails later instead. `mountedDirs` are the directories that hold files.
 */
export function strayTemplateGlobs(document: Record<string, unknown>, mountedDirs: readonly string[]): string[] {
  const globs = Array.isArray(document.templates) ? document.templates as unknown[] : [];
  return globs.flatMap((glob, i) => {
    const file = typeof glob === 'string' ? path.posix.resolve(ALERTMANAGER_CONFIG_DIR, glob) : undefined;
    if (file !== undefined && mountedDirs.some(dir => file.startsWith(`${dir}/`))) return [];
    return [`templates[${i}]: ${JSON.stringify(glob)}`];
  });
}

/** Extra mounts, checked: one source each, valid names, absolute paths outside the construct's own. */
export function resolveMounts(owner: string, mounts: readonly AlertmanagerMount[]): ResolvedMount[] {
  const seen = new Set<string>();
  return mounts.map((mount, i) => {
    const at = `${owner}: extraMounts[${i}]`;
    if ((mount.secretName === undefined) === (mount.configMapName === undefined)) {
      throw new ConfigError(`${at}: set exactly one of secretName and configMapName`);
    }
    const kind = mount.secretName !== undefined ? 'secret' : 'configMap';
    const name = (mount.secretName ?? mount.configMapName)!;
    if (!isObjectName(name)) throw new ConfigError(`${at}: ${JSON.stringify(name)} is not a valid ${kind} name`);
    const mountPath = (mount.mountPath ?? `${ALERTMANAGER_EXTRA_DIR}/${name}`).replace(/\/+$/, '');
    if (!mountPath.startsWith('/') || mountPath.split('/').includes('..')) {
      throw new ConfigError(`${at}: mountPath ${JSON.stringify(mount.mountPath)} must be an absolute path without ".."`);
    }
    const clash = RESERVED_DIRS.find(dir => mountPath === dir || mountPath.startsWith(`${dir}/`) || dir.startsWith(`${mountPath}/`));
    if (clash) throw new ConfigError(`${at}: mountPath ${mountPath} overlaps ${clash}, which the construct mounts: choose another directory`);
    if (seen.has(mountPath)) throw new ConfigError(`${at}: mountPath ${mountPath} is used twice`);
    seen.add(mountPath);
    return { kind, name, mountPath };
  });
}
