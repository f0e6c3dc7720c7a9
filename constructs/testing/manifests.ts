/**
 * Reading synthesized Kubernetes manifests and laying their mounted files out on disk, so the real
 * tools (vmalert, amtool, alertmanager) can read exactly what a pod would see.
 *
 * No cdk8s import: the jest suites, the e2e suite, the pipeline's validate job and the `testing` entry point read the YAML
 * that `cdk8s synth` wrote, the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ALERTMANAGER_SECRET_FILE_FIELDS } from '../alertmanager/config/secrets';

/** Any Kubernetes object as found in a manifest. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: any;
}

/** The parts of a container the helpers read. */
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: Array<{ name: string; value?: string; valueFrom?: any }>;
  readonly envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>;
  readonly volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  readonly [key: string]: any;
}

/** A key of a ConfigMap or Secret projected to a relative path. */
export interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

/** The volume sources the helpers can lay out as files. */
export interface Volume {
  readonly name: string;
  readonly configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  readonly secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  readonly projected?: {
    sources: Array<{
      configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
    }>;
  };
  readonly [key: string]: any;
}

/** The parts of a pod spec the helpers read. */
export interface PodSpec {
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly volumes?: Volume[];
  readonly [key: string]: any;
}

/** Options for {@link materializeVolume}. */
export interface MaterializeOptions {
  /**
   * Skip a ConfigMap or Secret that is not among the objects instead of failing, e.g. a Secret
   * created out of band (the SMTP password).
   * @default false
   */
  readonly skipMissing?: boolean;
}

/** Kinds whose pod template sits at spec.template.spec. */
const TEMPLATED_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/** Manifest file endings read from a directory (cdk8s writes `<chart>.k8s.yaml`). */
const MANIFEST_FILE = /\.ya?ml$/;

/**
 * Alertmanager config fields that name a file holding a secret: the extracted config gets a
 * placeholder file for each that does not exist, since the real Secret is created out of band.
 */
const SECRET_FILE_FIELDS = ALERTMANAGER_SECRET_FILE_FIELDS;

/** Placeholder content of a secret file whose Secret is not in the manifests. */
export const PLACEHOLDER_SECRET = 'placeholder-secret-for-validation';

/** Parses multi-document YAML into Kubernetes objects; `source` names the text in errors. */
export function parseManifests(yamlText: string, source = 'manifest'): K8sObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(yamlText);
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const objects: K8sObject[] = [];
  docs.forEach((doc, index) => {
    if (doc === null || doc === undefined) return; // an empty document between two `---`
    const obj = doc as Partial<K8sObject>;
    if (typeof doc !== 'object' || Array.isArray(doc) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      throw new Error(`${source}: document ${index + 1} is not a Kubernetes object (it needs apiVersion and kind)`);
    }
    if (!obj.metadata || typeof obj.metadata.name !== 'string' || obj.metadata.name === '') {
      throw new Error(`${source}: document ${index + 1} (${obj.kind}) has no metadata.name`);
    }
    objects.push(doc as K8sObject);
  });
  return objects;
}

/** Reads one manifest file, or every `*.yaml`/`*.yml` directly in a directory (sorted by name). */
export function readManifests(fileOrDir: string): K8sObject[] {
  if (!fs.existsSync(fileOrDir)) {
    throw new Error(`${fileOrDir}: no such file or directory (run "npx cdk8s synth" first?)`);
  }
  const files = fs.statSync(fileOrDir).isDirectory()
    ? fs.readdirSync(fileOrDir).filter((f) => MANIFEST_FILE.test(f)).sort().map((f) => path.join(fileOrDir, f))
    : [fileOrDir];
  return files.flatMap((file) => parseManifests(fs.readFileSync(file, 'utf8'), file));
}

/** Every object of `kind`, in manifest order. */
export function findObjects(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The object of `kind` named `name`, or undefined. */
export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** The pod spec of a Pod, a templated workload or a CronJob; undefined for any other kind. */
export function podSpecOf(workload: K8sObject): PodSpec | undefined {
  if (workload.kind === 'Pod') return workload.spec as PodSpec | undefined;
  if (TEMPLATED_WORKLOADS.has(workload.kind)) return workload.spec?.template?.spec as PodSpec | undefined;
  if (workload.kind === 'CronJob') return workload.spec?.jobTemplate?.spec?.template?.spec as PodSpec | undefined;
  return undefined;
}

/** Every object that has a pod spec, with it. */
export function workloadsOf(objects: readonly K8sObject[]): Array<{ workload: K8sObject; podSpec: PodSpec }> {
  const result: Array<{ workload: K8sObject; podSpec: PodSpec }> = [];
  for (const workload of objects) {
    const podSpec = podSpecOf(workload);
    if (podSpec) result.push({ workload, podSpec });
  }
  return result;
}

/** Containers and init containers of a pod spec. */
export function allContainers(podSpec: PodSpec): Container[] {
  return [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
}

/**
 * Writes the files a ConfigMap, Secret or projected volume puts in a pod into `targetDir`, as the
 * kubelet would: every key (ConfigMap data/binaryData, Secret data base64-decoded / stringData), or
 * only `items` at their paths. Returns the files written.
 */
export function materializeVolume(
  objects: readonly K8sObject[],
  volume: Volume,
  targetDir: string,
  options: MaterializeOptions = {},
): string[] {
  const sources: Array<{ kind: 'ConfigMap' | 'Secret'; name: string; items?: KeyToPath[]; optional?: boolean }> = [];
  if (volume.configMap) sources.push({ kind: 'ConfigMap', ...volume.configMap });
  if (volume.secret) sources.push({ kind: 'Secret', name: volume.secret.secretName, items: volume.secret.items, optional: volume.secret.optional });
  for (const s of volume.projected?.sources ?? []) {
    if (s.configMap) sources.push({ kind: 'ConfigMap', ...s.configMap });
    if (s.secret) sources.push({ kind: 'Secret', ...s.secret });
  }
  if (sources.length === 0) {
    throw new Error(`volume "${volume.name}": only configMap, secret and projected volumes can be materialized`);
  }
  const written: string[] = [];
  for (const source of sources) {
    const obj = findObject(objects, source.kind, source.name);
    if (!obj) {
      if (source.optional || options.skipMissing) continue;
      throw new Error(`volume "${volume.name}": ${source.kind} "${source.name}" is not in the manifests`);
    }
    const content = keyContents(obj);
    const entries = source.items
      ? source.items.map((item) => {
        if (!content.has(item.key)) {
          throw new Error(`volume "${volume.name}": ${source.kind} "${source.name}" has no key "${item.key}" (items)`);
        }
        return [item.path, content.get(item.key)!] as const;
      })
      : [...content.entries()];
    for (const [relPath, bytes] of entries) {
      const file = safeJoin(targetDir, relPath, `volume "${volume.name}"`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      written.push(file);
    }
  }
  return written;
}

/** A pod's mounted ConfigMaps and Secrets laid out under one root directory. */
export interface MirroredPod {
  /** The directory standing for the container's `/`. */
  readonly rootDir: string;
  /** Every file written. */
  readonly files: string[];
  /** Maps an absolute path inside the container to its copy under rootDir (other paths unchanged). */
  rewritePath(containerPath: string): string;
}

/**
 * Lays out every ConfigMap/Secret/projected volume mounted by the pod's containers under `rootDir`
 * at its mount path (a `subPath` mount puts that single key at the mount path). Other volume types
 * (emptyDir, PVCs) get an empty directory.
 */
export function mirrorPodFiles(
  objects: readonly K8sObject[],
  podSpec: PodSpec,
  rootDir: string,
  options: MaterializeOptions = {},
): MirroredPod {
  const files: string[] = [];
  const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v] as const));
  for (const container of allContainers(podSpec)) {
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (!volume) {
        throw new Error(`container "${container.name}": volumeMount "${mount.name}" names no volume of the pod`);
      }
      const target = safeJoin(rootDir, mount.mountPath, `container "${container.name}"`);
      if (!volume.configMap && !volume.secret && !volume.projected) {
        fs.mkdirSync(target, { recursive: true });
        continue;
      }
      if (mount.subPath) {
        const staging = fs.mkdtempSync(path.join(rootDir, '.subpath-'));
        materializeVolume(objects, volume, staging, options);
        const source = safeJoin(staging, mount.subPath, `container "${container.name}"`);
        if (fs.existsSync(source)) {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(source, target);
          files.push(target);
        }
        fs.rmSync(staging, { recursive: true, force: true });
      } else {
        files.push(...materializeVolume(objects, volume, target, options));
      }
    }
  }
  const mountPaths = allContainers(podSpec).flatMap((c) => (c.volumeMounts ?? []).map((m) => m.mountPath));
  return {
    rootDir,
    files,
    rewritePath: (containerPath: string) =>
      mountPaths.some((m) => containerPath === m || containerPath.startsWith(m.endsWith('/') ? m : `${m}/`))
        ? path.join(rootDir, containerPath)
        : containerPath,
  };
}

/**
 * Rewrites the value of every `-flag=/path` / `--flag=/path` argument (also VictoriaMetrics' `file:///path`
 * form) that points into a mounted volume so that it points at the mirrored copy. Everything else is
 * returned verbatim.
 */
export function rewriteArgPaths(args: readonly string[], mirror: MirroredPod): string[] {
  return args.map((arg) => {
    const match = /^(--?([^=]+)=(?:file:\/\/)?)(\/.*)$/.exec(arg);
    return match && !URL_PATH_FLAGS.has(match[2]) ? match[1] + mirror.rewritePath(match[3]) : arg;
  });
}

/** Flags whose value is a URL path, not a file: "/alertmanager" is a route prefix even where a volume is mounted. */
const URL_PATH_FLAGS = new Set(['web.route-prefix', 'http.pathPrefix']);

/**
 * Expands `$(NAME)` references in container args the way the kubelet does, from `env` (e.g. the
 * Downward API values a test stands in for); `$$(NAME)` stays a literal `$(NAME)`, an unknown name stays as is.
 */
export function expandEnvRefs(args: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return args.map((arg) => arg.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, escaped, name) =>
    escaped ? `$(${name})` : env[name] ?? whole));
}

/** The value of each `-name=value` / `--name=value` argument (also the `-name value` form). */
export function flagValues(args: readonly string[], name: string): string[] {
  const bare = name.replace(/^-+/, '');
  const values: string[] = [];
  args.forEach((arg, i) => {
    const match = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match || match[1] !== bare) return;
    if (match[2] !== undefined) values.push(match[2]);
    else if (i + 1 < args.length && !args[i + 1].startsWith('-')) values.push(args[i + 1]);
  });
  return values;
}

/** Rule files extracted from the manifests, and where they came from. */
export interface ExtractedRules {
  /** Every rule file, as the `-rule` globs of the containers match it. */
  readonly files: string[];
  /** One entry per container with `-rule` arguments. */
  readonly containers: Array<{ workload: K8sObject; container: Container; mirror: MirroredPod; ruleGlobs: string[] }>;
}

/**
 * Writes the rule files every vmalert container would read (the files matched by its `-rule=`
 * arguments, from the ConfigMaps it mounts) under `targetDir/<kind>-<name>/`.
 */
export function extractRuleFiles(objects: readonly K8sObject[], targetDir: string): ExtractedRules {
  const files: string[] = [];
  const containers: ExtractedRules['containers'] = [];
  for (const { workload, podSpec } of workloadsOf(objects)) {
    const ruleContainers = allContainers(podSpec).filter((c) => flagValues(containerArgs(c), 'rule').length > 0);
    if (ruleContainers.length === 0) continue;
    // Credentials live in Secrets created out of band; rule files do not, and a missing one fails below.
    const mirror = mirrorPodFiles(objects, podSpec, path.join(targetDir, `${workload.kind}-${workload.metadata.name}`.toLowerCase()), { skipMissing: true });
    for (const container of ruleContainers) {
      const ruleGlobs = flagValues(containerArgs(container), 'rule');
      for (const glob of ruleGlobs) {
        const matched = expandGlob(mirror.rewritePath(glob));
        if (matched.length === 0) {
          throw new Error(`${workload.kind} "${workload.metadata.name}", container "${container.name}": -rule=${glob} matches no file of the mounted volumes`);
        }
        files.push(...matched.filter((f) => !files.includes(f)));
      }
      containers.push({ workload, container, mirror, ruleGlobs });
    }
  }
  return { files, containers };
}

/** An Alertmanager config extracted from the manifests, ready for amtool or a real alertmanager. */
export interface ExtractedAlertmanager {
  /** The rewritten alertmanager.yml: file paths point under the mirror's rootDir. */
  readonly configFile: string;
  /** Secret files the manifests do not contain, filled with {@link PLACEHOLDER_SECRET}. */
  readonly placeholderFiles: string[];
  readonly workload: K8sObject;
  readonly container: Container;
  readonly mirror: MirroredPod;
}

/**
 * Writes the Alertmanager container's mounted files under `targetDir` and rewrites its
 * `--config.file` so every file it names (password files, templates) points at the copies. A
 * password file whose Secret is not in the manifests (created out of band) gets placeholder content.
 */
export function extractAlertmanagerConfig(objects: readonly K8sObject[], targetDir: string): ExtractedAlertmanager {
  for (const { workload, podSpec } of workloadsOf(objects)) {
    const container = allContainers(podSpec).find((c) => flagValues(containerArgs(c), 'config.file').length > 0 && isAlertmanager(c));
    if (!container) continue;
    const mirror = mirrorPodFiles(objects, podSpec, targetDir, { skipMissing: true });
    const configFile = mirror.rewritePath(flagValues(containerArgs(container), 'config.file')[0]);
    if (!fs.existsSync(configFile)) {
      throw new Error(`${workload.kind} "${workload.metadata.name}": --config.file is not in any mounted ConfigMap or Secret of the manifests`);
    }
    const config = yaml.load(fs.readFileSync(configFile, 'utf8'));
    const placeholderFiles: string[] = [];
    const rewritten = mapFields(config, (key, value) => {
      if (typeof value !== 'string' || !value.startsWith('/')) return value;
      if (key === 'templates' || key.endsWith('_file')) {
        const local = mirror.rewritePath(value);
        if (SECRET_FILE_FIELDS.has(key) && !fs.existsSync(local)) {
          const placeholder = local === value ? path.join(targetDir, value) : local;
          fs.mkdirSync(path.dirname(placeholder), { recursive: true });
          fs.writeFileSync(placeholder, PLACEHOLDER_SECRET);
          placeholderFiles.push(placeholder);
          return placeholder;
        }
        return local;
      }
      return value;
    });
    fs.writeFileSync(configFile, yaml.dump(rewritten, { lineWidth: -1 }));
    return { configFile, placeholderFiles, workload, container, mirror };
  }
  throw new Error('no Alertmanager container with a --config.file argument in the manifests');
}

/** command + args of a container, the list a flag parser sees (after the binary). */
export function containerArgs(container: Container): string[] {
  return [...(container.command ?? []).slice(1), ...(container.args ?? [])];
}

/** Whether a container runs Alertmanager (by name, image or command). */
export function isAlertmanager(container: Container): boolean {
  return /alertmanager/.test(`${container.name} ${container.image ?? ''} ${(container.command ?? []).join(' ')}`);
}

/** Key -> bytes of a ConfigMap (data, binaryData) or Secret (data base64, stringData wins). */
function keyContents(obj: K8sObject): Map<string, Buffer> {
  const content = new Map<string, Buffer>();
  const put = (record: unknown, encoding: 'utf8' | 'base64') => {
    for (const [key, value] of Object.entries((record as Record<string, string> | undefined) ?? {})) {
      content.set(key, Buffer.from(String(value), encoding));
    }
  };
  if (obj.kind === 'ConfigMap') {
    put(obj.data, 'utf8');
    put(obj.binaryData, 'base64');
  } else {
    put(obj.data, 'base64');
    put(obj.stringData, 'utf8');
  }
  return content;
}

/** Joins `rel` under `root`, refusing a path that would leave it. */
function safeJoin(root: string, rel: string, what: string): string {
  const joined = path.join(root, rel);
  const relative = path.relative(root, joined);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`${what}: path "${rel}" leaves the target directory`);
  }
  return joined;
}

/** Files matching a path whose segments may hold `*` and `?` (the globs vmalert's -rule accepts). */
function expandGlob(pattern: string): string[] {
  const segments = pattern.split('/');
  let current = [pattern.startsWith('/') ? '/' : '.'];
  for (const segment of segments.filter((s) => s !== '')) {
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?]/.test(segment)) {
        const candidate = path.join(dir, segment);
        if (fs.existsSync(candidate)) next.push(candidate);
        continue;
      }
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) continue;
      const regex = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      next.push(...fs.readdirSync(dir).filter((f) => regex.test(f) && !f.startsWith('.')).sort().map((f) => path.join(dir, f)));
    }
    current = next;
  }
  return current.filter((f) => fs.statSync(f).isFile());
}

/** Deep copy of a YAML value, passing every (key, scalar-or-list) through `fn`. */
function mapFields(value: unknown, fn: (key: string, value: unknown) => unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => mapFields(v, fn, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapFields(v, fn, k)]));
  }
  return fn(key, value);
}
