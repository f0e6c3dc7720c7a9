/**
 * HTTPS on vmalert's own port (`-tls`, `-tlsCertFile`, `-tlsKeyFile` of the pinned vmalert), and the check that
 * vmalert's notifier settings match what an {@link AlertmanagerCluster} serves. No cdk8s here.
 */
import { checkCertAndKey, SecretKeyRef } from '../k8s/secret-refs';
import type { AlertmanagerWebSettings } from '../alertmanager/web-config';
import { AuthVolume, EndpointAuth, vmalertSecretPath } from './endpoint-auth';

/** The certificate vmalert serves its UI, API and /metrics with. */
export interface VmalertWebTlsSettings {
  /** The server certificate (PEM), from a Secret key; it must name the vmalert Service (`<service>.<namespace>.svc`). */
  readonly cert: SecretKeyRef;
  /** The private key of `cert` (PEM), from a Secret key. */
  readonly key: SecretKeyRef;
}

/** The files of vmalert's web TLS and the Secrets they are in. */
export interface VmalertWebTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly volumes: AuthVolume[];
}

/** The mounted files of `webTls`, checked; undefined without it. */
export function vmalertWebTlsFiles(owner: string, webTls: VmalertWebTlsSettings | undefined): VmalertWebTlsFiles | undefined {
  if (webTls === undefined) return undefined;
  checkCertAndKey(`${owner}: webTls`, webTls);
  const volumes = [webTls.cert, webTls.key].map(ref => ({ kind: 'secret' as const, name: ref.secretName, dir: vmalertSecretPath(ref).replace(/\/[^/]+$/, '') }));
  return { certFile: vmalertSecretPath(webTls.cert), keyFile: vmalertSecretPath(webTls.key), volumes };
}

/**
 * Problems of `notifierAuth` against the web settings of the AlertmanagerCluster it notifies: each would make every
 * notification fail at run time (unknown CA, 401, no client certificate), while the alerts pile up unseen.
 */
export function notifierAuthProblems(web: AlertmanagerWebSettings | undefined, auth: EndpointAuth | undefined): string[] {
  const problems: string[] = [];
  if (web?.tls && auth?.tls?.ca === undefined && !auth?.tls?.insecureSkipVerifyDangerous) {
    problems.push('notifiers is an AlertmanagerCluster serving HTTPS (web.tls): set notifierAuth.tls.ca to the CA that signed its '
      + 'certificate, or vmalert cannot verify it and every notification fails');
  }
  if (web?.tls?.clientCa && auth?.tls?.clientCert === undefined) {
    problems.push('notifiers is an AlertmanagerCluster that asks for client certificates (web.tls.clientCa): set notifierAuth.tls.clientCert '
      + 'and clientKey, signed by that CA');
  }
  const users = (web?.basicAuthUsers ?? []).map(u => u.username);
  if (users.length > 0) {
    const username = auth?.basicAuth?.username;
    if (username === undefined) {
      problems.push(`notifiers is an AlertmanagerCluster with basic auth (web.basicAuthUsers): set notifierAuth.basicAuth to one of its users (${users.join(', ')}) `
        + 'with the password from a Secret, or every notification is refused with 401');
    } else if (!users.includes(username)) {
      problems.push(`notifierAuth.basicAuth.username "${username}" is not a user of the AlertmanagerCluster (web.basicAuthUsers: ${users.join(', ')}): `
        + 'every notification would be refused with 401');
    }
  }
  return problems;
}
