#!/usr/bin/env bash
# Runs irctest (github.com/progval/irctest) against this checkout's build, with the selection the
# README reports. Dev-only: needs a clone of irctest (IRCTEST_DIR, default ../irctest) and a Python
# venv with pytest, ecdsa, filelock and pytest-xdist (VENV, default $IRCTEST_DIR/../venv).
#   npm run build && scripts/irctest/run.sh [extra pytest args]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
irctest="${IRCTEST_DIR:-$root/../irctest}"
venv="${VENV:-$irctest/../venv}"
cd "$irctest"
NODE_CHAT_ROOT="$root" PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$venv/bin/python" -m pytest \
  --controller nodechat \
  -m 'not services and not implementation-specific and not deprecated and not strict' \
  -n 2 -q -rf "$@"
