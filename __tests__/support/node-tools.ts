/** The test cluster's node binaries, shared by the tools test and the node-binary version test. */
import { VERSIONS } from '../../constructs/core/versions';

/** A string as a literal inside a regular expression. */
export function re(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The test cluster's node binaries (VMALERT_HA_TOOLS=node): name, component, the arguments that print its version,
 * and what that output must contain, built from the tag as upstream's release stamps it.
 */
export const NODE_PINNED: ReadonlyArray<[name: string, component: keyof typeof VERSIONS, args: string[], expected: (tag: string) => RegExp]> = [
  ['kubelet', 'kubernetes', ['--version'], (tag) => new RegExp(`^Kubernetes ${re(tag)}$`, 'm')],
  ['kube-proxy', 'kubernetes', ['--version'], (tag) => new RegExp(`^Kubernetes ${re(tag)}$`, 'm')],
  ['kube-scheduler', 'kubernetes', ['--version'], (tag) => new RegExp(`^Kubernetes ${re(tag)}$`, 'm')],
  // build/pause/Makefile: -DVERSION=v$(TAG)-$(REV), REV being the kubernetes tag
  ['pause', 'kubernetes', ['-v'], (tag) => new RegExp(`^pause\\.c v\\d+\\.\\d+(\\.\\d+)?-${re(tag)}$`, 'm')],
  // test/images/agnhost/Makefile: -X main.Version=$(cat VERSION), the e2e image's own version at the kubernetes tag
  ['agnhost', 'kubernetes', ['--version'], () => /^app version \d+\.\d+\.\d+$/m],
  ['containerd', 'containerd', ['--version'], (tag) => new RegExp(`^containerd github\\.com/containerd/containerd/v2 ${re(tag)} ${re(tag)}$`, 'm')],
  ['containerd-shim-runc-v2', 'containerd', ['-v'], (tag) => new RegExp(`^  Version: +${re(tag)}$`, 'm')],
  ['ctr', 'containerd', ['--version'], (tag) => new RegExp(`^ctr github\\.com/containerd/containerd/v2 ${re(tag)}$`, 'm')],
  ['runc', 'runc', ['--version'], (tag) => new RegExp(`^runc version ${re(tag.slice(1))}\ncommit: ${re(tag)}\n[^]*^libseccomp: \\d`, 'm')],
  ['bridge', 'cniPlugins', [], (tag) => new RegExp(`^CNI bridge plugin ${re(tag)}$`, 'm')],
  ['host-local', 'cniPlugins', [], (tag) => new RegExp(`^CNI host-local plugin ${re(tag)}$`, 'm')],
  ['loopback', 'cniPlugins', [], (tag) => new RegExp(`^CNI loopback plugin ${re(tag)}$`, 'm')],
  ['portmap', 'cniPlugins', [], (tag) => new RegExp(`^CNI portmap plugin ${re(tag)}$`, 'm')],
  ['coredns', 'coredns', ['-version'], (tag) => new RegExp(`^CoreDNS-${re(tag.slice(1))}\nlinux/amd64, go\\S+, ${re(tag)}$`, 'm')],
  ['kube-router', 'kubeRouter', ['--version'], (tag) => new RegExp(`kube-router version ${re(tag)}, built on \\S+`)],
  ['crictl', 'criTools', ['--version'], (tag) => new RegExp(`^crictl version v?${re(tag.slice(1))}$`, 'm')],
];
