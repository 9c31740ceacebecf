#!/usr/bin/env bash
# Runs the pytest suite in DIR inside the virtualenv VENV, created if missing and brought up to
# DIR/requirements.txt only when that file changed since the last install, so reruns cost
# nothing. Shared by the Python test suites' run.sh.
#
#   tests/pytest-in-venv.sh VENV DIR [pytest args...]
#
# Env: PYTHON, the interpreter that creates the venv (default: python3); PONTE_BIN, the binary
# under test (default: the release build in $CARGO_TARGET_DIR, else in $HOME/.cache/ponte/target,
# where the project's scripts build it).
set -euo pipefail

export PONTE_BIN="${PONTE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/ponte/target}/release/ponte}"

venv="$1"
dir="$(cd "$2" && pwd)"
shift 2
req="$dir/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$(dirname "$venv")"
    "${PYTHON:-python3}" -m venv "$venv"
fi

stamp="$venv/.ponte-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi

cd "$dir"
exec "$venv/bin/python" -m pytest -q "$dir" "$@"
