#!/usr/bin/env python3
"""Ponte over a remote store, measured: BSBM-1000 held in Virtuoso (Debian's 7.2.5), the explore
mix through Ponte (`ponte serve --store sparql:…`) against the same queries sent to Virtuoso
directly, and the throughput of one against two Ponte processes on that one store. Also the
sizing figures of docs/REMOTE.md: how long a process takes to copy the store at start, and the
memory the copy takes.

    PONTE_BIN=target/release/ponte python3 scripts/bench_remote.py [--duration 10]

Needs `scripts/virtuoso install` and wrk (apt-get install wrk). Prints a Markdown table.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the SPARQL benchmark: its wrk driver and BSBM query mix)

REPO = Path(__file__).resolve().parent.parent
GRAPH = "https://w3id.org/ponte/graph/bsbm-1000"
VERSIONS = "https://w3id.org/ponte/graph/versions"
VERSION = "https://w3id.org/ponte/ontology#version"


def wait_http(url: str, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer")


def sparql_update(port: int, text: str) -> None:
    data = urllib.parse.urlencode({"update": text}).encode()
    urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql", data=data, timeout=600).read()


def isql(sql_port: int, statement: str) -> None:
    subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement}"],
                   check=True, stdout=subprocess.DEVNULL)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Ponte:
    """A `ponte serve --store` process (`--memory` for the embedded peer)."""

    def __init__(self, binary: str, store: str, workdir: Path, name: str):
        self.port = bench.free_port()
        self.log = workdir / f"{name}.log"
        started = time.time()
        where = ["--memory"] if store == "memory" else ["--store", store]
        self.proc = subprocess.Popen(
            [binary, "serve", *where, "--bind", f"127.0.0.1:{self.port}",
             "--write-token", "bench", "--max-concurrent-queries", "8",
             # Every query evaluated, as in scripts/bench (the result cache would answer the
             # repeated mix from memory).
             "--result-cache-bytes", "0"],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        wait_http(f"http://127.0.0.1:{self.port}/health", 600)
        self.start_s = time.time() - started

    def side(self, key: str) -> bench.Side:
        side = bench.Side(key, key, "", "", "", "/sparql", None)
        side.port = self.port
        return side

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def write_latencies(port: int, n: int) -> list[float]:
    """Milliseconds of `n` sequential REST writes: a company created, then patched n - 1 times."""
    def send(method: str, path: str, body: dict) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method=method,
            headers={"Content-Type": "application/ld+json", "Authorization": "Bearer bench"})
        urllib.request.urlopen(request, timeout=60).read()

    context = "https://w3id.org/ponte/context.jsonld"
    times = []
    started = time.perf_counter()
    send("POST", "/api/actors", {"@context": context, "@id": "id:bench-writes", "type": "Startup",
                                 "label": {"en": "Bench Writes"}, "location": "id:bologna"})
    times.append((time.perf_counter() - started) * 1000)
    for i in range(n - 1):
        started = time.perf_counter()
        send("PATCH", "/api/actors/bench-writes",
             {"@context": context, "altLabel": {"en": [f"name {i}"]}})
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def wrk(side: bench.Side, mix, seconds: float, conns: int, workdir: Path) -> dict:
    return bench.run_wrk(side, mix, seconds, conns, min(conns, 2), 60, workdir)


def answer_size(port: int, query) -> object:
    """Rows of a SELECT, the boolean of an ASK, lines of a graph answer."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{query.path('/sparql')}",
                                     headers={"Accept": query.accept})
    body = urllib.request.urlopen(request, timeout=120).read()
    if query.form == "SELECT":
        return len(json.loads(body)["results"]["bindings"])
    if query.form == "ASK":
        return json.loads(body)["boolean"]
    return len([line for line in body.splitlines() if line.strip()])


def same_answers(virtuoso_port: int, ponte_port: int, queries) -> str:
    agree = [q.name for q in queries if answer_size(virtuoso_port, q) == answer_size(ponte_port, q)]
    differ = [q.name for q in queries if q.name not in agree]
    return f"{len(agree)} of {len(queries)}" + (f" (differ: {', '.join(differ)})" if differ else "")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--data-dir", default=str(bench.DEFAULT_DATA))
    args = parser.parse_args()
    binary = os.environ.get("PONTE_BIN") or sys.exit("set PONTE_BIN to the ponte binary")
    workdir = Path(tempfile.mkdtemp(prefix="ponte-bench-remote-"))
    vdir = workdir / "virtuoso"
    vdir.mkdir()
    sql_port, http_port = bench.free_port(), bench.free_port()
    virtuoso = subprocess.Popen([str(REPO / "scripts/virtuoso"), "run", str(vdir), str(sql_port),
                                 str(http_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = []
    try:
        wait_http(f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D")
        subprocess.run([str(REPO / "scripts/virtuoso"), "grant", str(sql_port)], check=True)
        # BSBM into Virtuoso with its own bulk loader, then listed in Ponte's versions graph
        # (adopted: a graph loaded by the store's tools, which Ponte then copies and serves).
        data = vdir / "bsbm.nt"
        with gzip.open(Path(args.data_dir) / "bsbm-explore-1000.nt.gz", "rb") as src, open(data, "wb") as dst:
            shutil.copyfileobj(src, dst)
        started = time.time()
        isql(sql_port, f"ld_dir('{vdir}', 'bsbm.nt', '{GRAPH}');")
        isql(sql_port, "rdf_loader_run();")
        isql(sql_port, "checkpoint;")
        virtuoso_load_s = time.time() - started
        sparql_update(http_port, f"INSERT DATA {{ GRAPH <{VERSIONS}> {{ "
                      f"<{VERSIONS}#store> <{VERSION}> <https://w3id.org/ponte/version/origin> . "
                      f"<{GRAPH}> <{VERSION}> <https://w3id.org/ponte/version/adopted> }} }}")
        sparql = f"http://127.0.0.1:{http_port}/sparql"
        store = f"sparql:{sparql},{sparql},http://127.0.0.1:{http_port}/sparql-graph-crud"

        one = Ponte(binary, store, workdir, "one")
        processes.append(one)
        rss_one = rss_mib(one.proc.pid)
        mix = bench.load_queries(argparse.Namespace(data_dir=args.data_dir))
        same = same_answers(http_port, one.port, bench.distinct_queries(argparse.Namespace(data_dir=args.data_dir)))
        direct = bench.Side("virtuoso", "virtuoso", "", "", "", "/sparql", None)
        direct.port = http_port
        rows = {"virtuoso": [], "ponte": []}
        for key in ["virtuoso", "ponte", "ponte", "virtuoso"]:
            side = direct if key == "virtuoso" else one.side("ponte")
            rows[key].append(wrk(side, mix, args.duration, args.connections, workdir))
        two = Ponte(binary, store, workdir, "two")
        processes.append(two)
        # One process with all the connections, then two with half each, at once.
        alone = wrk(one.side("one"), mix, args.duration, args.connections, workdir)
        half = max(1, args.connections // 2)
        results = {}

        def run(name, side):
            results[name] = wrk(side, mix, args.duration, half, workdir / name)

        for name in ("a", "b"):
            (workdir / name).mkdir()
        threads = [threading.Thread(target=run, args=(n, p.side(n))) for n, p in (("a", one), ("b", two))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pair_rps = results["a"]["rps"] + results["b"]["rps"]
        remote_writes = write_latencies(one.port, 50)
        embedded = Ponte(binary, "memory", workdir, "embedded")
        processes.append(embedded)
        embedded_writes = write_latencies(embedded.port, 50)

        def best(key):
            return max(rows[key], key=lambda r: r["rps"])

        v, p = best("virtuoso"), best("ponte")
        errors = sum(r["non200"] + r["socket_errors"] for rs in rows.values() for r in rs)
        print(f"""| BSBM-1000 explore mix, {args.connections} connections, {args.duration:.0f} s runs | requests/s | p50 ms | p99 ms |
| --- | ---: | ---: | ---: |
| Virtuoso directly (`/sparql`) | {v['rps']:.0f} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} |
| through one Ponte process (`--store sparql:`) | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p99_ms']:.1f} |
| ratio Ponte / Virtuoso | {p['rps'] / v['rps']:.2f} | {p['p50_ms'] / v['p50_ms']:.2f} | {p['p99_ms'] / v['p99_ms']:.2f} |
| one Ponte process, {args.connections} connections | {alone['rps']:.0f} | {alone['p50_ms']:.1f} | {alone['p99_ms']:.1f} |
| two Ponte processes, {half} connections each, together | {pair_rps:.0f} | | |

| a REST write (create, then PATCH of one entity), 50 in a row, p50 / p90 ms | over Virtuoso {bench.percentile(remote_writes, 50):.1f} / {bench.percentile(remote_writes, 90):.1f} | embedded (`--memory`) {bench.percentile(embedded_writes, 50):.1f} / {bench.percentile(embedded_writes, 90):.1f} | |

Errors (non-200 or socket) over the Virtuoso/Ponte runs: {errors}. Queries of the mix whose
answer has as many rows (or the same boolean) from both: {same}.
Virtuoso's own bulk load of the 374,911 triples: {virtuoso_load_s:.1f} s. A Ponte process
started over it (copy of the graph and the seed data, read at start): {one.start_s:.1f} s, resident
memory after start {rss_one:.0f} MiB; the second process: {two.start_s:.1f} s, {rss_mib(two.proc.pid):.0f} MiB.""")
    finally:
        for p in processes:
            p.stop()
        virtuoso.terminate()
        virtuoso.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
