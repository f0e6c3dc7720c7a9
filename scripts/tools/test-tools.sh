#!/usr/bin/env bash
# Builds the real binaries the test suite runs, from the upstream Go modules at exactly the tags of
# constructs/core/versions.ts, and caches them per version outside git. A second run only checks the cache.
#
#   bash scripts/tools/test-tools.sh            build what is missing, print the table of versions
#   bash scripts/tools/test-tools.sh --paths    build what is missing, print "name<TAB>absolute path" per binary
#   bash scripts/tools/test-tools.sh --versions print "component<TAB>tag" from constructs/core/versions.ts, build nothing
#   bash scripts/tools/test-tools.sh --cache-dir print the absolute cache folder, build nothing
#
# VMALERT_HA_TOOLS picks the binaries: all (default), vm-am (VictoriaMetrics and Alertmanager), cluster (the
# test cluster's etcd, kube-apiserver, kube-controller-manager and kubectl, about 425 MB, which only
# __tests__/kubernetes/ needs), or node (what the test cluster's nodes run: kubelet, kube-proxy, kube-scheduler,
# the pause binary, containerd, containerd-shim-runc-v2, ctr, runc, the CNI plugins, CoreDNS, kube-router and
# crictl, and agnhost, Kubernetes' own e2e test binary, which the cluster's pods use to probe connections).
# Sets combine with commas: VMALERT_HA_TOOLS=cluster,node.
#
# Cache: $VMALERT_HA_TOOLS_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-vmalert-ha/tools, one folder per
# component and tag. Builds are pure Go (CGO_ENABLED=0; runc alone needs cgo and libseccomp, and the pause binary
# is C, built with the system cc as upstream's build/pause/Makefile does) and stamped with the version the way
# upstream's Makefiles and promu do, so `vmalert -version`, `alertmanager --version`, `kubelet --version`,
# `containerd --version` and the others report it.
# A failed build names the component, the tag and the command to rerun; there is no fallback version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# VMALERT_HA_VERSIONS_FILE: another version table in the same form (the script's own tests use it).
versions_file="${VMALERT_HA_VERSIONS_FILE:-$root/constructs/core/versions.ts}"

readonly VM_MODULE=github.com/VictoriaMetrics/VictoriaMetrics
readonly AM_MODULE=github.com/prometheus/alertmanager
# binary name -> package path inside its module
VM_APPS=(vmalert vmagent vmauth victoria-metrics vmalert-tool)
AM_APPS=(alertmanager amtool)

tag_of() {
  local key="$1" tag
  tag="$(sed -n "s/^  ${key}: '\(v[0-9][0-9A-Za-z.+-]*\)',\$/\1/p" "$versions_file")"
  if [ -z "$tag" ]; then
    echo "test-tools: no '${key}' tag found in $versions_file (expected a line \"  ${key}: 'vX.Y.Z',\")" >&2
    exit 1
  fi
  printf '%s' "$tag"
}

VM_TAG="$(tag_of victoriaMetrics)"
AM_TAG="$(tag_of alertmanager)"
KUBE_TAG="$(tag_of kubernetes)"
ETCD_TAG="$(tag_of etcd)"
CONTAINERD_TAG="$(tag_of containerd)"
RUNC_TAG="$(tag_of runc)"
CNI_TAG="$(tag_of cniPlugins)"
COREDNS_TAG="$(tag_of coredns)"
KUBE_ROUTER_TAG="$(tag_of kubeRouter)"
CRI_TOOLS_TAG="$(tag_of criTools)"

if [ "${1:-}" = "--versions" ]; then
  printf 'victoriaMetrics\t%s\nalertmanager\t%s\n' "$VM_TAG" "$AM_TAG"
  printf 'kubernetes\t%s\netcd\t%s\n' "$KUBE_TAG" "$ETCD_TAG"
  printf 'containerd\t%s\nrunc\t%s\ncniPlugins\t%s\n' "$CONTAINERD_TAG" "$RUNC_TAG" "$CNI_TAG"
  printf 'coredns\t%s\nkubeRouter\t%s\ncriTools\t%s\n' "$COREDNS_TAG" "$KUBE_ROUTER_TAG" "$CRI_TOOLS_TAG"
  exit 0
fi

cache="${VMALERT_HA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-vmalert-ha/tools}"
# Absolute, so --paths answers paths that work from any directory (CI sets the cache relative to the project).
case "$cache" in /*) ;; *) cache="$PWD/$cache" ;; esac
if [ "${1:-}" = "--cache-dir" ]; then
  printf '%s\n' "$cache"
  exit 0
fi
vm_dir="$cache/victoriametrics-$VM_TAG"
am_dir="$cache/alertmanager-$AM_TAG"
mkdir -p "$vm_dir" "$am_dir"
kube_dir="$cache/kubernetes-$KUBE_TAG"
etcd_dir="$cache/etcd-$ETCD_TAG"
mkdir -p "$kube_dir" "$etcd_dir"
containerd_dir="$cache/containerd-$CONTAINERD_TAG"
runc_dir="$cache/runc-$RUNC_TAG"
cni_dir="$cache/cni-plugins-$CNI_TAG"
coredns_dir="$cache/coredns-$COREDNS_TAG"
kube_router_dir="$cache/kube-router-$KUBE_ROUTER_TAG"
cri_tools_dir="$cache/cri-tools-$CRI_TOOLS_TAG"
mkdir -p "$containerd_dir" "$runc_dir" "$cni_dir" "$coredns_dir" "$kube_router_dir" "$cri_tools_dir"

quiet="${1:-}"
say() { if [ "$quiet" != "--paths" ]; then echo "$@"; else echo "$@" >&2; fi; }

# The date of the tagged commit, from the module proxy's .info, for the upstream-style version stamp (only a
# build needs it). A tag the proxy does not know stops here, before any build.
module_time() {
  local component="$1" module="$2" tag="$3" info
  [ "$all_built" -eq 0 ] || return 0
  if ! info="$(go list -m -json "$module@$tag" 2>&1)"; then
    echo "$info" >&2
    echo "test-tools: resolving $component $tag failed (go list -m $module@$tag); rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Time": "\(.*\)",\{0,1\}$/\1/p' | head -n1
}

# go install of module/pkg@tag, or (with src set) go build inside a prepared copy of the module source.
build() {
  local component="$1" module="$2" tag="$3" app="$4" pkg="$5" dir="$6" ldflags="$7" src="${8:-}"
  local out="$dir/$app"
  if [ -x "$out" ]; then return 0; fi
  local rerun="bash scripts/tools/test-tools.sh"
  say "test-tools: building $app ($component $tag) from $module ..."
  local tmp
  tmp="$(mktemp -d "$dir/.build-$app.XXXXXX")"
  local started=$SECONDS status=0
  if [ -z "$src" ]; then
    GOBIN="$tmp" CGO_ENABLED="${BUILD_CGO:-0}" GOFLAGS=-buildvcs=false \
      go install -trimpath -tags "${BUILD_TAGS:-netgo,osusergo}" ${BUILD_FLAGS:-} -ldflags "$ldflags" "${module}${pkg:+/$pkg}@$tag" >"$tmp/log" 2>&1 || status=$?
  else
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" \
      go build -trimpath -tags netgo,osusergo -ldflags "$ldflags" -o "$tmp/$app" "./$pkg") >"$tmp/log" 2>&1 || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    cat "$tmp/log" >&2
    echo "test-tools: building $app of $component $tag failed (go build of ${module}${pkg:+/$pkg} at $tag); rerun: $rerun" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv -f "$tmp/$app" "$out"
  rm -rf "$tmp"
  say "test-tools: built $app in $((SECONDS - started)) s"
}

# Alertmanager's web UI (ui/app/dist) is built by npm in upstream's release and is not part of the Go module,
# yet ui/web.go embeds it. Build from a copy of the module with a one-page placeholder UI: the API, the mesh and
# the notification code are the tag's own.
alertmanager_source() {
  local tag="$1" dir
  dir="$(go mod download -json "$AM_MODULE@$tag" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [ -z "$dir" ]; then
    echo "test-tools: go mod download $AM_MODULE@$tag failed; rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  local copy
  copy="$(mktemp -d "${TMPDIR:-/tmp}/alertmanager-src.XXXXXX")"
  cp -R "$dir/." "$copy/"
  chmod -R u+w "$copy"
  local ui
  for ui in elm mantine; do
    mkdir -p "$copy/ui/app/dist/$ui"
    printf '<!doctype html><title>Alertmanager %s</title><p>Web UI not built in this test binary; the API is at /api/v2/.</p>\n' \
      "$tag" >"$copy/ui/app/dist/$ui/index.html"
  done
  printf '%s' "$copy"
}

# --- The test cluster: kube-apiserver, kube-controller-manager, kubectl and etcd ---------------------------------
readonly KUBE_MODULE=k8s.io/kubernetes
readonly ETCD_MODULE=go.etcd.io/etcd/server/v3
KUBE_APPS=(kube-apiserver kube-controller-manager kubectl)
ETCD_APPS=(etcd)

# k8s.io/kubernetes and etcd's server module both carry `replace` directives into their own source trees, so
# `go install module@tag` refuses them. Build through a throwaway wrapper module instead: it requires the module
# at the tag and replaces each k8s.io/* staging module with its published v0.<minor>.<patch> tag, the usual
# way to import k8s.io/kubernetes (etcd's sibling modules are published at the same tag, so its plain
# requirements already resolve).
wrapper_module() {
  local component="$1" module="$2" tag="$3" json gomod dir goline
  json="$(go mod download -json "$module@$tag" 2>&1)" || true
  gomod="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  if [ -z "$gomod" ]; then
    printf '%s\n' "$json" >&2
    echo "test-tools: go mod download $module@$tag failed ($component $tag); rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  goline="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/$component-wrapper.XXXXXX")"
  {
    printf 'module cdk8s-vmalert-ha.test/%s-tools\n\ngo %s\n\nrequire %s %s\n' "$component" "$goline" "$module" "$tag"
    if [ "$module" = "$KUBE_MODULE" ]; then
      local staging="v0.${tag#v1.}" dep
      printf '\nreplace (\n'
      # Only the staging modules k8s.io/kubernetes requires (at v0.0.0); the sample-* ones are not published.
      for dep in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod"); do
        if grep -Eq "^[[:space:]]*${dep//./\\.} v0\.0\.0( |\$)" "$gomod"; then
          printf '\t%s => %s %s\n' "$dep" "$dep" "$staging"
        fi
      done
      printf ')\n'
    fi
  } >"$dir/go.mod"
  printf '%s' "$dir"
}

# go build of package `pkg` (a full import path) inside a wrapper module; same cache layout and messages as build.
wrapper_build() {
  local component="$1" module="$2" tag="$3" app="$4" pkg="$5" dir="$6" ldflags="$7" src="$8"
  local out="$dir/$app"
  if [ -x "$out" ]; then return 0; fi
  say "test-tools: building $app ($component $tag) from $module ..."
  local tmp started=$SECONDS status=0
  tmp="$(mktemp -d "$dir/.build-$app.XXXXXX")"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" \
    go build -trimpath -tags netgo,osusergo -ldflags "$ldflags" -o "$tmp/$app" "$pkg") >"$tmp/log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$tmp/log" >&2
    echo "test-tools: building $app of $component $tag failed (go build of $pkg through a wrapper module requiring $module $tag); rerun: bash scripts/tools/test-tools.sh" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv -f "$tmp/$app" "$out"
  rm -rf "$tmp"
  say "test-tools: built $app in $((SECONDS - started)) s"
}

# The version stamp of upstream's hack/lib/version.sh: without it the API server calls itself v0.0.0-master and
# kubectl warns about version skew.
kube_ldflags() {
  local tag="$1" date="$2" minor pkg flags=""
  minor="${tag#v1.}"
  minor="${minor%%.*}"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags="$flags -X '$pkg.gitVersion=$tag' -X '$pkg.gitMajor=1' -X '$pkg.gitMinor=$minor'"
    flags="$flags -X '$pkg.gitCommit=$tag' -X '$pkg.gitTreeState=clean' -X '$pkg.buildDate=$date'"
  done
  printf '%s' "$flags"
}

# The named cmd/<app> binaries of k8s.io/kubernetes that are missing, built through one wrapper module.
build_kube_apps() {
  local missing="" app src kube_time kube_date
  for app in "$@"; do [ -x "$kube_dir/$app" ] || missing=1; done
  [ -n "$missing" ] || return 0
  src="$(wrapper_module kubernetes "$KUBE_MODULE" "$KUBE_TAG")"
  kube_time="$(module_time kubernetes "$KUBE_MODULE" "$KUBE_TAG")"
  kube_date="$(date -u -d "${kube_time:-1970-01-01T00:00:00Z}" +%Y-%m-%dT%H:%M:%SZ)"
  for app in "$@"; do
    wrapper_build kubernetes "$KUBE_MODULE" "$KUBE_TAG" "$app" "$KUBE_MODULE/cmd/$app" "$kube_dir" \
      "$(kube_ldflags "$KUBE_TAG" "$kube_date")" "$src"
  done
  rm -rf "$src"
}

build_test_cluster_tools() {
  local src
  build_kube_apps "${KUBE_APPS[@]}"
  if [ "${#ETCD_APPS[@]}" -gt 0 ] && [ ! -x "$etcd_dir/etcd" ]; then
    src="$(wrapper_module etcd "$ETCD_MODULE" "$ETCD_TAG")"
    wrapper_build etcd "$ETCD_MODULE" "$ETCD_TAG" etcd "$ETCD_MODULE" "$etcd_dir" \
      "-X 'go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_TAG'" "$src"
    rm -rf "$src"
  fi
}

# --- The test cluster's nodes: kubelet, kube-proxy, kube-scheduler, pause, containerd, runc, CNI, DNS, policy ------
KUBE_NODE_APPS=(kubelet kube-proxy kube-scheduler)
# pause: the sandbox image's binary, C, from build/pause/linux/pause.c of the kubernetes tag (not a Go package).
PAUSE_APPS=(pause)
# agnhost: Kubernetes' e2e test image binary (test/images/agnhost at the kubernetes tag), stamped with the version of
# its VERSION file the way its Makefile does (-X main.Version).
AGNHOST_APPS=(agnhost)
readonly CONTAINERD_MODULE=github.com/containerd/containerd/v2
CONTAINERD_APPS=(containerd containerd-shim-runc-v2 ctr)
readonly RUNC_MODULE=github.com/opencontainers/runc
RUNC_APPS=(runc)
readonly CNI_MODULE=github.com/containernetworking/plugins
# binary name -> package path inside the module (plugins/<kind>/<name>)
CNI_APPS=(bridge host-local loopback portmap)
cni_pkg() {
  case "$1" in
    host-local) printf 'plugins/ipam/%s' "$1" ;;
    portmap | bandwidth | firewall | tuning) printf 'plugins/meta/%s' "$1" ;;
    *) printf 'plugins/main/%s' "$1" ;;
  esac
}
readonly COREDNS_MODULE=github.com/coredns/coredns
COREDNS_APPS=(coredns)
readonly KUBE_ROUTER_MODULE=github.com/cloudnativelabs/kube-router/v2
KUBE_ROUTER_APPS=(kube-router)
readonly CRI_TOOLS_MODULE=sigs.k8s.io/cri-tools
CRI_TOOLS_APPS=(crictl)

# runc's libcontainer needs cgo, and its seccomp support (which Pod Security "restricted" asks of every pod:
# seccompProfile RuntimeDefault) links libseccomp: Debian's libseccomp-dev. Installed here when missing, as root.
ensure_libseccomp() {
  if [ -e /usr/include/seccomp.h ] && command -v cc >/dev/null 2>&1; then return 0; fi
  local packages=(libseccomp-dev gcc libc6-dev)
  say "test-tools: installing ${packages[*]} for runc's seccomp support (apt-get) ..."
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-tools: runc $RUNC_TAG needs libseccomp-dev and a C compiler; run as root, or: sudo apt-get install -y --no-install-recommends ${packages[*]}; then rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"; } >&2; then
    echo "test-tools: apt-get install ${packages[*]} failed (needed to build runc $RUNC_TAG); rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
}

# The pause binary as upstream's build/pause/Makefile builds it: `gcc -Os -Wall -Werror -static
# -DVERSION=v$(TAG)-$(REV)`, TAG from that Makefile, REV the kubernetes tag.
build_pause() {
  local out="$kube_dir/pause"
  if [ -x "$out" ]; then return 0; fi
  local dir src pause_tag tmp status=0 started=$SECONDS
  dir="$(go mod download -json "$KUBE_MODULE@$KUBE_TAG" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  src="$dir/build/pause/linux/pause.c"
  pause_tag="$(sed -n 's/^TAG ?= \([0-9.]*\)$/\1/p' "$dir/build/pause/Makefile" 2>/dev/null)"
  if [ -z "$dir" ] || [ ! -f "$src" ] || [ -z "$pause_tag" ]; then
    echo "test-tools: no build/pause/linux/pause.c or pause TAG in $KUBE_MODULE $KUBE_TAG (go mod download); rerun: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  say "test-tools: building pause $pause_tag (kubernetes $KUBE_TAG) from build/pause/linux/pause.c ..."
  tmp="$(mktemp -d "$kube_dir/.build-pause.XXXXXX")"
  cc -Os -Wall -Werror -static "-DVERSION=v$pause_tag-$KUBE_TAG" -o "$tmp/pause" "$src" >"$tmp/log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$tmp/log" >&2
    echo "test-tools: building pause of kubernetes $KUBE_TAG failed (cc -static of build/pause/linux/pause.c; needs gcc and libc6-dev); rerun: bash scripts/tools/test-tools.sh" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv -f "$tmp/pause" "$out"
  rm -rf "$tmp"
  say "test-tools: built pause in $((SECONDS - started)) s"
}

build_node_tools() {
  local app src
  # containerd's Makefile: -X version.{Version,Revision,Package}; static tags; the shim without gRPC.
  local ct_ld="-X '$CONTAINERD_MODULE/version.Version=$CONTAINERD_TAG' -X '$CONTAINERD_MODULE/version.Revision=$CONTAINERD_TAG' -X '$CONTAINERD_MODULE/version.Package=$CONTAINERD_MODULE'"
  for app in "${CONTAINERD_APPS[@]}"; do
    local ct_tags="urfave_cli_no_docs,osusergo,netgo,static_build"
    [ "$app" != containerd-shim-runc-v2 ] || ct_tags="$ct_tags,no_grpc"
    BUILD_TAGS="$ct_tags" build containerd "$CONTAINERD_MODULE" "$CONTAINERD_TAG" "$app" "cmd/$app" "$containerd_dir" "$ct_ld"
  done

  # runc's Makefile `static`: cgo, seccomp, a static PIE; its version comes from the module's VERSION file.
  if [ "${#RUNC_APPS[@]}" -gt 0 ] && [ ! -x "$runc_dir/runc" ]; then
    ensure_libseccomp
    BUILD_CGO=1 BUILD_TAGS="seccomp,urfave_cli_no_docs,netgo,osusergo" BUILD_FLAGS="-buildmode=pie" \
      build runc "$RUNC_MODULE" "$RUNC_TAG" runc "" "$runc_dir" \
      "-X main.gitCommit=$RUNC_TAG -linkmode external -extldflags -static-pie"
  fi

  # The plugins' release script: -X buildversion.BuildVersion=<tag>.
  for app in "${CNI_APPS[@]}"; do
    BUILD_TAGS="netgo,osusergo" build cniPlugins "$CNI_MODULE" "$CNI_TAG" "$app" "$(cni_pkg "$app")" "$cni_dir" \
      "-X '$CNI_MODULE/pkg/utils/buildversion.BuildVersion=$CNI_TAG'"
  done

  build_kube_apps "${KUBE_NODE_APPS[@]}"
  if [ "${#PAUSE_APPS[@]}" -gt 0 ]; then build_pause; fi
  if [ "${#AGNHOST_APPS[@]}" -gt 0 ] && [ ! -x "$kube_dir/agnhost" ]; then
    local kube_src agnhost_version
    kube_src="$(go mod download -json "$KUBE_MODULE@$KUBE_TAG" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    agnhost_version="$(cat "$kube_src/test/images/agnhost/VERSION" 2>/dev/null || true)"
    if [ -z "$agnhost_version" ]; then
      echo "test-tools: no test/images/agnhost/VERSION in $KUBE_MODULE $KUBE_TAG (go mod download); rerun: bash scripts/tools/test-tools.sh" >&2
      exit 1
    fi
    src="$(wrapper_module kubernetes "$KUBE_MODULE" "$KUBE_TAG")"
    wrapper_build kubernetes "$KUBE_MODULE" "$KUBE_TAG" agnhost "$KUBE_MODULE/test/images/agnhost" "$kube_dir" \
      "-X 'main.Version=$agnhost_version'" "$src"
    rm -rf "$src"
  fi

  # CoreDNS's Makefile: tag grpcnotrace, -X coremain.GitCommit (the version is a constant of the tag's source).
  for app in "${COREDNS_APPS[@]}"; do
    BUILD_TAGS="grpcnotrace,netgo,osusergo" build coredns "$COREDNS_MODULE" "$COREDNS_TAG" coredns "" "$coredns_dir" \
      "-X '$COREDNS_MODULE/coremain.GitCommit=$COREDNS_TAG'"
  done

  # kube-router's Makefile: -X version.Version and version.BuildDate.
  for app in "${KUBE_ROUTER_APPS[@]}"; do
    local kr_time kr_date
    kr_time="$(module_time kubeRouter "$KUBE_ROUTER_MODULE" "$KUBE_ROUTER_TAG")"
    kr_date="$(date -u -d "${kr_time:-1970-01-01T00:00:00Z}" +%Y-%m-%dT%H:%M:%S%z)"
    build kubeRouter "$KUBE_ROUTER_MODULE" "$KUBE_ROUTER_TAG" kube-router cmd/kube-router "$kube_router_dir" \
      "-X '$KUBE_ROUTER_MODULE/pkg/version.Version=$KUBE_ROUTER_TAG' -X '$KUBE_ROUTER_MODULE/pkg/version.BuildDate=$kr_date'"
  done

  # cri-tools' Makefile: -X version.Version=<tag without the v>.
  for app in "${CRI_TOOLS_APPS[@]}"; do
    build criTools "$CRI_TOOLS_MODULE" "$CRI_TOOLS_TAG" crictl cmd/crictl "$cri_tools_dir" \
      "-X '$CRI_TOOLS_MODULE/pkg/version.Version=${CRI_TOOLS_TAG#v}'"
  done
}

# The sets VMALERT_HA_TOOLS names (comma-separated), each a list of the arrays above it keeps.
want_vm_am=0 want_cluster=0 want_node=0
IFS=, read -r -a tool_sets <<<"${VMALERT_HA_TOOLS:-all}"
[ "${#tool_sets[@]}" -gt 0 ] || tool_sets=(all)
for set in "${tool_sets[@]}"; do
  case "$set" in
    all) want_vm_am=1 want_cluster=1 want_node=1 ;;
    vm-am) want_vm_am=1 ;;
    cluster) want_cluster=1 ;;
    node) want_node=1 ;;
    *)
      echo "test-tools: VMALERT_HA_TOOLS=${VMALERT_HA_TOOLS} is none of all, vm-am, cluster, node; rerun: bash scripts/tools/test-tools.sh" >&2
      exit 1
      ;;
  esac
done
[ "$want_vm_am" -eq 1 ] || { VM_APPS=() AM_APPS=(); }
[ "$want_cluster" -eq 1 ] || { KUBE_APPS=() ETCD_APPS=(); }
[ "$want_node" -eq 1 ] || {
  KUBE_NODE_APPS=() PAUSE_APPS=() AGNHOST_APPS=() CONTAINERD_APPS=() RUNC_APPS=() CNI_APPS=() COREDNS_APPS=() KUBE_ROUTER_APPS=() CRI_TOOLS_APPS=()
}
readonly VM_APPS AM_APPS KUBE_APPS ETCD_APPS
readonly KUBE_NODE_APPS PAUSE_APPS AGNHOST_APPS CONTAINERD_APPS RUNC_APPS CNI_APPS COREDNS_APPS KUBE_ROUTER_APPS CRI_TOOLS_APPS

all_built=1
for app in "${VM_APPS[@]}"; do [ -x "$vm_dir/$app" ] || all_built=0; done
for app in "${AM_APPS[@]}"; do [ -x "$am_dir/$app" ] || all_built=0; done
for app in "${KUBE_APPS[@]}"; do [ -x "$kube_dir/$app" ] || all_built=0; done
for app in "${ETCD_APPS[@]}"; do [ -x "$etcd_dir/$app" ] || all_built=0; done
for app in "${KUBE_NODE_APPS[@]}" "${PAUSE_APPS[@]}" "${AGNHOST_APPS[@]}"; do [ -x "$kube_dir/$app" ] || all_built=0; done
for app in "${CONTAINERD_APPS[@]}"; do [ -x "$containerd_dir/$app" ] || all_built=0; done
for app in "${RUNC_APPS[@]}"; do [ -x "$runc_dir/$app" ] || all_built=0; done
for app in "${CNI_APPS[@]}"; do [ -x "$cni_dir/$app" ] || all_built=0; done
for app in "${COREDNS_APPS[@]}"; do [ -x "$coredns_dir/$app" ] || all_built=0; done
for app in "${KUBE_ROUTER_APPS[@]}"; do [ -x "$kube_router_dir/$app" ] || all_built=0; done
for app in "${CRI_TOOLS_APPS[@]}"; do [ -x "$cri_tools_dir/$app" ] || all_built=0; done
# A warm cache needs neither Go nor the lock: a job that only runs the binaries (CI's validate jobs, handed the
# cache as an artifact) has no Go, and a long build elsewhere never holds up a test that only reads.
if [ "$all_built" -eq 0 ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "test-tools: 'go' is not on PATH. The test binaries are built from the upstream Go modules;" >&2
    echo "  install Go >= the version in the modules' go.mod (see docs/versions.md), then: bash scripts/tools/test-tools.sh" >&2
    exit 1
  fi
  # One build at a time per cache: parallel test runs would otherwise race on the same files.
  exec 9>"$cache/.lock"
  flock 9
fi

vm_time="$(module_time victoriaMetrics "$VM_MODULE" "$VM_TAG")"
vm_date="$(date -u -d "${vm_time:-1970-01-01T00:00:00Z}" +%Y%m%d-%H%M%S)"
for app in "${VM_APPS[@]}"; do
  build victoriaMetrics "$VM_MODULE" "$VM_TAG" "$app" "app/$app" "$vm_dir" \
    "-X '$VM_MODULE/lib/buildinfo.Version=$app-$vm_date-tags-$VM_TAG'"
done

am_src=""
for app in "${AM_APPS[@]}"; do
  if [ ! -x "$am_dir/$app" ] && [ -z "$am_src" ]; then
    am_src="$(alertmanager_source "$AM_TAG")"
    trap 'rm -rf "$am_src"' EXIT
  fi
done
am_time="$(module_time alertmanager "$AM_MODULE" "$AM_TAG")"
am_date="$(date -u -d "${am_time:-1970-01-01T00:00:00Z}" +%Y%m%d-%H:%M:%S)"
for app in "${AM_APPS[@]}"; do
  build alertmanager "$AM_MODULE" "$AM_TAG" "$app" "cmd/$app" "$am_dir" \
    "-X github.com/prometheus/common/version.Version=${AM_TAG#v} -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.Revision=$AM_TAG -X github.com/prometheus/common/version.BuildUser=cdk8s-vmalert-ha -X github.com/prometheus/common/version.BuildDate=$am_date" \
    "$am_src"
done

build_test_cluster_tools
build_node_tools

if [ "$quiet" = "--paths" ]; then
  for app in "${KUBE_APPS[@]}"; do printf '%s\t%s\n' "$app" "$kube_dir/$app"; done
  for app in "${ETCD_APPS[@]}"; do printf '%s\t%s\n' "$app" "$etcd_dir/$app"; done
  for app in "${KUBE_NODE_APPS[@]}" "${PAUSE_APPS[@]}" "${AGNHOST_APPS[@]}"; do printf '%s\t%s\n' "$app" "$kube_dir/$app"; done
  for app in "${CONTAINERD_APPS[@]}"; do printf '%s\t%s\n' "$app" "$containerd_dir/$app"; done
  for app in "${RUNC_APPS[@]}"; do printf '%s\t%s\n' "$app" "$runc_dir/$app"; done
  for app in "${CNI_APPS[@]}"; do printf '%s\t%s\n' "$app" "$cni_dir/$app"; done
  for app in "${COREDNS_APPS[@]}"; do printf '%s\t%s\n' "$app" "$coredns_dir/$app"; done
  for app in "${KUBE_ROUTER_APPS[@]}"; do printf '%s\t%s\n' "$app" "$kube_router_dir/$app"; done
  for app in "${CRI_TOOLS_APPS[@]}"; do printf '%s\t%s\n' "$app" "$cri_tools_dir/$app"; done
  for app in "${VM_APPS[@]}"; do printf '%s\t%s\n' "$app" "$vm_dir/$app"; done
  for app in "${AM_APPS[@]}"; do printf '%s\t%s\n' "$app" "$am_dir/$app"; done
  exit 0
fi

echo "test-tools: versions the tests run against (cache: $cache)"
printf '  %-18s %-10s %s\n' binary tag "reports"
for app in "${VM_APPS[@]}"; do
  printf '  %-18s %-10s %s\n' "$app" "$VM_TAG" "$("$vm_dir/$app" -version 2>&1 | head -n1)"
done
for app in "${AM_APPS[@]}"; do
  printf '  %-18s %-10s %s\n' "$app" "$AM_TAG" "$("$am_dir/$app" --version 2>&1 | head -n1)"
done
for app in "${KUBE_APPS[@]}"; do
  case "$app" in
    kubectl) printf '  %-18s %-10s %s\n' "$app" "$KUBE_TAG" "$("$kube_dir/$app" version --client 2>&1 | head -n1)" ;;
    *) printf '  %-18s %-10s %s\n' "$app" "$KUBE_TAG" "$("$kube_dir/$app" --version 2>&1 | head -n1)" ;;
  esac
done
for app in "${ETCD_APPS[@]}"; do
  printf '  %-18s %-10s %s\n' "$app" "$ETCD_TAG" "$("$etcd_dir/$app" --version 2>&1 | head -n1)"
done
# The shim prints its name on a line of its own, then "  Version:  <tag>".
shim_version() { "$1" -v | sed -n 's/^ *Version: *\(.*\)$/containerd-shim-runc-v2 \1/p'; }
row() { printf '  %-18s %-10s %s\n' "$1" "$2" "$("${@:3}" 2>&1 | head -n1)"; }
for app in "${KUBE_NODE_APPS[@]}"; do row "$app" "$KUBE_TAG" "$kube_dir/$app" --version; done
for app in "${PAUSE_APPS[@]}"; do row "$app" "$KUBE_TAG" "$kube_dir/$app" -v; done
for app in "${AGNHOST_APPS[@]}"; do row "$app" "$KUBE_TAG" "$kube_dir/$app" --version; done
for app in "${CONTAINERD_APPS[@]}"; do
  case "$app" in
    containerd-shim-runc-v2) row "$app" "$CONTAINERD_TAG" shim_version "$containerd_dir/$app" ;;
    *) row "$app" "$CONTAINERD_TAG" "$containerd_dir/$app" --version ;;
  esac
done
for app in "${RUNC_APPS[@]}"; do row "$app" "$RUNC_TAG" "$runc_dir/$app" --version; done
# A CNI plugin run by hand (no CNI_COMMAND) prints "CNI <name> plugin <version>".
for app in "${CNI_APPS[@]}"; do row "$app" "$CNI_TAG" env -u CNI_COMMAND "$cni_dir/$app"; done
for app in "${COREDNS_APPS[@]}"; do row "$app" "$COREDNS_TAG" "$coredns_dir/$app" -version; done
for app in "${KUBE_ROUTER_APPS[@]}"; do row "$app" "$KUBE_ROUTER_TAG" "$kube_router_dir/$app" --version; done
for app in "${CRI_TOOLS_APPS[@]}"; do row "$app" "$CRI_TOOLS_TAG" "$cri_tools_dir/$app" --version; done
