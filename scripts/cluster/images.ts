/**
 * The container images the test cluster runs, built here without Docker or a registry from the pinned binaries
 * of scripts/test-tools.sh, laid out as upstream's Dockerfiles at the pinned tags lay them out, and imported into
 * a node's containerd under exactly the names the manifests reference.
 *
 * IMAGES below is the one place that records, per image, what upstream's Dockerfile says: binary paths,
 * entrypoint, default command, user, working directory, exposed ports, volumes, and the base image's files that
 * matter to a pod (users and groups, CA certificates). __tests__/cluster/images.test.ts checks these facts
 * against the Dockerfiles in the Go modules at the pinned tags, and checks the built images against the facts.
 * docs/images.md lists what still differs from the release images.
 *
 *   npm run cluster:images -- build           build (or reuse) every image; print "name<TAB>archive" per image
 *   npm run cluster:images -- import SOCKET   import them into the containerd listening on SOCKET (namespace k8s.io)
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ALERTMANAGER_IMAGE, VERSIONS, VMALERT_IMAGE } from '../../constructs/versions';
import { LayerEntry, MEDIA_TYPES, TarWriter, bytesDigest, fileDigest } from './oci';

const ROOT = path.join(__dirname, '..', '..');
const TEST_TOOLS = path.join(ROOT, 'scripts', 'test-tools.sh');
/** Bumped whenever the builder lays images out differently, so cached archives are rebuilt. */
const BUILDER_REVISION = 1;

/** Go modules whose source (at the pinned tag) holds an image's Dockerfile and the files it copies. */
export const MODULES = {
  victoriaMetrics: 'github.com/VictoriaMetrics/VictoriaMetrics',
  alertmanager: 'github.com/prometheus/alertmanager',
  coredns: 'github.com/coredns/coredns',
  kubernetes: 'k8s.io/kubernetes',
} as const;
type ModuleComponent = keyof typeof MODULES;

/** The base images upstream builds FROM, as far as a pod can tell: users, groups, CA certificates, PATH. */
export interface BaseFacts {
  /** The FROM of upstream's final stage (after its build arguments and Makefile defaults). */
  readonly from: string;
  readonly passwd: readonly string[];
  readonly group: readonly string[];
  /** Whether the base carries /etc/ssl/certs/ca-certificates.crt (laid here from Debian's ca-certificates). */
  readonly caCertificates: boolean;
  readonly env: readonly string[];
  /** Directories the base has that a pod may rely on (e.g. /tmp): path, mode, uid, gid. */
  readonly dirs: ReadonlyArray<readonly [string, number, number, number]>;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const BASES = {
  /** VictoriaMetrics' deployment/docker/base: alpine (ROOT_IMAGE of deployment/docker/Makefile) plus CA certs. */
  alpine: {
    from: 'alpine:3.24.1',
    passwd: ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/:/sbin/nologin'],
    group: ['root:x:0:root', 'nobody:x:65534:'],
    caCertificates: true,
    env: [DEFAULT_PATH],
    dirs: [['/tmp', 0o1777, 0, 0]],
  },
  /** Prometheus' busybox image, the base of prom/alertmanager. */
  busybox: {
    from: 'quay.io/prometheus/busybox-linux-amd64:latest',
    passwd: ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/home:/bin/false'],
    group: ['root:x:0:', 'nobody:x:65534:'],
    caCertificates: true,
    env: [DEFAULT_PATH],
    dirs: [['/tmp', 0o1777, 0, 0], ['/home', 0o755, 0, 0]],
  },
  /** CoreDNS' BASE: distroless static, nonroot flavour. */
  distrolessStaticNonroot: {
    from: 'gcr.io/distroless/static-debian12:nonroot',
    passwd: [
      'root:x:0:0:root:/root:/sbin/nologin',
      'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
    ],
    group: ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:'],
    caCertificates: true,
    env: [DEFAULT_PATH, 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
    dirs: [['/tmp', 0o1777, 0, 0], ['/home/nonroot', 0o700, 65532, 65532]],
  },
  /** The pause image: FROM scratch (BASE.linux of build/pause/Makefile). */
  scratch: { from: 'scratch', passwd: [], group: [], caCertificates: false, env: [DEFAULT_PATH], dirs: [] },
} as const satisfies Record<string, BaseFacts>;

/** What upstream's Dockerfile at the pinned tag says about one image, and what we lay accordingly. */
export interface ImageFacts {
  /** The reference as our manifests (or the test cluster's) write it. */
  readonly ref: string;
  /** The module and tag whose Dockerfile these facts come from, and that Dockerfile's path in the module. */
  readonly upstream: { readonly component: ModuleComponent; readonly dockerfile: string };
  readonly base: keyof typeof BASES;
  /** Path in the image -> pinned binary of scripts/test-tools.sh --paths. */
  readonly binaries: Readonly<Record<string, string>>;
  /** Path in the image -> file of the module source at the tag (upstream's COPY of a source file). */
  readonly moduleFiles?: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  /** Default arguments (CMD); undefined when the Dockerfile sets none. */
  readonly cmd?: readonly string[];
  /** USER; '' is root (no USER line). */
  readonly user: string;
  readonly workdir: string;
  /** EXPOSE, as "port/protocol". */
  readonly exposedPorts: readonly string[];
  readonly volumes: readonly string[];
  /** Directories the Dockerfile creates or chowns: path, mode, uid, gid (RUN mkdir/chown/chmod). */
  readonly dirs?: ReadonlyArray<readonly [string, number, number, number]>;
  /** Owner of moduleFiles when the Dockerfile chowns them: uid, gid. */
  readonly moduleFilesOwner?: readonly [number, number];
  /** File capabilities set by the Dockerfile (setcap): path -> capability names in the effective+permitted sets. */
  readonly fileCapabilities?: Readonly<Record<string, readonly string[]>>;
}

const vm = (app: string, port: number): ImageFacts => ({
  ref: `victoriametrics/${app}:${VERSIONS.victoriaMetrics}`,
  upstream: { component: 'victoriaMetrics', dockerfile: `app/${app}/deployment/Dockerfile` },
  base: 'alpine',
  binaries: { [`/${app}-prod`]: app },
  entrypoint: [`/${app}-prod`],
  user: '',
  workdir: '/',
  exposedPorts: [`${port}/tcp`],
  volumes: [],
});

/**
 * Every image the test cluster runs: the stack's own (vmalert, Alertmanager), the storage stand-in and the other
 * VictoriaMetrics apps the e2e starts, CoreDNS, and the pause (sandbox) image. The pause image's tag is the TAG of
 * build/pause/Makefile at the kubernetes tag, so it is resolved when building ({@link pauseImageRef}).
 */
export const IMAGES: readonly ImageFacts[] = [
  { ...vm('vmalert', 8880), ref: VMALERT_IMAGE },
  vm('victoria-metrics', 8428),
  vm('vmagent', 8429),
  vm('vmauth', 8427),
  {
    ref: ALERTMANAGER_IMAGE,
    upstream: { component: 'alertmanager', dockerfile: 'Dockerfile' },
    base: 'busybox',
    binaries: { '/bin/amtool': 'amtool', '/bin/alertmanager': 'alertmanager' },
    moduleFiles: { '/etc/alertmanager/alertmanager.yml': 'examples/ha/alertmanager.yml' },
    moduleFilesOwner: [65534, 65534],
    entrypoint: ['/bin/alertmanager'],
    cmd: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
    user: 'nobody',
    workdir: '/alertmanager',
    exposedPorts: ['9093/tcp'],
    volumes: ['/alertmanager'],
    // RUN mkdir -p /alertmanager && chown -R nobody:nobody /etc/alertmanager /alertmanager && chmod -R g+w /alertmanager
    dirs: [['/etc/alertmanager', 0o755, 65534, 65534], ['/alertmanager', 0o775, 65534, 65534]],
  },
  {
    ref: `registry.k8s.io/coredns/coredns:${VERSIONS.coredns}`,
    upstream: { component: 'coredns', dockerfile: 'Dockerfile' },
    base: 'distrolessStaticNonroot',
    binaries: { '/coredns': 'coredns' },
    entrypoint: ['/coredns'],
    user: '65532:65532',
    workdir: '/',
    exposedPorts: ['53/tcp', '53/udp'],
    volumes: [],
    // RUN setcap cap_net_bind_service=+ep /coredns
    fileCapabilities: { '/coredns': ['cap_net_bind_service'] },
  },
  {
    ref: 'registry.k8s.io/pause:<build/pause/Makefile TAG>',
    upstream: { component: 'kubernetes', dockerfile: 'build/pause/Dockerfile' },
    base: 'scratch',
    binaries: { '/pause': 'pause' },
    entrypoint: ['/pause'],
    user: '65535:65535',
    workdir: '/',
    exposedPorts: [],
    volumes: [],
  },
];

/** The tag upstream's build/pause/Makefile gives the pause image at the pinned kubernetes tag. */
export function pauseTag(): string {
  const makefile = fs.readFileSync(path.join(moduleDir('kubernetes'), 'build', 'pause', 'Makefile'), 'utf8');
  const tag = /^TAG \?= (\S+)$/m.exec(makefile)?.[1];
  if (!tag) throw new Error(`no "TAG ?=" in build/pause/Makefile of ${MODULES.kubernetes} ${VERSIONS.kubernetes}`);
  return tag;
}

/** registry.k8s.io/pause:<TAG>: the sandbox image to configure in containerd (pinned_images.sandbox). */
export function pauseImageRef(): string {
  return `registry.k8s.io/pause:${pauseTag()}`;
}

/** The reference of an image, with the pause placeholder resolved. */
export function imageRef(image: ImageFacts): string {
  return image.binaries['/pause'] ? pauseImageRef() : image.ref;
}

/**
 * The fully qualified name containerd (and the kubelet, through CRI) stores a reference under, as Docker
 * normalizes it: docker.io/ when the first component is no registry host, library/ for a single component.
 */
export function normalizeImageRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasRegistry ? ref : `docker.io/${slash < 0 ? `library/${ref}` : ref}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) name += ':latest';
  return name;
}

const moduleDirs = new Map<ModuleComponent, string>();
/** The source of a module at its pinned tag, from the Go module cache (go mod download). */
export function moduleDir(component: ModuleComponent): string {
  const known = moduleDirs.get(component);
  if (known) return known;
  const spec = `${MODULES[component]}@${VERSIONS[component]}`;
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', spec], { encoding: 'utf8', cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`go mod download ${spec} failed (the images copy files from it): ${(err as Error).message}`);
  }
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${spec} named no source folder`);
  moduleDirs.set(component, dir);
  return dir;
}

let toolPaths: ReadonlyMap<string, string> | undefined;
/** Name -> path of the pinned binaries the images and the import need (scripts/test-tools.sh builds what is missing). */
export function tools(): ReadonlyMap<string, string> {
  if (toolPaths) return toolPaths;
  let out: string;
  try {
    out = execFileSync('bash', [TEST_TOOLS, '--paths'], {
      encoding: 'utf8',
      env: { ...process.env, VMALERT_HA_TOOLS: 'vm-am,node' },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`scripts/test-tools.sh could not provide the pinned binaries; rerun: VMALERT_HA_TOOLS=vm-am,node bash scripts/test-tools.sh (${(err as Error).message})`);
  }
  toolPaths = new Map(out.trim().split('\n').map((line) => line.split('\t') as [string, string]));
  return toolPaths;
}

function tool(name: string): string {
  const file = tools().get(name);
  if (!file || !fs.existsSync(file)) throw new Error(`pinned binary ${name} is missing; rerun: VMALERT_HA_TOOLS=vm-am,node bash scripts/test-tools.sh`);
  return file;
}

/** Where built image archives are kept: images/ in the test-tools cache. */
export function imageCacheDir(): string {
  const cache = execFileSync('bash', [TEST_TOOLS, '--cache-dir'], { encoding: 'utf8' }).trim();
  return path.join(cache, 'images');
}

const CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';

/** Linux capability numbers of the names fileCapabilities may use. */
const CAPABILITY_BITS: Readonly<Record<string, number>> = { cap_net_bind_service: 10, cap_net_raw: 13, cap_net_admin: 12 };

/** The security.capability xattr (struct vfs_cap_data, revision 2) for caps in the effective+permitted sets. */
export function fileCapabilityXattr(caps: readonly string[]): Buffer {
  const buf = Buffer.alloc(20);
  buf.writeUInt32LE(0x02000000 | 0x000001, 0); // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
  let low = 0;
  for (const cap of caps) {
    const bit = CAPABILITY_BITS[cap];
    if (bit === undefined) throw new Error(`unknown capability ${cap}`);
    low |= 1 << bit;
  }
  buf.writeUInt32LE(low >>> 0, 4); // permitted[0]
  return buf;
}

/** The parent directories of a path, outermost first ("/a/b/c" -> ["/a", "/a/b"]). */
function parents(file: string): string[] {
  const parts = file.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** The entries of an image's single layer, in order, with parent directories first. */
export function layerEntries(image: ImageFacts): LayerEntry[] {
  const base: BaseFacts = BASES[image.base];
  const dirs = new Map<string, LayerEntry>();
  const files: LayerEntry[] = [];
  const dir = (p: string, mode = 0o755, uid = 0, gid = 0) => {
    for (const parent of parents(p)) if (!dirs.has(parent)) dirs.set(parent, { type: 'dir', path: parent, mode: 0o755 });
    dirs.set(p, { type: 'dir', path: p, mode, uid, gid });
  };
  const file = (entry: LayerEntry) => {
    for (const parent of parents(entry.path)) if (!dirs.has(parent)) dirs.set(parent, { type: 'dir', path: parent, mode: 0o755 });
    files.push(entry);
  };
  for (const [p, mode, uid, gid] of base.dirs) dir(p, mode, uid, gid);
  if (base.passwd.length > 0) {
    file({ type: 'file', path: '/etc/passwd', mode: 0o644, content: Buffer.from(`${base.passwd.join('\n')}\n`) });
    file({ type: 'file', path: '/etc/group', mode: 0o644, content: Buffer.from(`${base.group.join('\n')}\n`) });
  }
  if (base.caCertificates) {
    if (!fs.existsSync(CA_CERTIFICATES)) throw new Error(`${CA_CERTIFICATES} is missing: apt-get install -y ca-certificates`);
    file({ type: 'file', path: CA_CERTIFICATES, mode: 0o644, content: { fromFile: CA_CERTIFICATES } });
  }
  for (const [p, mode, uid, gid] of image.dirs ?? []) dir(p, mode, uid, gid);
  if (image.workdir !== '/' && !dirs.has(image.workdir)) dir(image.workdir);
  for (const [p, name] of Object.entries(image.binaries)) {
    const caps = image.fileCapabilities?.[p];
    file({
      type: 'file', path: p, mode: 0o755, content: { fromFile: tool(name) },
      ...(caps ? { xattrs: { 'security.capability': fileCapabilityXattr(caps) } } : {}),
    });
  }
  for (const [p, source] of Object.entries(image.moduleFiles ?? {})) {
    const [uid, gid] = image.moduleFilesOwner ?? [0, 0];
    file({ type: 'file', path: p, mode: 0o644, uid, gid, content: { fromFile: path.join(moduleDir(image.upstream.component), source) } });
  }
  return [...[...dirs.values()].sort((a, b) => a.path.localeCompare(b.path)), ...files];
}

/** The OCI image config of an image (its "config" object is what the runtime reads). */
export function imageConfig(image: ImageFacts, diffId: string): Record<string, unknown> {
  const base: BaseFacts = BASES[image.base];
  return {
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: {
      ...(image.user ? { User: image.user } : {}),
      ...(image.exposedPorts.length ? { ExposedPorts: Object.fromEntries(image.exposedPorts.map((p) => [p, {}])) } : {}),
      Env: [...base.env],
      Entrypoint: [...image.entrypoint],
      ...(image.cmd ? { Cmd: [...image.cmd] } : {}),
      ...(image.volumes.length ? { Volumes: Object.fromEntries(image.volumes.map((v) => [v, {}])) } : {}),
      WorkingDir: image.workdir,
      Labels: {
        'org.opencontainers.image.version': VERSIONS[image.upstream.component],
        'org.opencontainers.image.description': `built locally by cdk8s-vmalert-ha from the pinned ${MODULES[image.upstream.component]} module, laid out as its ${image.upstream.dockerfile}`,
      },
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: `scripts/cluster/images.ts (${image.upstream.dockerfile})` }],
  };
}

/** One built image. */
export interface BuiltImage {
  /** The reference as the manifests write it. */
  readonly ref: string;
  /** The name containerd stores it under (normalized). */
  readonly name: string;
  /** The OCI image layout tar archive (`ctr images import` reads it). */
  readonly archive: string;
  /** Digest of the image manifest. */
  readonly manifestDigest: string;
}

/** A key over everything that goes into an image: the facts, the base, every input file's digest, the builder. */
function cacheKey(image: ImageFacts, ref: string): string {
  const inputs = {
    revision: BUILDER_REVISION,
    ref,
    image,
    base: BASES[image.base],
    binaries: Object.fromEntries(Object.entries(image.binaries).map(([p, name]) => [p, fileDigest(tool(name))])),
    moduleFiles: Object.fromEntries(Object.entries(image.moduleFiles ?? {})
      .map(([p, source]) => [p, fileDigest(path.join(moduleDir(image.upstream.component), source))])),
    ca: BASES[image.base].caCertificates ? fileDigest(CA_CERTIFICATES) : null,
  };
  return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 24);
}

function writeJsonBlob(blobs: string, value: unknown): { digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = bytesDigest(bytes);
  fs.writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), bytes);
  return { digest, size: bytes.length };
}

/** Builds one image's OCI layout archive into the cache, or returns the cached one for the same inputs. */
export function buildImage(image: ImageFacts): BuiltImage {
  const ref = imageRef(image);
  const name = normalizeImageRef(ref);
  const cacheDir = imageCacheDir();
  fs.mkdirSync(cacheDir, { recursive: true });
  const stem = `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${cacheKey(image, ref)}`;
  const archive = path.join(cacheDir, `${stem}.tar`);
  const digestFile = path.join(cacheDir, `${stem}.manifest-digest`);
  if (fs.existsSync(archive) && fs.existsSync(digestFile)) {
    return { ref, name, archive, manifestDigest: fs.readFileSync(digestFile, 'utf8').trim() };
  }
  const work = fs.mkdtempSync(path.join(cacheDir, `.build-${stem}.`));
  try {
    const blobs = path.join(work, 'blobs', 'sha256');
    fs.mkdirSync(blobs, { recursive: true });
    const layerFile = path.join(work, 'layer.tar');
    const layer = new TarWriter(layerFile);
    for (const entry of layerEntries(image)) layer.add(entry);
    const { digest: layerDigest, size: layerSize } = layer.close();
    fs.renameSync(layerFile, path.join(blobs, layerDigest.slice('sha256:'.length)));
    // An uncompressed layer: its digest is also its diff ID.
    const config = writeJsonBlob(blobs, imageConfig(image, layerDigest));
    const manifest = writeJsonBlob(blobs, {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: MEDIA_TYPES.config, digest: config.digest, size: config.size },
      layers: [{ mediaType: MEDIA_TYPES.layer, digest: layerDigest, size: layerSize }],
    });
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [{
        mediaType: MEDIA_TYPES.manifest,
        digest: manifest.digest,
        size: manifest.size,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1) },
      }],
    };
    const tmpArchive = path.join(work, 'image.tar');
    const out = new TarWriter(tmpArchive);
    out.add({ type: 'file', path: 'oci-layout', mode: 0o644, content: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) });
    out.add({ type: 'file', path: 'index.json', mode: 0o644, content: Buffer.from(JSON.stringify(index)) });
    out.add({ type: 'dir', path: 'blobs', mode: 0o755 });
    out.add({ type: 'dir', path: 'blobs/sha256', mode: 0o755 });
    for (const blob of fs.readdirSync(blobs).sort()) {
      out.add({ type: 'file', path: `blobs/sha256/${blob}`, mode: 0o644, content: { fromFile: path.join(blobs, blob) } });
    }
    out.close();
    fs.writeFileSync(digestFile, `${manifest.digest}\n`);
    fs.renameSync(tmpArchive, archive);
    return { ref, name, archive, manifestDigest: manifest.digest };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Builds (or reuses) every image of {@link IMAGES}. */
export function buildImages(): BuiltImage[] {
  return IMAGES.map((image) => buildImage(image));
}

/** Options of {@link importImages}. */
export interface ImportOptions {
  /** containerd namespace; the kubelet's CRI uses k8s.io. @default 'k8s.io' */
  readonly namespace?: string;
  /** Snapshotter to unpack into (the one the CRI plugin uses). @default containerd's default (overlayfs) */
  readonly snapshotter?: string;
}

/**
 * Imports every image into the containerd listening on `containerdAddress` (its unix socket path), with the
 * pinned ctr, under the names the manifests reference (normalized), unpacked for the runtime. Returns the images.
 */
export function importImages(containerdAddress: string, opts: ImportOptions = {}): BuiltImage[] {
  const ctr = tool('ctr');
  const images = buildImages();
  for (const image of images) {
    const args = ['--address', containerdAddress, '--namespace', opts.namespace ?? 'k8s.io', 'images', 'import', '--local',
      ...(opts.snapshotter ? ['--snapshotter', opts.snapshotter] : []), image.archive];
    try {
      execFileSync(ctr, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 5 * 60_000 });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`ctr ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
    }
  }
  return images;
}

if (require.main === module) {
  const [command, address] = process.argv.slice(2);
  if (command === 'build') {
    for (const image of buildImages()) process.stdout.write(`${image.name}\t${image.archive}\n`);
  } else if (command === 'import' && address) {
    for (const image of importImages(address)) process.stdout.write(`${image.name}\timported\n`);
  } else {
    process.stderr.write('usage: images.ts build | import CONTAINERD_SOCKET\n');
    process.exit(2);
  }
}
