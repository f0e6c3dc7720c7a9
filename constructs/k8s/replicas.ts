/** The replica count check both workloads share. No cdk8s here. */
import { ConfigError } from '../core/errors';
import { INT32_MAX } from './names';

/** Checks a replica count prop. */
export function checkReplicas(owner: string, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new ConfigError(`${owner}: replicas must be a whole number >= 1, got ${replicas}`);
  }
  if (replicas > INT32_MAX) {
    throw new ConfigError(`${owner}: replicas ${replicas} is above ${INT32_MAX}: Kubernetes stores it as int32 and refuses the object`);
  }
}
