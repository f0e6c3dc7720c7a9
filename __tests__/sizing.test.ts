/**
 * The default resources come from measurements: constructs/k8s/sizing.ts holds a model fitted to what
 * `npm run bench:scale` recorded (docs/sizing-measurements.json), and the defaults are that model at the default
 * workload. A new recording, a hand-edited coefficient or a changed default fails here until the three agree again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, ConfigError, ResourceSizing, RulesConfigMap, VmalertHa } from '../constructs';
import { DEFAULT_SIZING_WORKLOAD, SIZING_HEADROOM, SIZING_MODEL, sizedResources } from '../constructs/k8s/sizing';
import { fitSizingModel } from '../scripts/bench/scale-model';
import {
  MEASUREMENTS_FILE, ScaleMeasurements, SIZING_PAGES, SIZING_TABLE_BEGIN, SIZING_TABLE_END, TABLE_BEGIN, TABLE_END, scaleTable, sizingTable,
} from '../scripts/bench/scale-results';

const ROOT = path.join(__dirname, '..');
const measurements: ScaleMeasurements = JSON.parse(fs.readFileSync(MEASUREMENTS_FILE, 'utf8'));

/** The resources of the only container of `kind` in a chart with default props. */
function defaultContainerResources(kind: 'Deployment' | 'StatefulSet'): unknown {
  const chart = Testing.chart();
  const alertmanager = new AlertmanagerCluster(chart, 'am', { config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] } });
  new VmalertHa(chart, 'vmalert', {
    datasourceUrl: 'http://vmselect:8481/select/0/prometheus',
    notifiers: alertmanager,
    rules: new RulesConfigMap(chart, 'rules', { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }] }),
  });
  const workload = Testing.synth(chart).find(o => o.kind === kind);
  return workload.spec.template.spec.containers[0].resources;
}

/** The Kubernetes resources the settings render to. */
function asKubernetes(settings: { cpuMillis: number; memoryMiB: number; memoryLimitMiB: number }): unknown {
  return { requests: { cpu: `${settings.cpuMillis}m`, memory: `${settings.memoryMiB}Mi` }, limits: { memory: `${settings.memoryLimitMiB}Mi` } };
}

describe('the recorded measurements', () => {
  test('cover the grid: 100 to 20,000 rules (or more), 10 to 10,000 firing alerts, 2 vmalert replicas and 3 Alertmanagers', () => {
    // GIVEN the committed recording / THEN it spans both axes of the bench and the stack it describes
    const rules = measurements.cells.map(c => c.rules);
    const alerts = measurements.cells.map(c => c.alerts);
    expect(Math.min(...rules)).toBe(100);
    expect(Math.max(...rules)).toBeGreaterThanOrEqual(20000);
    expect([Math.min(...alerts), Math.max(...alerts)]).toEqual([10, 10000]);
    expect(measurements.setup).toEqual(expect.objectContaining({ vmalertReplicas: 2, alertmanagerReplicas: 3, evaluationInterval: SIZING_MODEL.evaluationInterval }));
  });

  test('every cell fired every alert and emailed every group; none emailed a group twice while vmalert kept its interval', () => {
    // GIVEN the committed recording / THEN no cell measured a broken stack, and duplicates only came with overload
    for (const cell of measurements.cells) {
      const name = `${cell.rules}x${cell.alerts}`;
      expect({ name, firing: cell.vmalert.alertsFiring, held: cell.alertmanager.alertsHeld, groups: cell.emails.groups })
        .toEqual({ name, firing: cell.alerts, held: cell.alerts, groups: cell.emails.expectedGroups });
      if (cell.vmalert.missedIterations === 0) expect({ name, duplicated: cell.emails.duplicated }).toEqual({ name, duplicated: 0 });
    }
  });
});

describe('the sizing model', () => {
  test('is the least-squares fit of the recorded measurements', () => {
    // GIVEN the committed recording / WHEN the model is fitted again
    const fitted = fitSizingModel(measurements);
    // THEN the coefficients in constructs/k8s/sizing.ts are exactly those (rerun the bench and copy them when it changes)
    expect({ vmalert: SIZING_MODEL.vmalert, alertmanager: SIZING_MODEL.alertmanager }).toEqual(fitted);
  });

  test('sizes every recorded cell: the memory request covers its peak RSS, the limit 1.5 times it', () => {
    // GIVEN every recorded cell / WHEN sized for that cell's rules and alerts at the bench's interval
    for (const cell of measurements.cells) {
      for (const component of ['vmalert', 'alertmanager'] as const) {
        const r = sizedResources(component, { rules: cell.rules, firingAlerts: cell.alerts, evaluationInterval: SIZING_MODEL.evaluationInterval });
        const measured = cell[component].peakRssMiB;
        const name = `${component} ${cell.rules}x${cell.alerts}`;
        // THEN what the binary used fits
        expect({ name, request: r.memoryMiB >= measured, limit: r.memoryLimitMiB >= 1.5 * measured }).toEqual({ name, request: true, limit: true });
      }
    }
  });
});

describe('the default resources', () => {
  test.each([
    ['vmalert', 'Deployment'],
    ['alertmanager', 'StatefulSet'],
  ] as const)('of %s are the model at the default workload', (component, kind) => {
    // GIVEN the default workload (1,000 rules every 30 s, 1,000 firing alerts) / WHEN a chart uses default props
    const expected = sizedResources(component, DEFAULT_SIZING_WORKLOAD);
    // THEN the container requests exactly what the model gives
    expect(defaultContainerResources(kind)).toEqual(asKubernetes(expected));
  });

  test('hold the figures written in the props documentation', () => {
    // GIVEN the @default of each resources prop / THEN it states the numbers the constructs use
    for (const [component, file] of [['vmalert', 'constructs/vmalert/props.ts'], ['alertmanager', 'constructs/alertmanager/props.ts']] as const) {
      const r = sizedResources(component, DEFAULT_SIZING_WORKLOAD);
      expect(fs.readFileSync(path.join(ROOT, file), 'utf8'))
        .toContain(`@default { cpuMillis: ${r.cpuMillis}, memoryMiB: ${r.memoryMiB}, memoryLimitMiB: ${r.memoryLimitMiB} }`);
    }
  });

  test('request at least the peak RSS measured at or below the default workload, and limit at least twice it', () => {
    // GIVEN the cells no larger than the default workload
    const covered = measurements.cells.filter(c => c.rules <= DEFAULT_SIZING_WORKLOAD.rules && c.alerts <= DEFAULT_SIZING_WORKLOAD.firingAlerts);
    expect(covered.length).toBeGreaterThanOrEqual(3);
    for (const component of ['vmalert', 'alertmanager'] as const) {
      const r = sizedResources(component, DEFAULT_SIZING_WORKLOAD);
      const peak = Math.max(...covered.map(c => c[component].peakRssMiB));
      // THEN the defaults carry each of them with headroom
      expect(r.memoryMiB).toBeGreaterThanOrEqual(peak);
      expect(r.memoryLimitMiB).toBeGreaterThanOrEqual(2 * peak);
    }
  });
});

describe('docs/sizing.md and its zh-TW twin', () => {
  test.each(SIZING_PAGES.map(page => [path.relative(ROOT, page), page]))('%s shows the recorded table and the model\'s sizing table', (_name, page) => {
    // GIVEN the page / THEN both generated tables are what the recording and the model give now (npm run bench:scale -- --docs)
    const text = fs.readFileSync(page, 'utf8');
    expect(text).toContain(`${TABLE_BEGIN}\n${scaleTable(measurements)}\n${TABLE_END}`);
    expect(text).toContain(`${SIZING_TABLE_BEGIN}\n${sizingTable(SIZING_MODEL.evaluationInterval)}\n${SIZING_TABLE_END}`);
  });
});

describe('ResourceSizing', () => {
  test('grows with rules and alerts, and a longer interval needs less CPU for the same rules', () => {
    // GIVEN a small and a large workload / WHEN sized
    const small = ResourceSizing.vmalert({ rules: 100, firingAlerts: 10, evaluationInterval: '30s' });
    const large = ResourceSizing.vmalert({ rules: 20000, firingAlerts: 10000, evaluationInterval: '30s' });
    const slower = ResourceSizing.vmalert({ rules: 20000, firingAlerts: 10000, evaluationInterval: '2m' });
    // THEN
    expect(large.memoryMiB!).toBeGreaterThan(small.memoryMiB!);
    expect(large.cpuMillis!).toBeGreaterThan(small.cpuMillis!);
    expect(slower.cpuMillis!).toBeLessThan(large.cpuMillis!);
    expect(slower.memoryMiB).toBe(large.memoryMiB);
    expect(ResourceSizing.alertmanager({ rules: 0, firingAlerts: 10000 }).memoryMiB!)
      .toBeGreaterThan(ResourceSizing.alertmanager({ rules: 0, firingAlerts: 10 }).memoryMiB!);
  });

  test('applies the stated headroom: memory limit = request x limit/request headroom, in 16 MiB steps', () => {
    // GIVEN the 20,000-rule workload / WHEN sized
    const r = sizedResources('vmalert', { rules: 20000, firingAlerts: 10000, evaluationInterval: '30s' });
    const m = SIZING_MODEL.vmalert;
    const peak = m.baseMiB + m.miBPerThousandRules * 20 + m.miBPerThousandAlerts * 10;
    // THEN
    expect(r.memoryMiB).toBe(Math.ceil((peak * SIZING_HEADROOM.memoryRequest) / 16) * 16);
    expect(r.memoryLimitMiB).toBe(Math.ceil((peak * SIZING_HEADROOM.memoryLimit) / 16) * 16);
  });

  test.each([
    [{ rules: -1, firingAlerts: 0 }, 'ResourceSizing.vmalert: rules must be a whole number >= 0, got -1'],
    [{ rules: 10, firingAlerts: 1.5 }, 'ResourceSizing.vmalert: firingAlerts must be a whole number >= 0, got 1.5'],
    [{ rules: 10, firingAlerts: 0, evaluationInterval: '1x' }, 'ResourceSizing.vmalert: evaluationInterval'],
  ])('refuses %j with a message naming the field', (workload, message) => {
    // GIVEN a bad workload / WHEN sized / THEN a ConfigError naming the field
    expect(() => ResourceSizing.vmalert(workload)).toThrow(ConfigError);
    expect(() => ResourceSizing.vmalert(workload)).toThrow(message);
  });
});
