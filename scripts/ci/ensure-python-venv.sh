#!/bin/sh
# The Python consumer test (npm run test:python) makes a virtual environment with python3 -m venv. Debian's python3
# (the node image's) leaves venv's pip bootstrap to the python3-venv package: install it when it is missing.
set -eu
if python3 -c 'import ensurepip, venv' 2>/dev/null; then
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
python3 -c 'import ensurepip, venv'
