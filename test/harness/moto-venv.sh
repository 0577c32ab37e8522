#!/usr/bin/env bash
# Creates (once) a Python virtual environment with moto's server, pinned, and prints the
# path of its moto_server executable. Cached under $SPOT_GUARD_CACHE like the Go builds.
set -euo pipefail
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
CACHE="${SPOT_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spot-guard}"
venv="$CACHE/moto-$MOTO_VERSION"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/moto_server" ]; then
  command -v "$python" >/dev/null || { echo "moto-venv: $python is not on PATH; install Python 3 to run moto" >&2; exit 1; }
  echo "moto-venv: installing moto[server]==$MOTO_VERSION into $venv" >&2
  # A venv records its own path in its scripts, so it is built in place; a half-built one is removed.
  rm -rf "$venv"
  trap 'rm -rf "$venv"' ERR
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
printf '%s\n' "$venv/bin/moto_server"
