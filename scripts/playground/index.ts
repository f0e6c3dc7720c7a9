/**
 * `npm run playground [-- --rules DIR] [--port N]`: the app (or the app with your rules) synthesized and run on
 * this machine with the pinned binaries, no cluster and no Docker, reusing the end-to-end runner (testkit):
 * the vmalert replicas and Alertmanager peers from the manifests, a single-node victoria-metrics behind the
 * vmselect/vminsert paths, vmagent scraping the stack with the generated scrape configs, an SMTP catcher with a
 * web page, and a simulated CPU load that makes the CPU alert fire. Ctrl-C stops everything and removes the
 * temporary directory.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AppConfig, loadAppConfig } from '../../app-config';
import { AlertingStack } from '../../main';
import { Component } from '../../testkit/feeder';
import { endTest, registerResource, nameWorkDir, testWorkDir, collectLogs } from '../../testkit/lifecycle';
import { discoveredPod, withStaticPodDiscovery } from '../../testkit/pod-discovery';
import { ClusterStatus, metricValue, vmalertAlerts } from '../../testkit/probes';
import { getJson, getText } from '../../testkit/http';
import { E2eStack, RunningPod } from '../../testkit/stack';
import { startVmagent, VMAGENT_PORT } from '../../testkit/vmagent';
import { ClusterPathProxy } from '../../testkit/vm-proxy';
import { K8sObject, podSpecOf, readManifests } from '../../constructs/testing/manifests';
import { stackDiagram } from '../docs/stack-diagram';
import { MailPage, PageLink, PagePod } from './mail-page';
import { copyRulesWithShortFor, describeShortening } from './rules';
import { StatusWriter } from './status';

const ROOT = path.resolve(__dirname, '..', '..');
/** The app's settings the playground changes: a local SMTP catcher, no TLS, a shorter evaluation interval. */
const PLAYGROUND_ENV: Readonly<Record<string, string>> = {
  EVALUATION_INTERVAL: '10s',
  SMTP_SMARTHOST: 'smtp.playground.test:2525',
  SMTP_REQUIRE_TLS: 'false',
  SMTP_FROM: 'alertmanager@playground.test',
  SMTP_TO: 'you@playground.test',
  SMTP_USERNAME: 'alertmanager@playground.test',
  SCRAPE_OBJECTS: 'none',
};
/** Every alert's `for:` is cut to at most this. */
const MAX_FOR = '15s';
const SCRAPE_INTERVAL = '10s';
/** The simulated busy component and its CPU use (CPU seconds per second), from LOAD_DELAY_MS after start. */
const LOAD_COMPONENT: Component = 'vmstorage';
const LOAD_RATE = 1.0;
const LOAD_DELAY_MS = 15_000;
const FEED_HISTORY_SECONDS = 600;
const STATUS_INTERVAL_MS = 2_000;
const PAGE_HOST = '127.0.0.1';
const DEFAULT_PORT = 8025;
/** The SMTP password the Alertmanager Secret gets; the catcher asks for none. */
const DUMMY_SMTP_PASSWORD = 'playground';

interface Options {
  readonly rules: string;
  readonly port: number;
}

const USAGE = 'usage: npm run playground [-- --rules DIR] [--port N]\n'
  + '  --rules DIR  your rule files instead of rules/ (the app\'s)\n'
  + `  --port N     port of the mail page on ${PAGE_HOST} (default ${DEFAULT_PORT}; 0 picks a free one)\n`;

/** The command line; an error names the option and the fix. */
export function parseArgs(argv: readonly string[]): Options {
  let rules = path.join(ROOT, 'rules');
  let port = DEFAULT_PORT;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--rules' && value !== undefined) {
      rules = path.resolve(value);
      i++;
    } else if (arg === '--port' && value !== undefined) {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`--port ${value}: give a port number 0-65535\n${USAGE}`);
      port = Number(value);
      i++;
    } else {
      throw new Error(`${arg === '--rules' || arg === '--port' ? `${arg} needs a value` : `unknown argument ${arg}`}\n${USAGE}`);
    }
  }
  return { rules, port };
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** scripts/tools/test-tools.sh: builds what is missing (showing what it builds), then returns. */
function buildBinaries(): Promise<void> {
  say('pinned binaries: checking (the first build compiles vmalert, vmagent, victoria-metrics and alertmanager: several minutes)');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts', 'tools', 'test-tools.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/tools/test-tools.sh failed (exit ${code}); see its output above`))));
  });
}

interface Synthesized {
  readonly objects: K8sObject[];
  readonly stack: AlertingStack;
  readonly config: AppConfig;
}

/** The app with the playground's settings and `rulesDir`, synthesized into `outdir` and read back. */
function synthesize(rulesDir: string, outdir: string): Synthesized {
  const config = loadAppConfig({ ...PLAYGROUND_ENV, RULES_DIR: rulesDir });
  const app = new App({ outdir });
  const stack = new AlertingStack(app, 'alerting', config);
  app.synth();
  const objects = fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).flatMap((f) => readManifests(path.join(outdir, f)));
  return { objects, stack, config };
}

/** Alertmanager's route prefix ("/" or "/alertmanager/"): its readiness probe path without `-/ready`. */
function routePrefix(workload: K8sObject): string {
  const probe: string = podSpecOf(workload)?.containers[0].readinessProbe?.httpGet?.path ?? '/-/ready';
  return probe.replace(/-\/ready$/, '');
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`playground: ${(err as Error).message}`);
    return 2;
  }
  nameWorkDir('playground');
  const timers: NodeJS.Timeout[] = [];
  let stopping: Promise<number> | undefined;
  let status: StatusWriter | undefined;
  let rulesCopy: string | undefined;
  const shutdown = async (): Promise<number> => {
    timers.forEach((t) => clearTimeout(t));
    status?.message('stopping: every process, server and port of the playground ...');
    const errors = await endTest(false);
    if (errors.length > 0) {
      process.stderr.write(`playground: cleanup problems:\n${errors.join('\n')}\n`);
      return 1;
    }
    say('stopped: no process left, every port free, temporary directory removed');
    return 0;
  };
  const onSignal = () => {
    if (stopping) return;
    stopping = shutdown();
    void stopping.then((code) => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await buildBinaries();
    if (stopping) return await stopping;
    const workDir = testWorkDir();
    say(`temporary directory: ${workDir}`);
    rulesCopy = path.join(workDir, 'rules');
    const changes = copyRulesWithShortFor(options.rules, rulesCopy, MAX_FOR);
    const synthesized = synthesize(rulesCopy, path.join(workDir, 'dist'));
    const notes = [
      `rules: ${options.rules}`,
      `shorter timings than the app (so the first email comes in about two and a half minutes): evaluation interval ${PLAYGROUND_ENV.EVALUATION_INTERVAL} (app: 1m), every for: cut to at most ${MAX_FOR}`
        + (changes.length > 0 ? ` (${changes.map(describeShortening).join('; ')})` : ''),
      `simulated load: ${LOAD_DELAY_MS / 1000}s after start, ${LOAD_COMPONENT}'s process_cpu_seconds_total grows at ${LOAD_RATE * 100}% of a core `
        + '(the VictoriaMetrics cluster components are stand-ins: one single-node victoria-metrics serves their paths)',
      `emails go to ${synthesized.config.smtpTo} through the catcher at ${synthesized.config.smtpSmarthost}; nothing leaves this machine`,
    ];
    notes.forEach((n) => say(`note: ${n}`));
    for (const warning of synthesized.stack.warnings) say(`note (from synth): ${warning}`);

    say('starting vmalert, Alertmanager, victoria-metrics, the SMTP catcher ...');
    const stack = await E2eStack.start({
      objects: synthesized.objects,
      dedupInterval: synthesized.stack.vmalert.recommendedDedupInterval,
      outOfBandSecrets: { [synthesized.config.smtpPasswordSecret]: { [synthesized.config.smtpPasswordKey]: DUMMY_SMTP_PASSWORD } },
      smtpSmarthost: synthesized.config.smtpSmarthost,
      feed: { stepSeconds: parseInt(SCRAPE_INTERVAL, 10), historySeconds: FEED_HISTORY_SECONDS },
    });
    if (stopping) return await stopping;

    // vmagent: the generated scrape configs with pod discovery replaced by our pods, plus vmagent's own metrics.
    const scrapeFile = path.join(workDir, 'vmagent-config', 'scrape-configs.yml');
    fs.mkdirSync(path.dirname(scrapeFile), { recursive: true });
    const generated = yaml.load(synthesized.stack.scrape.vmagentScrapeConfigs) as Array<Record<string, unknown>>;
    const pods = [...stack.vmalerts, ...stack.alertmanagers].map((pod) => discoveredPod(pod));
    fs.writeFileSync(scrapeFile, yaml.dump(withStaticPodDiscovery(generated, pods), { lineWidth: -1 }));
    const vmagentAddress = stack.loopback.allocate();
    const vmagent = await startVmagent({
      address: vmagentAddress, workDir, vmUrl: stack.vm.url, scrapeInterval: SCRAPE_INTERVAL,
      scrapeConfigFiles: [scrapeFile], jobs: [{ job: 'vmagent', targets: [`${vmagentAddress}:${VMAGENT_PORT}`] }],
    });
    if (stopping) return await stopping;

    const links: PageLink[] = [
      ...stack.vmalerts.map((pod) => ({ label: `vmalert ${pod.name}`, url: `${pod.url}/vmalert/` })),
      { label: 'victoria-metrics (vmui)', url: `${stack.vm.url}/vmui/` },
    ];
    const podRows: PagePod[] = [
      ...stack.vmalerts.map((p) => ({ name: p.name, role: 'vmalert replica (Deployment)', listens: new URL(p.url).host })),
      ...stack.alertmanagers.map((p) => ({ name: p.name, role: 'Alertmanager peer (StatefulSet)', listens: `${p.address}:9093 web, :9094 mesh` })),
      { name: 'victoria-metrics', role: 'storage: stand-in for vmstorage', listens: new URL(stack.vm.url).host },
      ...stack.proxies.map((p) => ({
        name: p.name, role: 'vmselect/vminsert paths to victoria-metrics', listens: p instanceof ClusterPathProxy ? `${p.listenAddress}:${p.port}` : '',
      })),
      { name: 'vmagent', role: 'scrapes vmalert, Alertmanager and itself', listens: `${vmagentAddress}:${VMAGENT_PORT}` },
      { name: 'smtp catcher', role: 'receives the emails', listens: `${stack.smtp.address}:${stack.smtp.port}` },
    ];
    const apiUrl = (pod: RunningPod) => `${pod.url}${routePrefix(pod.workload)}api/v2/`;
    const page = await MailPage.start({
      mails: () => stack.smtp.mails,
      links,
      pods: podRows,
      diagram: stackDiagram(synthesized.objects),
      notes,
      alertmanagers: stack.alertmanagers.map((pod) => pod.name),
      alertmanagerView: async (name) => {
        const pod = stack.alertmanagers.find((p) => p.name === name)!;
        const base = apiUrl(pod);
        const [status, alerts, silences, metrics] = await Promise.all([
          getJson<{ cluster: ClusterStatus }>(`${base}status`),
          getJson<Array<{ labels: Record<string, string>; status: { state: string }; startsAt: string }>>(`${base}alerts`),
          getJson<unknown[]>(`${base}silences`),
          getText(`${pod.url}${routePrefix(pod.workload)}metrics`),
        ]);
        return {
          name,
          apiUrl: base,
          clusterStatus: status.cluster.status,
          peers: status.cluster.peers.map((p) => p.name),
          alerts: alerts.map((a) => ({ labels: a.labels, state: a.status.state, startsAt: a.startsAt })),
          silences: silences.length,
          emailsSent: metricValue(metrics, 'alertmanager_notifications_total', { integration: 'email' }),
        };
      },
    }, PAGE_HOST, options.port);
    registerResource('mail page', { close: () => page.close() });
    say(`mail: ${page.url}`);
    for (const link of links) say(`${link.label}: ${link.url}`);
    for (const pod of stack.alertmanagers) say(`alertmanager ${pod.name}: ${page.url}alertmanager/${pod.name} (API: ${apiUrl(pod)})`);
    say('press Ctrl-C to stop');

    timers.push(setTimeout(() => {
      stack.feeder.setRate(LOAD_COMPONENT, LOAD_RATE);
      status?.message(`load: ${LOAD_COMPONENT} now at ${LOAD_RATE * 100}% of a core`);
    }, LOAD_DELAY_MS));
    status = new StatusWriter(process.stdout);
    const processes = () => [...stack.vmalerts.map((p) => p.process), ...stack.alertmanagers.map((p) => p.process), stack.vm.process, vmagent];
    const refresh = async () => {
      if (stopping) return;
      const alerts = await vmalertAlerts(stack.vmalerts[0].url).catch(() => []);
      const mails = stack.smtp.mails;
      if (stopping) return;
      status!.write({
        podsUp: processes().filter((p) => p.running).length,
        podsTotal: processes().length,
        pending: alerts.filter((a) => a.state === 'pending').map((a) => a.name),
        firing: alerts.filter((a) => a.state === 'firing').map((a) => a.name),
        emails: mails.length,
        lastSubject: mails[mails.length - 1]?.subject,
      });
      timers.push(setTimeout(() => void refresh(), STATUS_INTERVAL_MS));
    };
    await refresh();
    return await new Promise<number>(() => undefined); // runs until a signal
  } catch (err) {
    if (stopping) return await stopping;
    // Rule errors name the playground's copy: name the user's files instead.
    const message = (err instanceof Error ? err.message : String(err)).split(rulesCopy ?? '\0').join(options.rules);
    process.stderr.write(`playground: ${message}\n`);
    const logs = collectLogs();
    if (logs) process.stderr.write(`${logs.split('\n').slice(-60).join('\n')}\n`);
    await shutdown();
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code === 0 ? 0 : code));
}
