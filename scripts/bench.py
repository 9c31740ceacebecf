#!/usr/bin/env python3
"""Side-by-side SPARQL benchmark: Ponte against the reference `oxigraph` server.

Run it through `scripts/bench`, which prepares the virtualenv (the pinned `oxigraph`
binary from PyPI) and the `wrk` load generator, then calls this file.

What it measures, on the BSBM explore dataset (1,000 products, 374,911 triples) in
`shared/data/bsbm/`:

1. LOAD: K rounds; each round times `ponte load` and `oxigraph load` of the N-Triples file
   into a fresh empty directory (alternating which goes first), wall clock of the whole
   process. Reports median triples/s and the ratio ponte/oxigraph.
2. SERVE: the last round's stores are served by `ponte serve` and `oxigraph serve` on two
   loopback ports. After a warm-up, each workload runs R rounds per server, alternating
   servers (ABBA order), each round a fixed duration at a fixed concurrency:
   - `lookup`: one cheap SELECT (the label of a fixed product IRI);
   - `mix`: the 25-query BSBM explore mix, in `querymix.txt` order, rotating.
   Reports req/s, p50 and p99 latency (medians over the rounds), non-200/socket errors,
   server CPU per request, and ratios ponte/oxigraph.
3. PER-QUERY: each of the 22 explore queries, sequentially over one keep-alive connection,
   interleaved between servers; p50/p90 per query.
4. Writes a Markdown section between `<!-- bench:sparql:start -->` and
   `<!-- bench:sparql:end -->` in docs/BENCHMARKS.md (replacing a previous one) and the raw
   figures as JSON under target/bench/.

Only the standard library is used. Everything talks to 127.0.0.1 only, and every loop is
bounded by a duration or a count.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gzip
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "bsbm"
START_MARK = "<!-- bench:sparql:start -->"
END_MARK = "<!-- bench:sparql:end -->"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PRODUCT_RE = re.compile(r"^<(http://[^>]*/dataFromProducer\d+/Product\d+)> <" + re.escape(RDFS_LABEL) + "> ")
FORM_RE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)
ACCEPT = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples",
    "DESCRIBE": "application/n-triples",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"error: {msg}")
    sys.exit(2)


# --------------------------------------------------------------------------- the two sides


@dataclass
class Side:
    key: str  # "ponte" or "oxigraph": the column it is reported under
    label: str  # what the report calls it
    bin: str
    load_tpl: str
    serve_tpl: str
    endpoint: str
    health: str | None
    version: str = "unknown"
    port: int = 0
    proc: subprocess.Popen | None = None
    store: Path | None = None
    log_path: Path | None = None

    def argv(self, tpl: str, **kw: str) -> list[str]:
        return [tok.format(bin=self.bin, **kw) for tok in shlex.split(tpl)]


def tool_version(argv: list[str], any_rc: bool = False) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0].strip() if (out.returncode == 0 or any_rc) and text else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def wrk_version() -> str:
    # `wrk --version` prints "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." and exits 1.
    m = re.match(r"(wrk \S+)", tool_version(["wrk", "--version"], any_rc=True))
    return m.group(1) if m else "wrk (unknown version)"


def git_rev() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        if rev.returncode != 0:
            return "no commit yet"
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- processes

_children: list[subprocess.Popen] = []
_scratch: list[Path] = []  # removed after the children are stopped


def _cleanup() -> None:
    for p in _children:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # its own session, started by us
            except OSError:
                pass
    deadline = time.monotonic() + 10
    for p in _children:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
    for d in _scratch:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    log(f"signal {signum}: stopping servers")
    sys.exit(130)


signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGTERM, _on_signal)


def run_timed(argv: list[str], log_path: Path) -> dict:
    """Runs argv to completion; wall time, CPU time and peak RSS of that one process."""
    with open(log_path, "ab") as logf:
        logf.write(f"$ {shlex.join(argv)}\n".encode())
        logf.flush()
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        _children.append(p)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": p.returncode,
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "max_rss_mib": ru.ru_maxrss / 1024,
    }


def tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid: int) -> float:
    """user+system CPU seconds of a process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_mem_mib(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def dir_size_mib(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / (1024 * 1024)


# --------------------------------------------------------------------------- HTTP client


def http_get(conn: http.client.HTTPConnection, path: str, accept: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    return resp.status, resp.read()


def result_size(form: str, status: int, body: bytes) -> str:
    """A comparable summary of a result: row count, boolean, or triple count."""
    if status != 200:
        return f"HTTP {status}"
    try:
        if form == "SELECT":
            return f"{len(json.loads(body)['results']['bindings'])} rows"
        if form == "ASK":
            return f"ask={json.loads(body)['boolean']}"
        lines = [ln for ln in body.decode().splitlines() if ln.strip() and not ln.startswith("#")]
        return f"{len(lines)} triples"
    except (ValueError, KeyError, UnicodeDecodeError) as e:
        return f"unparsable ({type(e).__name__})"


@dataclass
class Query:
    name: str
    text: str
    form: str

    @property
    def accept(self) -> str:
        return ACCEPT[self.form]

    def path(self, endpoint: str) -> str:
        return endpoint + "?query=" + urllib.parse.quote(self.text, safe="")


def query_form(text: str) -> str:
    m = FORM_RE.match(text)
    if not m:
        die(f"cannot tell the query form of: {text[:80]!r}")
    return m.group(1).upper()


# --------------------------------------------------------------------------- servers


# The named graph the BSBM data is loaded into when the default graph is the union of all graphs.
BSBM_GRAPH = "http://www4.wiwiss.fu-berlin.de/bizer/bsbm/v01/graph"


def start_server(side: Side, workdir: Path, timeout_s: float) -> None:
    side.port = free_port()
    bind = f"127.0.0.1:{side.port}"
    side.log_path = workdir / f"serve-{side.key}.log"
    argv = side.argv(side.serve_tpl, location=str(side.store), bind=bind)
    log(f"starting {side.label}: {shlex.join(argv)}")
    logf = open(side.log_path, "ab")
    side.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    _children.append(side.proc)
    t0 = time.monotonic()
    probe = Query("probe", "ASK { ?s ?p ?o }", "ASK")
    while True:
        if side.proc.poll() is not None:
            die(f"{side.label} exited with {side.proc.returncode} while starting; log tail:\n{tail(side.log_path)}")
        if time.monotonic() - t0 > timeout_s:
            die(f"{side.label} not ready after {timeout_s:.0f}s; log tail:\n{tail(side.log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=5)
            ok = True
            if side.health:
                status, _ = http_get(conn, side.health, "*/*")
                ok = status == 200
            if ok:
                status, body = http_get(conn, probe.path(side.endpoint), probe.accept)
                conn.close()
                if status == 200:
                    log(f"{side.label} ready on {bind} after {time.monotonic() - t0:.1f}s")
                    return
                if status in (404, 405):
                    die(f"{side.label}: {side.endpoint} answered {status}: wrong endpoint path?")
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)


def wait_idle(sides: list[Side], max_s: float = 30.0, threshold: float = 0.05) -> None:
    """Waits until no server burns more than `threshold` CPU-seconds per second (compactions...)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_s:
        before = {s.key: proc_cpu_s(s.proc.pid) for s in sides}
        time.sleep(1.0)
        busy = {s.key: proc_cpu_s(s.proc.pid) - before[s.key] for s in sides}
        if all(v <= threshold for v in busy.values()):
            return
    log(f"servers still busy after {max_s:.0f}s ({busy}); measuring anyway")


# --------------------------------------------------------------------------- load generators

WRK_LUA = r"""
-- generated by scripts/bench.py: rotates through a fixed list of GET requests and
-- counts every response whose status is not 200.
local reqs = %(reqs)s
local host = "%(host)s"
local prepared = {}
local counter = 1
non200 = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, r in ipairs(reqs) do
    prepared[i] = wrk.format("GET", r[1], {["Host"] = host, ["Accept"] = r[2]})
  end
  counter = 1
end

function request()
  local r = prepared[counter]
  counter = counter + 1
  if counter > #prepared then counter = 1 end
  return r
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("non200") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%%d,"requests":%%d,"bytes":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status_gt399":%%d,"timeout":%%d,"non200":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,' ..
    '"mean_us":%%f,"max_us":%%d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, n, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""


def lua_str(s: str) -> str:
    assert s.isascii() and '"' not in s and "\\" not in s and "\n" not in s, s
    return '"' + s + '"'


def run_wrk(side: Side, queries: list[Query], duration: float, conns: int, threads: int,
            timeout_s: float, workdir: Path) -> dict:
    reqs = "{\n" + ",\n".join(
        f"  {{{lua_str(q.path(side.endpoint))}, {lua_str(q.accept)}}}" for q in queries
    ) + "\n}"
    script = workdir / f"wrk-{side.key}-{len(queries)}.lua"
    script.write_text(WRK_LUA % {"reqs": reqs, "host": f"127.0.0.1:{side.port}"})
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{max(1, round(duration))}s",
            "--timeout", f"{int(timeout_s)}s", "-s", str(script), f"http://127.0.0.1:{side.port}/"]
    out_path = workdir / "wrk.out"
    with open(out_path, "wb") as outf:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=outf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        _children.append(p)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    text = out_path.read_text(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if p.returncode != 0 or line is None:
        die(f"wrk failed (rc={p.returncode}):\n{text}")
    r = json.loads(line[len("BENCH_JSON "):])
    secs = r["duration_us"] / 1e6
    return {
        "requests": r["requests"],
        "seconds": secs,
        "rps": r["requests"] / secs,
        "p50_ms": r["p50_us"] / 1000,
        "p90_ms": r["p90_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "mean_ms": r["mean_us"] / 1000,
        "max_ms": r["max_us"] / 1000,
        "non200": r["non200"],
        "socket_errors": r["connect"] + r["read"] + r["write"] + r["timeout"],
        "client_cpu_s": ru.ru_utime + ru.ru_stime,
    }


def percentile(sorted_vals: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(round(pct / 100 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def run_python_client(side: Side, queries: list[Query], duration: float, conns: int,
                      timeout_s: float) -> dict:
    """Fallback load generator: one thread per connection, http.client keep-alive.

    Much slower than wrk (the GIL): for cheap queries it can be the bottleneck."""
    paths = [(q.path(side.endpoint), q.accept) for q in queries]
    lat: list[list[float]] = [[] for _ in range(conns)]
    non200 = [0] * conns
    errs = [0] * conns
    t_start = time.perf_counter()
    deadline = t_start + duration

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=timeout_s)
        k = i * len(paths) // conns
        while time.perf_counter() < deadline:
            path, accept = paths[k % len(paths)]
            k += 1
            t0 = time.perf_counter()
            try:
                status, _ = http_get(conn, path, accept)
            except (OSError, http.client.HTTPException):
                errs[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=timeout_s)
                continue
            lat[i].append(time.perf_counter() - t0)
            if status != 200:
                non200[i] += 1
        conn.close()

    c0 = time.process_time()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.perf_counter() - t_start
    allv = sorted(v for part in lat for v in part)
    return {
        "requests": len(allv),
        "seconds": secs,
        "rps": len(allv) / secs,
        "p50_ms": percentile(allv, 50) * 1000,
        "p90_ms": percentile(allv, 90) * 1000,
        "p99_ms": percentile(allv, 99) * 1000,
        "mean_ms": (sum(allv) / len(allv) * 1000) if allv else float("nan"),
        "max_ms": (allv[-1] * 1000) if allv else float("nan"),
        "non200": sum(non200),
        "socket_errors": sum(errs),
        "client_cpu_s": time.process_time() - c0,
    }


def measure(side: Side, queries: list[Query], args, workdir: Path, duration: float) -> dict:
    cpu0 = proc_cpu_s(side.proc.pid)
    if args.client == "wrk":
        r = run_wrk(side, queries, duration, args.connections, args.threads, args.request_timeout, workdir)
    else:
        r = run_python_client(side, queries, duration, args.connections, args.request_timeout)
    server_cpu = proc_cpu_s(side.proc.pid) - cpu0
    r["server_cpu_s"] = server_cpu
    r["server_cpu_ms_per_req"] = server_cpu * 1000 / r["requests"] if r["requests"] else float("nan")
    r["client_cpu_pct"] = 100 * r["client_cpu_s"] / r["seconds"]
    r["server_cpu_pct"] = 100 * server_cpu / r["seconds"]
    if side.proc.poll() is not None:
        die(f"{side.label} died during the run; log tail:\n{tail(side.log_path)}")
    return r


# --------------------------------------------------------------------------- phases


def prepare_data(args, workdir: Path) -> tuple[Path, int, str]:
    src = Path(args.data_dir) / "bsbm-explore-1000.nt.gz"
    if not src.is_file():
        die(f"{src} not found (set --data-dir or PONTE_BSBM_DIR)")
    dst = workdir / "bsbm-explore-1000.nt"
    n = 0
    product = None
    with gzip.open(src, "rt", encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for line in fin:
            if not line.strip() or line.startswith("#"):
                fout.write(line)
                continue
            if product is None:
                m = PRODUCT_RE.match(line)
                if m:
                    product = m.group(1)
            if args.limit_triples and n >= args.limit_triples:
                if product is not None:
                    break
                continue  # only looking for the product IRI now
            fout.write(line)
            n += 1
    if product is None:
        die("no product with an rdfs:label found in the data")
    log(f"decompressed {n:,} triples to {dst}; lookup IRI <{product}>")
    return dst, n, product


def load_queries(args) -> list[Query]:
    qdir = Path(args.data_dir) / "explore-queries"
    mix = (qdir / "querymix.txt").read_text().split()
    files = sorted(qdir.glob("q*.rq"))
    by_num: dict[int, list[Path]] = {}
    for f in files:
        by_num.setdefault(int(f.name[1:3]), []).append(f)
    # Instance k of a query number is used for its k-th occurrence in the mix (cycling).
    seen: dict[int, int] = {}
    out = []
    for num in map(int, mix):
        inst = by_num.get(num)
        if not inst:
            die(f"querymix.txt names query {num} but no q{num:02d}-*.rq exists")
        f = inst[seen.get(num, 0) % len(inst)]
        seen[num] = seen.get(num, 0) + 1
        text = f.read_text()
        out.append(Query(f.stem, text, query_form(text)))
    return out


def distinct_queries(args) -> list[Query]:
    qdir = Path(args.data_dir) / "explore-queries"
    out = []
    for f in sorted(qdir.glob("q*.rq")):
        text = f.read_text()
        out.append(Query(f.stem, text, query_form(text)))
    return out


def phase_load(sides: list[Side], data: Path, n_triples: int, args, workdir: Path) -> dict:
    results: dict[str, list[dict]] = {s.key: [] for s in sides}
    for rnd in range(args.load_rounds):
        order = sides if rnd % 2 == 0 else list(reversed(sides))
        for side in order:
            loc = workdir / f"store-{side.key}-{rnd}"
            shutil.rmtree(loc, ignore_errors=True)
            loc.mkdir()
            argv = side.argv(side.load_tpl, location=str(loc), file=str(data))
            os.sync()  # do not bill one side for the other's dirty pages
            r = run_timed(argv, workdir / f"load-{side.key}.log")
            if r["rc"] != 0:
                die(f"{side.label} load failed (rc={r['rc']}): {shlex.join(argv)}\n"
                    f"{tail(workdir / f'load-{side.key}.log')}")
            os.sync()
            r["store_mib"] = dir_size_mib(loc)
            r["triples_per_s"] = n_triples / r["wall_s"]
            results[side.key].append(r)
            log(f"load round {rnd + 1}/{args.load_rounds} {side.label}: {r['wall_s']:.2f}s "
                f"({r['triples_per_s']:,.0f} triples/s, peak RSS {r['max_rss_mib']:.0f} MiB, "
                f"store {r['store_mib']:.0f} MiB)")
            prev = side.store
            side.store = loc  # the last round's store is the one served
            if prev and prev != loc:
                shutil.rmtree(prev, ignore_errors=True)
    return results


def preflight(sides: list[Side], lookup: Query, count: Query, distinct: list[Query]) -> dict:
    """Runs every query once on every server; statuses and result sizes, compared."""
    out: dict[str, dict[str, str]] = {}
    for side in sides:
        conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=120)
        res = {}
        for q in [count, lookup, *distinct]:
            status, body = http_get(conn, q.path(side.endpoint), q.accept)
            res[q.name] = result_size(q.form, status, body)
            if q is count and status == 200:
                try:
                    res[q.name] = json.loads(body)["results"]["bindings"][0]["n"]["value"] + " triples"
                except (ValueError, KeyError, IndexError):
                    pass
        conn.close()
        out[side.key] = res
        bad = {k: v for k, v in res.items() if v.startswith(("HTTP", "unparsable"))}
        log(f"preflight {side.label}: {res[count.name]} in the default graph; lookup -> {res[lookup.name]}"
            + (f"; FAILURES {bad}" if bad else ""))
    return out


def phase_serve(sides: list[Side], args, workdir: Path, lookup: Query, mix: list[Query]) -> dict:
    results: dict[str, dict[str, list[dict]]] = {}
    workloads = [("lookup", [lookup]), ("mix", mix)]
    for wname, queries in workloads:
        results[wname] = {s.key: [] for s in sides}
        for side in sides:
            log(f"warm-up {wname} on {side.label} ({args.warmup:.0f}s)")
            measure(side, queries, args, workdir, args.warmup)
        wait_idle(sides, max_s=10)
        for rnd in range(args.rounds):
            order = sides if rnd % 2 == 0 else list(reversed(sides))
            for side in order:
                r = measure(side, queries, args, workdir, args.duration)
                results[wname][side.key].append(r)
                log(f"{wname} round {rnd + 1}/{args.rounds} {side.label}: {r['rps']:,.1f} req/s, "
                    f"p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms, non-200 {r['non200']}, "
                    f"socket errors {r['socket_errors']}, server CPU {r['server_cpu_pct']:.0f}%, "
                    f"client CPU {r['client_cpu_pct']:.0f}%")
    return results


LARGE_ROWS = 1_000_000


def large_query(default_graph: str) -> Query:
    """A SELECT of exactly LARGE_ROWS rows: each BSBM triple three times, cut at the limit."""
    triples = "?s ?p ?o" if default_graph == "plain" else f"GRAPH <{BSBM_GRAPH}> {{ ?s ?p ?o }}"
    return Query("large", f"SELECT ?s ?p ?o ?copy WHERE {{ {triples} VALUES ?copy {{ 1 2 3 }} }} "
                          f"LIMIT {LARGE_ROWS}", "SELECT")


def vm_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def phase_large(sides: list[Side], query: Query, reps: int) -> dict:
    """Downloads a LARGE_ROWS-row SELECT as CSV and as JSON, alternating the servers: time to
    last byte, and the server's peak memory growth during the download (its peak RSS is reset
    through /proc/PID/clear_refs before each request)."""
    out: dict = {}
    for fmt, accept in (("CSV", "text/csv"), ("JSON", "application/sparql-results+json")):
        runs = {s.key: [] for s in sides}
        for rep in range(reps):
            for side in (sides if rep % 2 == 0 else list(reversed(sides))):
                pid = side.proc.pid
                try:
                    Path(f"/proc/{pid}/clear_refs").write_text("5")
                    peak_reset = True
                except OSError:
                    peak_reset = False
                before = vm_kib(pid, "VmRSS")
                conn = http.client.HTTPConnection("127.0.0.1", side.port, timeout=600)
                t0 = time.perf_counter()
                conn.request("GET", query.path(side.endpoint), headers={"Accept": accept})
                resp = conn.getresponse()
                size = 0
                while chunk := resp.read(1 << 20):
                    size += len(chunk)
                secs = time.perf_counter() - t0
                conn.close()
                if resp.status != 200:
                    die(f"{side.label}: the large {fmt} answer failed with HTTP {resp.status}")
                growth = (vm_kib(pid, "VmHWM") - before) / 1024 if peak_reset else float("nan")
                runs[side.key].append({"seconds": secs, "bytes": size, "growth_mib": growth})
                log(f"large {fmt} {side.label}: {size:,} bytes in {secs:.2f} s, "
                    f"peak memory growth {growth:.0f} MiB")
        out[fmt] = {k: {"seconds": statistics.median(r["seconds"] for r in v),
                        "bytes": v[-1]["bytes"],
                        "growth_mib": max(r["growth_mib"] for r in v)} for k, v in runs.items()}
    return out


def phase_per_query(sides: list[Side], distinct: list[Query], reps: int) -> dict:
    """Sequential latency per query, one keep-alive connection per server, interleaved."""
    conns = {s.key: http.client.HTTPConnection("127.0.0.1", s.port, timeout=120) for s in sides}
    samples = {s.key: {q.name: [] for q in distinct} for s in sides}
    errors = {s.key: {q.name: 0 for q in distinct} for s in sides}
    for rep in range(reps):
        for qi, q in enumerate(distinct):
            order = sides if (rep + qi) % 2 == 0 else list(reversed(sides))
            for side in order:
                t0 = time.perf_counter()
                status, _ = http_get(conns[side.key], q.path(side.endpoint), q.accept)
                samples[side.key][q.name].append(time.perf_counter() - t0)
                if status != 200:
                    errors[side.key][q.name] += 1
    for c in conns.values():
        c.close()
    out = {}
    for side in sides:
        out[side.key] = {}
        for q in distinct:
            v = sorted(samples[side.key][q.name])
            out[side.key][q.name] = {
                "p50_ms": percentile(v, 50) * 1000,
                "p90_ms": percentile(v, 90) * 1000,
                "non200": errors[side.key][q.name],
            }
    return out


# --------------------------------------------------------------------------- report


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and a == a and b == b else "n/a"


def fnum(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}" if x == x else "n/a"


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = float("nan")
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "nproc_usable": len(os.sched_getaffinity(0)),
        "mem_gib": mem_gib,
        "kernel": platform.release(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def render(run: dict) -> str:
    sides = run["sides"]  # key -> {label, version, ...}
    keys = list(sides)
    two = len(keys) == 2
    A, B = ("ponte", "oxigraph") if two else (None, keys[0])
    cfg = run["config"]
    m = run["machine"]
    L = []
    L.append(START_MARK)
    L.append("<!-- Generated by scripts/bench; edits between these markers are overwritten. -->")
    L.append("")
    L.append(f"## Results: {run['title']}")
    L.append("")
    if run.get("warning"):
        L.append(f"> **{run['warning']}**")
        L.append("")
    L.append(f"- **Date**: {run['date']}")
    L.append(f"- **Machine**: {m['cpu']}; {m['nproc']} CPUs (`nproc` {m['nproc_usable']}), "
             f"{m['mem_gib']:.1f} GiB RAM; Linux {m['kernel']}; load average at start "
             f"{', '.join(str(x) for x in m['loadavg_at_start'])}")
    for k in keys:
        s = sides[k]
        L.append(f"- **{s['label']}**: `{s['version']}` (`{s['bin']}`), endpoint `{s['endpoint']}`")
    L.append(f"- **Ponte source**: git {run['git']}")
    L.append(f"- **Load generator**: {run['client']}, on the same machine")
    L.append(f"- **Data**: BSBM explore 1000 products, {run['triples']:,} triples (N-Triples)"
             + (" — **a truncated subset, not comparable with full runs**" if cfg["limit_triples"] else ""))
    L.append(f"- **Settings**: load rounds {cfg['load_rounds']}; serve rounds {cfg['rounds']} × "
             f"{cfg['duration']:g} s per server and workload after a {cfg['warmup']:g} s warm-up, "
             f"{cfg['connections']} concurrent connections, servers alternated ABBA; per-query "
             f"{cfg['per_query_reps']} sequential repetitions")
    L.append(f"- **Reproduce**: `{run['command']}`")
    L.append("")

    if run.get("load"):
        L.append("### Bulk load")
        L.append("")
        L.append("Wall time of the whole load process into a fresh empty directory (median of the rounds).")
        L.append("")
        L.append("| server | median s | median triples/s | rounds (s) | CPU s | peak RSS MiB | store MiB |")
        L.append("|---|---:|---:|---|---:|---:|---:|")
        med = {}
        for k in keys:
            rs = run["load"][k]
            med[k] = median([r["triples_per_s"] for r in rs])
            L.append(f"| {sides[k]['label']} | {median([r['wall_s'] for r in rs]):.2f} | {fnum(med[k])} | "
                     f"{', '.join(format(r['wall_s'], '.2f') for r in rs)} | "
                     f"{median([r['cpu_s'] for r in rs]):.1f} | {max(r['max_rss_mib'] for r in rs):.0f} | "
                     f"{rs[-1]['store_mib']:.0f} |")
        checked = run["load"].get("ponte_validated")
        if checked:
            med["ponte_validated"] = median([r["triples_per_s"] for r in checked])
            L.append(f"| ponte, validating (the default) | {median([r['wall_s'] for r in checked]):.2f} | "
                     f"{fnum(med['ponte_validated'])} | "
                     f"{', '.join(format(r['wall_s'], '.2f') for r in checked)} | "
                     f"{median([r['cpu_s'] for r in checked]):.1f} | "
                     f"{max(r['max_rss_mib'] for r in checked):.0f} | {checked[-1]['store_mib']:.0f} |")
        if two:
            L.append("")
            L.append(f"**Load throughput ratio {sides[A]['label']}/{sides[B]['label']}: "
                     f"{ratio(med[A], med[B])}** (above 1: {sides[A]['label']} loads faster)"
                     + (f"; validating against the shapes: **{ratio(med['ponte_validated'], med[B])}**."
                        if checked else "."))
        L.append("")

    if run.get("serve"):
        L.append("### Query serving")
        L.append("")
        L.append({"union": "Default graph: the union of all graphs on both sides (Ponte's default; "
                           "`oxigraph serve --union-default-graph`).",
                  "plain": "Default graph: the store's own default graph on both sides (Ponte "
                           "`--union-default-graph false`; bare `oxigraph serve`)."}
                 .get(run.get("default_graph", ""), ""))
        L.append("")
        L.append(f"`lookup`: `{run['lookup_query']}`. `mix`: the 25 BSBM explore queries in "
                 "`querymix.txt` order, rotating (SELECT as `application/sparql-results+json`, "
                 "CONSTRUCT/DESCRIBE as `application/n-triples`). Medians over the rounds; "
                 "req/s range in brackets. Errors are non-200 responses plus socket errors/timeouts.")
        L.append("")
        L.append("| workload | server | req/s [min–max] | p50 ms | p99 ms | errors | server CPU ms/req | client CPU % |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for wname, per in run["serve"].items():
            med = {}
            for k in keys:
                rs = per[k]
                med[k] = {f: median([r[f] for r in rs]) for f in
                          ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req", "client_cpu_pct")}
                errors = sum(r["non200"] + r["socket_errors"] for r in rs)
                reqs = sum(r["requests"] for r in rs)
                rps = [r["rps"] for r in rs]
                L.append(f"| {wname} | {sides[k]['label']} | {fnum(med[k]['rps'], 1)} "
                         f"[{fnum(min(rps), 1)}–{fnum(max(rps), 1)}] | {med[k]['p50_ms']:.3f} | "
                         f"{med[k]['p99_ms']:.3f} | {errors} / {reqs:,} | "
                         f"{med[k]['server_cpu_ms_per_req']:.3f} | {med[k]['client_cpu_pct']:.0f} |")
            if two:
                ratios.append((wname, med))
        if ratios:
            L.append("")
            L.append(f"Ratios {sides[A]['label']}/{sides[B]['label']} (throughput above 1 and latency "
                     f"below 1 favour {sides[A]['label']}):")
            L.append("")
            L.append("| workload | throughput ratio | p50 latency ratio | p99 latency ratio | CPU/req ratio |")
            L.append("|---|---:|---:|---:|---:|")
            for wname, med in ratios:
                L.append(f"| {wname} | **{ratio(med[A]['rps'], med[B]['rps'])}** | "
                         f"{ratio(med[A]['p50_ms'], med[B]['p50_ms'])} | "
                         f"{ratio(med[A]['p99_ms'], med[B]['p99_ms'])} | "
                         f"{ratio(med[A]['server_cpu_ms_per_req'], med[B]['server_cpu_ms_per_req'])} |")
        mixmed = {k: median([r["rps"] for r in run["serve"]["mix"][k]]) for k in keys}
        L.append("")
        L.append("Query mixes per hour (QMpH, " + f"{cfg['connections']} clients): "
                 + ", ".join(f"{sides[k]['label']} {fnum(mixmed[k] / 25 * 3600)}" for k in keys) + ".")
        if run.get("memory"):
            L.append("")
            L.append("Server memory after the runs: " + ", ".join(
                f"{sides[k]['label']} RSS {run['memory'][k].get('VmRSS', float('nan')):.0f} MiB "
                f"(peak {run['memory'][k].get('VmHWM', float('nan')):.0f} MiB)" for k in keys) + ".")
        L.append("")

    if run.get("per_query"):
        pq = run["per_query"]
        L.append("### Per-query latency (1 client, sequential)")
        L.append("")
        L.append("Python `http.client` over one keep-alive connection per server, servers interleaved; "
                 "includes the client's own overhead (the same for both).")
        L.append("")
        hdr = "| query | form | result |"
        sep = "|---|---|---|"
        for k in keys:
            hdr += f" {sides[k]['label']} p50 ms | {sides[k]['label']} p90 ms |"
            sep += "---:|---:|"
        if two:
            hdr += " p50 ratio | p90 ratio |"
            sep += "---:|---:|"
        L.append(hdr)
        L.append(sep)
        for q in run["queries"]:
            row = f"| {q['name']} | {q['form']} | {run['preflight'][B].get(q['name'], '')} |"
            for k in keys:
                e = pq[k][q["name"]]
                row += f" {e['p50_ms']:.2f} | {e['p90_ms']:.2f} |"
            if two:
                row += (f" {ratio(pq[A][q['name']]['p50_ms'], pq[B][q['name']]['p50_ms'])} |"
                        f" {ratio(pq[A][q['name']]['p90_ms'], pq[B][q['name']]['p90_ms'])} |")
            L.append(row)
        L.append("")

    if run.get("large"):
        L.append(f"### Large answers ({LARGE_ROWS:,} rows)")
        L.append("")
        L.append(f"`{run['large_query']}`, downloaded whole with one client; median time to last "
                 "byte, and the largest growth of the server's peak RSS during a download (reset "
                 "through `/proc/PID/clear_refs` before each).")
        L.append("")
        hdr = "| format | server | bytes | time to last byte s | peak memory growth MiB |"
        L.append(hdr + (" time ratio |" if two else ""))
        L.append("|---|---|---:|---:|---:|" + ("---:|" if two else ""))
        for fmt, per in run["large"].items():
            for k in keys:
                e = per[k]
                row = (f"| {fmt} | {sides[k]['label']} | {e['bytes']:,} | {e['seconds']:.2f} | "
                       f"{e['growth_mib']:.0f} |")
                if two:
                    row += f" {ratio(per[A]['seconds'], per[B]['seconds']) if k == A else ''} |"
                L.append(row)
        L.append("")

    if run.get("checks"):
        L.append("### Checks")
        L.append("")
        for c in run["checks"]:
            L.append(f"- {c}")
        L.append("")
    L.append(END_MARK)
    return "\n".join(L) + "\n"


INTRO = """# Benchmarks

How Ponte compares with the reference `oxigraph` server of the same oxigraph version
(0.5.13, the binary published on PyPI), on the same machine, in the same run.

What is measured, on the BSBM explore dataset for 1,000 products (374,911 triples,
`shared/data/bsbm/`):

- **Bulk load**: `ponte load --location DIR --skip-validation --graph G FILE` and `ponte load`
  validating (the default) against `oxigraph load --location DIR --file FILE --graph G` into a
  fresh empty directory, 3 rounds alternating; median triples per second.
- **Query serving**: both servers run side by side on loopback ports and are measured
  alternately (ABBA) with `wrk` at 4 concurrent connections: a cheap label lookup, and the
  25-query BSBM explore mix in BSBM's order. Requests per second, p50 and p99 latency,
  errors (any non-200 response), server CPU per request; ratios Ponte/oxigraph.
- **Per-query latency**: each of the 22 explore queries sequentially, one client.
- **Large answers**: a 1,000,000-row SELECT downloaded whole as CSV and as JSON: time to last
  byte and the growth of the server's peak memory.

Both servers take the union of all graphs as default graph (`oxigraph serve
--union-default-graph`), over the same data in one named graph; `--default-graph plain`
compares the plain default graph on both instead.

The load generator runs on the same (small) machine as the servers, so absolute figures are
modest; the ratios are what to read. An oxigraph-against-itself run (`scripts/bench
--self-test`) shows the noise level: ratios within about 10% of 1.00 are noise on
this machine.

To reproduce (builds nothing; needs the `ponte` binary, Python 3.11, and root for
`apt-get install wrk` if `wrk` is missing):

```sh
cargo build --release                 # the ponte binary; scripts/bench builds nothing
PONTE_BIN=path/to/ponte scripts/bench # ~5 minutes; rewrites the generated section below
                                      # (default PONTE_BIN: $CARGO_TARGET_DIR/release/ponte)
scripts/bench --self-test             # oxigraph against itself: the noise level
scripts/bench --help                  # durations, rounds, endpoints, command templates
```

Everything between the `bench:sparql` markers below is generated; edit the text above them.

"""


def write_markdown(path: Path, section: str) -> None:
    if path.exists():
        text = path.read_text()
        if START_MARK in text and END_MARK in text:
            pre, rest = text.split(START_MARK, 1)
            _, post = rest.split(END_MARK, 1)
            text = pre + section.rstrip("\n") + post
        else:
            text = text.rstrip("\n") + "\n\n" + section
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = INTRO + section
    path.write_text(text)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str]):
    ap = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Side-by-side BSBM benchmark of Ponte against the reference oxigraph server "
                    "(bulk load, then concurrent query serving). Environment: PONTE_BIN (the ponte "
                    "binary; default $CARGO_TARGET_DIR/release/ponte or target/release/ponte if it exists), PONTE_ENDPOINT (default "
                    "/sparql), PONTE_HEALTH (default /health; empty: none), PONTE_LOAD_CMD, "
                    "PONTE_SERVE_CMD and OXIGRAPH_SERVE_CMD (argv templates with {bin} {location} {file} {bind}), "
                    "PONTE_BENCH_VENV (the virtualenv, default ~/.cache/ponte/bench-venv), "
                    "PONTE_BSBM_DIR (the BSBM folder).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--peer-only", action="store_true",
                      help="measure only the oxigraph peer (no PONTE_BIN needed)")
    mode.add_argument("--self-test", action="store_true",
                      help="run oxigraph on both sides (the 'ponte' side is a second oxigraph): "
                           "checks the mechanics and shows the noise level; ratios should be ~1.00")
    ap.add_argument("--oxigraph-bin", default=os.environ.get("OXIGRAPH_BIN", "oxigraph"))
    ap.add_argument("--data-dir", default=os.environ.get("PONTE_BSBM_DIR", str(DEFAULT_DATA)))
    ap.add_argument("--load-rounds", type=int, default=3, help="K load rounds per server")
    ap.add_argument("--rounds", type=int, default=3, help="measured rounds per server and workload")
    ap.add_argument("--duration", type=float, default=15, help="seconds per measured round")
    ap.add_argument("--warmup", type=float, default=5, help="warm-up seconds per server and workload")
    ap.add_argument("--connections", type=int, default=4, help="concurrent client connections")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (<= connections)")
    ap.add_argument("--request-timeout", type=float, default=30, help="seconds before a request times out")
    ap.add_argument("--per-query-reps", type=int, default=200, help="sequential repetitions per query (0: skip)")
    ap.add_argument("--client", choices=["wrk", "python"], default=None,
                    help="load generator (default: wrk if installed, else the Python fallback)")
    ap.add_argument("--large-reps", type=int, default=3,
                    help=f"downloads of the {LARGE_ROWS:,}-row answer per server and format (0: skip)")
    ap.add_argument("--default-graph", choices=["union", "plain"], default="union",
                    help="union: Ponte as configured by default against oxigraph serve "
                         "--union-default-graph; plain: Ponte --union-default-graph false against "
                         "bare oxigraph serve")
    ap.add_argument("--skip-load", action="store_true",
                    help="load each store once without reporting load figures")
    ap.add_argument("--skip-serve", action="store_true", help="only the load phase")
    ap.add_argument("--result-cache", action="store_true",
                    help="serve Ponte with its result cache on (default: off, like for like); the "
                         "mix's 25 texts repeat with no write between them, so this measures hits")
    ap.add_argument("--limit-triples", type=int, default=0,
                    help="only the first N triples (quick mechanics check; figures not comparable)")
    ap.add_argument("--start-timeout", type=float, default=180, help="seconds to wait for a server")
    ap.add_argument("--output", default=None,
                    help="Markdown file to update (default: docs/BENCHMARKS.md for a Ponte run; "
                         "nothing for --self-test/--peer-only)")
    ap.add_argument("--no-write", action="store_true", help="do not update any Markdown file")
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)
    if args.threads > args.connections:
        ap.error("--threads must not exceed --connections")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    t_begin = time.monotonic()
    if args.client is None:
        args.client = "wrk" if shutil.which("wrk") else "python"
        if args.client == "python":
            log("wrk not found: using the Python fallback load generator (may bottleneck cheap queries)")
    elif args.client == "wrk" and not shutil.which("wrk"):
        die("wrk not found (apt-get install -y wrk)")

    oxi_bin = shutil.which(args.oxigraph_bin) or args.oxigraph_bin
    if not os.access(oxi_bin, os.X_OK):
        die(f"oxigraph binary not found: {args.oxigraph_bin} (run through scripts/bench)")
    # With the union default graph, the data goes into a named graph on both sides, as Ponte
    # keeps every fact (the default graph proper stays empty); plain: into the default graph.
    into = "" if args.default_graph == "plain" else f" --graph {BSBM_GRAPH}"
    oxi_load = "{bin} load --location {location} --file {file}" + into
    # Same query semantics on both sides: Ponte's default graph is the union of all graphs, so
    # oxigraph is served with --union-default-graph; --default-graph plain turns it off on both.
    union = args.default_graph == "union"
    oxi_serve = os.environ.get("OXIGRAPH_SERVE_CMD", "{bin} serve --location {location} --bind {bind}"
                               + (" --union-default-graph" if union else ""))
    oxigraph = Side("oxigraph", "oxigraph", oxi_bin, oxi_load, oxi_serve, "/query", None,
                    tool_version([oxi_bin, "--version"]))
    sides = [oxigraph]
    if args.self_test:
        sides = [Side("ponte", "oxigraph-B", oxi_bin, oxi_load, oxi_serve, "/query", None, oxigraph.version),
                 oxigraph]
        oxigraph.label = "oxigraph-A"
    elif not args.peer_only:
        pbin = os.environ.get("PONTE_BIN")
        built = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "release" / "ponte"
        if not pbin and built.is_file():
            pbin = str(built)
            log(f"PONTE_BIN not set: using {pbin}")
        if not pbin:
            die("set PONTE_BIN to the ponte binary, or use --peer-only / --self-test")
        pbin = shutil.which(pbin) or pbin
        if not os.access(pbin, os.X_OK):
            die(f"PONTE_BIN is not executable: {pbin}")
        health = os.environ.get("PONTE_HEALTH", "/health") or None
        sides = [Side("ponte", "ponte", str(Path(pbin).resolve()),
                      os.environ.get("PONTE_LOAD_CMD", "{bin} load --location {location} --skip-validation"
                                     + into + " {file}"),
                      # Like for like by default: the result cache off, so every request is
                      # evaluated as oxigraph evaluates it; --result-cache measures it on.
                      os.environ.get("PONTE_SERVE_CMD", "{bin} serve --location {location} --bind {bind}"
                                     + ("" if args.result_cache else " --result-cache-bytes 0")
                                     + ("" if union else " --union-default-graph false")),
                      os.environ.get("PONTE_ENDPOINT", "/sparql"), health,
                      tool_version([pbin, "--version"])),
                 oxigraph]

    output = None
    if not args.no_write:
        if args.output:
            output = Path(args.output)
        elif not (args.self_test or args.peer_only):
            output = REPO / "docs" / "BENCHMARKS.md"

    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="ponte-bench-"))
    if not args.keep:
        _scratch.append(workdir)  # removed after the servers are stopped
    log(f"scratch directory {workdir}{' (kept)' if args.keep else ''}")

    est = (2 * len(sides) * args.load_rounds * 3 if not args.skip_load else 0)
    if not args.skip_serve:
        est += 2 * len(sides) * (args.warmup + args.rounds * args.duration) + 30
    log(f"sides: {', '.join(f'{s.label} ({s.version})' for s in sides)}; "
        f"expect roughly {est / 60:.1f} min plus loading")

    data, n_triples, product = prepare_data(args, workdir)
    mix = load_queries(args)
    distinct = distinct_queries(args)
    lookup = Query("lookup",
                   f"SELECT ?label WHERE {{ <{product}> <{RDFS_LABEL}> ?label }}", "SELECT")
    count = Query("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT")

    title = {True: "oxigraph against itself (self-test)"}.get(args.self_test) or (
        "oxigraph only (peer-only)" if args.peer_only else "Ponte vs oxigraph")
    cmd = "scripts/bench " + shlex.join(argv) if argv else "scripts/bench"
    if not (args.self_test or args.peer_only):
        env = {"PONTE_BIN": sides[0].bin}
        env.update({k: os.environ[k] for k in ("PONTE_ENDPOINT", "PONTE_HEALTH", "PONTE_LOAD_CMD",
                                               "PONTE_SERVE_CMD", "OXIGRAPH_SERVE_CMD") if k in os.environ})
        cmd = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " " + cmd
    run: dict = {
        "title": title,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "git": git_rev(),
        "client": (f"{wrk_version()} ({args.threads} thread, "
                   f"{args.connections} connections)" if args.client == "wrk" else
                   f"Python {platform.python_version()} http.client, {args.connections} threads "
                   "(fallback: wrk was not available)"),
        "command": cmd,
        "triples": n_triples,
        "config": {k: getattr(args, k) for k in ("load_rounds", "rounds", "duration", "warmup",
                                                 "connections", "threads", "per_query_reps",
                                                 "limit_triples")},
        "sides": {s.key: {"label": s.label, "version": s.version, "bin": s.bin, "endpoint": s.endpoint}
                  for s in sides},
        "default_graph": args.default_graph,
        "lookup_query": lookup.text,
        "queries": [{"name": q.name, "form": q.form} for q in distinct],
        "checks": [],
    }
    if args.self_test:
        run["warning"] = ("Self-test: both columns are the same oxigraph binary; the ratios show "
                          "the measurement noise, not Ponte.")
    if run["machine"]["loadavg_at_start"][0] > 0.5:
        run["checks"].append(f"load average was {run['machine']['loadavg_at_start'][0]} at start: "
                             "other work on the machine may have disturbed the figures")

    # ---- LOAD
    if args.skip_load:
        args_once = argparse.Namespace(**{**vars(args), "load_rounds": 1})
        phase_load(sides, data, n_triples, args_once, workdir)
    else:
        # Ponte's default load checks the shapes; it is timed beside the --skip-validation one.
        validated = None
        if not (args.self_test or args.peer_only) and "PONTE_LOAD_CMD" not in os.environ:
            ponte = sides[0]
            validated = Side("ponte_validated", "ponte (validating)", ponte.bin,
                             ponte.load_tpl.replace(" --skip-validation", ""), "", "", None,
                             ponte.version)
        run["load"] = phase_load(sides + ([validated] if validated else []), data, n_triples,
                                 args, workdir)
        if validated and validated.store:
            shutil.rmtree(validated.store, ignore_errors=True)

    # ---- SERVE
    if not args.skip_serve:
        for side in sides:
            start_server(side, workdir, args.start_timeout)
        run["preflight"] = preflight(sides, lookup, count, distinct)
        ref = run["preflight"]["oxigraph"]
        for side in sides:
            res = run["preflight"][side.key]
            bad = sorted(k for k, v in res.items() if v.startswith(("HTTP", "unparsable")))
            if bad:
                run["checks"].append(f"{side.label}: queries failing before the runs: "
                                     + ", ".join(f"{k} ({res[k]})" for k in bad))
            if side is not oxigraph:
                diff = sorted(k for k in res if k != "count" and res[k] != ref.get(k))
                if diff:
                    run["checks"].append(f"result sizes differ from {oxigraph.label}: " + ", ".join(
                        f"{k} ({side.label} {res[k]} vs {ref.get(k)})" for k in diff))
                else:
                    run["checks"].append(f"{side.label} returns the same number of rows/triples as "
                                         f"{oxigraph.label} for the lookup and all {len(distinct)} queries")
            run["checks"].append(f"{side.label}: {res['count']} in the default graph after load "
                                 f"({n_triples:,} in the file)")
        wait_idle(sides)
        run["serve"] = phase_serve(sides, args, workdir, lookup, mix)
        if args.per_query_reps > 0:
            log(f"per-query latency, {args.per_query_reps} repetitions")
            run["per_query"] = phase_per_query(sides, distinct, args.per_query_reps)
        if args.large_reps > 0:
            large = large_query(args.default_graph)
            run["large_query"] = large.text
            run["large"] = phase_large(sides, large, args.large_reps)
        run["memory"] = {s.key: proc_mem_mib(s.proc.pid) for s in sides}
        tot = {s.key: sum(r["non200"] + r["socket_errors"] for w in run["serve"].values() for r in w[s.key])
               for s in sides}
        run["checks"].append("errors during the measured runs: " + ", ".join(
            f"{s.label} {tot[s.key]}" for s in sides))
        for s in sides:
            if tot[s.key]:
                run["checks"].append(f"**WARNING: {s.label} answered {tot[s.key]} requests with an "
                                     "error (non-200 or socket error); its req/s and latencies include "
                                     "those and are not comparable**")
        if args.client == "wrk":
            peak = max(r["client_cpu_pct"] for w in run["serve"].values() for k in w for r in w[k])
            run["checks"].append(f"wrk used at most {peak:.0f}% of one core (100% would mean the "
                                 "load generator is the bottleneck)")

    run["elapsed_s"] = time.monotonic() - t_begin
    section = render(run)
    jdir = REPO / "target" / "bench"
    jdir.mkdir(parents=True, exist_ok=True)
    jpath = jdir / f"{time.strftime('%Y%m%d-%H%M%S')}-{'self-test' if args.self_test else 'peer-only' if args.peer_only else 'ponte'}.json"
    jpath.write_text(json.dumps(run, indent=1, default=str))
    print(section)
    if output:
        write_markdown(output, section)
        log(f"updated {output}")
    log(f"raw figures in {jpath}; total {run['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
