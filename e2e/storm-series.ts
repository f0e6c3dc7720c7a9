/**
 * The storm's series: `storm_breach{job, instance}` for many instances of a few jobs, written into victoria-metrics
 * every step on step-aligned timestamps (as a scrape would), 0 while healthy and 1 while breached. Every series flips
 * on the same sample, so they breach (and recover) in the same evaluation.
 */
import { postText } from '../testkit/http';
import { registerResource } from '../testkit/lifecycle';

export const STORM_METRIC = 'storm_breach';
export const STORM_ALERT = 'StormBreach';
/** Extra delay after a step boundary before writing, so the sample is never in the future. */
const WRITE_DELAY_MS = 50;

/** A running writer; stop() (or the end of the test) ends it. */
export class StormSeries {
  public readonly errors: string[] = [];
  private value = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly events: string[] = [];

  private constructor(private readonly vmUrl: string, public readonly jobs: readonly string[], public readonly instancesPerJob: number,
    private readonly stepMs: number) {}

  /** Write the healthy state now and on every step from now on. */
  public static async start(vmUrl: string, jobs: readonly string[], instancesPerJob: number, stepSeconds: number): Promise<StormSeries> {
    const series = new StormSeries(vmUrl, jobs, instancesPerJob, stepSeconds * 1000);
    registerResource('storm-series', { close: async () => series.stop(), logs: () => series.events.join('\n') });
    await series.write(Math.floor(Date.now() / series.stepMs) * series.stepMs);
    series.scheduleNext();
    return series;
  }

  /** Instance label values of `job`. */
  public instances(job: string): string[] {
    return Array.from({ length: this.instancesPerJob }, (_, i) => `${job}-${String(i).padStart(4, '0')}:9100`);
  }

  /**
   * From the next sample on every series is breached (true) or healthy (false); returns the timestamp (unix ms) of that
   * sample: the moment the storm starts or ends as the storage sees it.
   */
  public set(breached: boolean): number {
    this.value = breached ? 1 : 0;
    const next = (Math.floor(Date.now() / this.stepMs) + 1) * this.stepMs;
    this.events.push(`${new Date().toISOString()} every series -> ${this.value} from the sample at ${new Date(next).toISOString()}`);
    return next;
  }

  public stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const next = (Math.floor(Date.now() / this.stepMs) + 1) * this.stepMs;
    this.timer = setTimeout(() => {
      this.scheduleNext();
      void this.write(next);
    }, next - Date.now() + WRITE_DELAY_MS);
  }

  private async write(at: number): Promise<void> {
    const value = this.value;
    const lines = this.jobs.flatMap((job) => this.instances(job).map((instance) => `${STORM_METRIC}{job="${job}",instance="${instance}"} ${value} ${at}`));
    try {
      await postText(`${this.vmUrl}/api/v1/import/prometheus`, lines.join('\n') + '\n');
    } catch (err) {
      if (!this.stopped) this.errors.push(`${new Date(at).toISOString()}: ${String(err)}`);
    }
  }
}
