#!/usr/bin/env bash
# End-to-end tests of Ponte with the Python SPARQL clients analysts use
# (SPARQLWrapper, rdflib, requests), against the real `ponte` binary.
#
#   tests/clients/run.sh [pytest args...]
#
# Env:
#   PONTE_BIN      ponte binary (default: $CARGO_TARGET_DIR/release/ponte,
#                  else <repo>/target/release/ponte)
#   PONTE_PY_VENV  virtualenv to use/create (default: $HOME/.cache/ponte/venv)
#   PYTHON         interpreter used to create the venv (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PONTE_PY_VENV:-$HOME/.cache/ponte/venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
fi

# Reinstall only when requirements.txt changed since the last successful install,
# so reruns cost nothing.
stamp="$venv/.ponte-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi

cd "$here"
exec "$venv/bin/python" -m pytest -q "$here" "$@"
