/**
 * Feeds `process_cpu_seconds_total` of the five VictoriaMetrics cluster components into victoria-metrics,
 * the way vmagent would after scraping them: a counter per component that grows at a chosen rate
 * (CPU seconds per second: 0.5 = 50% of a core). History is backfilled so `rate(...[window])` is right
 * from the first evaluation, then a live sample is written every step on step-aligned timestamps (aligned
 * samples never share a dedup interval, so deduplication keeps every one of them).
 */
import { registerResource } from './lifecycle';
import { postText } from './http';

/** The components the app's CPU rule watches, with the port their instance label carries. */
export const COMPONENTS = {
  vminsert: 8480,
  vmselect: 8481,
  vmstorage: 8482,
  vmagent: 8429,
  vmalert: 8880,
} as const;
export type Component = keyof typeof COMPONENTS;

export const CPU_METRIC = 'process_cpu_seconds_total';
/** A quiet component: 1% of a core. */
export const IDLE_CPU_RATE = 0.01;
/** Extra delay after a step boundary before writing, so the sample is never in the future. */
const WRITE_DELAY_MS = 50;

export interface FeederOptions {
  /** victoria-metrics base URL (single node), e.g. http://127.42.1.1:8428. */
  readonly vmUrl: string;
  /** Seconds between two samples (a scrape interval). */
  readonly stepSeconds: number;
  /** Seconds of history written at start. */
  readonly historySeconds: number;
  /** Starting rate of every component, CPU seconds per second. */
  readonly initialRates?: Partial<Record<Component, number>>;
}

interface Counter {
  readonly job: Component;
  readonly instance: string;
  value: number;
  /** Unix ms the value is for. */
  at: number;
  rate: number;
}

/** A running feed; stop() (or the end of the test) ends it. */
export class CpuFeeder {
  /** Write errors of the live feed (a test can assert there were none). */
  public readonly errors: string[] = [];
  private readonly counters: Counter[];
  private readonly events: string[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  private constructor(private readonly options: FeederOptions) {
    const now = Date.now();
    this.counters = (Object.keys(COMPONENTS) as Component[]).map((job) => ({
      job,
      instance: `${job}-0:${COMPONENTS[job]}`,
      value: 0,
      at: now,
      rate: options.initialRates?.[job] ?? IDLE_CPU_RATE,
    }));
  }

  /** Backfill history, then start the live feed. */
  public static async start(options: FeederOptions): Promise<CpuFeeder> {
    const feeder = new CpuFeeder(options);
    registerResource('cpu-feeder', { close: async () => feeder.stop(), logs: () => feeder.events.join('\n') });
    await feeder.backfill();
    feeder.scheduleNext();
    return feeder;
  }

  /** Change the CPU rate of `job` from now on; returns the time of the change (unix ms). */
  public setRate(job: Component, rate: number): number {
    const now = Date.now();
    for (const counter of this.counters.filter((c) => c.job === job)) {
      advance(counter, now);
      counter.rate = rate;
    }
    this.events.push(`${new Date(now).toISOString()} ${job} rate -> ${rate} CPU s/s`);
    return now;
  }

  /** The current rate of `job`. */
  public rateOf(job: Component): number {
    return this.counters.find((c) => c.job === job)!.rate;
  }

  public stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async backfill(): Promise<void> {
    const stepMs = this.options.stepSeconds * 1000;
    const lastAligned = Math.floor(Date.now() / stepMs) * stepMs;
    const first = lastAligned - this.options.historySeconds * 1000;
    const lines: string[] = [];
    for (const counter of this.counters) {
      // Counters start at an arbitrary non-zero value, as a process that has been up a while.
      counter.value = 1000;
      counter.at = first;
      for (let t = first; t <= lastAligned; t += stepMs) {
        advance(counter, t);
        lines.push(sampleLine(counter, t));
      }
    }
    await postText(`${this.options.vmUrl}/api/v1/import/prometheus`, lines.join('\n') + '\n');
    this.events.push(`${new Date().toISOString()} backfilled ${lines.length} samples from ${new Date(first).toISOString()}`);
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const stepMs = this.options.stepSeconds * 1000;
    const next = (Math.floor(Date.now() / stepMs) + 1) * stepMs;
    this.timer = setTimeout(() => void this.writeLive(next), next - Date.now() + WRITE_DELAY_MS);
  }

  private async writeLive(at: number): Promise<void> {
    if (this.stopped) return;
    this.scheduleNext();
    const lines = this.counters.map((counter) => {
      advance(counter, at);
      // A rate change in the few ms after `at` moved the counter past it: extrapolate back to `at`.
      return sampleLine(counter, at);
    });
    try {
      await postText(`${this.options.vmUrl}/api/v1/import/prometheus`, lines.join('\n') + '\n');
    } catch (err) {
      if (!this.stopped) this.errors.push(`${new Date(at).toISOString()}: ${String(err)}`);
    }
  }
}

/** Move `counter` forward to `at` (unix ms) at its current rate. */
function advance(counter: Counter, at: number): void {
  if (at > counter.at) {
    counter.value += (counter.rate * (at - counter.at)) / 1000;
    counter.at = at;
  }
}

/** The sample of `counter` at `at` (unix ms). */
function sampleLine(counter: Counter, at: number): string {
  const value = counter.value + (counter.rate * (at - counter.at)) / 1000;
  return `${CPU_METRIC}{job="${counter.job}",instance="${counter.instance}"} ${value.toFixed(3)} ${at}`;
}
