/** References to keys of Kubernetes Secrets and ConfigMaps, and their check. No cdk8s here. */
import { ConfigError } from '../core/errors';
import { configKeyProblem, dns1123SubdomainProblem } from './names';

/** A key of a Kubernetes Secret in the workload's namespace; mounted as a file, never copied into config or arguments. */
export interface SecretKeyRef {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** A key of a ConfigMap in the workload's namespace, e.g. a CA bundle. */
export interface ConfigMapKeyRef {
  /** Name of the ConfigMap. */
  readonly configMapName: string;
  /** Key inside the ConfigMap. */
  readonly key: string;
}

/** Basic authentication: a user name, and the password from a Secret key. */
export interface BasicAuthSettings {
  /** User name (not a secret; vmauth's `users[].username`). */
  readonly username: string;
  /** Secret key holding the password. */
  readonly password: SecretKeyRef;
}

/** Checks a `{ secretName, key }` reference: a plain string or number is an inline secret. */
export function checkSecretKeyRef(ref: unknown, at: string): void {
  if (typeof ref === 'string' || typeof ref === 'number') {
    throw new ConfigError(`${at} is an inline secret: put it in a Kubernetes Secret and pass { secretName, key } instead`);
  }
  const candidate = ref as Partial<SecretKeyRef> | null;
  if (!candidate || typeof candidate.secretName !== 'string' || !candidate.secretName || typeof candidate.key !== 'string' || !candidate.key) {
    throw new ConfigError(`${at} must be { secretName, key }: the Kubernetes Secret and the key holding the value`);
  }
  checkObjectKey('Secret', 'secretName', candidate.secretName, candidate.key, at);
}

/**
 * Checks the certificate and private key of a TLS server (`at` names the prop holding both): each must be a Secret
 * key, and they must be two different keys.
 */
export function checkCertAndKey(at: string, settings: { readonly cert?: SecretKeyRef; readonly key?: SecretKeyRef }): void {
  if (settings.cert === undefined || settings.key === undefined) {
    throw new ConfigError(`${at}.${settings.cert === undefined ? 'cert' : 'key'} is missing: a TLS server needs both the certificate and its `
      + 'private key, each { secretName, key } of a Kubernetes Secret (e.g. tls.crt and tls.key of a kubernetes.io/tls Secret)');
  }
  checkSecretKeyRef(settings.cert, `${at}.cert`);
  checkSecretKeyRef(settings.key, `${at}.key`);
  if (settings.cert.secretName === settings.key.secretName && settings.cert.key === settings.key.key) {
    throw new ConfigError(`${at}: cert and key are the same Secret key: the certificate and the private key are two files`);
  }
}

/** Checks a `{ configMapName, key }` reference. */
export function checkConfigMapKeyRef(ref: ConfigMapKeyRef, at: string): void {
  checkObjectKey('ConfigMap', 'configMapName', ref.configMapName, ref.key, at);
}

/** The object name must be a DNS-1123 subdomain and the key a ConfigMap/Secret key, or no such object can exist. */
function checkObjectKey(kind: string, nameField: string, name: unknown, key: unknown, at: string): void {
  const nameProblem = typeof name === 'string' ? dns1123SubdomainProblem(name) : 'is not a string';
  if (nameProblem) throw new ConfigError(`${at}.${nameField} ${JSON.stringify(name)} ${nameProblem}: no such ${kind} can exist; use its real name`);
  const keyProblem = typeof key === 'string' ? configKeyProblem(key) : 'is not a string';
  if (keyProblem) throw new ConfigError(`${at}.key ${JSON.stringify(key)} ${keyProblem}: no such ${kind} key can exist; use its real key`);
}
