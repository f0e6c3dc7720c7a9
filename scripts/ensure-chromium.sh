#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the playground's browser test (e2e/playground.e2e.test.ts)
# drives it headless through playwright-core, which downloads no browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser test (apt-get) ..."
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: chromium is missing and this is not root; run: sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
