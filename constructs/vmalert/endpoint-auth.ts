/**
 * How vmalert authenticates to the storage and the Alertmanagers: typed settings in, vmalert's `*File` flags and
 * the Secret/ConfigMap volumes they point at out. Every secret is a mounted file; no secret value is ever in an
 * argument. No cdk8s here.
 *
 * Flag names are those of the pinned vmalert (`vmalert -help` of the version in versions.ts). vmalert re-reads
 * password, token and client-secret files while running (lib/promauth caches an auth header for about a second),
 * and client certificates at each new TLS handshake, so a rotated Secret takes effect once the kubelet has refreshed
 * the mounted file: no rollout. That is why whole Secrets are mounted as directories: a `subPath` mount is never
 * refreshed. The one exception, measured: a CA bundle is read only at start.
 */
import { BasicAuthSettings, checkConfigMapKeyRef, checkSecretKeyRef, ConfigMapKeyRef, SecretKeyRef } from '../k8s/secret-refs';
import { VMALERT_CONFIGMAPS_DIR, VMALERT_SECRETS_DIR } from '../core/constants';
import { ConfigError } from '../core/errors';
import { compact } from '../core/objects';
import { urlProblem } from '../core/url';

/** TLS towards an https endpoint. */
export interface EndpointTlsSettings {
  /**
   * CA bundle that signs the server's certificate, from a ConfigMap (`{ configMapName, key }`) or a Secret
   * (`{ secretName, key }`). vmalert reads it only at start: after adding a CA, roll the Deployment before the
   * server switches certificates.
   * @default - the image's system CAs
   */
  readonly ca?: ConfigMapKeyRef | SecretKeyRef;
  /**
   * Client certificate for mutual TLS (PEM), from a Secret key; needs `clientKey`.
   * @default - no client certificate
   */
  readonly clientCert?: SecretKeyRef;
  /**
   * Private key of `clientCert` (PEM), from a Secret key.
   * @default - no client certificate
   */
  readonly clientKey?: SecretKeyRef;
  /**
   * Name the server certificate must carry, when it differs from the URL's host.
   * @default - the URL's host
   */
  readonly serverName?: string;
  /**
   * Accept any server certificate: anyone on the path can then read and change the traffic, credentials included.
   * For a test cluster only.
   * @default false
   */
  readonly insecureSkipVerifyDangerous?: boolean;
}

/** OAuth2 client credentials grant. */
export interface OAuth2Settings {
  /** Client ID (not a secret). */
  readonly clientId: string;
  /** Secret key holding the client secret. */
  readonly clientSecret: SecretKeyRef;
  /** Token endpoint URL. */
  readonly tokenUrl: string;
  /**
   * Scopes to request.
   * @default - none
   */
  readonly scopes?: string[];
}

/**
 * How vmalert authenticates to one endpoint. Use one of basicAuth, bearerToken and oauth2; tls and headers go
 * with any of them.
 */
export interface EndpointAuth {
  /**
   * Basic authentication (e.g. a vmauth user).
   * @default - none
   */
  readonly basicAuth?: BasicAuthSettings;
  /**
   * Bearer token from a Secret key (`Authorization: Bearer <token>`, e.g. a vmauth `bearer_token` user).
   * @default - none
   */
  readonly bearerToken?: SecretKeyRef;
  /**
   * OAuth2 client credentials.
   * @default - none
   */
  readonly oauth2?: OAuth2Settings;
  /**
   * TLS settings; the URL must be https.
   * @default - the image's system CAs, no client certificate
   */
  readonly tls?: EndpointTlsSettings;
  /**
   * Extra HTTP headers with non-secret values, e.g. { 'X-Scope': 'team-a' }. The pinned vmalert takes header values
   * only inline (`-*.headers`, no file form), so headers that carry credentials (Authorization, Cookie, names with
   * token, key, secret, password or auth) are refused: use bearerToken, basicAuth or oauth2.
   * @default - none
   */
  readonly headers?: Record<string, string>;
}

/** The vmalert endpoints that take auth flags: the flag prefix of each. */
export type VmalertEndpoint = 'datasource' | 'remoteWrite' | 'remoteRead' | 'notifier';

/** A Secret or ConfigMap mounted as a directory in the vmalert container. */
export interface AuthVolume {
  /** What is mounted. */
  readonly kind: 'secret' | 'configMap';
  /** Name of the Secret or ConfigMap. */
  readonly name: string;
  /** Directory it is mounted at. */
  readonly dir: string;
}

/** vmalert flags and the volumes their files live in. */
export interface EndpointAuthFlags {
  /** vmalert arguments; secrets only as paths of mounted files. */
  readonly args: string[];
  /** The Secrets and ConfigMaps those paths are in, each once. */
  readonly volumes: AuthVolume[];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header names that carry credentials: their value would sit in the Deployment's args. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|password|passwd|auth|api-?key|apikey|session/i;

/** Where a Secret key is mounted in the vmalert container. */
export function vmalertSecretPath(ref: SecretKeyRef): string {
  return `${VMALERT_SECRETS_DIR}/${ref.secretName}/${ref.key}`;
}

function isConfigMapRef(ref: ConfigMapKeyRef | SecretKeyRef): ref is ConfigMapKeyRef {
  return (ref as ConfigMapKeyRef).configMapName !== undefined;
}

/** Checks an endpoint's auth settings against its URL(s); throws a ConfigError naming the prop. */
export function checkEndpointAuth(auth: EndpointAuth, at: string, urls: readonly string[]): void {
  const methods = (['basicAuth', 'bearerToken', 'oauth2'] as const).filter(m => auth[m] !== undefined);
  if (methods.length > 1) {
    throw new ConfigError(`${at}: ${methods.join(' and ')} are both set: vmalert sends one Authorization header; keep one`);
  }
  if (auth.basicAuth) {
    if (typeof auth.basicAuth.username !== 'string' || auth.basicAuth.username === '') {
      throw new ConfigError(`${at}.basicAuth.username is required (the user name, e.g. the vmauth user)`);
    }
    checkSecretKeyRef(auth.basicAuth.password, `${at}.basicAuth.password`);
  }
  if (auth.bearerToken !== undefined) checkSecretKeyRef(auth.bearerToken, `${at}.bearerToken`);
  if (auth.oauth2) {
    if (!auth.oauth2.clientId) throw new ConfigError(`${at}.oauth2.clientId is required`);
    checkSecretKeyRef(auth.oauth2.clientSecret, `${at}.oauth2.clientSecret`);
    const tokenUrlProblem = urlProblem(auth.oauth2.tokenUrl);
    if (tokenUrlProblem) throw new ConfigError(`${at}.oauth2.tokenUrl ${JSON.stringify(auth.oauth2.tokenUrl)} ${tokenUrlProblem}`);
    const credentials = credentialsInUrl(auth.oauth2.tokenUrl);
    if (credentials) throw new ConfigError(`${at}.oauth2.tokenUrl carries ${credentials}: put the client secret in oauth2.clientSecret`);
    for (const scope of auth.oauth2.scopes ?? []) {
      if (!scope || /[;,\s]/.test(scope)) throw new ConfigError(`${at}.oauth2.scopes: ${JSON.stringify(scope)} is not a scope (no spaces, ";" or ",")`);
    }
  }
  if (auth.tls) {
    const tls = auth.tls;
    const plain = urls.find(url => !url.startsWith('https://'));
    if (plain) throw new ConfigError(`${at}.tls is set but ${plain} is not https: use an https:// URL or drop tls`);
    if (tls.ca !== undefined) {
      if (isConfigMapRef(tls.ca)) checkConfigMapKeyRef(tls.ca, `${at}.tls.ca`);
      else checkSecretKeyRef(tls.ca, `${at}.tls.ca`);
    }
    if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
      throw new ConfigError(`${at}.tls: clientCert and clientKey go together: set both (mutual TLS) or neither`);
    }
    if (tls.clientCert !== undefined) checkSecretKeyRef(tls.clientCert, `${at}.tls.clientCert`);
    if (tls.clientKey !== undefined) checkSecretKeyRef(tls.clientKey, `${at}.tls.clientKey`);
    if (tls.serverName !== undefined && !/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(tls.serverName)) {
      throw new ConfigError(`${at}.tls.serverName ${JSON.stringify(tls.serverName)} is not a host name`);
    }
  }
  for (const [name, value] of Object.entries(auth.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new ConfigError(`${at}.headers: ${JSON.stringify(name)} is not an HTTP header name`);
    if (CREDENTIAL_HEADER.test(name)) {
      throw new ConfigError(`${at}.headers.${name} looks like a credential: vmalert takes header values only inline, so it would `
        + 'be in the Deployment\'s args and in dist/. Use bearerToken, basicAuth or oauth2 (read from a Secret file) instead');
    }
    // "^^" separates headers in vmalert's flag and "," separates notifier array items.
    if (typeof value !== 'string' || /\^\^|[,\r\n]/.test(value)) {
      throw new ConfigError(`${at}.headers.${name}: ${JSON.stringify(value)} must be a string without "^^", "," or line breaks`);
    }
  }
}

/**
 * vmalert's flags for one endpoint's auth, all secrets as `*File` paths, and the volumes holding those files.
 * Notifier flags are arrays in vmalert; one value applies to every `-notifier.url`.
 */
export function endpointAuthFlags(endpoint: VmalertEndpoint, auth: EndpointAuth | undefined): EndpointAuthFlags {
  if (!auth) return { args: [], volumes: [] };
  const args: string[] = [];
  const volumes: AuthVolume[] = [];
  const flag = (name: string, value: string) => args.push(`-${endpoint}.${name}=${value}`);
  const secretFile = (ref: SecretKeyRef) => {
    volumes.push({ kind: 'secret', name: ref.secretName, dir: `${VMALERT_SECRETS_DIR}/${ref.secretName}` });
    return vmalertSecretPath(ref);
  };
  if (auth.basicAuth) {
    flag('basicAuth.username', auth.basicAuth.username);
    flag('basicAuth.passwordFile', secretFile(auth.basicAuth.password));
  }
  if (auth.bearerToken) flag('bearerTokenFile', secretFile(auth.bearerToken));
  if (auth.oauth2) {
    flag('oauth2.clientID', auth.oauth2.clientId);
    flag('oauth2.clientSecretFile', secretFile(auth.oauth2.clientSecret));
    flag('oauth2.tokenUrl', auth.oauth2.tokenUrl);
    if (auth.oauth2.scopes?.length) flag('oauth2.scopes', auth.oauth2.scopes.join(';'));
  }
  const tls = auth.tls;
  if (tls?.ca) {
    if (isConfigMapRef(tls.ca)) {
      const dir = `${VMALERT_CONFIGMAPS_DIR}/${tls.ca.configMapName}`;
      volumes.push({ kind: 'configMap', name: tls.ca.configMapName, dir });
      flag('tlsCAFile', `${dir}/${tls.ca.key}`);
    } else {
      flag('tlsCAFile', secretFile(tls.ca));
    }
  }
  if (tls?.clientCert && tls.clientKey) {
    flag('tlsCertFile', secretFile(tls.clientCert));
    flag('tlsKeyFile', secretFile(tls.clientKey));
  }
  if (tls?.serverName) flag('tlsServerName', tls.serverName);
  if (tls?.insecureSkipVerifyDangerous) flag('tlsInsecureSkipVerify', 'true');
  const headers = Object.entries(auth.headers ?? {});
  if (headers.length > 0) flag('headers', headers.map(([name, value]) => `${name}:${value}`).join('^^'));
  return { args, volumes: uniqueVolumes(volumes) };
}

/**
 * The same auth as a vmalert notifier config's HTTP client section (lib/promauth `HTTPClientConfig`, snake_case),
 * for `-notifier.config`, which replaces the `-notifier.*` flags.
 */
export function notifierConfigAuth(auth: EndpointAuth | undefined): { config: Record<string, unknown>; volumes: AuthVolume[] } {
  if (!auth) return { config: {}, volumes: [] };
  // Same files as the flags: derive from them so the paths cannot drift apart.
  const { args, volumes } = endpointAuthFlags('notifier', auth);
  const value = (name: string) => args.find(a => a.startsWith(`-notifier.${name}=`))?.slice(`-notifier.${name}=`.length);
  const tlsConfig = compact({
    ca_file: value('tlsCAFile'),
    cert_file: value('tlsCertFile'),
    key_file: value('tlsKeyFile'),
    server_name: value('tlsServerName'),
    insecure_skip_verify: auth.tls?.insecureSkipVerifyDangerous ? true : undefined,
  });
  const config = compact({
    basic_auth: auth.basicAuth && { username: auth.basicAuth.username, password_file: value('basicAuth.passwordFile') },
    bearer_token_file: value('bearerTokenFile'),
    oauth2: auth.oauth2 && compact({
      client_id: auth.oauth2.clientId,
      client_secret_file: value('oauth2.clientSecretFile'),
      token_url: auth.oauth2.tokenUrl,
      scopes: auth.oauth2.scopes?.length ? auth.oauth2.scopes : undefined,
    }),
    tls_config: Object.keys(tlsConfig).length > 0 ? tlsConfig : undefined,
    headers: auth.headers && Object.keys(auth.headers).length > 0
      ? Object.entries(auth.headers).map(([name, v]) => `${name}: ${v}`) : undefined,
  });
  return { config, volumes };
}

/** Volumes by name, each once (two endpoints may read keys of the same Secret). */
export function uniqueVolumes(volumes: readonly AuthVolume[]): AuthVolume[] {
  return [...new Map(volumes.map(v => [`${v.kind}/${v.name}`, v])).values()];
}

/** What credentials a URL carries ("a user name and password", "a token query parameter"), or undefined. */
export function credentialsInUrl(raw: string): string | undefined {
  if (!URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  if (url.password) return 'a user name and password';
  if (url.username) return 'a user name';
  const param = [...url.searchParams.keys()].find(key => SECRET_PARAM.test(key));
  return param ? `a "${param}" query parameter` : undefined;
}
const SECRET_PARAM = /token|secret|password|passwd|auth|api-?key|apikey|access_key|signature/i;

/**
 * vmalert flags whose value is a secret (or a header list that may hold one), each with the typed prop to use
 * instead. Matched on the flag name after the endpoint prefix, or the whole name.
 */
const SECRET_FLAG_SUFFIXES: ReadonlyArray<[RegExp, string]> = [
  [/^(datasource|remoteWrite|remoteRead|notifier)\.basicAuth\.password$/, '<endpoint>Auth.basicAuth.password'],
  [/^(datasource|remoteWrite|remoteRead|notifier)\.bearerToken$/, '<endpoint>Auth.bearerToken'],
  [/^(datasource|remoteWrite|remoteRead|notifier)\.oauth2\.clientSecret$/, '<endpoint>Auth.oauth2.clientSecret'],
  [/^(datasource|remoteWrite|remoteRead|notifier)\.headers$/, '<endpoint>Auth.headers (non-secret values) or <endpoint>Auth.bearerToken'],
  [/^httpAuth\.password$/, 'httpAuth.password'],
  [/^(flagsAuthKey|metricsAuthKey|pprofAuthKey|reloadAuthKey)$/, 'httpAuth (basic auth on the whole UI and API)'],
];

/** Flags the auth props set: refused in extraArgs so one prop owns each. */
const AUTH_FLAG = /^(datasource|remoteWrite|remoteRead|notifier)\.(basicAuth\.|bearerToken|oauth2\.|tls|headers)|^httpAuth\./;

/**
 * Problems with extraArgs that carry credentials or set what an auth prop sets. A secret in an argument is in the
 * Deployment, in `kubectl describe` and in dist/: each points at the typed prop that reads it from a Secret.
 */
export function credentialArgProblems(extraArgs: readonly string[]): string[] {
  const problems: string[] = [];
  for (const arg of extraArgs) {
    const match = /^--?([^=\s]+)(=(.*))?$/s.exec(arg);
    if (!match) continue;
    const name = match[1];
    const endpoint = /^(datasource|remoteWrite|remoteRead|notifier)\./.exec(name)?.[1];
    const secret = SECRET_FLAG_SUFFIXES.find(([pattern]) => pattern.test(name));
    if (secret) {
      const prop = secret[1].replace(/<endpoint>/g, endpoint ?? '');
      problems.push(`-${name} carries a secret in the Deployment's args (visible in kubectl and dist/): remove it and use the `
        + `"${prop}" prop, which mounts it from a Kubernetes Secret`);
    } else if (name === 'pushmetrics.header' && CREDENTIAL_HEADER.test((match[3] ?? '').split(':')[0].trim())) {
      problems.push(`-${name} carries a credential header in the Deployment's args (visible in kubectl and dist/), and the pinned vmalert `
        + 'has no file form for it: push metrics to an endpoint that needs no credentials, or let vmagent scrape vmalert instead');
    } else if (AUTH_FLAG.test(name)) {
      problems.push(`-${name} is set by the auth props: use "${endpoint ? `${endpoint}Auth` : 'httpAuth'}" instead of extraArgs`);
    } else if (match[3] !== undefined && /^https?:\/\//.test(match[3]) && credentialsInUrl(match[3])) {
      problems.push(`-${name} has a URL carrying ${credentialsInUrl(match[3])}, which would be in the Deployment's args and dist/: remove it `
        + '(the storage and Alertmanager endpoints take credentials from Kubernetes Secrets through the auth props)');
    }
  }
  return problems;
}

/** Refuses a URL with credentials in it, naming the auth prop to use instead. */
export function checkUrlCredentials(owner: string, prop: string, url: string, authProp: string): void {
  const credentials = credentialsInUrl(url);
  if (credentials) {
    throw new ConfigError(`${owner}: ${prop} carries ${credentials}: it would be stored in the Deployment's args and in dist/. `
      + `Remove it from the URL and set ${authProp} (e.g. basicAuth: { username, password: { secretName, key } }), read from a Kubernetes Secret`);
  }
}

/** Basic authentication of vmalert's own UI and API (`-httpAuth.*`). */
export interface HttpAuthSettings {
  /** User name. */
  readonly username: string;
  /** Secret key holding the password; passed as `-httpAuth.password=file://<mounted file>`. */
  readonly password: SecretKeyRef;
}

/** `-httpAuth.*` flags: the password as vmalert's `file://` form, which vmalert re-reads while running. */
export function httpAuthFlags(auth: HttpAuthSettings | undefined, at: string): EndpointAuthFlags {
  if (!auth) return { args: [], volumes: [] };
  if (!auth.username || /[:\s]/.test(auth.username)) throw new ConfigError(`${at}.username must be a non-empty user name without ":" or spaces`);
  checkSecretKeyRef(auth.password, `${at}.password`);
  return {
    args: [`-httpAuth.username=${auth.username}`, `-httpAuth.password=file://${vmalertSecretPath(auth.password)}`],
    volumes: [{ kind: 'secret', name: auth.password.secretName, dir: `${VMALERT_SECRETS_DIR}/${auth.password.secretName}` }],
  };
}
