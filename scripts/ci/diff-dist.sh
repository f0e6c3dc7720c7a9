#!/bin/sh
# Merge-request stage: what merging would change in the synthesized manifests. Synthesizes the target branch in
# a temporary git worktree (with the same CI/CD variables, so both sides get the same settings) and writes
# `diff -ruN` of its dist/ against this pipeline's dist/ to OUT_DIR/dist.diff (an artifact) and the job log.
#
# Usage: sh scripts/ci/diff-dist.sh TARGET_BRANCH [DIST_DIR] [OUT_DIR]   (defaults: dist .build/mr-diff)
# Runs in the node image: git, npm and this repository's node_modules (linked when the lock file is the same,
# installed from the npm cache otherwise).
set -eu
. "$(dirname "$0")/lib.sh"

target="${1:-}"
dist_dir="${2:-dist}"
out_dir="${3:-.build/mr-diff}"
[ -n "$target" ] || die "usage: diff-dist.sh TARGET_BRANCH [DIST_DIR] [OUT_DIR] (in GitLab: \$CI_MERGE_REQUEST_TARGET_BRANCH_NAME)"
[ -d "$dist_dir" ] || die "$dist_dir does not exist: it is the synth job's artifact (npx cdk8s synth)"

# The target's commit: the remote-tracking branch when the clone has it, else fetched (merge-request pipelines
# clone only the source branch).
if commit=$(git rev-parse -q --verify "refs/remotes/origin/$target^{commit}"); then
  :
elif git fetch --quiet --depth=1 origin "refs/heads/$target" && commit=$(git rev-parse -q --verify 'FETCH_HEAD^{commit}'); then
  :
else
  die "cannot find the target branch $target (neither origin/$target nor git fetch origin $target)"
fi

project=$(pwd)
side=$(printf '%s' "$target" | tr -c 'A-Za-z0-9._-' '-') # a branch name may hold "/"
tmp=$(mktemp -d)
worktree="$tmp/worktree"
cleanup() {
  git worktree remove --force "$worktree" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
git worktree add --quiet --detach "$worktree" "$commit"

if git diff --quiet "$commit" -- package-lock.json && [ -d node_modules ]; then
  ln -s "$project/node_modules" "$worktree/node_modules"
else
  echo "diff-dist: the target's package-lock.json differs: npm ci for it"
  (cd "$worktree" && npm ci --cache "$project/.npm" --prefer-offline --no-audit --no-fund >/dev/null)
fi
echo "diff-dist: synthesizing $target ($(git rev-parse --short "$commit"))"
(cd "$worktree" && CDK8S_CHECK_UPGRADE=false npx cdk8s synth --output "$tmp/synth" >/dev/null) ||
  die "synthesizing the target branch $target failed (see above); the diff needs both sides"

# Both trees side by side under readable names, so the diff's paths say which side is which.
mkdir -p "$tmp/cmp" "$out_dir"
cp -R "$tmp/synth" "$tmp/cmp/$side"
cp -R "$dist_dir" "$tmp/cmp/merge-request"
rc=0
(cd "$tmp/cmp" && diff -ruN "$side" merge-request) >"$out_dir/dist.diff" || rc=$?
case "$rc" in
  0) echo "diff-dist: merging changes nothing in the manifests" ;;
  1)
    cat "$out_dir/dist.diff"
    echo "diff-dist: $(grep -c '^diff -ruN' "$out_dir/dist.diff") manifest file(s) change; the diff is the job's artifact $out_dir/dist.diff"
    ;;
  *) die "diff failed with exit code $rc" ;;
esac
