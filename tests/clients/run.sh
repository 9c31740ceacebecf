#!/usr/bin/env bash
# End-to-end tests of Ponte with the Python SPARQL clients analysts use
# (SPARQLWrapper, rdflib, requests), against the real `ponte` binary.
#
#   tests/clients/run.sh [pytest args...]
#
# Env:
#   PONTE_BIN      ponte binary (default: $CARGO_TARGET_DIR/release/ponte,
#                  else $HOME/.cache/ponte/target/release/ponte)
#   PONTE_PY_VENV  virtualenv to use/create (default: $HOME/.cache/ponte/venv)
#   PYTHON         interpreter used to create the venv (default: python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../pytest-in-venv.sh" "${PONTE_PY_VENV:-$HOME/.cache/ponte/venv}" "$here" "$@"
