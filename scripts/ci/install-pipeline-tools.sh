#!/bin/sh
# Installs, when missing, what running the pipeline locally with gitlab-ci-local needs besides node: git (it
# reads the branch and remote) and rsync (it copies the tree into each job's build directory). Debian/Ubuntu,
# as root; elsewhere it says what to install. The pipeline's own tools (vmalert, amtool, vmalert-tool, ...) are
# the pinned builds of scripts/tools/test-tools.sh.
set -eu

missing=
for tool in git rsync; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
  echo "install-pipeline-tools: git and rsync present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
  echo "install-pipeline-tools: missing$missing; install it as root: apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
echo "install-pipeline-tools: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update
  apt-get install -y --no-install-recommends $missing
}
for tool in $missing; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-pipeline-tools: $tool still not on PATH" >&2; exit 1; }
done
