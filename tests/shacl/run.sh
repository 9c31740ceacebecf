#!/usr/bin/env bash
# SHACL validation of Ponte's data (seed data, ROR import, crafted bad inputs)
# against ontology/shapes.ttl with pyshacl.
#
#   tests/shacl/run.sh [pytest args...]
#
# Env:
#   PONTE_BIN         ponte binary for the ROR import (default: $CARGO_TARGET_DIR/release/ponte,
#                     else $HOME/.cache/ponte/target/release/ponte, else <repo>/target/release/ponte)
#   PONTE_ROR_DUMP    ROR v2 JSON-lines dump (default: tests/fixtures/ror-v2-subset.jsonl.gz)
#   PONTE_SHACL_VENV  virtualenv to use/create (default: $HOME/.cache/ponte/shacl-venv)
#   PYTHON            interpreter used to create the venv (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../pytest-in-venv.sh" "${PONTE_SHACL_VENV:-$HOME/.cache/ponte/shacl-venv}" "$here" "$@"
