#!/usr/bin/env python3
"""Measures the release binary under the hostile input classes of issue 14 and prints the
markdown table of docs/RELIABILITY.md: for each class, the statuses, the worst latency, the
server's CPU in the second after the answers, its peak memory, and whether it survived.

Usage: scripts/hostile.py PATH/TO/ponte [--check]   (starts its own server on a free loopback port)

With --check (the README's test command runs it so) it also exits non-zero when a class breaks
its promise: a status other than 200/422/429/503 for a query (422: over its memory budget)
or 400/413 for a body, an answer
later than the 3 s limit plus one second, CPU spent in the second after, a dead server, a new
client not answered within a second, or a peak memory of 1280 MiB or more (four queries at
their default budget of 256 MiB each, plus 256 MiB for the server itself).
"""

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

TOKEN = "hostile-token"
TIMEOUT_S = 3


# Half-sent requests each holder process keeps open: under a process's file descriptor
# limit (20,000 here, which even root may not raise), so 20,000 of them take three processes.
PER_HOLDER = 8000


def hold_half_sent(port, count, ready, release):
    """Opens `count` connections to `port`, each with a request head begun and never
    finished, sets `ready`, and keeps them until `release` is set."""
    request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        sockets.append(s)
    ready.set()
    release.wait(120)
    for s in sockets:
        s.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, *args):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "serve", "--memory", "--bind", f"127.0.0.1:{self.port}",
             "--write-token", TOKEN, "--query-timeout", str(TIMEOUT_S), *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stat(self):
        """(CPU seconds, peak RSS in MiB) of the server process."""
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        with open(f"/proc/{self.process.pid}/status") as f:
            peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
        return cpu, peak / 1024

    def alive(self):
        try:
            return urllib.request.urlopen(self.base + "/health", timeout=2).status == 200
        except OSError:
            return False

    def send(self, path, body=None, content_type=None, token=False):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {TOKEN}"
        request = urllib.request.Request(self.base + path, data=body, headers=headers,
                                         method="POST" if body is not None else "GET")
        started = time.time()
        try:
            status = urllib.request.urlopen(request, timeout=60).status
        except urllib.error.HTTPError as e:
            status = e.code
        except OSError:
            status = 0
        return status, time.time() - started

    def stop(self):
        self.process.kill()
        self.process.wait()


def values(name, n):
    return f"VALUES ?{name} {{ {' '.join(str(i) for i in range(1, n + 1))} }}"


ABC = f"{values('a', 1000)} {values('b', 1000)} {values('c', 1000)}"
QUERIES = {
    "join of three VALUES blocks (12 KB)": f"SELECT (COUNT(*) AS ?n) WHERE {{ {ABC} }}",
    "ORDER BY over a cross product": f"SELECT * WHERE {{ {ABC} }} ORDER BY DESC(?a) ?b ?c LIMIT 1",
    "GROUP BY over a cross product": f"SELECT ?a (SUM(?b * ?c) AS ?s) WHERE {{ {ABC} }} GROUP BY ?a",
    "100 nested UNIONs": "SELECT * WHERE " + "{ ?s ?p ?o { } UNION " * 100 + "{ ?s ?p ?o }" + " }" * 100,
    "100 nested OPTIONALs": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 100 + "}" * 100 + " }",
}


def deep(open_, inner, close, depth):
    return (open_ * depth + inner + close * depth).encode()


LAUGHS = "".join(
    f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10))
BODIES = {
    "Turtle, triple terms 12,000 deep": ("/api/import?graph=urn:deep", "text/turtle",
        b"<urn:s> <urn:p> " + deep("<< <urn:a> <urn:b> ", "<urn:c>", " >>", 12_000) + b" ."),
    "Turtle, triple terms 90,000 deep (Graph Store)": ("/store?graph=urn:deep", "text/turtle",
        b"<urn:s> <urn:p> " + deep("<< <urn:a> <urn:b> ", "<urn:c>", " >>", 90_000) + b" ."),
    "RDF/XML, nested entities (billion laughs)": ("/store?graph=urn:deep", "application/rdf+xml",
        f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{LAUGHS}]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:x"><rdf:value>&lol9;</rdf:value></rdf:Description></rdf:RDF>'.encode()),
    "JSON-LD nested 100,000 deep": ("/api/import?graph=urn:deep", "application/ld+json",
        deep('{"urn:p":', "1", "}", 100_000)),
    "TriG lists nested 100,000 deep": ("/api/import", "application/trig",
        b"GRAPH <urn:g> { <urn:s> <urn:p> " + deep("( ", "1", " )", 100_000) + b" }"),
}


def row(name, statuses, worst, cpu_after, peak, alive):
    return f"| {name} | {', '.join(str(s) for s in sorted(set(statuses)))} | {worst:.2f} | {cpu_after:.2f} | {peak:.0f} | {'yes' if alive else 'NO'} |"


FAILURES = []


def expect(name, ok, what):
    """Records a broken promise of class `name` (for --check)."""
    if not ok:
        FAILURES.append(f"{name}: {what}")


def main():
    binary = sys.argv[1]
    check = "--check" in sys.argv[2:]
    print(f"| class | statuses | worst latency s | server CPU s in the 1 s after | peak RSS MiB | server alive |")
    print("|---|---|---:|---:|---:|---|")
    # The default budget of 256 MiB a query: four slots full at once stay under 4 × 256 MiB
    # plus the server's own 256 MiB.
    server = Server(binary, "--max-concurrent-queries", "4")
    try:
        for name, query in QUERIES.items():
            results = []
            clients = [threading.Thread(target=lambda: results.append(
                server.send("/sparql", query.encode(), "application/sparql-query")))
                for _ in range(4)]
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            cpu, _ = server.stat()
            time.sleep(1)
            cpu_after = server.stat()[0] - cpu
            statuses = [s for s, _ in results]
            worst = max(t for _, t in results)
            print(row(f"4 × {name}, no token", statuses, worst, cpu_after, server.stat()[1],
                      server.alive()))
            expect(name, set(statuses) <= {200, 422, 429, 503}, f"statuses {statuses}")
            expect(name, worst <= 4.0, f"answered after {worst:.2f} s under a 3 s limit")
            expect(name, cpu_after <= 0.3, f"{cpu_after:.2f} s of CPU in the second after")
            expect(name, server.alive(), "the server died")
        for name, (path, content_type, body) in BODIES.items():
            status, elapsed = server.send(path, body, content_type, token=True)
            cpu, _ = server.stat()
            time.sleep(1)
            print(row(f"{name}, with the token", [status], elapsed, server.stat()[0] - cpu,
                      server.stat()[1], server.alive()))
            expect(name, status in (400, 413), f"status {status}")
            expect(name, server.alive(), "the server died")
        peak = server.stat()[1]
        expect("the whole suite", peak < 1280, f"peak RSS {peak:.0f} MiB")
    finally:
        server.stop()
    # PONTE_HOSTILE_HALF_SENT and PONTE_HOSTILE_MAX_CONNECTIONS change the last row's sizes.
    half_sent = int(os.environ.get("PONTE_HOSTILE_HALF_SENT", "20000"))
    # The server's default cap (crates/ponte-server/src/connections.rs).
    cap = int(os.environ.get("PONTE_HOSTILE_MAX_CONNECTIONS", "4096"))
    server = Server(binary, "--max-connections", str(cap))
    release = multiprocessing.Event()
    holders = []
    try:
        for start in range(0, half_sent, PER_HOLDER):
            ready = multiprocessing.Event()
            count = min(PER_HOLDER, half_sent - start)
            holder = multiprocessing.Process(
                target=hold_half_sent, args=(server.port, count, ready, release))
            holder.start()
            holders.append((holder, ready))
            # One after the other, as one flood: the server sees them arrive in order.
            expect("half-sent requests", ready.wait(120), "the half-sent requests were not all sent")
        status, elapsed = server.send("/sparql?query=ASK%7B%7D")
        print(row(f"{half_sent:,} half-sent requests (cap {cap:,}), then a new client", [status], elapsed,
                  0, server.stat()[1], server.alive()))
        expect("half-sent requests", status == 200 and elapsed <= 1.0,
               f"the new client got {status} after {elapsed:.2f} s")
    finally:
        release.set()
        for holder, _ in holders:
            holder.join(30)
        server.stop()
    if check and FAILURES:
        print("\n".join(["hostile: broken promises:"] + FAILURES), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
