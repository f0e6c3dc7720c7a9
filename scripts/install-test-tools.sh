#!/usr/bin/env bash
# Installs the real binaries the test suite runs against, only when one is missing:
#   vmalert, victoria-metrics, vmagent  <- Debian package victoria-metrics
#   prometheus-alertmanager, amtool     <- Debian package prometheus-alertmanager
#   promtool                            <- Debian package prometheus
# Idempotent: a machine that has all of them gets no apt-get call. The packages' services
# (prometheus on :9090, alertmanager on :9093, victoria-metrics on :8428) are never left running,
# because the tests bind those ports on loopback themselves.
set -euo pipefail

readonly TOOLS=(vmalert victoria-metrics vmagent prometheus-alertmanager amtool promtool)
readonly PACKAGES=(victoria-metrics prometheus-alertmanager prometheus)
# Init scripts / systemd units these packages ship; none may run on a test machine.
readonly SERVICES=(prometheus prometheus-alertmanager victoria-metrics prometheus-node-exporter)

missing=()
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done

print_versions() {
  echo "install-test-tools: versions the tests run against:"
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='  ${Package} ${Version}\n' "${PACKAGES[@]}" 2>/dev/null || true
  fi
  for tool in "${TOOLS[@]}"; do
    printf '  %-24s %s\n' "$tool" "$(command -v "$tool")"
  done
}

# Stops and disables a service of the installed packages if it runs, through its own init system
# (never by process name), so only that service is touched.
stop_service() {
  local svc="$1"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    if systemctl is-active --quiet "$svc" 2>/dev/null; then
      echo "install-test-tools: stopping service $svc (it would hold a port the tests use)"
      systemctl stop "$svc" || true
    fi
    systemctl disable "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ]; then
    if "/etc/init.d/$svc" status >/dev/null 2>&1; then
      echo "install-test-tools: stopping service $svc (it would hold a port the tests use)"
      "/etc/init.d/$svc" stop || true
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  fi
}

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-tools: all present (${TOOLS[*]})"
  for svc in "${SERVICES[@]}"; do stop_service "$svc"; done
  print_versions
  exit 0
fi

how_to="install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-tools: missing ${missing[*]} and apt-get is not available." >&2
  echo "  On Debian/Ubuntu $how_to" >&2
  echo "  Elsewhere put these binaries on PATH: vmalert, victoria-metrics, vmagent (VictoriaMetrics 1.79+)," >&2
  echo "  prometheus-alertmanager and amtool (Alertmanager 0.25+; the binary must be named prometheus-alertmanager)," >&2
  echo "  promtool (Prometheus 2.42+)." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-tools: missing ${missing[*]}; installing needs root." >&2
  echo "  Run as root: bash scripts/install-test-tools.sh, or $how_to" >&2
  exit 1
fi

echo "install-test-tools: missing ${missing[*]}; installing ${PACKAGES[*]}"
# Keep apt from starting the packages' services: a policy-rc.d that answers 101 ("action
# forbidden") is Debian's documented switch. Use ours only if the machine has none.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"

for svc in "${SERVICES[@]}"; do stop_service "$svc"; done

still_missing=()
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || still_missing+=("$tool")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
  echo "install-test-tools: apt-get finished but ${still_missing[*]} still not on PATH; $how_to" >&2
  exit 1
fi
print_versions
