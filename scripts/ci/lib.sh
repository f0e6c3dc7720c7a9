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
# it is the build of scripts/test-tools.sh at the versions of constructs/versions.ts, never a binary found at
# IMAGE_PATH or on PATH there: that could be any other version (Debian's /bin/amtool is 0.25).
# Usage: find_pinned NAME IMAGE_PATH
find_pinned() {
  if ! command -v bash >/dev/null 2>&1; then
    [ -x "$2" ] || die "$1: not at $2, and no bash to run scripts/test-tools.sh: run this job in its image from .gitlab-ci.yml"
    echo "$2"
    return 0
  fi
  tools_script="$(dirname "$0")/../test-tools.sh"
  [ -f "$tools_script" ] || die "$1: $tools_script is missing: run the job scripts from a checkout of the repository"
  paths=$(bash "$tools_script" --paths) ||
    die "$1: scripts/test-tools.sh could not provide the pinned binaries (its message is above)"
  found=$(printf '%s\n' "$paths" | awk -F '\t' -v name="$1" '$1 == name { print $2 }')
  [ -n "$found" ] && [ -x "$found" ] || die "$1 is not one of the pinned binaries of scripts/test-tools.sh"
  echo "$found"
}

# Fails unless the synth job's extraction directory exists.
require_extract_dir() {
  [ -d "$1" ] || die "$1 does not exist: it is the synth job's artifact" \
    "(npx cdk8s synth && npx ts-node scripts/extract-dist.ts dist $1)"
}
