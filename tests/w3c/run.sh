#!/usr/bin/env bash
# Runs the W3C SPARQL 1.1 Protocol (34 tests) and Graph Store HTTP Protocol (13 tests)
# suites with the npm package rdf-test-suite against a running server.
#
#   tests/w3c/run.sh ENDPOINT_BASE TOKEN        e.g. tests/w3c/run.sh http://127.0.0.1:7878 secret
#
# SPARQL query + update endpoint: ENDPOINT_BASE$W3C_SPARQL_PATH (default /sparql);
# Graph Store endpoint: ENDPOINT_BASE$W3C_STORE_PATH (default /store).
# Every request to ENDPOINT_BASE carries "Authorization: Bearer TOKEN" (auth-preload.js).
# Manifests and data come from $W3C_TESTS_DIR (default: shared/w3c/rdf-tests/sparql/sparql11
# beside the repository), mapped from http://w3c.github.io/rdf-tests/sparql/sparql11/, so
# nothing is fetched from the internet. Also: W3C_TIMEOUT_MS, W3C_ONLY (regex on test IRIs),
# W3C_VERBOSE=1 (whole failure messages).
# Prints "<suite>: N passed, N failed" per suite and a total; exits 1 if any test failed,
# 2 on a usage or set-up error.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 ENDPOINT_BASE TOKEN" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tests_dir="${W3C_TESTS_DIR:-$here/../../../shared/w3c/rdf-tests/sparql/sparql11}"
for f in protocol/manifest.ttl graph-store-protocol/manifest.ttl; do
  if [[ ! -f "$tests_dir/$f" ]]; then
    echo "w3c: missing $tests_dir/$f (set W3C_TESTS_DIR)" >&2
    exit 2
  fi
done
tests_dir="$(cd "$tests_dir" && pwd)"

cd "$here"
if [[ ! -d node_modules/rdf-test-suite ]]; then
  if ! npm_log="$(npm ci --no-audit --no-fund --loglevel=error 2>&1)"; then
    echo "$npm_log" >&2
    exit 2
  fi
fi

exec node run-suites.js "$1" "$2" "$tests_dir"
