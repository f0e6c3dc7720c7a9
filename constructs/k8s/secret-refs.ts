/** References to keys of Kubernetes Secrets and ConfigMaps, and their check. No cdk8s here. */
import { ConfigError } from '../core/errors';

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

/** Kubernetes object names (DNS subdomain) and keys of a Secret/ConfigMap. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Checks a `{ secretName, key }` reference; a plain string is an inline secret. */
export function checkSecretKeyRef(ref: unknown, at: string): void {
  if (typeof ref === 'string' || typeof ref === 'number') {
    throw new ConfigError(`${at} is an inline secret: put it in a Kubernetes Secret and pass { secretName, key } instead`);
  }
  const candidate = ref as Partial<SecretKeyRef> | null;
  if (!candidate || typeof candidate.secretName !== 'string' || typeof candidate.key !== 'string') {
    throw new ConfigError(`${at} must be { secretName, key }: the Kubernetes Secret and the key holding the value`);
  }
  checkObjectKey(candidate.secretName, candidate.key, at, 'Secret');
}

/** Checks the object name and key of a Secret or ConfigMap reference. */
export function checkObjectKey(name: string, key: string, at: string, kind: string): void {
  if (typeof name !== 'string' || !OBJECT_NAME.test(name)) {
    throw new ConfigError(`${at}: ${JSON.stringify(name)} is not a valid ${kind} name (lower case letters, digits, "-" and ".")`);
  }
  if (typeof key !== 'string' || !DATA_KEY.test(key) || key === '.' || key === '..') {
    throw new ConfigError(`${at}: key ${JSON.stringify(key)} is not a valid ${kind} key (letters, digits, "-", "_" and ".")`);
  }
}
