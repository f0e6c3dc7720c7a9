/**
 * TLS and basic auth of Alertmanager's web port (`--web.config.file`) and TLS of its mesh (`--cluster.tls-config`):
 * typed settings in, the two YAML files out. Both files hold only paths of files mounted from Kubernetes Secrets,
 * and bcrypt hashes; they are written to Secrets too (the pinned exporter-toolkit takes `basic_auth_users` only
 * inline, and a hash can be attacked offline, so it is kept from anyone who can read ConfigMaps). No cdk8s here.
 *
 * What the pinned Alertmanager reads, and when: the web certificate and key at each new TLS connection (a rotated
 * Secret takes effect once the kubelet refreshed the file); the mesh certificates only at start (a rotation needs a
 * rollout). The mesh over TLS runs on TCP only: no UDP socket is opened on the mesh port.
 */
import * as yaml from 'js-yaml';
import { ALERTMANAGER_SECRETS_DIR } from '../core/constants';
import { ConfigError } from '../core/errors';
import { checkCertAndKey, checkSecretKeyRef, SecretKeyRef } from '../k8s/secret-refs';

/** The certificate Alertmanager serves on its web port (UI, API, what vmalert notifies). */
export interface AlertmanagerWebTlsSettings {
  /** The server certificate (PEM), from a Secret key. It must name every pod's DNS name: `*.<headless Service>.<namespace>.svc`. */
  readonly cert: SecretKeyRef;
  /** The private key of `cert` (PEM), from a Secret key. */
  readonly key: SecretKeyRef;
  /**
   * CA that signs client certificates. When set, every client (vmalert, a browser) must present a certificate it
   * signed (`RequireAndVerifyClientCert`); the kubelet has none, so the probes become TCP checks of the web port.
   * @default - no client certificate is asked for
   */
  readonly clientCa?: SecretKeyRef;
}

/** A user of Alertmanager's web port, with the bcrypt hash of the password. */
export interface AlertmanagerWebUser {
  /** User name. */
  readonly username: string;
  /**
   * The bcrypt hash of the password (`$2y$10$...`, e.g. from `htpasswd -nbBC 10 USER PASSWORD`), never the
   * password itself. It is written to a Secret; the password stays in the Secret vmalert reads it from.
   */
  readonly passwordHash: string;
}

/** TLS and basic auth on Alertmanager's web port, through a generated `--web.config.file`. */
export interface AlertmanagerWebSettings {
  /**
   * Serve HTTPS. The probes switch to HTTPS and {@link AlertmanagerCluster.notifierUrls} to `https://`.
   * @default - plain HTTP
   */
  readonly tls?: AlertmanagerWebTlsSettings;
  /**
   * Users allowed in with basic auth. Every request then needs them, the kubelet's probes too, so the probes
   * become TCP checks of the web port (Alertmanager's /-/ready and /-/healthy answer 200 as soon as it listens).
   * @default - no authentication
   */
  readonly basicAuthUsers?: AlertmanagerWebUser[];
}

/** Mutual TLS between the Alertmanager peers, through a generated `--cluster.tls-config`. */
export interface AlertmanagerMeshTlsSettings {
  /**
   * Each peer's certificate (PEM), from a Secret key, used as server and as client certificate: it needs both
   * extended key usages (or none) and must name {@link AlertmanagerCluster.meshTlsServerName}, the name peers
   * check (they dial each other by pod IP).
   */
  readonly cert: SecretKeyRef;
  /** The private key of `cert` (PEM), from a Secret key. */
  readonly key: SecretKeyRef;
  /** The CA that signs the peers' certificates, from a Secret key. A peer without a certificate it signed cannot join. */
  readonly ca: SecretKeyRef;
}

/** bcrypt as Go's golang.org/x/crypto/bcrypt reads it: version, two-digit cost 04..31, 53 characters of salt and hash. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;
/** A user name in basic auth cannot hold ":" (it separates user and password). */
const USER_NAME = /^[^:\s]+$/;

/** Checks the web settings; throws a ConfigError naming the prop and the fix. */
export function checkWebSettings(owner: string, web: AlertmanagerWebSettings): void {
  const at = `${owner}: web`;
  if (web.tls) checkCertAndKey(`${at}.tls`, web.tls);
  if (web.tls?.clientCa !== undefined) checkSecretKeyRef(web.tls.clientCa, `${at}.tls.clientCa`);
  const users = web.basicAuthUsers ?? [];
  if (web.basicAuthUsers !== undefined && users.length === 0) {
    throw new ConfigError(`${at}.basicAuthUsers is empty, which Alertmanager reads as "no authentication": add a user or drop it`);
  }
  const seen = new Set<string>();
  users.forEach((user, i) => {
    const where = `${at}.basicAuthUsers[${i}]`;
    if (typeof user.username !== 'string' || !USER_NAME.test(user.username)) {
      throw new ConfigError(`${where}.username ${JSON.stringify(user.username)} must be a non-empty user name without ":" or spaces`);
    }
    if (seen.has(user.username)) throw new ConfigError(`${where}.username "${user.username}" is listed twice: keep one`);
    seen.add(user.username);
    if (typeof user.passwordHash !== 'string' || !BCRYPT_HASH.test(user.passwordHash)) {
      throw new ConfigError(`${where}.passwordHash is not a bcrypt hash (Alertmanager would exit): give the hash, never the password, `
        + 'e.g. from `htpasswd -nbBC 10 USER PASSWORD` (the part after "USER:")');
    }
  });
  if (!web.tls && users.length > 0) {
    throw new ConfigError(`${at}.basicAuthUsers without web.tls would send the passwords in clear text: set web.tls too`);
  }
}

/** Checks the mesh settings; throws a ConfigError naming the prop and the fix. */
export function checkMeshTlsSettings(owner: string, mesh: AlertmanagerMeshTlsSettings, replicas: number): void {
  const at = `${owner}: meshTls`;
  if (replicas < 2) throw new ConfigError(`${at} is set but replicas is ${replicas}: a single peer has no mesh; drop meshTls or add peers`);
  checkCertAndKey(at, mesh);
  if (mesh.ca === undefined) {
    throw new ConfigError(`${at}.ca is required: the CA that signs the peers' certificates (without it, any certificate could join)`);
  }
  checkSecretKeyRef(mesh.ca, `${at}.ca`);
}

/** Where a Secret key is mounted in the Alertmanager container (the directory of the whole Secret). */
export function alertmanagerSecretPath(ref: SecretKeyRef): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${ref.secretName}/${ref.key}`;
}

/** The Secret keys the web and mesh files read: each Secret is mounted under the secrets directory. */
export function webAndMeshSecretRefs(web: AlertmanagerWebSettings | undefined, mesh: AlertmanagerMeshTlsSettings | undefined): SecretKeyRef[] {
  const refs = [web?.tls?.cert, web?.tls?.key, web?.tls?.clientCa, mesh?.cert, mesh?.key, mesh?.ca];
  return refs.filter((ref): ref is SecretKeyRef => ref !== undefined);
}

/** The `--web.config.file` content (exporter-toolkit's web configuration). */
export function renderWebConfig(web: AlertmanagerWebSettings): string {
  const users = web.basicAuthUsers ?? [];
  return yaml.dump({
    ...(web.tls ? { tls_server_config: serverTls(web.tls.cert, web.tls.key, web.tls.clientCa) } : {}),
    ...(users.length > 0 ? { basic_auth_users: Object.fromEntries(users.map(u => [u.username, u.passwordHash])) } : {}),
  }, { lineWidth: -1 });
}

/**
 * The `--cluster.tls-config` content: each peer serves and presents the same certificate, asks every peer for one
 * signed by the CA, and checks the peer's certificate against `serverName` (peers dial each other by pod IP).
 */
export function renderMeshTlsConfig(mesh: AlertmanagerMeshTlsSettings, serverName: string): string {
  return yaml.dump({
    tls_server_config: serverTls(mesh.cert, mesh.key, mesh.ca),
    tls_client_config: {
      ca_file: alertmanagerSecretPath(mesh.ca),
      cert_file: alertmanagerSecretPath(mesh.cert),
      key_file: alertmanagerSecretPath(mesh.key),
      server_name: serverName,
    },
  }, { lineWidth: -1 });
}

function serverTls(cert: SecretKeyRef, key: SecretKeyRef, clientCa?: SecretKeyRef): Record<string, string> {
  return {
    cert_file: alertmanagerSecretPath(cert),
    key_file: alertmanagerSecretPath(key),
    ...(clientCa ? { client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: alertmanagerSecretPath(clientCa) } : {}),
  };
}
