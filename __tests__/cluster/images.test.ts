/**
 * scripts/cluster/images.ts: the images the test cluster runs, built here from the pinned binaries.
 * - The facts it records (entrypoint, command, user, working directory, ports, volumes, copied paths, base) are
 *   those of upstream's Dockerfiles at the pinned tags, read from the Go modules' source at those tags.
 * - The built OCI archives carry exactly those facts, the pinned binaries byte for byte, and the names the
 *   manifests reference.
 * - A real containerd (the pinned build, on a temporary root, state and socket) imports them, lists them, runs
 *   one under runc, and leaves no process, mount or file behind when stopped.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { loadAppConfig } from '../../app-config';
import { ALERTMANAGER_IMAGE, VERSIONS, VMALERT_IMAGE } from '../../constructs/versions';
import { AlertingStack } from '../../main';
import {
  BASES, BuiltImage, IMAGES, ImageFacts, buildImage, fileCapabilityXattr, imageRef, importImages, moduleDir,
  normalizeImageRef, pauseTag, tools,
} from '../../scripts/cluster/images';
import { TarEntry, bytesDigest, fileDigest, readTar } from '../../scripts/cluster/oci';

/** A cold build of the pinned binaries the images need takes many minutes on 2 cores. */
jest.setTimeout(45 * 60_000);

/** What a Dockerfile's final stage says, with build arguments resolved from their defaults. */
interface DockerfileFacts {
  from: string;
  entrypoint?: string[];
  cmd?: string[];
  user: string;
  workdir: string;
  exposedPorts: string[];
  volumes: string[];
  /** Destinations of COPY/ADD in the final stage, as absolute paths. */
  copied: string[];
  /** Every RUN line of every stage. */
  runs: string[];
}

function parseDockerfile(text: string): DockerfileFacts {
  const lines = text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const subst = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args.get(name) ?? '');
  let facts: DockerfileFacts | undefined;
  const runs: string[] = [];
  for (const line of lines) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const json = () => JSON.parse(rest) as string[];
    switch (keyword.toUpperCase()) {
      case 'ARG': {
        const [name, value] = rest.split('=');
        if (value !== undefined) args.set(name, value.replace(/^"|"$/g, ''));
        else if (!args.has(name)) args.set(name, '');
        break;
      }
      case 'FROM': {
        const image = rest.split(/\s+/).filter((w) => !w.startsWith('--'))[0];
        facts = { from: subst(image), user: '', workdir: '/', exposedPorts: [], volumes: [], copied: [], runs };
        break;
      }
      case 'ENTRYPOINT': facts!.entrypoint = json(); break;
      case 'CMD': facts!.cmd = json(); break;
      case 'USER': facts!.user = rest; break;
      case 'WORKDIR': facts!.workdir = path.posix.resolve(facts!.workdir, rest); break;
      case 'EXPOSE':
        facts!.exposedPorts.push(...rest.split(/\s+/).map((p) => (p.includes('/') ? p : `${p}/tcp`)));
        break;
      case 'VOLUME': facts!.volumes.push(...(rest.startsWith('[') ? json() : rest.split(/\s+/))); break;
      case 'COPY':
      case 'ADD': {
        const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
        facts!.copied.push(path.posix.resolve(facts!.workdir, subst(words[words.length - 1])));
        break;
      }
      case 'RUN': runs.push(rest); break;
      default: break;
    }
  }
  if (!facts) throw new Error('no FROM in the Dockerfile');
  return facts;
}

/** The base image upstream's final FROM names, following a FROM that only a Makefile fills in. */
function upstreamBase(image: ImageFacts, dockerfile: DockerfileFacts): string {
  const dir = moduleDir(image.upstream.component);
  if (image.upstream.component === 'victoriaMetrics') {
    // FROM $base_image: deployment/docker/base, itself FROM $root_image = ROOT_IMAGE of deployment/docker/Makefile
    expect(dockerfile.from).toBe('non-existing');
    const base = parseDockerfile(fs.readFileSync(path.join(dir, 'deployment/docker/base/Dockerfile'), 'utf8'));
    expect(base.copied).toEqual(['/etc/ssl/certs/ca-certificates.crt']);
    return /^ROOT_IMAGE \?= (\S+)$/m.exec(fs.readFileSync(path.join(dir, 'deployment/docker/Makefile'), 'utf8'))![1];
  }
  if (image.upstream.component === 'kubernetes') {
    expect(dockerfile.from).toBe('');
    return /^BASE\.linux := (\S+)$/m.exec(fs.readFileSync(path.join(dir, 'build/pause/Makefile'), 'utf8'))![1];
  }
  return dockerfile.from;
}

describe('the recorded image facts are those of upstream\'s Dockerfiles at the pinned tags', () => {
  test.each(IMAGES.map((image) => [imageRef(image), image] as const))('%s', (_ref, image) => {
    // GIVEN upstream's Dockerfile from the module source at the pinned tag
    const file = path.join(moduleDir(image.upstream.component), image.upstream.dockerfile);
    const upstream = parseDockerfile(fs.readFileSync(file, 'utf8'));
    // THEN entrypoint, command, user, working directory, ports and volumes are the recorded ones
    expect({
      entrypoint: image.entrypoint, cmd: image.cmd, user: image.user, workdir: image.workdir,
      exposedPorts: [...image.exposedPorts].sort(), volumes: [...image.volumes].sort(),
    }).toEqual({
      entrypoint: upstream.entrypoint, cmd: upstream.cmd, user: upstream.user, workdir: upstream.workdir,
      exposedPorts: [...upstream.exposedPorts].sort(), volumes: [...upstream.volumes].sort(),
    });
    // AND every path upstream copies into the image is laid, from a pinned binary or the module's source
    expect([...Object.keys(image.binaries), ...Object.keys(image.moduleFiles ?? {})].sort()).toEqual([...upstream.copied].sort());
    // AND the base is the one upstream builds from
    expect(upstreamBase(image, upstream)).toBe(BASES[image.base].from);
    // AND what upstream's RUN lines do to the image is recorded: owners of created directories, file capabilities
    for (const [dir, , uid] of image.dirs ?? []) {
      expect(uid).toBe(65534);
      expect(upstream.runs.some((r) => r.includes('chown -R nobody:nobody') && r.includes(dir))).toBe(true);
    }
    const setcaps = upstream.runs.flatMap((r) => [...r.matchAll(/setcap (\S+)=\+ep (\S+)/g)].map((m) => [m[2], m[1].split(',')]));
    expect(Object.entries(image.fileCapabilities ?? {}).map(([p, caps]) => [p, [...caps]])).toEqual(setcaps);
  });

  test('the pause image is tagged with the TAG of build/pause/Makefile at the kubernetes tag', () => {
    const makefile = fs.readFileSync(path.join(moduleDir('kubernetes'), 'build/pause/Makefile'), 'utf8');
    expect(pauseTag()).toMatch(/^\d+\.\d+(\.\d+)?$/);
    expect(makefile).toMatch(new RegExp(`^TAG \\?= ${pauseTag().replace(/\./g, '\\.')}$`, 'm'));
  });
});

describe('image references', () => {
  test('are normalized the way containerd and the kubelet store them', () => {
    expect(normalizeImageRef('victoriametrics/vmalert:v9.9.9')).toBe('docker.io/victoriametrics/vmalert:v9.9.9');
    expect(normalizeImageRef('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImageRef('registry.k8s.io/pause:3.9')).toBe('registry.k8s.io/pause:3.9');
    expect(normalizeImageRef('localhost:5000/a/b')).toBe('localhost:5000/a/b:latest');
  });

  test('every image the synthesized app runs is one of the built images', () => {
    const objects = Testing.synth(new AlertingStack(Testing.app(), 'alerting', loadAppConfig({}))) as Array<{ spec?: any }>;
    const used = new Set<string>();
    for (const obj of objects) {
      const pod = obj.spec?.template?.spec;
      for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) used.add(c.image);
    }
    expect([...used].sort()).toEqual([ALERTMANAGER_IMAGE, VMALERT_IMAGE].sort());
    const built = new Set(IMAGES.map((image) => normalizeImageRef(imageRef(image))));
    for (const ref of used) expect(built).toContain(normalizeImageRef(ref));
  });
});

/** The image's index, manifest, config and layer entries, read back from its archive. */
function openArchive(archive: string) {
  const outer = readTar(fs.readFileSync(archive));
  const file = (name: string) => {
    const entry = outer.find((e) => e.name === name);
    if (!entry) throw new Error(`${archive} has no ${name}`);
    return entry.content;
  };
  const blob = (digest: string) => {
    const bytes = file(`blobs/sha256/${digest.slice('sha256:'.length)}`);
    expect(bytesDigest(bytes)).toBe(digest);
    return bytes;
  };
  const index = JSON.parse(file('index.json').toString());
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
  const config = JSON.parse(blob(manifest.config.digest).toString());
  const layer = blob(manifest.layers[0].digest);
  return { outer, layout: JSON.parse(file('oci-layout').toString()), index, manifest, config, layer: readTar(layer), layerDigest: bytesDigest(layer) };
}

describe('the built images', () => {
  const built = new Map<string, BuiltImage>();
  beforeAll(() => {
    for (const image of IMAGES) built.set(image.upstream.dockerfile + image.ref, buildImage(image));
  });

  test.each(IMAGES.map((image) => [imageRef(image), image] as const))('%s carries the recorded facts', (_ref, image) => {
    const img = built.get(image.upstream.dockerfile + image.ref)!;
    const { layout, index, manifest, config, layer, layerDigest } = openArchive(img.archive);
    const base = BASES[image.base];
    // the layout and its one manifest, named as the manifests reference the image
    expect(layout).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe(normalizeImageRef(imageRef(image)));
    expect(index.manifests[0].digest).toBe(img.manifestDigest);
    expect(manifest.layers).toHaveLength(1);
    // the config: entrypoint, command, user, working directory, ports, volumes, environment
    expect(config.config).toMatchObject({ Entrypoint: image.entrypoint, WorkingDir: image.workdir, Env: base.env });
    expect(config.config.Cmd).toEqual(image.cmd);
    expect(config.config.User ?? '').toBe(image.user);
    expect(Object.keys(config.config.ExposedPorts ?? {}).sort()).toEqual([...image.exposedPorts].sort());
    expect(Object.keys(config.config.Volumes ?? {}).sort()).toEqual([...image.volumes].sort());
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [layerDigest] });
    expect([config.os, config.architecture]).toEqual(['linux', 'amd64']);
    // the rootfs: each pinned binary at upstream's path, executable, byte for byte
    const byName = new Map<string, TarEntry>(layer.map((e) => [`/${e.name.replace(/\/$/, '')}`, e]));
    for (const [p, name] of Object.entries(image.binaries)) {
      const entry = byName.get(p);
      expect(entry).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
      expect(bytesDigest(entry!.content)).toBe(fileDigest(tools().get(name)!));
    }
    // the entrypoint is one of them; the working directory exists
    expect(Object.keys(image.binaries)).toContain(image.entrypoint[0]);
    if (image.workdir !== '/') expect(byName.get(image.workdir)?.type).toBe('dir');
    // users and groups: the image's USER resolves, and nobody is 65534 wherever there is a passwd file
    const passwd = byName.get('/etc/passwd')?.content.toString() ?? '';
    if (image.base === 'scratch') {
      expect(byName.has('/etc/passwd')).toBe(false);
    } else {
      expect(passwd).toMatch(/^nobody:x:65534:65534:/m);
      expect(byName.get('/etc/group')?.content.toString()).toMatch(/^nobody:x:65534:/m);
    }
    const user = image.user.split(':')[0];
    if (user && !/^\d+$/.test(user)) expect(passwd).toMatch(new RegExp(`^${user}:x:\\d+:\\d+:`, 'm'));
    // CA certificates where the base has them
    const ca = byName.get('/etc/ssl/certs/ca-certificates.crt');
    expect(ca !== undefined).toBe(base.caCertificates);
    if (ca) expect(ca.content.toString()).toContain('-----BEGIN CERTIFICATE-----');
    // directories upstream creates and chowns, files it copies from its source
    for (const [dir, mode, uid, gid] of image.dirs ?? []) expect(byName.get(dir)).toMatchObject({ type: 'dir', mode, uid, gid });
    for (const [p, source] of Object.entries(image.moduleFiles ?? {})) {
      expect(byName.get(p)?.content.equals(fs.readFileSync(path.join(moduleDir(image.upstream.component), source)))).toBe(true);
    }
    // file capabilities (setcap) as the security.capability extended attribute
    for (const [p, caps] of Object.entries(image.fileCapabilities ?? {})) {
      const xattr = byName.get(p)!.pax['SCHILY.xattr.security.capability'];
      expect(xattr).toEqual(fileCapabilityXattr(caps));
      expect(xattr.readUInt32LE(4) & (1 << 10)).toBe(1 << 10); // cap_net_bind_service permitted
    }
  });

  test('a second build reuses the cached archive (same inputs, same file and digest)', () => {
    const image = IMAGES[0];
    const first = built.get(image.upstream.dockerfile + image.ref)!;
    const mtime = fs.statSync(first.archive).mtimeMs;
    const again = buildImage(image);
    expect(again).toEqual(first);
    expect(fs.statSync(again.archive).mtimeMs).toBe(mtime);
  });
});

/** Mount points whose path is inside `dir`. */
function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir));
}

/** Process ids whose command line names `dir`. */
function processesNaming(dir: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

/** The cgroup directories called `name` directly under each cgroup hierarchy (v1 controllers and the unified one). */
function cgroupsNamed(name: string): string[] {
  const root = '/sys/fs/cgroup';
  const hierarchies = fs.statSync(path.join(root, 'cgroup.controllers'), { throwIfNoEntry: false }) ? [root]
    : fs.readdirSync(root).map((h) => path.join(root, h));
  // (co-mounted controllers may appear under two names: each directory once)
  return [...new Set(hierarchies.map((h) => path.join(h, name)).filter((d) => fs.existsSync(d)).map((d) => fs.realpathSync(d)))];
}

describe('a real containerd imports the images', () => {
  test('imports every image under its manifest name, runs one under runc, and leaves nothing behind', async () => {
    expect(process.getuid?.()).toBe(0); // containerd and runc need root; the README's test command runs as root
    const t = tools();
    const containerd = t.get('containerd')!;
    const ctr = t.get('ctr')!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctrd-'));
    // the containers' cgroups go under a parent of their own in every hierarchy, removed at the end
    const cgroupParent = `cdk8s-images-${path.basename(dir)}`;
    const socket = path.join(dir, 'c.sock');
    fs.writeFileSync(path.join(dir, 'config.toml'), [
      'version = 4',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      // only what an import and a ctr run need: no CRI, no NRI, no other snapshotters
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime", '
        + '"io.containerd.podsandbox.controller.v1.podsandbox", "io.containerd.sandbox.controller.v1.shim", "io.containerd.nri.v1.nri", '
        + '"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", '
        + '"io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      '[plugins."io.containerd.shim.v1.manager"]',
      `  socket_dir = "${dir}/s"`,
      '',
    ].join('\n'));
    const env = { ...process.env, PATH: `${path.dirname(containerd)}:${path.dirname(t.get('runc')!)}:${process.env.PATH}` };
    const daemon: ChildProcess = spawn(containerd, ['--config', path.join(dir, 'config.toml')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    daemon.stdout!.on('data', (d) => { log += d; });
    daemon.stderr!.on('data', (d) => { log += d; });
    const exited = new Promise<void>((resolve) => daemon.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 60_000;
      while (!fs.existsSync(socket) && Date.now() < deadline && daemon.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect({ socket: fs.existsSync(socket), log: fs.existsSync(socket) ? '' : log }).toEqual({ socket: true, log: '' });

      // WHEN every image is imported into the kubelet's namespace
      const images = importImages(socket);
      // THEN ctr lists each under the name the manifests reference, with the built manifest's digest
      const listed = execFileSync(ctr, ['--address', socket, '-n', 'k8s.io', 'images', 'ls'], { encoding: 'utf8' });
      for (const image of images) {
        expect(listed).toMatch(new RegExp(`^${image.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\S+\\s+${image.manifestDigest}\\s`, 'm'));
      }
      expect(images.map((i) => i.name)).toEqual(expect.arrayContaining([
        normalizeImageRef(VMALERT_IMAGE), normalizeImageRef(ALERTMANAGER_IMAGE), `docker.io/victoriametrics/victoria-metrics:${VERSIONS.victoriaMetrics}`,
        `registry.k8s.io/coredns/coredns:${VERSIONS.coredns}`, `registry.k8s.io/pause:${pauseTag()}`,
      ]));
      // AND a container of the Alertmanager image runs its entrypoint as nobody in /alertmanager (runc, unpacked
      // rootfs): amtool is there too, and the process's user and directory are the image's
      const runArgs = (id: string) => ['--address', socket, '-n', 'k8s.io', 'run', '--rm', '--fifo-dir', path.join(dir, 'fifo'),
        '--runc-root', path.join(dir, 'runc'), '--cgroup', `/${cgroupParent}/${id}`];
      const am = images.find((i) => i.name === normalizeImageRef(ALERTMANAGER_IMAGE))!;
      const out = execFileSync(ctr, [...runArgs('am'), am.name, 'am', '/bin/alertmanager', '--version'], { encoding: 'utf8', env, timeout: 120_000 });
      expect(out).toMatch(new RegExp(`^alertmanager, version ${VERSIONS.alertmanager.slice(1).replace(/\./g, '\\.')} `, 'm'));
      const vm = images.find((i) => i.name === normalizeImageRef(VMALERT_IMAGE))!;
      const vmOut = execFileSync(ctr, [...runArgs('vmalert'), vm.name, 'vmalert', '/vmalert-prod', '-version'], { encoding: 'utf8', env, timeout: 120_000 });
      expect(vmOut).toContain(`tags-${VERSIONS.victoriaMetrics}`);
      expect(execFileSync(ctr, ['--address', socket, '-n', 'k8s.io', 'containers', 'ls', '-q'], { encoding: 'utf8' }).trim()).toBe('');
    } finally {
      // stop containerd (its process group), then remove what it left
      if (daemon.exitCode === null) {
        process.kill(-daemon.pid!, 'SIGTERM');
        const killer = setTimeout(() => process.kill(-daemon.pid!, 'SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      for (const mount of mountsUnder(dir).reverse()) execFileSync('umount', ['-l', mount]);
      fs.rmSync(dir, { recursive: true, force: true });
      for (const cgroup of cgroupsNamed(cgroupParent)) {
        for (const child of fs.readdirSync(cgroup, { withFileTypes: true })) if (child.isDirectory()) fs.rmdirSync(path.join(cgroup, child.name));
        fs.rmdirSync(cgroup);
      }
    }
    // THEN nothing of it is left: no process naming its folder, no mount under it, no folder
    expect(processesNaming(dir)).toEqual([]);
    expect(mountsUnder(dir)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(cgroupsNamed(cgroupParent)).toEqual([]);
  });
});
