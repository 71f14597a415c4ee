#!/usr/bin/env bash
# Fetches the kernel's browser assets from npm (pinned by package-lock.json), once; Maven runs it.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/.done ] && [ node_modules/.done -nt package-lock.json ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "precis: npm is needed to build the kernel (plotly.js for offline figures): apt-get install npm" >&2; exit 1; }
npm ci --no-audit --no-fund --ignore-scripts --silent
touch node_modules/.done
