/**
 * The self-monitoring helpers as static methods, for the languages jsii publishes to (Python, Java, Go, .NET), which
 * have no free functions. TypeScript can use either form.
 */
import { ScrapeJobs, selfMonitoringJobOptions, SelfMonitoringJobOptions } from './scrape-config';
import { selfMonitoringGroups, SelfMonitoringOptions } from './self-monitoring';
import { RuleGroup } from '../rules/rules';

/**
 * The self-monitoring alerts on vmalert and the Alertmanager cluster, and the job options that tie them to the scrape
 * jobs of {@link SelfMonitoringScrape}.
 *
 * @example
 * const jobs = { vmalert: 'vmalert', alertmanager: 'alertmanager' };
 * new RulesConfigMap(chart, 'self-monitoring', { groups: SelfMonitoring.ruleGroups({ ...SelfMonitoring.jobOptions(jobs), watchdog: true }) });
 */
export class SelfMonitoring {
  /**
   * The self-monitoring rule groups (see `selfMonitoringGroups`): one for vmalert, one for the Alertmanager cluster,
   * and the Watchdog group when `watchdog` is set.
   */
  public static ruleGroups(options: SelfMonitoringOptions = {}): RuleGroup[] {
    return selfMonitoringGroups(options);
  }

  /** The self-monitoring options that select exactly these jobs (see `selfMonitoringJobOptions`). */
  public static jobOptions(jobs: ScrapeJobs = {}): SelfMonitoringJobOptions {
    return selfMonitoringJobOptions(jobs);
  }

  private constructor() {}
}
