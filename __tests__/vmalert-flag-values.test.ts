import { Testing } from 'cdk8s';
import { AlertmanagerCluster, RulesConfigMap, VmalertHa, VmalertHaProps } from '../constructs';
import { serviceHostNames } from '../constructs/vmalert/notifier-services';
import { urlProblem } from '../constructs/core/url';
import { arrayFlagItem, extraArgFormProblems, vmalertPathPrefix } from '../constructs/vmalert/flag-values';
import { argsOf, CPU_GROUP, firstContainer, flagValues, only, synth } from './support/synth';

const CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };

function vmalert(props: Partial<VmalertHaProps> = {}) {
  const chart = Testing.chart();
  const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] });
  new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481/select/0/prometheus', notifiers: ['http://am-0.am:9093'], rules, ...props });
  return chart;
}

describe('array flag items (lib/flagutil ArrayString)', () => {
  test.each([
    ['env=prod', 'env=prod'],
    ['ns=$(POD_NAMESPACE)', 'ns=$(POD_NAMESPACE)'],
    ['env=a,b', '"env=a,b"'],
    ['q=say "hi"', '"q=say \\"hi\\""'],
    ["q=it's", '"q=it\'s"'],
    ['q=a[b', '"q=a[b"'],
    ['q=back\\slash', '"q=back\\\\slash"'],
  ])('%j is written as %j', (item, written) => {
    expect(arrayFlagItem(item)).toBe(written);
  });

  test('an external label with a comma reaches the args quoted, as one item', () => {
    const args = argsOf(synth(vmalert({ externalLabels: { env: 'eu,west' } })), 'Deployment');
    expect(flagValues(args, '-external.label')).toEqual(['"env=eu,west"']);
  });
});

describe('URLs', () => {
  test.each([
    ['http://vmselect:8481/select/0/prometheus', undefined],
    ['http://vm\tselect:8481', 'control character U+0009'],
    ['http://vmselect:8481/select/0/prometheus\n', 'control character U+000A'],
    ['http://vmselect :8481', 'a space'],
    ['vmselect:8481', 'not an http(s) URL'],
    ['ftp://vmselect', 'not an http(s) URL'],
  ])('%j', (url, problem) => {
    expect(urlProblem(url)).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });

  test('a TAB in datasourceUrl is refused although WHATWG URL parsing would drop it', () => {
    expect(() => vmalert({ datasourceUrl: 'http://vm\tselect:8481' })).toThrow('VmalertHa "vmalert": datasourceUrl "http://vm\\tselect:8481" contains the control character U+0009');
  });

  test('externalUrl is checked like the other URLs', () => {
    expect(() => vmalert({ externalUrl: 'vmalert.example.org' })).toThrow('externalUrl "vmalert.example.org" is not an http(s) URL');
  });
});

describe('extraArgs form and process-stopping flags', () => {
  test.each([
    ['-rule.resendDelay 1m', 'has a space where "=" belongs', 'write "-rule.resendDelay=1m"'],
    ['-dryRun', '-dryRun: vmalert only checks the rule files and exits 0', 'remove it from extraArgs'],
    ['-version', 'prints its version and exits 0', 'remove it'],
    ['-help', 'prints its flags and exits', 'remove it'],
    ['-h', 'prints its flags and exits', 'remove it'],
    ['-replay.timeFrom=2026-01-01T00:00:00Z', 'replay mode', 'Job'],
    ['-rule.resendDelay=1m\n', 'control character', 'remove it'],
    ['1m', 'is not a flag', '-rule.resendDelay=1m'],
  ])('%j is refused', (arg, problem, fix) => {
    const [message] = extraArgFormProblems([arg]);
    expect(message).toContain(problem);
    expect(message).toContain(fix);
  });

  test('-dryRun=false and ordinary flags pass', () => {
    expect(extraArgFormProblems(['-dryRun=false', '-rule.resendDelay=1m', '-loggerLevel=WARN'])).toEqual([]);
  });

  test('the construct refuses them with its name and "extraArgs"', () => {
    expect(() => vmalert({ extraArgs: ['-dryRun'] })).toThrow('VmalertHa "vmalert": extraArgs: -dryRun:');
  });
});

describe('-http.pathPrefix', () => {
  test.each([['vmalert', '/vmalert'], ['/vmalert/', '/vmalert'], ['/', ''], ['', '']])('%j normalizes to %j', (value, prefix) => {
    expect(vmalertPathPrefix([`-http.pathPrefix=${value}`])).toBe(prefix);
  });

  test('probes and the default external URL follow the prefix', () => {
    // GIVEN a path prefix in extraArgs
    const objects = synth(vmalert({ extraArgs: ['-http.pathPrefix=/vmalert'] }));
    // THEN liveness and readiness ask under it, and source links point under it
    const container = firstContainer(only(objects, 'Deployment'));
    expect(container.livenessProbe.httpGet.path).toBe('/vmalert/health');
    expect(container.readinessProbe.httpGet.path).toBe('/vmalert/-/ready');
    expect(flagValues(container.args, '-external.url')[0]).toMatch(/:8880\/vmalert$/);
  });
});

describe('a notifier URL that is a Service of a known AlertmanagerCluster (the seed bug)', () => {
  test('serviceHostNames lists the short name only within the namespace', () => {
    expect(serviceHostNames('am', 'monitoring', 'monitoring')).toContain('am');
    expect(serviceHostNames('am', 'monitoring', 'other')).not.toContain('am');
    expect(serviceHostNames('am', 'monitoring', 'other')).toContain('am.monitoring.svc.cluster.local');
  });

  test.each([
    (svc: string) => `http://${svc}.monitoring.svc:9093`,
    (svc: string) => `http://${svc}:9093`,
    (svc: string) => `http://${svc.toUpperCase()}.monitoring.svc.cluster.local.:9093`,
  ])('the load-balanced Service is refused with a pointer to the cluster (%#)', (urlOf) => {
    // GIVEN an AlertmanagerCluster and a vmalert given its Service's URL by hand
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: CONFIG, namespace: 'monitoring' });
    const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP], namespace: 'monitoring' });
    new VmalertHa(chart, 'vmalert', { datasourceUrl: 'http://vmselect:8481', notifiers: [urlOf(am.service.name)], rules, namespace: 'monitoring' });
    // WHEN synthesized THEN it is refused
    expect(() => Testing.synth(chart)).toThrow(`is the Service "${am.service.name}" of the AlertmanagerCluster`);
    expect(() => Testing.synth(chart)).toThrow('notifiers: <the AlertmanagerCluster "am">');
  });

  test('the headless Service is refused too; the per-pod URLs are accepted', () => {
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { config: CONFIG });
    const rules = new RulesConfigMap(chart, 'rules', { groups: [CPU_GROUP] });
    new VmalertHa(chart, 'good', { datasourceUrl: 'http://vmselect:8481', notifiers: am.notifierUrls, rules });
    expect(() => Testing.synth(chart)).not.toThrow();
    new VmalertHa(chart, 'bad', { datasourceUrl: 'http://vmselect:8481', notifiers: [`http://${am.headlessService.name}.default.svc:9093`], rules });
    expect(() => Testing.synth(chart)).toThrow(`is the Service "${am.headlessService.name}"`);
  });
});
