/**
 * Secrets in alertmanager.yml: which fields of the pinned Alertmanager hold one, the `*_file` field that reads it from
 * a mounted Secret instead, and which Secrets a config's file paths need mounted. No cdk8s here.
 *
 * The check goes by key, never by value type: `smtp_auth_password: 73317331` is a password all the same.
 */
import type { SecretKeyRef } from '../../k8s/secret-refs';
import { ALERTMANAGER_SECRETS_DIR } from '../../core/constants';
import { configKeyProblem, isObjectName } from '../../k8s/names';

/**
 * Fields that hold a secret wherever they appear (Alertmanager's `Secret`/`SecretURL` types in config/config.go,
 * notify/<receiver>/config.go and prometheus/common's http_config), each with its file form.
 */
const SECRET_FIELDS: Readonly<Record<string, string>> = {
  // global
  smtp_auth_password: 'smtp_auth_password_file',
  smtp_auth_secret: 'smtp_auth_secret_file',
  slack_api_url: 'slack_api_url_file',
  slack_app_token: 'slack_app_token_file',
  opsgenie_api_key: 'opsgenie_api_key_file',
  wechat_api_secret: 'wechat_api_secret_file',
  victorops_api_key: 'victorops_api_key_file',
  telegram_bot_token: 'telegram_bot_token_file',
  rocketchat_token: 'rocketchat_token_file',
  rocketchat_token_id: 'rocketchat_token_id_file',
  mattermost_webhook_url: 'mattermost_webhook_url_file',
  // receivers
  auth_password: 'auth_password_file',
  auth_secret: 'auth_secret_file',
  webhook_url: 'webhook_url_file',
  alert_source_token: 'alert_source_token_file',
  api_key: 'api_key_file',
  service_key: 'service_key_file',
  routing_key: 'routing_key_file',
  user_key: 'user_key_file',
  token: 'token_file',
  token_id: 'token_id_file',
  app_token: 'app_token_file',
  bot_token: 'bot_token_file',
  api_secret: 'api_secret_file',
  // http_config
  password: 'password_file',
  credentials: 'credentials_file',
  client_secret: 'client_secret_file',
  client_certificate_key: 'client_certificate_key_file',
  bearer_token: 'bearer_token_file',
};

/** Fields that hold a secret only inside a given section (the nearest enclosing key). */
const SECTION_SECRET_FIELDS: ReadonlyArray<{ section: string; key: string; file: string }> = [
  { section: 'webhook_configs', key: 'url', file: 'url_file' },
  { section: 'slack_configs', key: 'api_url', file: 'api_url_file' },
  { section: 'tls_config', key: 'key', file: 'key_file' },
  { section: 'proxy_tls_config', key: 'key', file: 'key_file' },
];

/** Secret fields without a file form in the pinned Alertmanager, with what to do instead. */
const NO_FILE_FORM: Readonly<Record<string, string>> = {
  secret_key: 'sigv4 has no secret_key file form: give the pod an IAM role (role_arn) instead of a static key',
  proxy_connect_header: 'proxy_connect_header values have no file form: authenticate to the proxy without a static header',
};

/** Every field of the pinned Alertmanager that names a file holding a secret. */
export const ALERTMANAGER_SECRET_FILE_FIELDS: ReadonlySet<string> = new Set([...Object.values(SECRET_FIELDS), ...SECTION_SECRET_FIELDS.map(f => f.file)]);
const FILE_FIELDS = ALERTMANAGER_SECRET_FILE_FIELDS;

/** File fields that may hold non-secrets (a CA from the image): mounted when under the Secrets directory, else left alone. */
const OPTIONAL_FILE_FIELDS: ReadonlySet<string> = new Set(['ca_file', 'cert_file']);

/** One secret written inline in an alertmanager.yml document. */
export interface InlineSecret {
  /** Where, e.g. `receivers[0].slack_configs[0].api_url`. */
  readonly at: string;
  /** The field, e.g. `api_url`. */
  readonly key: string;
  /** The file form that replaces it, e.g. `api_url_file`; undefined when Alertmanager has none. */
  readonly fileKey?: string;
  /** When there is no file form: what to do instead. */
  readonly advice?: string;
}

/** Every secret written inline in an alertmanager.yml document, found by key. */
export function findInlineSecrets(value: unknown, at = '', section = ''): InlineSecret[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => findInlineSecrets(item, `${at}[${i}]`, section));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]): InlineSecret[] => {
    const here = at ? `${at}.${key}` : key;
    const set = child !== undefined && child !== null && child !== '';
    if (set && SECRET_FIELDS[key]) return [{ at: here, key, fileKey: SECRET_FIELDS[key] }];
    const sectional = SECTION_SECRET_FIELDS.find(f => f.section === section && f.key === key);
    if (set && sectional) return [{ at: here, key, fileKey: sectional.file }];
    if (set && NO_FILE_FORM[key]) return [{ at: here, key, advice: NO_FILE_FORM[key] }];
    if (section === 'http_headers' && typeof child === 'object' && child !== null) {
      const secrets = (child as Record<string, unknown>).secrets;
      if (Array.isArray(secrets) && secrets.length > 0) return [{ at: `${here}.secrets`, key: 'secrets', fileKey: 'files' }];
    }
    return findInlineSecrets(child, here, key);
  });
}

/** Where a Secret key is mounted in the Alertmanager container. */
export function alertmanagerSecretPath(ref: SecretKeyRef): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${ref.secretName}/${ref.key}`;
}

/** The message for inline secrets: for each, which key to move into which Secret and what to write instead. */
export function inlineSecretsMessage(where: string, found: readonly InlineSecret[]): string {
  const lines = found.map(s => (s.fileKey
    ? `  ${s.at}: move the value into a key of a Kubernetes Secret (e.g. Secret "alertmanager-receivers", key "${s.key.replace(/_/g, '-')}") `
      + `and write ${s.fileKey}: ${alertmanagerSecretPath({ secretName: 'alertmanager-receivers', key: s.key.replace(/_/g, '-') })}`
    : `  ${s.at}: ${s.advice}`));
  return `${where}: inline secret at ${found.map(s => s.at).join(', ')}: alertmanager.yml is stored in the cluster and in dist/, `
    + `readable by everyone with pipeline access. Secrets go in Kubernetes Secrets, read as files (every Secret named by a path `
    + `${ALERTMANAGER_SECRETS_DIR}/<secret>/<key> is mounted there):\n${lines.join('\n')}`;
}

/**
 * The Secret keys a document's secret file fields point at, and the file fields that point anywhere else (nothing
 * would be mounted there) except into `secretMountDirs`, where other Secrets are mounted.
 */
export function secretFileRefs(document: unknown, secretMountDirs: readonly string[] = []): { refs: SecretKeyRef[]; stray: string[] } {
  const refs: SecretKeyRef[] = [];
  const stray: string[] = [];
  const check = (file: unknown, at: string) => {
    const ref = typeof file === 'string' ? parseSecretPath(file) : undefined;
    if (ref) refs.push(ref);
    else if (typeof file === 'string' && secretMountDirs.some(dir => file.startsWith(`${dir}/`) && !file.split('/').includes('..'))) return;
    else if (file !== undefined && file !== null && file !== '') stray.push(`${at}: ${JSON.stringify(file)}`);
  };
  const visit = (node: unknown, path: string, parent: string, grandparent: string) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`, parent, grandparent));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      const here = path ? `${path}.${key}` : key;
      if (FILE_FIELDS.has(key)) check(child, here);
      else if (OPTIONAL_FILE_FIELDS.has(key)) {
        const ref = typeof child === 'string' ? parseSecretPath(child) : undefined;
        if (ref) refs.push(ref);
      }
      // http_headers: { <name>: { values, secrets, files: [paths] } }
      else if (key === 'files' && grandparent === 'http_headers' && Array.isArray(child)) child.forEach((f, i) => check(f, `${here}[${i}]`));
      else visit(child, here, key, parent);
    }
  };
  visit(document, '', '', '');
  const unique = new Map(refs.map(r => [`${r.secretName}/${r.key}`, r]));
  return { refs: [...unique.values()], stray };
}

/** `/etc/alertmanager/secrets/<secret>/<key>` back to the Secret key; undefined for any other path. */
function parseSecretPath(file: string): SecretKeyRef | undefined {
  const prefix = `${ALERTMANAGER_SECRETS_DIR}/`;
  if (!file.startsWith(prefix)) return undefined;
  const parts = file.slice(prefix.length).split('/');
  if (parts.length !== 2) return undefined;
  const [secretName, key] = parts;
  return isObjectName(secretName) && configKeyProblem(key) === undefined ? { secretName, key } : undefined;
}
