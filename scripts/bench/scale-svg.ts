/**
 * The chart of `npm run bench:scale` as a plain SVG (no dependencies): vmalert CPU against the rule count, and peak
 * memory against the firing alerts, each with the limit it is judged against.
 */
import { ScaleMeasurements } from './scale-results';

const PANEL_WIDTH = 460;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 60, right: 20, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** A line of points (x, y) with a name for the legend. */
interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** A horizontal reference line. */
interface Reference {
  readonly name: string;
  readonly y: number;
}

interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly references: readonly Reference[];
}

/** Both panels side by side. */
export function renderScaleSvg(m: ScaleMeasurements, limits: { vmalertMemoryLimitMiB: number; alertmanagerMemoryLimitMiB: number } = DEFAULT_LIMITS): string {
  const byRules = m.cells.filter(c => c.alerts === Math.min(...m.cells.map(x => x.alerts))).sort((a, b) => a.rules - b.rules);
  const rulesAxis = m.cells.filter(c => c.rules === 1000).sort((a, b) => a.alerts - b.alerts);
  const left: Panel = {
    title: `CPU per replica, ${byRules[0]?.alerts ?? 0} firing alerts, 30 s interval`,
    xLabel: 'rules (log scale)',
    yLabel: 'CPU cores',
    series: [
      { name: 'vmalert', points: byRules.map(c => [c.rules, c.vmalert.cpuCores] as const) },
      { name: 'storage stand-in (queries)', points: byRules.map(c => [c.rules, c.storage.cpuCores] as const) },
    ],
    references: [{ name: '2 cores', y: 2 }],
  };
  const right: Panel = {
    title: 'peak RSS, 1,000 rules',
    xLabel: 'firing alerts (log scale)',
    yLabel: 'MiB',
    series: [
      { name: 'Alertmanager (busiest peer)', points: rulesAxis.map(c => [c.alerts, c.alertmanager.peakRssMiB] as const) },
      { name: 'vmalert (busiest replica)', points: rulesAxis.map(c => [c.alerts, c.vmalert.peakRssMiB] as const) },
    ],
    references: [
      { name: `Alertmanager limit ${limits.alertmanagerMemoryLimitMiB} MiB`, y: limits.alertmanagerMemoryLimitMiB },
      { name: `vmalert limit ${limits.vmalertMemoryLimitMiB} MiB`, y: limits.vmalertMemoryLimitMiB },
    ],
  };
  const width = PANEL_WIDTH * 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT}" viewBox="0 0 ${width} ${PANEL_HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${PANEL_HEIGHT}" fill="white"/>`,
    renderPanel(left, 0),
    renderPanel(right, PANEL_WIDTH),
    '</svg>',
    '',
  ].join('\n');
}

/** The default memory limits the right panel is judged against when the caller names none. */
const DEFAULT_LIMITS = { vmalertMemoryLimitMiB: 512, alertmanagerMemoryLimitMiB: 256 };

function renderPanel(panel: Panel, offsetX: number): string {
  const xs = panel.series.flatMap(s => s.points.map(p => p[0]));
  const ys = [...panel.series.flatMap(s => s.points.map(p => p[1])), ...panel.references.map(r => r.y)];
  if (xs.length === 0) return `<text x="${offsetX + 20}" y="40">no cells for "${escape(panel.title)}"</text>`;
  const [xMin, xMax] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const yMax = niceCeiling(Math.max(...ys) * 1.1);
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => offsetX + MARGIN.left + (xMax === xMin ? plotW / 2 : ((Math.log10(v) - xMin) / (xMax - xMin)) * plotW);
  const y = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<text x="${offsetX + PANEL_WIDTH / 2}" y="18" text-anchor="middle" font-size="13">${escape(panel.title)}</text>`,
    `<line x1="${x(10 ** xMin)}" y1="${y(0)}" x2="${x(10 ** xMax)}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${x(10 ** xMin)}" y1="${y(0)}" x2="${x(10 ** xMin)}" y2="${y(yMax)}" stroke="black"/>`,
    `<text x="${offsetX + MARGIN.left + plotW / 2}" y="${PANEL_HEIGHT - 10}" text-anchor="middle">${escape(panel.xLabel)}</text>`,
    `<text x="${offsetX + 14}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 ${offsetX + 14} ${MARGIN.top + plotH / 2})">${escape(panel.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(`<text x="${x(10 ** xMin) - 6}" y="${y(v) + 4}" text-anchor="end">${formatNumber(v)}</text>`,
      `<line x1="${x(10 ** xMin)}" y1="${y(v)}" x2="${x(10 ** xMax)}" y2="${y(v)}" stroke="#ddd"/>`);
  }
  for (const tick of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<text x="${x(tick)}" y="${y(0) + 16}" text-anchor="middle">${tick.toLocaleString('en-US')}</text>`);
  }
  panel.references.forEach((ref, i) => {
    parts.push(`<line x1="${x(10 ** xMin)}" y1="${y(ref.y)}" x2="${x(10 ** xMax)}" y2="${y(ref.y)}" stroke="#888" stroke-dasharray="6 4"/>`,
      `<text x="${x(10 ** xMax)}" y="${y(ref.y) - 4 - i * 12}" text-anchor="end" fill="#555">${escape(ref.name)}</text>`);
  });
  panel.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`,
      ...points.map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"/>`),
      `<rect x="${offsetX + MARGIN.left + 8}" y="${MARGIN.top + 4 + i * 14}" width="10" height="3" fill="${color}"/>`,
      `<text x="${offsetX + MARGIN.left + 22}" y="${MARGIN.top + 9 + i * 14}">${escape(series.name)}</text>`);
  });
  return `<g>\n${parts.join('\n')}\n</g>`;
}

/** The smallest of 1, 2, 2.5, 5 x 10^n at or above `value`. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map(f => f * power).find(v => v >= value)!;
}

function formatNumber(v: number): string {
  return v >= 10 ? v.toFixed(0) : v.toFixed(v >= 1 ? 1 : 2);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
