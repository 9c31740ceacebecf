#!/usr/bin/env bash
# Starts the real `ponte` binary ($PONTE_BIN) on an in-memory store and a free loopback port,
# runs the W3C Protocol and Graph Store suites against it (run.sh), and stops it.
# With --virtuoso, Ponte keeps its data in a throw-away Virtuoso (`ponte serve --store`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${PONTE_BIN:?set PONTE_BIN to the ponte binary}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"
token="w3c-$RANDOM$RANDOM"
log="$(mktemp)"
store=(--memory)
virtuoso_pid=""
virtuoso_dir=""
if [[ "${1:-}" == "--virtuoso" ]]; then
  virtuoso_dir="$(mktemp -d)"
  sql_port="$(free_port)"
  http_port="$(free_port)"
  "$here/../../scripts/virtuoso" run "$virtuoso_dir" "$sql_port" "$http_port" >/dev/null 2>&1 &
  virtuoso_pid=$!
  for _ in $(seq 1 300); do
    if "$here/../../scripts/virtuoso" grant "$sql_port" 2>/dev/null; then break; fi
    sleep 0.2
  done
  sparql="http://127.0.0.1:$http_port/sparql"
  store=(--store "sparql:$sparql,$sparql,http://127.0.0.1:$http_port/sparql-graph-crud")
fi
"$bin" serve "${store[@]}" --bind "127.0.0.1:$port" --write-token "$token" --log-format text >"$log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  if [[ -n "$virtuoso_pid" ]]; then
    kill "$virtuoso_pid" 2>/dev/null || true
    wait "$virtuoso_pid" 2>/dev/null || true
    rm -rf "$virtuoso_dir"
  fi
}
trap stop EXIT
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "ponte exited early" >&2; exit 1; fi
  sleep 0.1
done
"$here/run.sh" "http://127.0.0.1:$port" "$token"
