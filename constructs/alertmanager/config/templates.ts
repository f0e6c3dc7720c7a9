/** Notification templates and extra file mounts of the Alertmanager container. No cdk8s here. */
import * as path from 'path';
import {
  ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_EXTRA_DIR, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_STORAGE_PATH, ALERTMANAGER_TEMPLATES_DIR,
} from '../../core/constants';
import { readTemplateFile, templateFileData } from '../../core/template-files';
import { ExtraMount, ResolvedMount, resolveMounts } from '../../k8s/mounts';

/** A Go template file for notifications (`{{ define "name" }}...{{ end }}`), loaded by Alertmanager at start. */
export interface NotificationTemplate {
  /** File name in the templates ConfigMap; ends with ".tmpl". */
  readonly fileName: string;
  /** The template text. */
  readonly text: string;
}

/** Factories for {@link NotificationTemplate}. */
export class NotificationTemplates {
  /** A template file from disk; its base name becomes the file name. */
  public static fromFile(file: string): NotificationTemplate {
    return readTemplateFile(file, 'notification template');
  }

  /** A template written inline. */
  public static inline(fileName: string, text: string): NotificationTemplate {
    return { fileName, text };
  }

  private constructor() {}
}

/**
 * A Secret or ConfigMap of the Alertmanager's namespace mounted read-only, for receivers that read files; by default
 * at "/etc/alertmanager/extra/<name>". Refer to its files from alertmanager.yml (e.g. `ca_file`).
 */
export interface AlertmanagerMount extends ExtraMount {}

/** Where the construct mounts its own files; extra mounts must stay out of them. */
const RESERVED_DIRS = [ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_SECRETS_DIR, ALERTMANAGER_TEMPLATES_DIR, ALERTMANAGER_STORAGE_PATH];

/** The ConfigMap data of the templates, checked: file names end with ".tmpl", are unique, and each defines a template. */
export function templateFiles(owner: string, templates: readonly NotificationTemplate[]): Record<string, string> {
  return templateFileData(owner, 'templates', templates, 'email.tmpl');
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

/** Extra mounts of the Alertmanager container, checked (see resolveMounts). */
export function resolveAlertmanagerMounts(owner: string, mounts: readonly AlertmanagerMount[]): ResolvedMount[] {
  return resolveMounts(owner, mounts, ALERTMANAGER_EXTRA_DIR, RESERVED_DIRS);
}
