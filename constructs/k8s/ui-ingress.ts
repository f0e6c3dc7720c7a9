import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { urlProblem } from '../core/url';
import { dns1123SubdomainProblem, labelKeyProblem } from './names';
import { IngressPolicy, NetworkPeer, networkPeers } from './network-policy';

/**
 * How the Ingress authenticates users before a request reaches the UI; set exactly one of `basicAuthSecretName`,
 * `externalAuthUrl` and `annotations`. The first two write ingress-nginx's annotations.
 */
export interface UiIngressAuth {
  /**
   * Secret (in the Ingress's namespace) with an htpasswd file under the key `auth`: ingress-nginx basic auth.
   * @default - none
   */
  readonly basicAuthSecretName?: string;
  /**
   * URL an auth service (e.g. oauth2-proxy's `/oauth2/auth`) answers 2xx on for authenticated requests:
   * ingress-nginx external auth.
   * @default - none
   */
  readonly externalAuthUrl?: string;
  /**
   * Where the browser is sent to sign in when `externalAuthUrl` refuses (e.g. oauth2-proxy's `/oauth2/start`).
   * @default - none: a refused request gets 401
   */
  readonly externalAuthSignInUrl?: string;
  /**
   * The authentication annotations of another Ingress controller, written as given. You vouch that they
   * authenticate: the construct cannot check another controller's annotations.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** Options for the `addIngress` of {@link AlertmanagerCluster} and {@link VmalertHa}. */
export interface UiIngressProps {
  /** Host name users reach the UI at, e.g. "alertmanager.example.com". */
  readonly host: string;
  /**
   * Authentication in front of the UI. Required: Alertmanager's UI and API create and expire silences, and
   * vmalert's shows every rule and alert, to anyone who reaches them.
   */
  readonly auth: UiIngressAuth;
  /**
   * Secret of type kubernetes.io/tls with the certificate for `host`. Required unless `allowPlainHttp`: basic
   * auth and session cookies would cross the network in clear.
   * @default - none
   */
  readonly tlsSecretName?: string;
  /**
   * Serve the UI over plain HTTP (a network you trust, or TLS terminated before the controller).
   * @default false
   */
  readonly allowPlainHttp?: boolean;
  /**
   * IngressClass of the controller.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * The Ingress controller's pods, let through the workload's NetworkPolicy to the UI port. Required while the
   * NetworkPolicy is on: without it the controller cannot reach the pods and every request fails.
   * @default - none
   */
  readonly ingressControllerPods?: NetworkPeer;
}

/** What the UI is and where it is served. */
export interface UiTarget {
  /** E.g. `AlertmanagerCluster "alertmanager": addIngress`, for errors. */
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly service: kplus.Service;
  readonly port: number;
  /** Path the UI is served under ("/" or the route prefix). */
  readonly path: string;
  /** Whether the pods serve HTTPS (web TLS): the controller must then speak HTTPS to them. */
  readonly https: boolean;
  /** Why the controller cannot connect at all (the pods ask for a client certificate), if so. */
  readonly unreachableBecause?: string;
  readonly networkPolicy?: IngressPolicy;
}

/** The annotations the auth settings write; throws naming the prop when none, or more than one, is set. */
export function uiAuthAnnotations(owner: string, auth: UiIngressAuth | undefined): Record<string, string> {
  const set = auth ? (['basicAuthSecretName', 'externalAuthUrl', 'annotations'] as const).filter(k => auth[k] !== undefined) : [];
  if (!auth || set.length === 0) {
    throw new ConfigError(`${owner}: auth is required: without it anyone who reaches the host can see every alert and create `
      + 'silences; set auth.basicAuthSecretName (an htpasswd Secret), auth.externalAuthUrl (e.g. oauth2-proxy) or auth.annotations '
      + '(another controller\'s authentication)');
  }
  if (set.length > 1) throw new ConfigError(`${owner}: auth sets ${set.join(' and ')}: set one of them`);
  if (auth.externalAuthSignInUrl !== undefined && auth.externalAuthUrl === undefined) {
    throw new ConfigError(`${owner}: auth.externalAuthSignInUrl only applies with auth.externalAuthUrl`);
  }
  if (auth.basicAuthSecretName !== undefined) {
    const problem = dns1123SubdomainProblem(auth.basicAuthSecretName);
    if (problem) throw new ConfigError(`${owner}: auth.basicAuthSecretName ${JSON.stringify(auth.basicAuthSecretName)} ${problem}`);
    return {
      'nginx.ingress.kubernetes.io/auth-type': 'basic',
      'nginx.ingress.kubernetes.io/auth-secret': auth.basicAuthSecretName,
      'nginx.ingress.kubernetes.io/auth-realm': 'Authentication required',
    };
  }
  if (auth.externalAuthUrl !== undefined) {
    for (const [prop, url] of [['externalAuthUrl', auth.externalAuthUrl], ['externalAuthSignInUrl', auth.externalAuthSignInUrl]] as const) {
      const problem = url === undefined ? undefined : urlProblem(url);
      if (problem) throw new ConfigError(`${owner}: auth.${prop} ${JSON.stringify(url)} ${problem}`);
    }
    return {
      'nginx.ingress.kubernetes.io/auth-url': auth.externalAuthUrl,
      ...(auth.externalAuthSignInUrl ? { 'nginx.ingress.kubernetes.io/auth-signin': auth.externalAuthSignInUrl } : {}),
    };
  }
  const annotations = auth.annotations ?? {};
  if (Object.keys(annotations).length === 0) throw new ConfigError(`${owner}: auth.annotations is empty: name the controller's authentication annotations`);
  for (const key of Object.keys(annotations)) {
    const problem = labelKeyProblem(key);
    if (problem) throw new ConfigError(`${owner}: auth.annotations key ${JSON.stringify(key)} ${problem}`);
  }
  return { ...annotations };
}

/** An Ingress for `target`'s UI behind the required authentication (and TLS unless allowPlainHttp). */
export function addUiIngress(scope: Construct, target: UiTarget, props: UiIngressProps): kplus.Ingress {
  const { owner } = target;
  const hostProblem = typeof props.host === 'string' ? dns1123SubdomainProblem(props.host) : 'is not a string';
  if (hostProblem) throw new ConfigError(`${owner}: host ${JSON.stringify(props.host)} ${hostProblem} (e.g. alertmanager.example.com)`);
  if (target.unreachableBecause) throw new ConfigError(`${owner}: ${target.unreachableBecause}`);
  const annotations = uiAuthAnnotations(owner, props.auth);
  // ingress-nginx speaks plain HTTP to backends unless told otherwise; another controller's own annotations say it.
  if (target.https && props.auth?.annotations === undefined) annotations['nginx.ingress.kubernetes.io/backend-protocol'] = 'HTTPS';
  if (props.tlsSecretName === undefined && !props.allowPlainHttp) {
    throw new ConfigError(`${owner}: tlsSecretName is required: credentials and sessions would cross the network in clear; `
      + 'name a kubernetes.io/tls Secret for the host, or set allowPlainHttp: true where TLS ends before the controller');
  }
  if (props.tlsSecretName !== undefined) {
    const problem = dns1123SubdomainProblem(props.tlsSecretName);
    if (problem) throw new ConfigError(`${owner}: tlsSecretName ${JSON.stringify(props.tlsSecretName)} ${problem}`);
  }
  if (target.networkPolicy) {
    if (!props.ingressControllerPods) {
      throw new ConfigError(`${owner}: ingressControllerPods is required while the NetworkPolicy is on: the controller could not `
        + `reach port ${target.port} and every request would fail; e.g. { namespaceLabels: { 'kubernetes.io/metadata.name': `
        + '\'ingress-nginx\' }, podLabels: { \'app.kubernetes.io/name\': \'ingress-nginx\' } }');
    }
    target.networkPolicy.allow([{ port: target.port, protocol: 'TCP' }], networkPeers(owner, [props.ingressControllerPods], 'ingressControllerPods'));
  }
  const ingress = new kplus.Ingress(scope, 'ingress', {
    metadata: { namespace: target.namespace, labels: target.labels, annotations },
    className: props.ingressClassName,
    tls: props.tlsSecretName === undefined ? undefined
      : [{ hosts: [props.host], secret: kplus.Secret.fromSecretName(scope, 'ingress-tls', props.tlsSecretName) }],
  });
  ingress.addHostRule(props.host, target.path, kplus.IngressBackend.fromService(target.service, { port: target.port }), kplus.HttpIngressPathType.PREFIX);
  return ingress;
}
