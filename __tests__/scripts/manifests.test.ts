/** Unit tests for constructs/testing/manifests.ts: reading manifests and laying out mounted files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import {
  extractAlertmanagerConfig,
  expandEnvRefs,
  extractRuleFiles,
  findObjects,
  flagValues,
  K8sObject,
  materializeVolume,
  mirrorPodFiles,
  parseManifests,
  PLACEHOLDER_SECRET,
  podSpecOf,
  readManifests,
  rewriteArgPaths,
} from '../../constructs/testing/manifests';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-test-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const RULES_YAML = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n';

function configMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...(binaryData ? { binaryData } : {}) };
}

function deployment(name: string, podSpec: object): K8sObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { template: { spec: podSpec } } };
}

describe('parseManifests / readManifests', () => {
  test('multi-document YAML gives one object per document, empty documents skipped', () => {
    // GIVEN two objects with an empty document between them
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n';
    // WHEN parsed
    const objects = parseManifests(text);
    // THEN both are there, in order
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Service/b']);
  });

  test('a document that is not a Kubernetes object is an error naming the source and document', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: X\nmetadata: {name: a}\n---\nfoo: bar\n', 'dist/app.k8s.yaml'))
      .toThrow('dist/app.k8s.yaml: document 2 is not a Kubernetes object (it needs apiVersion and kind)');
    expect(() => parseManifests('apiVersion: v1\nkind: X\nmetadata: {}\n', 'f.yaml')).toThrow('f.yaml: document 1 (X) has no metadata.name');
    expect(() => parseManifests('a: "b" c"\n', 'bad.yaml')).toThrow(/^bad\.yaml: not valid YAML/);
  });

  test('a directory reads every *.yaml in it, sorted, and ignores other files', () => {
    // GIVEN a synth output directory
    fs.writeFileSync(path.join(tmp, 'b.k8s.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: b}\n');
    fs.writeFileSync(path.join(tmp, 'a.k8s.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not yaml: [');
    // WHEN read / THEN
    expect(readManifests(tmp).map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(readManifests(path.join(tmp, 'b.k8s.yaml')).map((o) => o.metadata.name)).toEqual(['b']);
    expect(() => readManifests(path.join(tmp, 'missing'))).toThrow(/no such file or directory/);
  });
});

describe('findObjects / podSpecOf', () => {
  test('pod specs of every workload kind', () => {
    const spec = { containers: [{ name: 'c' }] };
    expect(podSpecOf(deployment('d', spec))).toBe(spec);
    expect(podSpecOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec })).toBe(spec);
    expect(podSpecOf({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec } } } } })).toBe(spec);
    expect(podSpecOf(configMap('x', {}))).toBeUndefined();
    expect(findObjects([configMap('x', {}), deployment('d', spec)], 'Deployment').map((o) => o.metadata.name)).toEqual(['d']);
  });
});

describe('materializeVolume', () => {
  test('ConfigMap data and binaryData become files', () => {
    // GIVEN a ConfigMap with a text and a binary key
    const objects = [configMap('cm', { 'a.yml': 'text' }, { 'b.bin': Buffer.from([0, 1, 2]).toString('base64') })];
    // WHEN its volume is materialized
    const files = materializeVolume(objects, { name: 'v', configMap: { name: 'cm' } }, tmp);
    // THEN each key is a file with the decoded content
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['a.yml', 'b.bin']);
    expect(fs.readFileSync(path.join(tmp, 'a.yml'), 'utf8')).toBe('text');
    expect([...fs.readFileSync(path.join(tmp, 'b.bin'))]).toEqual([0, 1, 2]);
  });

  test('Secret data is base64-decoded, stringData wins, items pick and rename keys', () => {
    // GIVEN a Secret with data and stringData
    const secret: K8sObject = {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' },
      data: { password: Buffer.from('from-data').toString('base64'), other: Buffer.from('x').toString('base64') },
      stringData: { token: 'from-stringData' },
    };
    // WHEN only two keys are projected, one to a nested path
    materializeVolume([secret], {
      name: 'v',
      secret: { secretName: 's', items: [{ key: 'password', path: 'smtp/password' }, { key: 'token', path: 'token' }] },
    }, tmp);
    // THEN exactly those files exist, decoded
    expect(fs.readFileSync(path.join(tmp, 'smtp/password'), 'utf8')).toBe('from-data');
    expect(fs.readFileSync(path.join(tmp, 'token'), 'utf8')).toBe('from-stringData');
    expect(fs.existsSync(path.join(tmp, 'other'))).toBe(false);
  });

  test('a missing source is an error unless optional or skipMissing; a missing item key is an error', () => {
    const vol = { name: 'v', secret: { secretName: 'nope' } };
    expect(() => materializeVolume([], vol, tmp)).toThrow('volume "v": Secret "nope" is not in the manifests');
    expect(materializeVolume([], vol, tmp, { skipMissing: true })).toEqual([]);
    expect(materializeVolume([], { name: 'v', configMap: { name: 'nope', optional: true } }, tmp)).toEqual([]);
    expect(() => materializeVolume([configMap('cm', {})], { name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: 'k' }] } }, tmp))
      .toThrow('volume "v": ConfigMap "cm" has no key "k" (items)');
    expect(() => materializeVolume([configMap('cm', { k: 'x' })], { name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../escape' }] } }, tmp))
      .toThrow(/leaves the target directory/);
    expect(() => materializeVolume([], { name: 'v', emptyDir: {} }, tmp)).toThrow(/only configMap, secret and projected/);
  });
});

describe('mirrorPodFiles / rewriteArgPaths / flagValues', () => {
  test('mounted files appear under rootDir at their mount path; args pointing into mounts are rewritten', () => {
    // GIVEN a pod that mounts a ConfigMap and one key of it by subPath
    const objects = [configMap('cm', { 'a.yml': 'A', 'b.yml': 'B' })];
    const podSpec = {
      volumes: [{ name: 'v', configMap: { name: 'cm' } }, { name: 'data', emptyDir: {} }],
      containers: [{
        name: 'c',
        volumeMounts: [
          { name: 'v', mountPath: '/etc/app/rules' },
          { name: 'v', mountPath: '/etc/app/single.yml', subPath: 'b.yml' },
          { name: 'data', mountPath: '/data' },
        ],
      }],
    };
    // WHEN mirrored
    const mirror = mirrorPodFiles(objects, podSpec, tmp);
    // THEN the files exist where the container sees them
    expect(fs.readFileSync(path.join(tmp, 'etc/app/rules/a.yml'), 'utf8')).toBe('A');
    expect(fs.readFileSync(path.join(tmp, 'etc/app/single.yml'), 'utf8')).toBe('B');
    expect(fs.statSync(path.join(tmp, 'data')).isDirectory()).toBe(true);
    // AND only paths inside mounts are rewritten
    expect(rewriteArgPaths(['-rule=/etc/app/rules/*.yml', '-datasource.url=http://x', '-x=/etc/other', '-v', '-httpAuth.password=file:///etc/app/single.yml'], mirror))
      .toEqual([`-rule=${tmp}/etc/app/rules/*.yml`, '-datasource.url=http://x', '-x=/etc/other', '-v', `-httpAuth.password=file://${tmp}/etc/app/single.yml`]);
    // AND a route prefix is a URL path, even where it names a mount
    expect(rewriteArgPaths(['--web.route-prefix=/data', '--storage.path=/data'], mirror)).toEqual(['--web.route-prefix=/data', `--storage.path=${tmp}/data`]);
  });

  test('a mount naming no volume is an error naming the container', () => {
    expect(() => mirrorPodFiles([], { containers: [{ name: 'c', volumeMounts: [{ name: 'x', mountPath: '/x' }] }] }, tmp))
      .toThrow('container "c": volumeMount "x" names no volume of the pod');
  });

  test('expandEnvRefs substitutes $(VAR) like the kubelet, keeping $$(VAR) and unknown names', () => {
    expect(expandEnvRefs(['--a=$(POD_IP):9094', '-b=$$(POD_IP)', '-c=$(OTHER)', '-d=$(POD_IP)$(POD_IP)'], { POD_IP: '127.0.0.9' }))
      .toEqual(['--a=127.0.0.9:9094', '-b=$(POD_IP)', '-c=$(OTHER)', '-d=127.0.0.9127.0.0.9']);
  });

  test('flagValues reads -f=v, --f=v and -f v', () => {
    expect(flagValues(['-rule=a', '--rule=b', '-rule', 'c', '-rule.x=d', '-other=e'], 'rule')).toEqual(['a', 'b', 'c']);
  });
});

describe('extractRuleFiles', () => {
  test('writes the files each -rule glob matches from the mounted ConfigMaps', () => {
    // GIVEN a vmalert Deployment mounting two rules ConfigMaps
    const objects = [
      configMap('rules-a', { 'cpu.yml': RULES_YAML }),
      configMap('rules-b', { 'x.yml': RULES_YAML, 'README.txt': 'not a rule file' }),
      deployment('vmalert', {
        volumes: [{ name: 'a', configMap: { name: 'rules-a' } }, { name: 'b', configMap: { name: 'rules-b' } }],
        containers: [{
          name: 'vmalert',
          args: ['-rule=/etc/vmalert/rules/rules-a/*.yml', '-rule=/etc/vmalert/rules/rules-b/*.yml', '-datasource.url=http://vmselect'],
          volumeMounts: [{ name: 'a', mountPath: '/etc/vmalert/rules/rules-a' }, { name: 'b', mountPath: '/etc/vmalert/rules/rules-b' }],
        }],
      }),
    ];
    // WHEN extracted
    const extracted = extractRuleFiles(objects, tmp);
    // THEN exactly the matching .yml files are returned, with the ConfigMaps' content
    expect(extracted.files.map((f) => path.relative(tmp, f))).toEqual([
      'deployment-vmalert/etc/vmalert/rules/rules-a/cpu.yml',
      'deployment-vmalert/etc/vmalert/rules/rules-b/x.yml',
    ]);
    expect(fs.readFileSync(extracted.files[0], 'utf8')).toBe(RULES_YAML);
    expect(extracted.containers[0].ruleGlobs).toHaveLength(2);
  });

  test('a -rule glob that matches nothing is an error naming the workload and container', () => {
    const objects = [deployment('vmalert', { containers: [{ name: 'vmalert', args: ['-rule=/etc/vmalert/rules/none/*.yml'] }] })];
    expect(() => extractRuleFiles(objects, tmp))
      .toThrow('Deployment "vmalert", container "vmalert": -rule=/etc/vmalert/rules/none/*.yml matches no file of the mounted volumes');
  });

  test('a credentials Secret created out of band does not stop the extraction; a missing rules ConfigMap still does', () => {
    // GIVEN vmalert mounting its rules and a Secret that is not in the manifests
    const podSpec = (rulesConfigMap: string) => ({
      volumes: [{ name: 'r', configMap: { name: rulesConfigMap } }, { name: 'auth-0', secret: { secretName: 'vm-creds' } }],
      containers: [{
        name: 'vmalert',
        args: ['-rule=/etc/vmalert/rules/r/*.yml', '-datasource.basicAuth.passwordFile=/etc/vmalert/secrets/vm-creds/password'],
        volumeMounts: [{ name: 'r', mountPath: '/etc/vmalert/rules/r' }, { name: 'auth-0', mountPath: '/etc/vmalert/secrets/vm-creds' }],
      }],
    });
    const rules = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rules' }, data: { 'cpu.yml': RULES_YAML } };
    // WHEN / THEN
    expect(extractRuleFiles([rules, deployment('vmalert', podSpec('rules'))], tmp).files).toHaveLength(1);
    expect(() => extractRuleFiles([deployment('vmalert', podSpec('absent'))], path.join(tmp, 'x')))
      .toThrow('-rule=/etc/vmalert/rules/r/*.yml matches no file of the mounted volumes');
  });
});

describe('extractAlertmanagerConfig', () => {
  test('the config file is rewritten to the copies and an out-of-band password Secret gets a placeholder', () => {
    // GIVEN an Alertmanager whose config Secret is synthesized but whose SMTP password Secret is external
    const config = {
      global: { smtp_smarthost: 'smtp:587', smtp_auth_password_file: '/etc/alertmanager/secrets/smtp/password' },
      templates: ['/etc/alertmanager/templates/*.tmpl'],
      route: { receiver: 'r' },
      receivers: [{ name: 'r', email_configs: [{ to: 'a@b' }] }],
    };
    const objects: K8sObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'am-config' }, stringData: { 'alertmanager.yml': yaml.dump(config) } },
      {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'am' },
        spec: { template: { spec: {
          volumes: [{ name: 'config', secret: { secretName: 'am-config' } }, { name: 'smtp', secret: { secretName: 'smtp' } }],
          containers: [{
            name: 'alertmanager', image: 'prom/alertmanager:v0.27.0',
            args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/alertmanager/alertmanager.yml', subPath: 'alertmanager.yml' },
              { name: 'smtp', mountPath: '/etc/alertmanager/secrets/smtp' },
            ],
          }],
        } } },
      },
    ];
    // WHEN extracted
    const am = extractAlertmanagerConfig(objects, tmp);
    // THEN the config is the mirrored copy with the paths into mounted volumes rewritten
    expect(am.configFile).toBe(path.join(tmp, 'etc/alertmanager/alertmanager.yml'));
    const written = yaml.load(fs.readFileSync(am.configFile, 'utf8')) as any;
    expect(written.global.smtp_auth_password_file).toBe(path.join(tmp, 'etc/alertmanager/secrets/smtp/password'));
    // (the templates path is in no mounted volume, so it stays as the container would see it)
    expect(written.templates).toEqual(['/etc/alertmanager/templates/*.tmpl']);
    expect(written.global.smtp_smarthost).toBe('smtp:587');
    // AND the external password exists as a placeholder
    expect(am.placeholderFiles).toEqual([written.global.smtp_auth_password_file]);
    expect(fs.readFileSync(written.global.smtp_auth_password_file, 'utf8')).toBe(PLACEHOLDER_SECRET);
  });

  test('no Alertmanager in the manifests is an error', () => {
    expect(() => extractAlertmanagerConfig([configMap('x', {})], tmp)).toThrow(/no Alertmanager container/);
  });
});
