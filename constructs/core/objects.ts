/** Small object helpers. No cdk8s here. */

/** The object without its undefined fields, so rendered YAML holds only what was set. */
export function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}
