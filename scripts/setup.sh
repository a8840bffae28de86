#!/usr/bin/env bash
# Install what berth needs on a fresh Debian machine (as root): Debian packages, npm
# packages, the TypeScript build and the C helper. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
PACKAGES=("$@")
[ "${#PACKAGES[@]}" -gt 0 ] || PACKAGES=(busybox-static iptables iproute2 gcc libc6-dev make)
# SETUP_EXTRA: more Debian packages (the demo adds docker-registry)
read -r -a extra <<< "${SETUP_EXTRA:-}"
PACKAGES+=("${extra[@]}")
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x native/build/berth-helper ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm run -s build
fi
