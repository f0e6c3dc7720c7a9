/** Helpers to find synthesized objects in `Testing.synth` output by kind and component. */
import { Chart, Testing } from 'cdk8s';
import { AlertmanagerConfig } from '../../constructs';

export type Manifest = Record<string, any>;

export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

export function ofKind(objects: Manifest[], kind: string): Manifest[] {
  return objects.filter(o => o.kind === kind);
}

/** The single object of a kind; fails when there are none or several. */
export function only(objects: Manifest[], kind: string): Manifest {
  const found = ofKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}

export function firstContainer(workload: Manifest): Manifest {
  return workload.spec.template.spec.containers[0];
}

/** Args of the first container of the single object of a kind. */
export function argsOf(objects: Manifest[], kind: 'Deployment' | 'StatefulSet'): string[] {
  return firstContainer(only(objects, kind)).args;
}

export function flagValues(args: string[], flag: string): string[] {
  return args.filter(a => a.startsWith(`${flag}=`)).map(a => a.slice(flag.length + 1));
}

/** A small, valid Alertmanager config with an email receiver and a Secret-held password. */
export const EMAIL_CONFIG: AlertmanagerConfig = {
  global: {
    smtpSmarthost: 'smtp.example.com:587',
    smtpFrom: 'alerts@example.com',
    smtpAuthUsername: 'alerts@example.com',
    smtpAuthPassword: { secretName: 'smtp', key: 'password' },
  },
  route: { receiver: 'email', groupBy: ['alertname'], groupWait: '30s' },
  receivers: [{ name: 'email', emailConfigs: [{ to: 'oncall@example.com' }] }],
};

export const CPU_GROUP = {
  name: 'cpu',
  rules: [{ alert: 'HighCPU', expr: 'rate(process_cpu_seconds_total[5m]) * 100 > 10', for: '1m' }],
};
