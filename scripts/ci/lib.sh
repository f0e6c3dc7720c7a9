# Shared by the scripts/ci/*.sh job scripts (POSIX sh, sourced).

# Prints "<script>: <message>" on stderr and exits 1.
die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Prints the path of the first of the given commands or absolute paths that exists, for tools the project does
# not pin (kubectl). Exits saying so when none does.
find_tool() {
  for candidate in "$@"; do
    case "$candidate" in
      /*) if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi ;;
      *) if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi ;;
    esac
  done
  die "none of [$*] found: run this job in its image from .gitlab-ci.yml"
}

# Prints the path of the pinned binary NAME the job runs. In the job's official image (alpine or busybox: no bash)
# that is IMAGE_PATH, the image's own binary. Wherever bash runs (a runner's shell, gitlab-ci-local, a workstation)
# it is the build of scripts/tools/test-tools.sh at the versions of constructs/core/versions.ts, never a binary found at
# IMAGE_PATH or on PATH there: that could be any other version (Debian's /bin/amtool is 0.25).
# Usage: find_pinned NAME IMAGE_PATH
find_pinned() {
  if ! command -v bash >/dev/null 2>&1; then
    [ -x "$2" ] || die "$1: not at $2, and no bash to run scripts/tools/test-tools.sh: run this job in its image from .gitlab-ci.yml"
    echo "$2"
    return 0
  fi
  tools_script="$(dirname "$0")/../tools/test-tools.sh"
  [ -f "$tools_script" ] || die "$1: $tools_script is missing: run the job scripts from a checkout of the repository"
  paths=$(bash "$tools_script" --paths) ||
    die "$1: scripts/tools/test-tools.sh could not provide the pinned binaries (its message is above)"
  found=$(printf '%s\n' "$paths" | awk -F '\t' -v name="$1" '$1 == name { print $2 }')
  [ -n "$found" ] && [ -x "$found" ] || die "$1 is not one of the pinned binaries of scripts/tools/test-tools.sh"
  echo "$found"
}

# Fails unless the synth job's extraction directory exists.
require_extract_dir() {
  [ -d "$1" ] || die "$1 does not exist: it is the synth job's artifact" \
    "(npx cdk8s synth && npx ts-node scripts/ci/extract-dist.ts dist $1)"
}

# The ApplySet (kubectl apply --applyset --prune) the deploy job applies dist/ as: a ConfigMap in dist/'s
# namespace whose labels and annotations record which kinds and objects the last deploy applied.
# KUBECTL_APPLYSET=true turns the feature on (alpha in kubectl v1.37).
applyset_parent() {
  echo "${APPLYSET_PARENT:-configmaps/cdk8s-vmalert-ha}"
}

# Lines of the deploy plan "$plan" (written by scripts/ci/extract-dist.ts): "<kind> <namespace, or - for none>
# [<name> [<keys>]]"; "#" starts a comment. Prints the lines of one kind without it.
plan_lines() {
  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$plan" | while read -r kind rest; do
    if [ "$kind" = "$1" ]; then echo "$rest"; fi
  done
}

# The one namespace of the plan's objects, where the ApplySet's parent lives (kubectl takes it only from
# --namespace); exits naming what it found otherwise. DIST is for the message.
applyset_namespace() {
  _found=$(plan_lines namespace | while read -r _ns _; do printf '%s ' "$_ns"; done)
  case "$_found" in
    "" | *" "?*) die "the ApplySet that prunes needs every object of $1 in one namespace, found:" \
      "${_found:-none}. Set the chart's namespace, or deploy each namespace from its own directory" ;;
  esac
  echo "${_found% }"
}

# Shows what applying DIST as the ApplySet would change, without changing anything: `kubectl diff --server-side`
# of every object, then the members of the set an apply would prune. Returns 0 (no change), 1 (changes) or
# kubectl diff's error code (> 1).
# Usage: cluster_diff KUBECTL DIST FIELD_MANAGER NAMESPACE TMPDIR
cluster_diff() {
  _kubectl=$1 _dist=$2 _manager=$3 _ns=$4 _tmp=$5
  # kubectl apply --applyset labels each member with the set's id: compare with that label, or every diff would
  # show it being removed. Before the first deploy there is no parent and nothing is labelled yet.
  _id=$("$_kubectl" get "$(applyset_parent)" "--namespace=$_ns" --ignore-not-found \
    -o 'jsonpath={.metadata.labels.applyset\.kubernetes\.io/id}' </dev/null) || return 2
  _source=$_dist
  if [ -n "$_id" ]; then
    "$_kubectl" label --local -f "$_dist" "applyset.kubernetes.io/part-of=$_id" -o json </dev/null >"$_tmp/diff.json" ||
      return 2
    _source=$_tmp/diff.json
  fi
  _rc=0
  "$_kubectl" diff --server-side "--field-manager=$_manager" --force-conflicts -f "$_source" </dev/null || _rc=$?
  [ "$_rc" -le 1 ] || return "$_rc"
  # kubectl diff does not know ApplySets: a server-side dry run of the pruning apply lists what would go.
  if [ -n "$_id" ]; then
    KUBECTL_APPLYSET=true "$_kubectl" apply --server-side --dry-run=server "--field-manager=$_manager" \
      --force-conflicts "--namespace=$_ns" "--applyset=$(applyset_parent)" --prune -f "$_dist" </dev/null \
      >"$_tmp/prune-preview" || return 2
    if grep ' pruned' "$_tmp/prune-preview" | sed 's/ pruned (server dry run)$//; s/^/would prune: /' | grep .; then
      _rc=1
    fi
  fi
  return "$_rc"
}
