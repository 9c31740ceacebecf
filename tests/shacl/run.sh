#!/usr/bin/env bash
# SHACL validation of Ponte's data (seed data, ROR import, crafted bad inputs)
# against ontology/shapes.ttl with pyshacl.
#
#   tests/shacl/run.sh [pytest args...]
#
# Env:
#   PONTE_BIN         ponte binary for the ROR import (default: $CARGO_TARGET_DIR/release/ponte,
#                     else $HOME/.cache/ponte/target/release/ponte, else <repo>/target/release/ponte)
#   PONTE_ROR_DUMP    ROR v2 JSON-lines dump (default: shared/data/ror/ror-v2-subset.jsonl.gz)
#   PONTE_SHACL_VENV  virtualenv to use/create (default: $HOME/.cache/ponte/shacl-venv)
#   PYTHON            interpreter used to create the venv (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PONTE_SHACL_VENV:-$HOME/.cache/ponte/shacl-venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
fi

# Reinstall only when requirements.txt changed since the last successful install.
stamp="$venv/.ponte-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi

cd "$here"
exec "$venv/bin/python" -m pytest -q "$here" "$@"
