#!/bin/sh
# Merge-request stage: what deploying this dist/ would change in the cluster, without changing anything.
# Selects the GitLab agent's context, then `kubectl diff --server-side` of every object and the list of what the
# deploy's ApplySet would prune (a server-side dry run), both in the job log. Differences are the point of the
# job, not a failure; an error of the API server (a refused object, no permission) fails it.
#
# Usage: sh scripts/ci/diff-cluster.sh [DIST_DIR] [PLAN]   (defaults: dist .build/ci/deploy-plan.txt)
# Environment: KUBE_CONTEXT (required), FIELD_MANAGER (default: the deploy job's), APPLYSET_PARENT (lib.sh).
set -eu
. "$(dirname "$0")/lib.sh"

dist_dir="${1:-dist}"
plan="${2:-.build/ci/deploy-plan.txt}"
field_manager="${FIELD_MANAGER:-gitlab-ci-cdk8s-vmalert-ha}"

[ -d "$dist_dir" ] || die "$dist_dir does not exist: it is the synth job's artifact (npx cdk8s synth)"
[ -f "$plan" ] || die "$plan does not exist: the synth job writes it (npx ts-node scripts/ci/extract-dist.ts dist .build/ci)"
[ -n "${KUBE_CONTEXT:-}" ] || die "KUBE_CONTEXT is not set: this job runs only when the agent's context is available"
kubectl=$(find_tool kubectl)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

namespace=$(applyset_namespace "$dist_dir")
"$kubectl" config use-context "$KUBE_CONTEXT" >/dev/null
echo "diff-cluster: $dist_dir against context $KUBE_CONTEXT, namespace $namespace"
if ! "$kubectl" get namespace "$namespace" -o name </dev/null >/dev/null 2>&1; then
  echo "diff-cluster: namespace $namespace does not exist yet: the deploy would create it and every object of $dist_dir"
  exit 0
fi

rc=0
cluster_diff "$kubectl" "$dist_dir" "$field_manager" "$namespace" "$tmp" || rc=$?
case "$rc" in
  0) echo "diff-cluster: no change: the cluster matches $dist_dir" ;;
  1) echo "diff-cluster: the deploy would make the changes above" ;;
  *) die "kubectl diff failed with exit code $rc (see its message above)" ;;
esac
