/** Secrets and ConfigMaps a user mounts into a workload's container, checked. No cdk8s here. */
import { ConfigError } from '../core/errors';
import { isObjectName } from './names';

/** A Secret or ConfigMap of the workload's namespace mounted read-only into its container. */
export interface ExtraMount {
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
   * Directory it is mounted at.
   * @default - "<the workload's extra directory>/<name>"
   */
  readonly mountPath?: string;
}

/** A checked mount: which object, where. */
export interface ResolvedMount {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  readonly mountPath: string;
}

/**
 * Extra mounts, checked: one source each, valid names, absolute paths without "..", unique, and outside
 * `reservedDirs` (where the construct mounts its own files). `defaultDir` holds a mount without a mountPath.
 */
export function resolveMounts(owner: string, mounts: readonly ExtraMount[], defaultDir: string, reservedDirs: readonly string[]): ResolvedMount[] {
  const seen = new Set<string>();
  return mounts.map((mount, i) => {
    const at = `${owner}: extraMounts[${i}]`;
    if ((mount.secretName === undefined) === (mount.configMapName === undefined)) {
      throw new ConfigError(`${at}: set exactly one of secretName and configMapName`);
    }
    const kind = mount.secretName !== undefined ? 'secret' : 'configMap';
    const name = (mount.secretName ?? mount.configMapName)!;
    if (!isObjectName(name)) throw new ConfigError(`${at}: ${JSON.stringify(name)} is not a valid ${kind} name`);
    const mountPath = (mount.mountPath ?? `${defaultDir}/${name}`).replace(/\/+$/, '');
    if (!mountPath.startsWith('/') || mountPath.split('/').includes('..')) {
      throw new ConfigError(`${at}: mountPath ${JSON.stringify(mount.mountPath)} must be an absolute path without ".."`);
    }
    const clash = reservedDirs.find(dir => mountPath === dir || mountPath.startsWith(`${dir}/`) || dir.startsWith(`${mountPath}/`));
    if (clash) throw new ConfigError(`${at}: mountPath ${mountPath} overlaps ${clash}, which the construct mounts: choose another directory`);
    if (seen.has(mountPath)) throw new ConfigError(`${at}: mountPath ${mountPath} is used twice`);
    seen.add(mountPath);
    return { kind, name, mountPath };
  });
}
