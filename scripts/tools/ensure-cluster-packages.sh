#!/usr/bin/env bash
# Installs, when missing, the Debian packages the local cluster of real nodes (scripts/cluster/) needs besides its
# pinned binaries: iptables and ipset (kube-proxy, kube-router, the host guard chain), conntrack (kube-proxy),
# iproute2 (namespaces, veths, the bridge) and util-linux (unshare, nsenter). The cluster runs as root.
set -euo pipefail
packages=()
command -v iptables >/dev/null 2>&1 || packages+=(iptables)
command -v ipset >/dev/null 2>&1 || packages+=(ipset)
command -v conntrack >/dev/null 2>&1 || packages+=(conntrack)
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
{ command -v unshare && command -v nsenter; } >/dev/null 2>&1 || packages+=(util-linux)
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
echo "ensure-cluster-packages: installing ${packages[*]} for the local cluster (apt-get) ..."
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-cluster-packages: the local cluster runs as root; as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
