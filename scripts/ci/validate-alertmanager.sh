#!/bin/sh
# Validate stage: the synthesized alertmanager.yml through the real amtool check-config.
# The synth job wrote it with file paths (password file, templates) relative to the extraction directory;
# the SMTP password file holds a placeholder, since the real Secret never is in dist/.
#
# Usage: sh scripts/ci/validate-alertmanager.sh [EXTRACT_DIR]   (default .build/ci)
# Runs in prom/alertmanager (/bin/amtool), elsewhere with the pinned amtool of scripts/tools/test-tools.sh.
set -eu
. "$(dirname "$0")/lib.sh"

extract_dir="${1:-.build/ci}"
require_extract_dir "$extract_dir"
amtool=$(find_pinned amtool /bin/amtool)
echo "validate-alertmanager: using $amtool $("$amtool" --version 2>&1 | head -n 1)"

cd "$extract_dir"
[ -f alertmanager.yml ] || die "no alertmanager.yml in $extract_dir: dist/ has no Alertmanager container"
if ! "$amtool" check-config alertmanager.yml; then
  die "alertmanager.yml: amtool check-config failed (see its message above)"
fi
