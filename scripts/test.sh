#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (Debian's Chromium for the browser
# tests), builds with warnings as errors, and runs every test project. Usage: ./scripts/test.sh [extra dotnet test args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "[test.sh] installing Debian's chromium for the Playwright tests"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Real market data lives beside the repository (../shared/data); tests that need it find it through this variable.
if [ -z "${TRADING_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
  export TRADING_DATA_DIR="$(cd ../shared/data && pwd)"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

dotnet build TradingDashboard.sln -c Release -warnaserror -nologo
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test TradingDashboard.sln -c Release --no-build --nologo \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for CI readers: "N passed, N failed, N skipped", summed over the test assemblies.
awk '/^ *Passed: *[0-9]+/ {p+=$2} /^ *Failed: *[0-9]+/ {f+=$2} /^ *Skipped: *[0-9]+/ {s+=$2}
     END {printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$log"
exit "$status"
