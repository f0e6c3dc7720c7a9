/**
 * Thousands of rules: RulesConfigMap spreads them over as many ConfigMaps as it takes to keep each below the API
 * server's 1 MiB limit, VmalertHa mounts and loads every one, and the real vmalert accepts what the pods would read.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { RuleGroup } from '../../constructs';
import { COMPONENT_LABEL, CONFIGMAP_MAX_BYTES, VMALERT_RULES_DIR } from '../../constructs/core/constants';
import { packRuleFiles, renderRuleFile } from '../../constructs/rules/rules';
import { generatedAlertName, generatedGroups } from '../../scripts/bench/generated-rules';
import { scaleChart } from '../../scripts/bench/scale-chart';
import { containerArgs, extractRuleFiles, findObjects, flagValues, K8sObject, podSpecOf } from '../../constructs/testing/manifests';
import { binary, run } from '../../testkit/binaries';

const MIB = 1024 * 1024;
/** Padding per rule that makes 2,500 generated rules about 3 MiB of rule files. */
const PADDING_FOR_3_MIB = 700;
/** vmalert parses thousands of expressions; allow it well beyond its usual second. */
const DRY_RUN_TIMEOUT_MS = 120_000;

interface Scenario {
  readonly name: string;
  readonly ruleCount: number;
  readonly padding: number;
  readonly minDataBytes: number;
}

const SCENARIOS: Scenario[] = [
  { name: '2,000 rules', ruleCount: 2000, padding: 0, minDataBytes: MIB },
  { name: '3 MiB of rules', ruleCount: 2500, padding: PADDING_FOR_3_MIB, minDataBytes: 3 * MIB },
];

describe.each(SCENARIOS)('a chart with $name', scenario => {
  let objects: K8sObject[];
  let ruleConfigMaps: K8sObject[];
  let workDir: string;

  beforeAll(() => {
    // GIVEN generated alerting rules, 20 per group, in one RulesConfigMap mounted by a VmalertHa
    const { chart } = scaleChart(Testing.app(), 'scale', scenario.ruleCount, { padding: scenario.padding });
    // WHEN the chart is synthesized
    objects = Testing.synth(chart) as K8sObject[];
    ruleConfigMaps = findObjects(objects, 'ConfigMap').filter(cm => cm.metadata.labels?.[COMPONENT_LABEL] === 'vmalert-rules');
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-test-'));
  });

  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('the rules are as large as the scenario says', () => {
    // THEN the rule data adds up to at least the scenario's size (the premise of the other tests)
    const dataBytes = ruleConfigMaps.flatMap(cm => Object.values<string>(cm.data)).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    expect(dataBytes).toBeGreaterThanOrEqual(scenario.minDataBytes);
  });

  test('the rules are spread over several ConfigMaps, each below 1 MiB with its metadata', () => {
    // THEN there are several rule ConfigMaps and every serialized object (JSON, as sent to the API server, and the
    // YAML written to dist/) is below the limit
    expect(ruleConfigMaps.length).toBeGreaterThanOrEqual(2);
    const sizes = ruleConfigMaps.map(cm => ({
      name: cm.metadata.name,
      json: Buffer.byteLength(JSON.stringify(cm)),
      yaml: Buffer.byteLength(yaml.dump(cm, { lineWidth: -1 })),
    }));
    expect(sizes.filter(size => size.json >= CONFIGMAP_MAX_BYTES || size.yaml >= CONFIGMAP_MAX_BYTES)).toEqual([]);
  });

  test('every rule is present exactly once across the ConfigMaps', () => {
    // THEN the alert names of all rule files together are exactly the generated ones, none twice
    const alerts = ruleConfigMaps
      .flatMap(cm => Object.values<string>(cm.data))
      .flatMap(text => (yaml.load(text) as { groups: RuleGroup[] }).groups)
      .flatMap(group => group.rules.map(rule => (rule as { alert: string }).alert));
    const expected = Array.from({ length: scenario.ruleCount }, (_, i) => generatedAlertName(i));
    expect(alerts).toHaveLength(expected.length);
    expect([...alerts].sort()).toEqual([...expected].sort());
  });

  test('vmalert mounts every rules ConfigMap and has a -rule argument for each', () => {
    // THEN each rules ConfigMap is a volume of the vmalert pod, mounted under the rules directory, and loaded by -rule
    const [deployment] = findObjects(objects, 'Deployment');
    const podSpec = podSpecOf(deployment)!;
    const container = podSpec.containers[0];
    const ruleArgs = flagValues(containerArgs(container), 'rule');
    expect(ruleArgs).toHaveLength(ruleConfigMaps.length);
    for (const configMap of ruleConfigMaps) {
      const volume = (podSpec.volumes ?? []).find(v => v.configMap?.name === configMap.metadata.name);
      expect(volume).toBeDefined();
      const mountPath = `${VMALERT_RULES_DIR}/${configMap.metadata.name}`;
      expect(container.volumeMounts).toContainEqual(expect.objectContaining({ name: volume!.name, mountPath }));
      expect(ruleArgs).toContain(`${mountPath}/*.yml`);
    }
  });

  test('the real vmalert -dryRun accepts the union of the mounted rule files', () => {
    // GIVEN the files the vmalert container would read, laid out from the manifests
    const extracted = extractRuleFiles(objects, workDir);
    const expectedFiles = ruleConfigMaps.reduce((sum, cm) => sum + Object.keys(cm.data).length, 0);
    expect(extracted.files).toHaveLength(expectedFiles);
    const { container, mirror } = extracted.containers[0];
    const ruleGlobs = flagValues(containerArgs(container), 'rule').map(glob => mirror.rewritePath(glob));
    // WHEN vmalert checks them through the container's own -rule globs
    const result = run(binary('vmalert'), ['-dryRun', ...ruleGlobs.map(glob => `-rule=${glob}`)], { timeoutMs: DRY_RUN_TIMEOUT_MS });
    // THEN it accepts them
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

test('a file split into parts renders each part byte for byte as a rule file of its groups', () => {
  // GIVEN a rule file three times the data budget
  const groups = generatedGroups(600);
  const budget = Math.ceil(Buffer.byteLength(renderRuleFile(groups)) / 3);
  // WHEN it is packed
  const parts = packRuleFiles([{ name: 'big.yml', source: 'big.yml', groups }], budget).flat();
  // THEN each part is exactly what renderRuleFile writes for the groups it holds, and the groups keep their order
  expect(parts.length).toBeGreaterThanOrEqual(3);
  const partGroups = parts.map(part => (yaml.load(part.content) as { groups: RuleGroup[] }).groups);
  parts.forEach((part, i) => expect(part.content).toBe(renderRuleFile(partGroups[i])));
  expect(partGroups.flat().map(g => g.name)).toEqual(groups.map(g => g.name));
});
