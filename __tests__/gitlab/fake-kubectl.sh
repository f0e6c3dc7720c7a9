#!/bin/sh
# Fake kubectl for the deploy tests: appends each call's arguments as one line to $FAKE_KUBECTL_LOG and
# answers the calls scripts/ci/deploy.sh makes the way kubectl would. Knobs (environment):
#   FAKE_KUBECTL_DIFF_EXIT      exit code of `kubectl diff` (default 1: differences)
#   FAKE_KUBECTL_ROLLOUT_FAIL   space-separated refs (deployment/x) whose `rollout status` fails (exit 1)
#   FAKE_KUBECTL_MISSING        space-separated <resource>/<name> that `get` reports as NotFound (exit 1)
#   FAKE_KUBECTL_SECRET_DATA    file to which `create secret --from-file=KEY=PATH` appends "KEY=<content of PATH>"
set -eu
: "${FAKE_KUBECTL_LOG:?FAKE_KUBECTL_LOG must name the file recording the calls}"
printf '%s\n' "$*" >>"$FAKE_KUBECTL_LOG"

contains() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

case "$1" in
  config) exit 0 ;;
  get)
    if contains "${FAKE_KUBECTL_MISSING:-}" "$2/$3"; then
      echo "Error from server (NotFound): $2 \"$3\" not found" >&2
      exit 1
    fi
    echo "$2/$3"
    ;;
  create)
    if [ "$2" = secret ]; then
      name=$4
      printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\ndata:\n' "$name"
      for arg in "$@"; do
        case "$arg" in
          --from-file=*)
            spec=${arg#--from-file=}
            key=${spec%%=*}
            file=${spec#*=}
            printf '  %s: %s\n' "$key" "$(base64 -w0 <"$file")"
            if [ -n "${FAKE_KUBECTL_SECRET_DATA:-}" ]; then
              printf '%s=%s\n' "$key" "$(cat "$file")" >>"$FAKE_KUBECTL_SECRET_DATA"
            fi
            ;;
        esac
      done
    else
      echo "$2/$3 created"
    fi
    ;;
  diff)
    echo "diff -u -N /tmp/LIVE/apps.v1.Deployment.monitoring.vmalert /tmp/MERGED/apps.v1.Deployment.monitoring.vmalert"
    exit "${FAKE_KUBECTL_DIFF_EXIT:-1}"
    ;;
  apply) echo "serverside-applied" ;;
  rollout)
    if contains "${FAKE_KUBECTL_ROLLOUT_FAIL:-}" "$3"; then
      echo "error: timed out waiting for the condition" >&2
      exit 1
    fi
    echo "$3 successfully rolled out"
    ;;
  *)
    echo "fake kubectl: unexpected call: $*" >&2
    exit 99
    ;;
esac
