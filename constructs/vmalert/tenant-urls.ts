/** The vmalert URLs of one tenant of a VictoriaMetrics cluster. No cdk8s here. */
import { ConfigError } from '../core/errors';
import { urlProblem } from '../core/url';

/** Where the cluster's vmselect and vminsert are reached, and which tenant to use. */
export interface TenantEndpoints {
  /** Base URL of vmselect (or of a vmauth route to it), e.g. http://vmselect:8481. */
  readonly vmselectUrl: string;
  /** Base URL of vminsert (or of a vmauth route to it), e.g. http://vminsert:8480. */
  readonly vminsertUrl: string;
  /** Tenant as VictoriaMetrics writes it: "<accountID>" or "<accountID>:<projectID>", each 0..4294967295. */
  readonly tenant: string;
}

/** URLs for {@link VmalertHa}'s datasourceUrl, remoteReadUrl and remoteWriteUrl. */
export interface TenantUrls {
  /** `<vmselect>/select/<tenant>/prometheus`. */
  readonly datasourceUrl: string;
  /** The same as datasourceUrl: state is restored from where it is queried. */
  readonly remoteReadUrl: string;
  /** `<vminsert>/insert/<tenant>/prometheus`. */
  readonly remoteWriteUrl: string;
}

const UINT32_MAX = 4294967295;

/**
 * The tenant's cluster paths: `<vmselect>/select/<tenant>/prometheus` for queries and state restore,
 * `<vminsert>/insert/<tenant>/prometheus` for alert state and recording rules.
 */
export function tenantUrls(endpoints: TenantEndpoints): TenantUrls {
  const tenant = String(endpoints.tenant);
  const parts = /^(\d+)(?::(\d+))?$/.exec(tenant);
  if (!parts || [parts[1], parts[2]].some(p => p !== undefined && Number(p) > UINT32_MAX)) {
    throw new ConfigError(`tenant ${JSON.stringify(tenant)} is not a VictoriaMetrics tenant: write "<accountID>" or "<accountID>:<projectID>" `
      + `with whole numbers 0..${UINT32_MAX}, e.g. "42" or "42:7"`);
  }
  const base = (prop: string, raw: string) => {
    const problem = urlProblem(raw);
    if (problem) throw new ConfigError(`${prop} ${JSON.stringify(raw)} ${problem} (e.g. http://vmselect:8481)`);
    return raw.replace(/\/+$/, '');
  };
  const select = `${base('vmselectUrl', endpoints.vmselectUrl)}/select/${tenant}/prometheus`;
  return {
    datasourceUrl: select,
    remoteReadUrl: select,
    remoteWriteUrl: `${base('vminsertUrl', endpoints.vminsertUrl)}/insert/${tenant}/prometheus`,
  };
}

/**
 * {@link tenantUrls} as a static method, for the languages jsii publishes to (Python, Java, Go, .NET), which have no
 * free functions.
 *
 * @example
 * new VmalertHa(chart, 'vmalert', { ...VictoriaMetricsTenant.urls({ vmselectUrl, vminsertUrl, tenant: '42' }), notifiers, rules });
 */
export class VictoriaMetricsTenant {
  /**
   * The tenant's cluster paths: `<vmselect>/select/<tenant>/prometheus` for queries and state restore,
   * `<vminsert>/insert/<tenant>/prometheus` for alert state and recording rules.
   */
  public static urls(endpoints: TenantEndpoints): TenantUrls {
    return tenantUrls(endpoints);
  }

  private constructor() {}
}
