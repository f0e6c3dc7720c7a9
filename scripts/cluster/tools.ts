/**
 * The pinned binaries the cluster runs, from scripts/tools/test-tools.sh's cache (built there from the upstream Go
 * modules at the tags of the version table). A missing one is an error naming the build command; there is no
 * fallback to anything on PATH.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const TEST_TOOLS = path.join(ROOT, 'scripts', 'tools', 'test-tools.sh');

/** Binary -> [cache folder prefix, key of the version table]. */
const BINARIES: Record<string, [string, string]> = {
  'etcd': ['etcd', 'etcd'],
  'kube-apiserver': ['kubernetes', 'kubernetes'],
  'kube-controller-manager': ['kubernetes', 'kubernetes'],
  'kube-scheduler': ['kubernetes', 'kubernetes'],
  'kubelet': ['kubernetes', 'kubernetes'],
  'kube-proxy': ['kubernetes', 'kubernetes'],
  'kubectl': ['kubernetes', 'kubernetes'],
  'containerd': ['containerd', 'containerd'],
  'containerd-shim-runc-v2': ['containerd', 'containerd'],
  'ctr': ['containerd', 'containerd'],
  'runc': ['runc', 'runc'],
  'bridge': ['cni-plugins', 'cniPlugins'],
  'host-local': ['cni-plugins', 'cniPlugins'],
  'loopback': ['cni-plugins', 'cniPlugins'],
  'portmap': ['cni-plugins', 'cniPlugins'],
  'kube-router': ['kube-router', 'kubeRouter'],
  'crictl': ['cri-tools', 'criTools'],
};

let cache: { dir: string; tags: Map<string, string> } | undefined;

function toolsCache(): { dir: string; tags: Map<string, string> } {
  if (cache) return cache;
  const dir = spawnSync('bash', [TEST_TOOLS, '--cache-dir'], { encoding: 'utf8' }).stdout.trim();
  // The version table's lines, read the way scripts/tools/test-tools.sh reads them ("  key: 'vX.Y.Z',").
  const versionsFile = process.env.VMALERT_HA_VERSIONS_FILE ?? path.join(ROOT, 'constructs', 'core', 'versions.ts');
  const tags = new Map<string, string>();
  for (const match of fs.readFileSync(versionsFile, 'utf8').matchAll(/^ {2}(\w+): '(v[0-9][0-9A-Za-z.+-]*)',$/gm)) tags.set(match[1], match[2]);
  cache = { dir, tags };
  return cache;
}

/** scripts/tools/test-tools.sh's cache folder. */
export function toolsCacheDir(): string {
  return toolsCache().dir;
}

/** Absolute path of a pinned binary of the cluster. */
export function tool(name: string): string {
  const entry = BINARIES[name];
  if (!entry) throw new Error(`cluster: "${name}" is not one of the cluster's pinned binaries`);
  const { dir, tags } = toolsCache();
  const tag = tags.get(entry[1]);
  if (!tag) {
    throw new Error(`cluster: the version table (constructs/core/versions.ts) has no "${entry[1]}" (for ${name})`);
  }
  const file = path.join(dir, `${entry[0]}-${tag}`, name);
  if (!fs.existsSync(file)) {
    throw new Error(`cluster: ${name} ${tag} is not built (${file}); build it with: VMALERT_HA_TOOLS=cluster,node bash scripts/tools/test-tools.sh`);
  }
  return file;
}

/** Each binary's path, or the error saying how to build it. */
export function toolReport(): Array<{ name: string; path?: string; error?: string }> {
  return Object.keys(BINARIES).map((name) => {
    try {
      return { name, path: tool(name) };
    } catch (error) {
      return { name, error: (error as Error).message };
    }
  });
}
