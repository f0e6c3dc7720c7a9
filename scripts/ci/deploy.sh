#!/bin/sh
# Deploy stage: applies the synthesized dist/ to the cluster selected through the GitLab agent for Kubernetes
# and waits until the vmalert Deployment and the Alertmanager StatefulSet have rolled out.
#
#   0. refuses a plan with placeholder addresses (example.com & co. in alertmanager.yml), before touching the cluster
#   1. kubectl config use-context "$KUBE_CONTEXT"      (the agent's context: <agent project path>:<agent name>)
#   2. creates each namespace of the plan that does not exist yet
#   3. the SMTP password Secret: created/updated from the masked CI/CD variable SMTP_PASSWORD when it is set,
#      otherwise it must already exist (created once out of band). Never printed, never part of dist/.
#   4. the CustomResourceDefinition of each custom resource kind in dist/ (scrape objects) must exist
#      kubectl diff --server-side         (exit 1 = differences, shown and applied; > 1 = failure)
#   5. kubectl apply --server-side --force-conflicts (the pipeline owns every field of dist/) as the ApplySet
#      APPLYSET_PARENT with --prune: what an earlier deploy applied and dist/ no longer holds is deleted, and
#      nothing else (objects applied by hand or by other tools are not members of the set)
#   6. kubectl rollout status for every workload of the plan, with ROLLOUT_TIMEOUT; any that does not
#      complete fails the job (maxUnavailable 0 keeps the previous pods serving meanwhile).
#
# Usage: sh scripts/ci/deploy.sh [DIST_DIR] [PLAN]   (defaults: dist .build/ci/deploy-plan.txt)
# The plan is written by scripts/ci/extract-dist.ts from dist/: which namespaces, Secrets and workloads dist/ has.
# Environment: KUBE_CONTEXT (required), SMTP_PASSWORD (optional, masked), ROLLOUT_TIMEOUT (default 10m),
# FIELD_MANAGER (default gitlab-ci-cdk8s-vmalert-ha), APPLYSET_PARENT (default: lib.sh, applyset_parent).
set -eu
set +x # never trace: the SMTP password passes through this shell
. "$(dirname "$0")/lib.sh"

dist_dir="${1:-dist}"
plan="${2:-.build/ci/deploy-plan.txt}"
field_manager="${FIELD_MANAGER:-gitlab-ci-cdk8s-vmalert-ha}"
rollout_timeout="${ROLLOUT_TIMEOUT:-10m}"

[ -d "$dist_dir" ] || die "$dist_dir does not exist: it is the synth job's artifact (npx cdk8s synth)"
[ -f "$plan" ] || die "$plan does not exist: the synth job writes it (npx ts-node scripts/ci/extract-dist.ts dist .build/ci)"
[ -n "${KUBE_CONTEXT:-}" ] || die "KUBE_CONTEXT is not set: set the CI/CD variable to the GitLab agent's" \
  "context, <agent configuration project path>:<agent name> (e.g. my-group/cluster-config:production)"
kubectl=$(find_tool kubectl)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# "-" (no namespace in the manifest: the context's default) becomes empty.
namespace_of() {
  if [ "$1" = - ]; then echo ""; else echo "$1"; fi
}

# Placeholders (reserved example domains) pass synth so a fresh checkout builds, but must never reach a cluster.
plan_lines placeholder >"$tmp/placeholders"
if [ -s "$tmp/placeholders" ]; then
  sed 's/^/  /' "$tmp/placeholders" >&2
  die "dist/ still holds the placeholder addresses above (reserved example domains, which never deliver):" \
    "set the real values as CI/CD variables (SMTP_SMARTHOST, SMTP_FROM, SMTP_TO, SMTP_USERNAME for the app) and run the pipeline again"
fi

plan_lines namespace >"$tmp/namespaces"
applyset=$(applyset_parent)
applyset_ns=$(applyset_namespace "$dist_dir")

echo "deploy: context $KUBE_CONTEXT"
"$kubectl" config use-context "$KUBE_CONTEXT"

while read -r ns _; do
  if ! "$kubectl" get namespace "$ns" -o name </dev/null >/dev/null 2>&1; then
    echo "deploy: creating namespace $ns"
    "$kubectl" create namespace "$ns" </dev/null
  fi
done <"$tmp/namespaces"

# Secrets that workloads of dist/ mount but dist/ does not contain.
plan_lines smtp-secret >"$tmp/smtp-secrets"
plan_lines secret >"$tmp/secrets"
if [ -n "${SMTP_PASSWORD:-}" ]; then
  (umask 077 && printf '%s' "$SMTP_PASSWORD" >"$tmp/smtp-password")
  while read -r ns name keys; do
    ns=$(namespace_of "$ns")
    set --
    old_ifs=$IFS
    IFS=,
    for key in $keys; do set -- "$@" "--from-file=$key=$tmp/smtp-password"; done
    IFS=$old_ifs
    echo "deploy: Secret $name${ns:+ in $ns} (keys $keys) from the CI/CD variable SMTP_PASSWORD"
    (umask 077 && "$kubectl" create secret generic "$name" ${ns:+"--namespace=$ns"} "$@" \
      --dry-run=client -o yaml </dev/null >"$tmp/secret.yaml")
    "$kubectl" apply --server-side "--field-manager=$field_manager" --force-conflicts -f "$tmp/secret.yaml" </dev/null
    rm -f "$tmp/secret.yaml"
  done <"$tmp/smtp-secrets"
  rm -f "$tmp/smtp-password"
else
  cat "$tmp/smtp-secrets" >>"$tmp/secrets"
fi
while read -r ns name keys; do
  ns=$(namespace_of "$ns")
  if ! "$kubectl" get secret "$name" ${ns:+"--namespace=$ns"} -o name </dev/null >/dev/null 2>&1; then
    die "Secret $name${ns:+ in namespace $ns} (keys ${keys:-any}) does not exist and dist/ does not contain it:" \
      "set the masked CI/CD variable SMTP_PASSWORD, or create it once:" \
      "kubectl create secret generic $name${ns:+ -n $ns} --from-file=${keys%%,*}=<file holding the password>"
  fi
done <"$tmp/secrets"

# Custom resources (scrape objects) apply only where their operator's CRD is installed.
plan_lines crd >"$tmp/crds"
while read -r _ crd kind; do
  if ! "$kubectl" get crd "$crd" -o name </dev/null >/dev/null 2>&1; then
    die "dist/ holds $kind objects but the cluster has no CustomResourceDefinition $crd: install the operator" \
      "that defines it, or synthesize with SCRAPE_OBJECTS set to what the cluster runs (VMPodScrape, PodMonitor, or" \
      "none for a vmagent without an operator)"
  fi
done <"$tmp/crds"

diff_rc=0
cluster_diff "$kubectl" "$dist_dir" "$field_manager" "$applyset_ns" "$tmp" || diff_rc=$?
case "$diff_rc" in
  0) echo "deploy: the cluster already matches $dist_dir" ;;
  1) echo "deploy: applying the differences above" ;;
  *) die "kubectl diff failed with exit code $diff_rc (1 would mean differences; more is an error)" ;;
esac

echo "deploy: applying $dist_dir as ApplySet $applyset in namespace $applyset_ns (prunes what it no longer holds)"
KUBECTL_APPLYSET=true "$kubectl" apply --server-side "--field-manager=$field_manager" --force-conflicts \
  "--namespace=$applyset_ns" "--applyset=$applyset" --prune -f "$dist_dir"

# Wait for every workload, even after one failed, so the log shows the state of all of them.
plan_lines rollout >"$tmp/rollouts"
[ -s "$tmp/rollouts" ] || die "$plan lists no workload to wait for: dist/ should hold the vmalert Deployment" \
  "and the Alertmanager StatefulSet"
failed=
while read -r ns ref _; do
  ns=$(namespace_of "$ns")
  echo "deploy: waiting for $ref${ns:+ in $ns} (timeout $rollout_timeout)"
  if ! "$kubectl" rollout status "$ref" ${ns:+"--namespace=$ns"} "--timeout=$rollout_timeout" </dev/null; then
    failed="$failed $ref"
  fi
done <"$tmp/rollouts"
if [ -n "$failed" ]; then
  die "rollout did not complete within $rollout_timeout:$failed. The previous pods keep serving; inspect with" \
    "kubectl describe <workload>, kubectl get events, and fix or revert the change"
fi
echo "deploy: done"
