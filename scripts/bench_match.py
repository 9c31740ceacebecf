"""Matchmaking speed side by side, on the same generated ecosystem in the same run.

For each size: Ponte's in-process figures (`ponte bench-match`), then, for the same actors,
personalized PageRank with networkx and with igraph, and a two-hop shared-neighbour ranking
written in SPARQL on oxigraph (pyoxigraph, in process). Prints a Markdown table with the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import igraph
import networkx
import pyoxigraph

NOT_LINKS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
}
SPARQL = """
SELECT ?c (COUNT(*) AS ?shared) WHERE {{
  <{seed}> ?p ?x . ?c ?q ?x .
  ?c a ?kind .
  FILTER(?c != <{seed}> && isIRI(?x))
}} GROUP BY ?c ORDER BY DESC(?shared) LIMIT 10
"""


def actor(i: int, actors: int, seed: int) -> str:
    """The same stride as ponte_match::generate::benchmark_actor."""
    return f"https://w3id.org/ponte/gen/actor-{(i * 7919 + seed) % actors}"


def timed(function, repeats: int) -> float:
    """Median milliseconds of `repeats` calls of function(i)."""
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        function(i)
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def http_latencies(ponte: str, data: Path, actors: int, seed: int, work: Path) -> tuple[float, float]:
    """p50 and p99 (ms) of GET /api/match over HTTP on loopback, keep-alive, one client, on a
    server whose store holds the generated ecosystem."""
    store = work / f"store-{actors}"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([ponte, "load", "--location", str(store), "--skip-validation", str(data)],
                   check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The first request builds the projection from the store: give it time at 10^6.
    server = subprocess.Popen([ponte, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                               "--query-timeout", "600"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                connection.request("GET", "/health")
                health = connection.getresponse()
                health.read()
                if health.status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        def get(i: int) -> None:
            query = urllib.parse.urlencode({"actor": actor(i, actors, seed), "limit": 10})
            connection.request("GET", f"/api/match?{query}")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
        get(0)  # builds the projection from the store
        times = []
        for i in range(300):
            started = time.perf_counter()
            get(i)
            times.append((time.perf_counter() - started) * 1e3)
        times.sort()
        return times[len(times) // 2], times[int(len(times) * 0.99)]
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ponte", required=True, help="the ponte binary")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default="/tmp/ponte-bench-match")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for actors in [int(s) for s in args.sizes.split(",")]:
        ponte = subprocess.run(
            [args.ponte, "bench-match", "--actors", str(actors), "--seed", str(args.seed),
             "--queries", "500", "--overlap-seeds", "10"],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        cells = [c.strip() for c in ponte.strip("|").split("|")]
        ponte_p50 = float(cells[4])
        data = work / f"eco-{actors}.nt"
        with open(data, "wb") as out:
            subprocess.run([args.ponte, "generate", "--actors", str(actors), "--seed", str(args.seed)],
                           check=True, stdout=out)
        edges = []
        for line in data.read_text().splitlines():
            s, p, o = line.split(" ", 2)
            if p.strip("<>") not in NOT_LINKS and o.startswith("<"):
                edges.append((s.strip("<>"), o.rstrip(" .").strip("<>")))
        graph = networkx.Graph()
        graph.add_edges_from(edges)
        ig = igraph.Graph.TupleList(edges, directed=False)
        names = {name: i for i, name in enumerate(ig.vs["name"])}
        # networkx takes seconds per call at 10^5: fewer repeats there.
        repeats = 20 if actors <= 10_000 else 3
        nx_ms = timed(lambda i: networkx.pagerank(
            graph, alpha=0.85, personalization={actor(i, actors, args.seed): 1.0}), repeats)
        ig_ms = timed(lambda i: ig.personalized_pagerank(
            damping=0.85, reset_vertices=[names[actor(i, actors, args.seed)]]), 20)
        store = pyoxigraph.Store()
        store.load(path=str(data), format=pyoxigraph.RdfFormat.N_TRIPLES)
        sparql_ms = timed(lambda i: list(store.query(SPARQL.format(seed=actor(i, actors, args.seed)))), 20)
        http_p50, http_p99 = http_latencies(args.ponte, data, actors, args.seed, work)
        rows.append((actors, ponte_p50, nx_ms, ig_ms, sparql_ms, http_p50, http_p99))
        print(f"{actors}: ponte {ponte_p50} ms, networkx {nx_ms:.1f} ms, igraph {ig_ms:.1f} ms, "
              f"SPARQL {sparql_ms:.1f} ms", file=sys.stderr)
    print("| actors | Ponte p50 ms | networkx PPR ms | × | igraph PPR ms | × | SPARQL 2-hop ms | × "
          "| HTTP p50 ms | HTTP p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for actors, ponte, nx_ms, ig_ms, sparql_ms, http_p50, http_p99 in rows:
        print(f"| {actors:,} | {ponte:.3f} | {nx_ms:,.1f} | {nx_ms / ponte:,.0f} | {ig_ms:,.1f} | "
              f"{ig_ms / ponte:,.0f} | {sparql_ms:,.1f} | {sparql_ms / ponte:,.0f} | {http_p50:.2f} | {http_p99:.2f} |")


if __name__ == "__main__":
    main()
