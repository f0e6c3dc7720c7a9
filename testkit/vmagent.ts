/**
 * The pinned vmagent scraping the pods under test (vmalert, Alertmanager) and remote-writing to the test's
 * victoria-metrics, as the VictoriaMetrics cluster's vmagent scrapes the real pods: it writes every target's
 * own metrics and an `up` series (0 when a scrape fails).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { binary } from './binaries';
import { waitFor } from './http';
import { ManagedProcess, startProcess } from './processes';

/** vmagent's default HTTP port (its own /metrics), on the address it is given. */
export const VMAGENT_PORT = 8429;
/** Time vmagent gets to answer /health after start. */
const START_TIMEOUT_MS = 20_000;

/** One scrape job: the `job` label and `host:port` targets. */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
}

export interface VmagentOptions {
  /** Loopback address vmagent listens on. */
  readonly address: string;
  /** Directory for the scrape config, the remote-write queue and the log. */
  readonly workDir: string;
  /** Base URL of the single-node victoria-metrics to write to. */
  readonly vmUrl: string;
  /** Static scrape jobs. @default - none */
  readonly jobs?: readonly ScrapeJob[];
  /**
   * Files of scrape configs included through `scrape_config_files`, as docs/self-monitoring.md tells users to include the
   * generated ones. @default - none
   */
  readonly scrapeConfigFiles?: readonly string[];
  /** Scrape interval, a Prometheus duration. */
  readonly scrapeInterval: string;
  /**
   * How often vmagent re-reads its config files (a Go duration), so a test can change them.
   * @default - never (vmagent's default)
   */
  readonly configCheckInterval?: string;
}

/** Start vmagent with static scrape jobs and/or included scrape-config files, and wait until it is healthy. */
export async function startVmagent(options: VmagentOptions): Promise<ManagedProcess> {
  const dir = path.join(options.workDir, 'vmagent');
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'scrape.yml');
  fs.writeFileSync(configFile, yaml.dump({
    global: { scrape_interval: options.scrapeInterval },
    scrape_configs: (options.jobs ?? []).map(({ job, targets }) => ({ job_name: job, static_configs: [{ targets: [...targets] }] })),
    ...(options.scrapeConfigFiles ? { scrape_config_files: [...options.scrapeConfigFiles] } : {}),
  }));
  const url = `http://${options.address}:${VMAGENT_PORT}`;
  const proc = startProcess({
    name: 'vmagent',
    command: binary('vmagent'),
    args: [
      `-promscrape.config=${configFile}`,
      `-remoteWrite.url=${options.vmUrl}/api/v1/write`,
      `-remoteWrite.tmpDataPath=${path.join(dir, 'queue')}`,
      `-httpListenAddr=${options.address}:${VMAGENT_PORT}`,
      '-loggerLevel=WARN',
      ...(options.configCheckInterval ? [`-promscrape.configCheckInterval=${options.configCheckInterval}`] : []),
    ],
    logDir: options.workDir,
  });
  await waitFor(
    `vmagent /health at ${url}`,
    async () => {
      if (!proc.running) throw new Error(`vmagent exited: ${proc.logText()}`);
      const res = await fetch(`${url}/health`);
      return res.ok ? true : undefined;
    },
    { timeoutMs: START_TIMEOUT_MS },
  );
  return proc;
}
