# Shared by the scripts/ci/*.sh job scripts (POSIX sh, sourced).

# Prints "<script>: <message>" on stderr and exits 1.
die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Prints the path of the first of the given commands or absolute paths that exists: the Debian name on a
# workstation or runner first, then where the official image keeps the binary. Exits with how to install
# when none does.
find_tool() {
  for candidate in "$@"; do
    case "$candidate" in
      /*) if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi ;;
      *) if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi ;;
    esac
  done
  die "none of [$*] found: run this job in its image from .gitlab-ci.yml, or install the Debian packages" \
    "(bash scripts/install-test-tools.sh)"
}

# Fails unless the synth job's extraction directory exists.
require_extract_dir() {
  [ -d "$1" ] || die "$1 does not exist: it is the synth job's artifact" \
    "(npx cdk8s synth && npx ts-node scripts/extract-dist.ts dist $1)"
}
