#!/usr/bin/env bash
# Starts the real `ponte` binary ($PONTE_BIN) on an in-memory store and a free loopback port,
# runs the W3C Protocol and Graph Store suites against it (run.sh), and stops it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${PONTE_BIN:?set PONTE_BIN to the ponte binary}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
token="w3c-$RANDOM$RANDOM"
log="$(mktemp)"
"$bin" serve --memory --bind "127.0.0.1:$port" --write-token "$token" --log-format text >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "ponte exited early" >&2; exit 1; fi
  sleep 0.1
done
"$here/run.sh" "http://127.0.0.1:$port" "$token"
