#!/bin/sh
# Validate stage: every synthesized vmalert container's argument list through the real vmalert with -dryRun.
# vmalert parses the flags (an unknown flag such as -dedup.minScrapeInterval exits 2) and then loads and
# checks every rule file the -rule globs match (YAML, MetricsQL, templates), without a datasource.
#
# Usage: sh scripts/ci/validate-vmalert.sh [EXTRACT_DIR]   (default .build/ci, written by scripts/ci/extract-dist.ts)
# Runs in victoriametrics/vmalert (binary /vmalert-prod), elsewhere with the pinned vmalert of scripts/tools/test-tools.sh.
set -eu
. "$(dirname "$0")/lib.sh"

extract_dir="${1:-.build/ci}"
require_extract_dir "$extract_dir"
vmalert=$(find_pinned vmalert /vmalert-prod)
echo "validate-vmalert: using $vmalert $("$vmalert" -version 2>&1 | head -n 1)"

cd "$extract_dir"
found=0
for args_file in vmalert-*.args; do
  [ -f "$args_file" ] || continue
  found=$((found + 1))
  # One argument per line, paths relative to the extraction directory; rebuild "$@" from them.
  set --
  while IFS= read -r arg || [ -n "$arg" ]; do
    set -- "$@" "$arg"
  done <"$args_file"
  echo "validate-vmalert: $args_file: vmalert -dryRun with the container's $# arguments"
  if ! "$vmalert" -dryRun "$@"; then
    die "$args_file: vmalert rejected the synthesized flags or rule files (see its message above)"
  fi
done
[ "$found" -gt 0 ] || die "no vmalert-*.args in $extract_dir: dist/ has no vmalert container with -rule arguments"
echo "validate-vmalert: $found vmalert container(s) OK"
