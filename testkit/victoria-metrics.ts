/**
 * Single-node victoria-metrics (the pinned build): the storage behind the vmselect and
 * vminsert stand-ins (vm-proxy.ts), plus the query and import calls the tests use.
 */
import * as path from 'path';
import { binary } from './binaries';
import { getJson, postText, waitFor } from './http';
import { ManagedProcess, startProcess } from './processes';

/** victoria-metrics' default HTTP port. */
export const VICTORIA_METRICS_PORT = 8428;
/** Time the single node gets to answer /health after start. */
const START_TIMEOUT_MS = 20_000;

export interface VictoriaMetricsOptions {
  /** Loopback address to listen on. */
  readonly address: string;
  /** Working directory of the test: data goes to `<workDir>/victoria-metrics-data`. */
  readonly workDir: string;
  /** `-dedup.minScrapeInterval`, as vmselect and vmstorage would run it (e.g. VmalertHa.recommendedDedupInterval). */
  readonly dedupInterval: string;
  /**
   * `-search.latencyOffset`: instant queries closer than this to "now" are moved back by it (default 30s in
   * victoria-metrics). Kept as in production unless a test says otherwise.
   */
  readonly latencyOffset?: string;
}

/** An instant-query result sample. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** A range-query result series. */
export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: Array<[number, string]>;
}

interface PromResponse<T> {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: T };
}

/** A running single-node victoria-metrics. */
export class VictoriaMetrics {
  public readonly url: string;

  private constructor(
    public readonly process: ManagedProcess,
    address: string,
  ) {
    this.url = `http://${address}:${VICTORIA_METRICS_PORT}`;
  }

  /** Start it and wait until /health answers. */
  public static async start(options: VictoriaMetricsOptions): Promise<VictoriaMetrics> {
    const args = [
      `-httpListenAddr=${options.address}:${VICTORIA_METRICS_PORT}`,
      `-storageDataPath=${path.join(options.workDir, 'victoria-metrics-data')}`,
      `-dedup.minScrapeInterval=${options.dedupInterval}`,
      // Tests read back what they just wrote; the response cache would serve results from before a write.
      '-search.disableCache',
      '-retentionPeriod=1d',
      '-loggerLevel=WARN',
    ];
    if (options.latencyOffset) args.push(`-search.latencyOffset=${options.latencyOffset}`);
    const proc = startProcess({
      name: 'victoria-metrics',
      command: binary('victoria-metrics'),
      args,
      logDir: options.workDir,
    });
    const vm = new VictoriaMetrics(proc, options.address);
    await waitFor(
      `victoria-metrics /health at ${vm.url}`,
      async () => {
        if (!proc.running) throw new Error(`victoria-metrics exited: ${proc.logText()}`);
        const res = await fetch(`${vm.url}/health`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS },
    );
    return vm;
  }

  /** Import samples in Prometheus text format with millisecond timestamps (`name{labels} value ts`). */
  public async importPrometheus(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await postText(`${this.url}/api/v1/import/prometheus`, lines.join('\n') + '\n');
  }

  /** Instant query at `time` (unix seconds; default now). */
  public async query(expr: string, time?: number): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: expr, nocache: '1' });
    if (time !== undefined) params.set('time', String(time));
    const res = await getJson<PromResponse<VectorSample[]>>(`${this.url}/api/v1/query?${params}`);
    return res.data.result;
  }

  /** Range query over [start, end] (unix seconds) with `step` seconds. */
  public async queryRange(expr: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
    const params = new URLSearchParams({
      query: expr,
      start: String(start),
      end: String(end),
      step: String(step),
      nocache: '1',
    });
    const res = await getJson<PromResponse<MatrixSeries[]>>(`${this.url}/api/v1/query_range?${params}`);
    return res.data.result;
  }
}
