/**
 * Rule unit tests through the pinned `vmalert-tool unittest`: vmalert's own rule engine over an embedded
 * VictoriaMetrics, so rule expressions are evaluated as MetricsQL, as in production.
 */
import * as path from 'path';
import { binary, run, RunResult } from '../../testkit/binaries';

/**
 * Runs one vmalert-tool test file (its `rule_files` are relative to it). Exit code 0 and "SUCCESS" on stdout
 * when every case passed; otherwise each failed case is reported with its group, alert and eval time.
 */
export function runRuleUnitTests(testFile: string): RunResult {
  return run(binary('vmalert-tool'), ['unittest', `-files=${path.resolve(testFile)}`], { cwd: path.dirname(testFile) });
}
