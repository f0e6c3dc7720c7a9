import { Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, UiIngressProps, VmalertHa } from '../constructs';
import { CPU_GROUP, EMAIL_CONFIG, Manifest, ofKind, only, synth } from './support/synth';

const CONTROLLER = { namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
const BASIC: UiIngressProps = { host: 'alerts.example.com', auth: { basicAuthSecretName: 'alerting-htpasswd' }, tlsSecretName: 'alerts-tls', ingressControllerPods: CONTROLLER };

const TLS = { cert: { secretName: 'web-tls', key: 'tls.crt' }, key: { secretName: 'web-tls', key: 'tls.key' } };
const CA = { secretName: 'web-ca', key: 'ca.crt' };

function stack(amProps: Partial<ConstructorParameters<typeof AlertmanagerCluster>[2]> = {},
  vmalertProps: Partial<ConstructorParameters<typeof VmalertHa>[2]> = {}) {
  const chart = Testing.chart();
  const am = new AlertmanagerCluster(chart, 'am', { config: EMAIL_CONFIG, namespace: 'monitoring', ...amProps });
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
  const vmalert = new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: am, rules, namespace: 'monitoring', extraArgs: ['-http.pathPrefix=/vmalert'],
    ...vmalertProps,
  });
  return { chart, am, vmalert };
}

/** The ingress rules of the NetworkPolicy protecting pods with `app.kubernetes.io/name: <name>`. */
function policyRules(objects: Manifest[], name: string): any[] {
  return ofKind(objects, 'NetworkPolicy').find(p => p.metadata.labels?.['app.kubernetes.io/name'] === name)!.spec.ingress;
}

describe('addIngress', () => {
  test('Alertmanager: basic auth, TLS, the route prefix, and the controller let through to 9093', () => {
    // GIVEN a cluster served under /alertmanager
    const { chart, am } = stack({ routePrefix: '/alertmanager' });
    // WHEN
    am.addIngress({ ...BASIC, ingressClassName: 'nginx' });
    // THEN
    const objects = synth(chart);
    const ingress = only(objects, 'Ingress');
    expect(ingress.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/auth-type': 'basic',
      'nginx.ingress.kubernetes.io/auth-secret': 'alerting-htpasswd',
      'nginx.ingress.kubernetes.io/auth-realm': 'Authentication required',
    });
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['alerts.example.com'], secretName: 'alerts-tls' }]);
    expect(ingress.spec.rules).toEqual([{ host: 'alerts.example.com', http: { paths: [{
      path: '/alertmanager', pathType: 'Prefix', backend: { service: { name: am.service.name, port: { number: 9093 } } },
    }] } }]);
    expect(policyRules(objects, 'alertmanager')).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: CONTROLLER.namespaceLabels }, podSelector: { matchLabels: CONTROLLER.podLabels } }],
      ports: [{ port: 9093, protocol: 'TCP' }],
    });
  });

  test('vmalert: external auth (oauth2-proxy) under -http.pathPrefix, on 8880', () => {
    const { chart, vmalert } = stack();
    vmalert.addIngress({ ...BASIC, host: 'vmalert.example.com',
      auth: { externalAuthUrl: 'https://oauth.example.com/oauth2/auth', externalAuthSignInUrl: 'https://oauth.example.com/oauth2/start' } });
    const objects = synth(chart);
    const ingress = only(objects, 'Ingress');
    expect(ingress.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/auth-url': 'https://oauth.example.com/oauth2/auth',
      'nginx.ingress.kubernetes.io/auth-signin': 'https://oauth.example.com/oauth2/start',
    });
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/vmalert', backend: { service: { port: { number: 8880 } } } });
    expect(policyRules(objects, 'vmalert').some(r => r.ports[0].port === 8880 && r.from[0].namespaceSelector)).toBe(true);
  });

  test('another controller\'s auth annotations, plain HTTP, no NetworkPolicy', () => {
    const { chart, am } = stack({ networkPolicy: { enabled: false } });
    am.addIngress({ host: 'alerts.internal', auth: { annotations: { 'traefik.ingress.kubernetes.io/router.middlewares': 'auth-basic@kubernetescrd' } }, allowPlainHttp: true });
    const ingress = only(synth(chart), 'Ingress');
    expect(ingress.metadata.annotations).toEqual({ 'traefik.ingress.kubernetes.io/router.middlewares': 'auth-basic@kubernetescrd' });
    expect(ingress.spec.tls).toBeUndefined();
  });

  test.each([
    [{ ...BASIC, auth: {} }, 'AlertmanagerCluster "am": addIngress: auth is required'],
    [{ ...BASIC, auth: { basicAuthSecretName: 'a', externalAuthUrl: 'https://oauth.example.com/' } }, 'auth sets basicAuthSecretName and externalAuthUrl: set one of them'],
    [{ ...BASIC, tlsSecretName: undefined }, 'tlsSecretName is required: credentials and sessions would cross the network in clear'],
    [{ ...BASIC, ingressControllerPods: undefined }, 'ingressControllerPods is required while the NetworkPolicy is on'],
    [{ ...BASIC, ingressControllerPods: {} }, 'ingressControllerPods selects nothing'],
    [{ ...BASIC, host: 'Alerts_Example' }, 'host "Alerts_Example" is not a DNS-1123 subdomain'],
    [{ ...BASIC, auth: { externalAuthUrl: 'oauth2-proxy/oauth2/auth' } }, 'auth.externalAuthUrl "oauth2-proxy/oauth2/auth" is not an http(s) URL'],
    [{ ...BASIC, auth: { annotations: {} } }, 'auth.annotations is empty'],
  ])('refuses %j', (props, message) => {
    const { am } = stack();
    expect(() => am.addIngress(props as UiIngressProps)).toThrow(message);
  });

  test('pods serving HTTPS (web TLS) get an HTTPS backend; vmselectProxyUrl is https too', () => {
    // GIVEN Alertmanager and vmalert with web TLS
    const { chart, am, vmalert } = stack({ web: { tls: TLS } }, { webTls: TLS, notifierAuth: { tls: { ca: CA } } });
    // WHEN both get an Ingress
    am.addIngress(BASIC);
    vmalert.addIngress({ ...BASIC, host: 'vmalert.example.com' });
    // THEN ingress-nginx is told to speak HTTPS to the pods
    for (const ingress of ofKind(synth(chart), 'Ingress')) {
      expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/backend-protocol']).toBe('HTTPS');
    }
    expect(vmalert.vmselectProxyUrl).toMatch(/^https:\/\/.*\.monitoring\.svc:8880\/vmalert$/);
  });

  test('pods asking for a client certificate are refused an Ingress', () => {
    const { am } = stack({ web: { tls: { ...TLS, clientCa: CA } } },
      { notifierAuth: { tls: { ca: CA, clientCert: { secretName: 'vmalert-client', key: 'tls.crt' }, clientKey: { secretName: 'vmalert-client', key: 'tls.key' } } } });
    expect(() => am.addIngress(BASIC)).toThrow('web.tls.clientCa makes the pods ask every connection for a client certificate');
  });

  test('a second Ingress for the same UI is refused', () => {
    const { am } = stack();
    am.addIngress(BASIC);
    expect(() => am.addIngress({ ...BASIC, host: 'other.example.com' })).toThrow('the cluster already has an Ingress');
  });
});
