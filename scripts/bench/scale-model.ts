/**
 * Fits the sizing model of constructs/k8s/sizing.ts to the cells `npm run bench:scale` recorded: per component, peak
 * RSS and CPU each as base + a x (rules / 1,000) + b x (alerts / 1,000), by least squares with no negative term
 * (a term the data would make negative is dropped and the rest refitted). Coefficients are rounded as recorded.
 */
import { CellResult, ScaleMeasurements } from './scale-results';

/** One component's fitted coefficients, in the shape of SIZING_MODEL.vmalert / .alertmanager. */
export interface FittedComponent {
  readonly baseMiB: number;
  readonly miBPerThousandRules: number;
  readonly miBPerThousandAlerts: number;
  readonly baseCores: number;
  readonly coresPerThousandRules: number;
  readonly coresPerThousandAlerts: number;
}

/** The model fitted to every recorded cell. */
export function fitSizingModel(m: ScaleMeasurements): { vmalert: FittedComponent; alertmanager: FittedComponent } {
  return {
    vmalert: fitComponent(m.cells, c => c.vmalert.peakRssMiB, c => c.vmalert.cpuCores),
    alertmanager: fitComponent(m.cells, c => c.alertmanager.peakRssMiB, c => c.alertmanager.cpuCores),
  };
}

function fitComponent(cells: readonly CellResult[], memory: (c: CellResult) => number, cpu: (c: CellResult) => number): FittedComponent {
  const [baseMiB, miBPerThousandRules, miBPerThousandAlerts] = nonNegativeFit(cells, memory).map(v => round(v, 1));
  const [baseCores, coresPerThousandRules, coresPerThousandAlerts] = nonNegativeFit(cells, cpu).map(v => round(v, 4));
  return { baseMiB, miBPerThousandRules, miBPerThousandAlerts, baseCores, coresPerThousandRules, coresPerThousandAlerts };
}

/** [base, per 1,000 rules, per 1,000 alerts] minimizing the squared error, none below zero. */
export function nonNegativeFit(cells: readonly CellResult[], value: (c: CellResult) => number): number[] {
  let active = [0, 1, 2];
  for (;;) {
    const solution = leastSquares(cells.map(c => features(c).filter((_, i) => active.includes(i))), cells.map(value));
    const negative = solution.findIndex(v => v < 0);
    const full = [0, 0, 0];
    active.forEach((term, i) => { full[term] = solution[i]; });
    if (negative < 0) return full;
    active = active.filter((_, i) => i !== negative);
  }
}

function features(c: CellResult): number[] {
  return [1, c.rules / 1000, c.alerts / 1000];
}

/** Solves the normal equations (X'X) b = X'y by Gaussian elimination; a singular system gives zeros. */
function leastSquares(rows: number[][], y: number[]): number[] {
  const n = rows[0]?.length ?? 0;
  const a = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => rows.reduce((sum, r) => sum + r[i] * r[j], 0)),
    rows.reduce((sum, r, k) => sum + r[i] * y[k], 0),
  ]);
  for (let col = 0; col < n; col++) {
    const pivot = a.slice(col).reduce((best, row, k) => (Math.abs(row[col]) > Math.abs(a[best][col]) ? col + k : best), col);
    [a[col], a[pivot]] = [a[pivot], a[col]];
    if (Math.abs(a[col][col]) < 1e-12) return new Array(n).fill(0);
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const f = a[row][col] / a[col][col];
      for (let k = col; k <= n; k++) a[row][k] -= f * a[col][k];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
