/**
 * The pinned vmalert and Alertmanager started on loopback so that their /metrics hold the names the dashboards and
 * the metric catalogue use: vmalert with an alerting and a recording rule, a notifier and remote write (targets
 * where nothing listens: the metrics exist whether or not they succeed); Alertmanager with clustering on.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { binary, freePort, pollUntilOk, start, StartedProcess } from './binaries';

const HOST = '127.0.0.1';
/** Time for vmalert to evaluate, notify and flush once, so the metrics of those paths exist. */
const SETTLE_MS = 3_000;

export interface MetricSource {
  readonly metricsUrl: string;
  readonly process: StartedProcess;
}

export interface MetricSources {
  readonly vmalert: MetricSource;
  readonly alertmanager: MetricSource;
}

/** Starts both in `workDir` and resolves once both answer /metrics and vmalert has evaluated; throws with their output otherwise. */
export async function startMetricSources(workDir: string): Promise<MetricSources> {
  const rules = path.join(workDir, 'rules.yml');
  fs.writeFileSync(rules, yaml.dump({ groups: [{ name: 'metric-sources', interval: '1s', rules: [
    { alert: 'MetricSourcesAlways', expr: 'vector(1)' }, { record: 'metric_sources:one', expr: 'vector(1)' },
  ] }] }));
  const amConfig = path.join(workDir, 'alertmanager.yml');
  fs.writeFileSync(amConfig, yaml.dump({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
  const [vmalertPort, datasource, remote, amPort, mesh] = await Promise.all(Array.from({ length: 5 }, () => freePort(HOST)));
  const vmalert = start(binary('vmalert'), [
    `-rule=${rules}`, `-datasource.url=http://${HOST}:${datasource}`, `-notifier.url=http://${HOST}:${amPort}`,
    `-remoteWrite.url=http://${HOST}:${remote}`, `-httpListenAddr=${HOST}:${vmalertPort}`,
  ]);
  const alertmanager = start(binary('alertmanager'), [
    `--config.file=${amConfig}`, `--storage.path=${path.join(workDir, 'alertmanager-data')}`, `--web.listen-address=${HOST}:${amPort}`,
    `--cluster.listen-address=${HOST}:${mesh}`, `--cluster.advertise-address=${HOST}:${mesh}`,
  ]);
  const sources = {
    vmalert: { metricsUrl: `http://${HOST}:${vmalertPort}/metrics`, process: vmalert },
    alertmanager: { metricsUrl: `http://${HOST}:${amPort}/metrics`, process: alertmanager },
  };
  for (const { metricsUrl, process } of Object.values(sources)) {
    const status = await pollUntilOk(metricsUrl, process);
    if (status !== 200) {
      await Promise.all([vmalert.stop(), alertmanager.stop()]);
      throw new Error(`${metricsUrl} answered ${status}:\n${process.output().slice(-2000)}`);
    }
  }
  await new Promise(resolve => setTimeout(resolve, SETTLE_MS));
  return sources;
}

/** The sample lines of a /metrics answer (no comments, no blank lines). */
export async function scrapeLines(metricsUrl: string): Promise<string[]> {
  const res = await fetch(metricsUrl);
  return (await res.text()).split('\n').filter(l => l && !l.startsWith('#'));
}

/** The metric names of exposition lines. */
export function exposedNames(lines: readonly string[]): Set<string> {
  return new Set(lines.map(l => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0] ?? ''));
}
