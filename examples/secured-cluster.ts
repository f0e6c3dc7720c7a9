/**
 * Connecting vmalert to a secured VictoriaMetrics cluster, one chart per pattern: vmauth with basic auth, a bearer
 * token, mutual TLS, the tenant in the cluster URL path, vmauth with per-tenant credentials
 * (examples/files/vmauth-tenants.yml is the matching vmauth config), and TLS on every port of the stack itself.
 * Every credential is a key of a Secret you create; the manifests only name it.
 *
 *   npx ts-node examples/secured-cluster.ts vmauth-basic-auth | kubectl apply -f -
 *
 * (or bearer-token, mutual-tls, tenant-urls, vmauth-per-tenant, tls-every-port).
 *
 * In your own app, import from 'cdk8s-vmalert-ha' instead of '../constructs'.
 */
import { App, Chart } from 'cdk8s';
import { AlertmanagerCluster, AlertmanagerConfig, RulesConfigMap, tenantUrls, VmalertHa } from '../constructs';

/** The patterns of this example, each built into its own chart. */
export const SECURED_PATTERNS = ['vmauth-basic-auth', 'bearer-token', 'mutual-tls', 'tenant-urls', 'vmauth-per-tenant', 'tls-every-port'] as const;
export type SecuredPattern = typeof SECURED_PATTERNS[number];

/** Secrets (and the CA ConfigMap) each pattern expects to exist in the namespace. */
export const EXTERNAL_OBJECTS: Readonly<Record<SecuredPattern, { secrets: string[]; configMaps: string[] }>> = {
  'vmauth-basic-auth': { secrets: ['vmalert-vmauth'], configMaps: [] },
  'bearer-token': { secrets: ['vmalert-token'], configMaps: [] },
  'mutual-tls': { secrets: ['vmalert-client-tls'], configMaps: ['vm-ca'] },
  'tenant-urls': { secrets: [], configMaps: [] },
  'vmauth-per-tenant': { secrets: ['vmalert-tenant-42'], configMaps: [] },
  'tls-every-port': { secrets: ['monitoring-ca', 'alertmanager-web-tls', 'alertmanager-mesh-tls', 'alertmanager-vmalert', 'vmalert-web-tls'], configMaps: [] },
};

/** Builds one pattern's chart in `app`; the VmalertHa (and, for TLS on every port, the AlertmanagerCluster) differs. */
export function securedClusterChart(pattern: SecuredPattern, app: App = new App()): Chart {
  const chart = new Chart(app, pattern, { namespace: 'monitoring' });
  const config: AlertmanagerConfig = {
    route: { receiver: 'oncall' },
    receivers: [{ name: 'oncall', webhookConfigs: [{ url: { secretName: 'oncall-webhook', key: 'url' } }] }],
  };
  const rules = new RulesConfigMap(chart, 'rules', {
    groups: [{ name: 'targets', rules: [{ alert: 'TargetDown', expr: 'up == 0', for: '5m' }] }],
  });
  VMALERT[pattern](chart, config, rules);
  return chart;
}

const VMALERT: Record<SecuredPattern, (chart: Chart, config: AlertmanagerConfig, rules: RulesConfigMap) => VmalertHa> = {
  'vmauth-basic-auth': (chart, config, rules) => {
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { config });
    // #region vmauth-basic-auth
    // kubectl -n monitoring create secret generic vmalert-vmauth --from-literal=password=...
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'http://vmauth:8427/select/0/prometheus',
      remoteReadUrl: 'http://vmauth:8427/select/0/prometheus',
      remoteWriteUrl: 'http://vmauth:8427/insert/0/prometheus',
      datasourceAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'vmalert-vmauth', key: 'password' } } },
      remoteReadAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'vmalert-vmauth', key: 'password' } } },
      remoteWriteAuth: { basicAuth: { username: 'vmalert', password: { secretName: 'vmalert-vmauth', key: 'password' } } },
      notifiers: alertmanager,
      rules,
    });
    // #endregion
    return vmalert;
  },
  'bearer-token': (chart, config, rules) => {
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { config });
    // #region bearer-token
    // kubectl -n monitoring create secret generic vmalert-token --from-literal=token=...
    const token = { bearerToken: { secretName: 'vmalert-token', key: 'token' } };
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'https://vmauth.example.com/select/0/prometheus',
      remoteReadUrl: 'https://vmauth.example.com/select/0/prometheus',
      remoteWriteUrl: 'https://vmauth.example.com/insert/0/prometheus',
      datasourceAuth: token,
      remoteReadAuth: token,
      remoteWriteAuth: token,
      notifiers: alertmanager,
      rules,
    });
    // #endregion
    return vmalert;
  },
  'mutual-tls': (chart, config, rules) => {
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { config });
    // #region mutual-tls
    // The CA in a ConfigMap; the client certificate in a kubernetes.io/tls Secret (e.g. from cert-manager).
    const tls = {
      tls: {
        ca: { configMapName: 'vm-ca', key: 'ca.crt' },
        clientCert: { secretName: 'vmalert-client-tls', key: 'tls.crt' },
        clientKey: { secretName: 'vmalert-client-tls', key: 'tls.key' },
        serverName: 'vmauth.monitoring.svc',
      },
    };
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'https://vmauth:8427/select/0/prometheus',
      remoteReadUrl: 'https://vmauth:8427/select/0/prometheus',
      remoteWriteUrl: 'https://vmauth:8427/insert/0/prometheus',
      datasourceAuth: tls,
      remoteReadAuth: tls,
      remoteWriteAuth: tls,
      notifiers: alertmanager,
      rules,
    });
    // #endregion
    return vmalert;
  },
  'tenant-urls': (chart, config, rules) => {
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { config });
    // #region tenant-urls
    // Tenant 42, project 7: /select/42:7/prometheus on vmselect, /insert/42:7/prometheus on vminsert.
    const urls = tenantUrls({ vmselectUrl: 'http://vmselect:8481', vminsertUrl: 'http://vminsert:8480', tenant: '42:7' });
    const vmalert = new VmalertHa(chart, 'vmalert', { ...urls, notifiers: alertmanager, rules });
    // #endregion
    return vmalert;
  },
  'vmauth-per-tenant': (chart, config, rules) => {
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', { config });
    // #region vmauth-per-tenant
    // vmauth maps the user to tenant 42's paths (examples/files/vmauth-tenants.yml): vmalert needs no tenant in the URL.
    const tenant42 = { basicAuth: { username: 'tenant-42', password: { secretName: 'vmalert-tenant-42', key: 'password' } } };
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'http://vmauth:8427',
      remoteReadUrl: 'http://vmauth:8427',
      remoteWriteUrl: 'http://vmauth:8427',
      datasourceAuth: tenant42,
      remoteReadAuth: tenant42,
      remoteWriteAuth: tenant42,
      notifiers: alertmanager,
      rules,
    });
    // #endregion
    return vmalert;
  },
  'tls-every-port': (chart, config, rules) => {
    // #region tls-every-port
    // Secrets (e.g. from cert-manager): the CA, a certificate per component, vmalert's password for Alertmanager.
    // The web certificate names *.<headless Service>.monitoring.svc; the mesh one alertmanager.meshTlsServerName.
    const ca = { secretName: 'monitoring-ca', key: 'ca.crt' };
    const alertmanager = new AlertmanagerCluster(chart, 'alertmanager', {
      config,
      web: {
        tls: { cert: { secretName: 'alertmanager-web-tls', key: 'tls.crt' }, key: { secretName: 'alertmanager-web-tls', key: 'tls.key' } },
        // htpasswd -nbBC 10 vmalert "$PASSWORD" | cut -d: -f2 (the hash only; the password stays in its Secret)
        basicAuthUsers: [{ username: 'vmalert', passwordHash: '$2b$10$EivcUbgjkC.Nj4hf1/TCOuCtszEXq7nWTM9ooCiOn15jZFiufDtGG' }],
      },
      meshTls: {
        cert: { secretName: 'alertmanager-mesh-tls', key: 'tls.crt' },
        key: { secretName: 'alertmanager-mesh-tls', key: 'tls.key' },
        ca,
      },
    });
    const vmalert = new VmalertHa(chart, 'vmalert', {
      datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
      notifiers: alertmanager,
      notifierAuth: { tls: { ca }, basicAuth: { username: 'vmalert', password: { secretName: 'alertmanager-vmalert', key: 'password' } } },
      webTls: { cert: { secretName: 'vmalert-web-tls', key: 'tls.crt' }, key: { secretName: 'vmalert-web-tls', key: 'tls.key' } },
      rules,
    });
    // #endregion
    return vmalert;
  },
};

if (require.main === module) {
  const pattern = (process.argv[2] ?? 'vmauth-basic-auth') as SecuredPattern;
  if (!SECURED_PATTERNS.includes(pattern)) {
    process.stderr.write(`error: unknown pattern ${JSON.stringify(pattern)}; use one of ${SECURED_PATTERNS.join(', ')}\n`);
    process.exit(1);
  }
  const app = new App();
  securedClusterChart(pattern, app);
  process.stdout.write(app.synthYaml());
}
