#!/bin/sh
# Fake `kubectl rollout status` for the deploy tests, which run everything else with the real kubectl against the
# test cluster (__tests__/support/kube-cluster.ts): no kubelet runs Pods there, so no rollout could complete.
# Appends each call's arguments as one line to $FAKE_KUBECTL_LOG. Knob (environment):
#   FAKE_KUBECTL_ROLLOUT_FAIL   space-separated refs (deployment/x) whose `rollout status` fails (exit 1)
set -eu
: "${FAKE_KUBECTL_LOG:?FAKE_KUBECTL_LOG must name the file recording the calls}"
printf '%s\n' "$*" >>"$FAKE_KUBECTL_LOG"

contains() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

if [ "${1:-}" != rollout ] || [ "${2:-}" != status ]; then
  echo "fake kubectl: only 'rollout status' is faked; the real kubectl runs everything else: $*" >&2
  exit 99
fi
if contains "${FAKE_KUBECTL_ROLLOUT_FAIL:-}" "$3"; then
  echo "error: timed out waiting for the condition" >&2
  exit 1
fi
echo "$3 successfully rolled out"
