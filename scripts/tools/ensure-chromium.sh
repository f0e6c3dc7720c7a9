#!/usr/bin/env bash
# Installs Debian's chromium, and a CJK font so Chinese text renders in its screenshots, when missing: the
# playground's browser test (e2e/playground.e2e.test.ts) drives chromium headless through playwright-core, which
# downloads no browser of its own.
set -euo pipefail
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
echo "ensure-chromium: installing ${packages[*]} for the browser test (apt-get) ..."
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: run as root, or: sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
