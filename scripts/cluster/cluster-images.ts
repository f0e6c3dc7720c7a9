/**
 * The images the nodes run, imported into each node's containerd (namespace k8s.io, where the kubelet looks) from
 * OCI archives built on this machine: there is no registry, and nothing is ever pulled. The archives come from
 * $VMALERT_HA_CLUSTER_IMAGES, else the images folder of scripts/test-tools.sh's cache (a folder of *.tar), each
 * tagged as the manifests reference it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NODE_FS } from './layout';
import { sh } from './system';
import { toolsCacheDir } from './tools';

/** References the cluster itself needs: the pod sandbox and cluster DNS. */
export interface ClusterImages {
  readonly sandbox: string;
  readonly coredns: string;
  /** OCI archives to import into every node. */
  readonly archives: readonly string[];
}

export const SANDBOX_IMAGE = process.env.VMALERT_HA_SANDBOX_IMAGE ?? 'registry.k8s.io/pause:3.10.2';
export const COREDNS_IMAGE = process.env.VMALERT_HA_COREDNS_IMAGE ?? 'registry.k8s.io/coredns/coredns:v1.15.0';

export function clusterImages(): ClusterImages {
  const dir = process.env.VMALERT_HA_CLUSTER_IMAGES ?? path.join(toolsCacheDir(), 'images');
  if (!fs.existsSync(dir)) {
    throw new Error(`cluster: no image archives in ${dir}: build them (scripts/cluster/images.ts build) or set VMALERT_HA_CLUSTER_IMAGES`);
  }
  const archives = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.tar')).map((f) => path.join(dir, f));
  if (archives.length === 0) throw new Error(`cluster: ${dir} holds no *.tar image archive`);
  return { sandbox: SANDBOX_IMAGE, coredns: COREDNS_IMAGE, archives };
}

/** `ctr images import` of every archive inside a node (entered through its namespace holder). */
export function importImages(holderPid: number, archives: readonly string[], ctr: string): void {
  for (const archive of archives) {
    sh(['nsenter', `--target=${holderPid}`, '--net', '--mount', '--uts', '--',
      ctr, `--address=${NODE_FS.containerdSocket}`, '--namespace=k8s.io', 'images', 'import', '--local', archive]);
  }
}
