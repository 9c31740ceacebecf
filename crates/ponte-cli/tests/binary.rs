//! End-to-end tests of the real `ponte` binary: a served query, the timeout and nesting guards
//! as a client sees them, atomic bulk loading under `kill -9`, and the CLI commands.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "binary/remote.rs"]
mod remote;

const BIN: &str = env!("CARGO_BIN_EXE_ponte");

/// What a finished `ponte` command said.
struct Run {
    ok: bool,
    out: String,
    err: String,
}

/// Runs `ponte` with `args` to completion.
fn ponte(args: &[&str]) -> Run {
    let output = Command::new(BIN).args(args).output().unwrap();
    Run {
        ok: output.status.success(),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `ponte` with `args`, which must succeed, and answers its standard output.
fn ponte_ok(args: &[&str]) -> String {
    let run = ponte(args);
    assert!(run.ok, "ponte {}: {}", args.join(" "), run.err);
    run.out
}

/// A `ponte serve` process, killed on drop.
struct Server {
    child: Child,
    addr: String,
    /// Every log line the server has written so far (JSON).
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a server on a port the system picks (`--bind 127.0.0.1:0`) and reads the address
    /// it listens on back from its log: no other process can take the port in between.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address, listening) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line)
                    && entry["fields"]["message"] == "listening"
                {
                    let _ = address.send(entry["fields"]["addr"].as_str().unwrap().to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let addr = listening
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says where it listens");
        Self { child, addr, log }
    }

    /// The log lines written so far that contain `text`.
    fn log_lines_with(&self, text: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(text))
            .cloned()
            .collect()
    }

    /// One HTTP/1.1 request; returns status, headers (lowercased names) and body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String, String)> {
        request_to(&self.addr, method, path, headers, body)
    }

    /// Evaluations running now, from `/health`.
    fn running(&self) -> u64 {
        let (_, _, body) = self.request("GET", "/health", &[], "").unwrap();
        let health: serde_json::Value = serde_json::from_str(&body).unwrap();
        health["evaluations_running"].as_u64().unwrap()
    }

    /// Waits until no evaluation runs, failing with `why` after fifteen seconds (generous: the
    /// suite's bulk-load tests share the two cores).
    fn wait_until_idle(&self, why: &str) {
        let started = Instant::now();
        while self.running() > 0 {
            assert!(started.elapsed() < Duration::from_secs(15), "{why}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// CPU seconds the server process has used so far (user and system, from `/proc`).
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        let per_second: f64 = String::from_utf8(
            Command::new("getconf")
                .arg("CLK_TCK")
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap();
        ticks / per_second
    }

    /// A query sent directly in a POST body.
    /// The process's peak resident memory so far (`VmHWM`), in MiB.
    fn peak_memory_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib / 1024.0
    }

    fn post_query(&self, query: &str) -> (u16, String, String) {
        self.request(
            "POST",
            "/sparql",
            &[("Content-Type", "application/sparql-query")],
            query,
        )
        .unwrap()
    }

    fn query(&self, query: &str) -> (u16, String, String) {
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        self.request("GET", &format!("/sparql?query={encoded}"), &[], "")
            .unwrap()
    }
}

/// One HTTP/1.1 request to `addr`; returns status, headers (lowercased names) and body.
fn request_to(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    request_from(None, addr, method, path, headers, body)
}

/// [`request_to`] from the loopback address `from` (e.g. `127.0.0.2`: another client).
fn request_from(
    from: Option<&str>,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = match from {
        None => TcpStream::connect(addr)?,
        Some(from) => {
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
            let local: std::net::SocketAddr =
                format!("{from}:0").parse().map_err(std::io::Error::other)?;
            socket.bind(&local.into())?;
            let remote: std::net::SocketAddr = addr.parse().map_err(std::io::Error::other)?;
            socket.connect(&remote.into())?;
            TcpStream::from(socket)
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        addr,
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    Ok((status, head, String::from_utf8_lossy(&body).into_owned()))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serves_the_seed_data_from_an_on_disk_store_and_restarts_without_reloading() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("store");
    let location = location.to_str().unwrap();
    let count = |server: &Server| {
        let (status, head, body) = server.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }");
        assert_eq!(status, 200, "{body}");
        assert!(head.contains("content-type: application/sparql-results+json"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        json["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let first = {
        let server = Server::start(&["--location", location]);
        count(&server)
    };
    assert!(first > 100, "seed data loaded: {first}");
    let server = Server::start(&["--location", location]);
    assert_eq!(count(&server), first, "a restart loads nothing twice");
    drop(server);
    ponte_ok(&["check", "--location", location]);
}

#[test]
fn a_cross_join_under_a_2s_timeout_is_a_503_within_3s_and_the_server_goes_on() {
    let server = Server::start(&["--memory", "--query-timeout", "2"]);
    let started = Instant::now();
    let (status, head, body) =
        server.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }");
    let elapsed = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("content-type: application/problem+json"));
    assert!(
        elapsed < Duration::from_secs(3),
        "answered after {elapsed:?}"
    );
    let started = Instant::now();
    let (status, _, body) = server.query("ASK { ?s a ?t }");
    assert_eq!(status, 200);
    assert!(body.contains("true"));
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// The heavy queries anyone can send (no token): joins of three 1,000-value `VALUES`, sorted,
/// grouped, filtered.
fn heavy_queries() -> [String; 4] {
    let values = |name: &str, n: usize| {
        let items: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        format!("VALUES ?{name} {{ {} }}", items.join(" "))
    };
    let (a, b, c) = (values("a", 1000), values("b", 1000), values("c", 1000));
    [
        format!("SELECT (COUNT(*) AS ?n) WHERE {{ {a} {b} {c} }}"),
        format!("SELECT ?a ?b ?c WHERE {{ {a} {b} {c} }} ORDER BY DESC(?a) STR(?b) ?c LIMIT 1"),
        format!("SELECT ?a (SUM(?b * ?c) AS ?s) WHERE {{ {a} {b} {c} }} GROUP BY ?a"),
        format!("SELECT * WHERE {{ {a} {b} {c} FILTER(?a + ?b + ?c < 0) }}"),
    ]
}

/// A query that gathers more than its memory budget (a sort over a billion-row cross product)
/// is stopped with a 422 naming the budget, long before its time limit, and the server's peak
/// memory stays near the budget; the next query is answered as before.
#[test]
fn a_query_over_its_memory_budget_is_stopped_with_a_422() {
    let server = Server::start(&[
        "--memory",
        "--query-timeout",
        "60",
        "--max-query-memory",
        &(64 << 20).to_string(),
    ]);
    let before = server.peak_memory_mib();
    let sort = &heavy_queries()[1];
    let started = Instant::now();
    let (status, head, body) = server.post_query(sort);
    let elapsed = started.elapsed();
    let peak = server.peak_memory_mib();
    eprintln!(
        "sort over its 64 MiB budget: {status} after {elapsed:?}; peak RSS {before:.0} MiB \
         before, {peak:.0} MiB after"
    );
    assert_eq!(status, 422, "{body}");
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(
        body.contains("--max-query-memory") && body.contains("64 MiB"),
        "{body}"
    );
    assert!(
        elapsed < Duration::from_secs(20),
        "stopped after {elapsed:?}"
    );
    assert!(
        peak < before + 256.0,
        "peak RSS {peak:.0} MiB, {before:.0} MiB before the query"
    );
    let (status, _, body) = server.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }");
    assert_eq!(status, 200, "{body}");
}

/// One client runs two heavy queries, one in each long slot; a second client's heavy query
/// runs long too: the first client's younger query is stopped with a 429 saying why, and the
/// second client's query runs to its deadline like the first client's older one.
#[test]
fn a_second_clients_heavy_query_gets_a_long_slot_from_a_client_holding_both() {
    let server = std::sync::Arc::new(Server::start(&[
        "--memory",
        "--query-timeout",
        "3",
        "--max-concurrent-queries",
        "4",
        "--max-query-memory",
        &(16u64 << 30).to_string(),
    ]));
    let heavy = heavy_queries()[0].clone();
    let send = |from: &'static str, after: Duration| {
        let server = std::sync::Arc::clone(&server);
        let query = heavy.clone();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            let headers = [("Content-Type", "application/sparql-query")];
            let started = Instant::now();
            let (status, head, body) = request_from(
                Some(from),
                &server.addr,
                "POST",
                "/sparql",
                &headers,
                &query,
            )
            .unwrap();
            (status, head, body, started.elapsed())
        })
    };
    // The first client's two queries take both long slots (long after 250 ms)...
    let older = send("127.0.0.1", Duration::ZERO);
    let younger = send("127.0.0.1", Duration::from_millis(100));
    // ...then the second client's query runs long.
    let other = send("127.0.0.2", Duration::from_millis(800));
    let (status, head, body, elapsed) = younger.join().unwrap();
    assert_eq!(status, 429, "{body}");
    assert!(head.contains("retry-after: 3"), "{head}");
    assert!(body.contains("another client"), "{body}");
    assert!(
        elapsed < Duration::from_millis(2_000),
        "stopped after {elapsed:?}"
    );
    for (what, client) in [("older", older), ("other", other)] {
        let (status, _, body, elapsed) = client.join().unwrap();
        assert_eq!(status, 503, "{what}: {body}");
        assert!(elapsed < Duration::from_secs(4), "{what}: {elapsed:?}");
    }
}

/// Four heavy queries at once: half the slots may run long (to their 503 at the deadline),
/// the others are stopped with a 429 once they run long; every answer comes within the
/// deadline plus a second, and the server spends no CPU on them afterwards.
#[test]
fn heavy_queries_stop_at_their_503_or_429_and_leave_the_server_idle() {
    let server = Server::start(&[
        "--memory",
        "--query-timeout",
        "2",
        "--max-concurrent-queries",
        "4",
        // Time is what this test is about: the sort would pass the default memory budget
        // (a_query_over_its_memory_budget_is_stopped_with_a_422).
        "--max-query-memory",
        &(16u64 << 30).to_string(),
    ]);
    let server = std::sync::Arc::new(server);
    let started = Instant::now();
    let clients: Vec<_> = heavy_queries()
        .into_iter()
        .map(|query| {
            let server = std::sync::Arc::clone(&server);
            std::thread::spawn(move || {
                let (status, head, body) = server.post_query(&query);
                (status, head, body, started.elapsed())
            })
        })
        .collect();
    // While they run, the server goes on answering what needs no slot.
    std::thread::sleep(Duration::from_millis(100));
    let asked = Instant::now();
    assert!(server.running() > 0);
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "/health took {:?} beside four heavy queries",
        asked.elapsed()
    );
    let mut statuses = Vec::new();
    for client in clients {
        let (status, head, body, elapsed) = client.join().unwrap();
        eprintln!("heavy query: {status} after {elapsed:?}");
        assert!(status == 503 || status == 429, "{status} {body}");
        if status == 429 {
            assert!(
                head.to_ascii_lowercase().contains("retry-after: 2"),
                "{head}"
            );
            assert!(body.contains("long queries"), "{body}");
            assert!(elapsed < Duration::from_secs(1), "429 after {elapsed:?}");
        }
        assert!(
            elapsed < Duration::from_secs(3),
            "answered after {elapsed:?}"
        );
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [429, 429, 503, 503], "two long slots of four");
    // Within a second of the last answer every slot is free again and a cheap query is
    // answered.
    let answered = Instant::now();
    while server.running() > 0 {
        assert!(
            answered.elapsed() < Duration::from_secs(1),
            "evaluations still running {:?} after their 503",
            answered.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, _, body) = server.query("ASK { ?s a ?t }");
    assert_eq!(status, 200, "{body}");
    // And nothing runs in the background: the process is idle.
    let cpu = server.cpu_seconds();
    std::thread::sleep(Duration::from_secs(1));
    let spent = server.cpu_seconds() - cpu;
    assert!(spent < 0.3, "{spent} s of CPU in the second after the 503s");
}

/// Four clients sending heavy queries without a token, one after another, cannot starve a
/// cheap lookup: it never gets a 503 and its 99th percentile stays under 50 ms.
#[test]
fn heavy_clients_do_not_starve_a_cheap_lookup() {
    let server = std::sync::Arc::new(Server::start(&[
        "--memory",
        "--query-timeout",
        "2",
        "--max-concurrent-queries",
        "4",
    ]));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heavy: Vec<_> = heavy_queries()
        .into_iter()
        .map(|query| {
            let (server, stop) = (std::sync::Arc::clone(&server), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Acquire) {
                    statuses.push(server.post_query(&query).0);
                }
                statuses
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut latencies = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let asked = Instant::now();
        let (status, _, body) = server.query("SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 1");
        latencies.push(asked.elapsed());
        assert_eq!(status, 200, "the cheap lookup got {status}: {body}");
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    let mut heavy_statuses = Vec::new();
    for client in heavy {
        heavy_statuses.extend(client.join().unwrap());
    }
    assert!(
        heavy_statuses
            .iter()
            .all(|s| *s == 503 || *s == 429 || *s == 422),
        "{heavy_statuses:?}"
    );
    assert!(heavy_statuses.contains(&429), "{heavy_statuses:?}");
    latencies.sort_unstable();
    let p99 = latencies[latencies.len() * 99 / 100];
    eprintln!(
        "cheap lookup beside four heavy clients: {} lookups, p50 {:?}, p99 {p99:?}, max {:?}; \
         heavy answers: {} × 429, {} × 503",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        heavy_statuses.iter().filter(|s| **s == 429).count(),
        heavy_statuses.iter().filter(|s| **s == 503).count(),
    );
    assert!(
        p99 < Duration::from_millis(50),
        "cheap lookup p99 {p99:?} over {} lookups beside four heavy clients",
        latencies.len()
    );
}

/// Opens `n` connections to `server`, each having sent `prefix` (then nothing more).
fn stalled_connections(server: &Server, n: usize, prefix: &str) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut stream = TcpStream::connect(&server.addr).unwrap();
            stream.write_all(prefix.as_bytes()).unwrap();
            stream
        })
        .collect()
}

/// A cheap query answered within a second, with its time.
fn answered_quickly(server: &Server) -> Duration {
    let started = Instant::now();
    let (status, _, body) = server.query("ASK { ?s a ?t }");
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert!(
        elapsed < Duration::from_secs(1),
        "answered after {elapsed:?}"
    );
    elapsed
}

#[test]
fn idle_and_slow_header_connections_do_not_keep_a_new_client_waiting() {
    let server = Server::start(&["--memory"]);
    let idle = stalled_connections(&server, 1_000, "");
    let slow = stalled_connections(
        &server,
        1,
        "GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    );
    answered_quickly(&server);
    drop((idle, slow));
}

#[test]
fn half_sent_requests_beyond_the_connection_cap_do_not_keep_a_new_client_out() {
    let server = Server::start(&["--memory", "--max-connections", "500"]);
    // Four times the cap: the oldest are closed to make room for the newest.
    let stalled = stalled_connections(
        &server,
        2_000,
        "GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n",
    );
    answered_quickly(&server);
    // The cap held: the first stalled connections were closed by the server.
    let mut first = stalled.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut byte = [0_u8; 1];
    assert_eq!(
        std::io::Read::read(&mut first, &mut byte).unwrap_or(0),
        0,
        "the oldest half-sent request was closed"
    );
}

/// Reads the answer `stream` gets, which must be a 408 problem that comes `timeout` (give or
/// take half a second) from now, and then the end of the connection; answers the problem.
fn answered_408_after(stream: &mut std::net::TcpStream, timeout: Duration) -> serde_json::Value {
    stream.set_read_timeout(Some(timeout * 2)).unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    std::io::Read::read_to_string(stream, &mut answer).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= timeout - Duration::from_millis(500) && waited < timeout + Duration::from_secs(1),
        "{waited:?}"
    );
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 408 "), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    serde_json::from_str(body).unwrap()
}

/// A request whose head stops coming is answered 408 with a problem, then closed; hyper alone
/// closed it without a word.
#[test]
fn a_request_head_that_stops_coming_is_answered_408() {
    let server = Server::start(&["--memory"]);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    std::io::Write::write_all(&mut stream, b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let problem = answered_408_after(&mut stream, ponte_server::HEADER_READ_TIMEOUT);
    assert_eq!(problem["status"], 408, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("10 s"),
        "{problem}"
    );
}

/// A write that holds more than `--max-write-memory` is stopped with a 413 naming the budget,
/// and nothing of it is applied; a write within the budget goes in.
#[test]
fn a_write_over_its_memory_budget_is_413_and_applies_nothing() {
    let server = Server::start(&[
        "--memory",
        "--write-token",
        "t",
        "--max-write-memory",
        &(8u64 << 20).to_string(),
    ]);
    let turtle: String = (0..300_000)
        .map(|i| format!("<urn:test:s{i}> <urn:test:p> \"value {i}\" .\n"))
        .collect();
    let put = |graph: &str, body: &str| {
        let headers = [
            ("Content-Type", "text/turtle"),
            ("Authorization", "Bearer t"),
        ];
        server
            .request("PUT", &format!("/store?graph={graph}"), &headers, body)
            .unwrap()
    };
    let (status, head, body) = put("urn:test:big", &turtle);
    assert_eq!(status, 413, "{body}");
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(body.contains("--max-write-memory"), "{body}");
    let (status, _, answer) = server.query("ASK { GRAPH <urn:test:big> { ?s ?p ?o } }");
    assert_eq!(status, 200);
    assert!(answer.contains("false"), "{answer}");
    let (status, _, body) = put("urn:test:small", "<urn:test:s> <urn:test:p> \"small\" .");
    assert_eq!(status, 201, "{body}");
}

/// A connection idle past `--idle-timeout` (here 1 s) is closed: a new one that sends
/// nothing, and a keep-alive one after its answer; one in use is not, however long it lives.
#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout_and_a_busy_one_is_not() {
    use std::io::{Read, Write};
    let server = Server::start(&["--memory", "--idle-timeout", "1"]);
    let connect = || {
        let stream = std::net::TcpStream::connect(&server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    };
    let request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    // Reads one answer to `request` (its head, then a body of its content-length).
    let answer = |stream: &mut std::net::TcpStream| {
        let mut got = Vec::new();
        let mut byte = [0u8; 1];
        while !got.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed in an answer");
            got.push(byte[0]);
        }
        let head = String::from_utf8(got).unwrap().to_ascii_lowercase();
        let length: usize = head
            .split("content-length: ")
            .nth(1)
            .and_then(|rest| rest.split("\r\n").next()?.parse().ok())
            .unwrap();
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
        assert!(head.starts_with("http/1.1 200"), "{head}");
    };
    let closed_after = |stream: &mut std::net::TcpStream| {
        let started = Instant::now();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
        started.elapsed()
    };
    let mut silent = connect();
    let waited = closed_after(&mut silent);
    assert!(waited < Duration::from_millis(2_500), "{waited:?}");
    // In use every 400 ms for 2.4 s: kept open.
    let mut busy = connect();
    for _ in 0..6 {
        busy.write_all(request).unwrap();
        answer(&mut busy);
        std::thread::sleep(Duration::from_millis(400));
    }
    // Then idle: closed about a second after its last answer.
    let waited = closed_after(&mut busy);
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_millis(2_000),
        "{waited:?}"
    );
}

/// A body that stops coming is answered 408 as a problem once nothing of it came for
/// `BODY_GAP_TIMEOUT`, and the request is not applied: here a SPARQL update, so that the
/// store would show it.
#[test]
fn a_request_body_that_stops_coming_is_answered_408_and_applies_nothing() {
    let server = Server::start(&["--memory", "--write-token", "t"]);
    let update = "INSERT DATA { GRAPH <urn:test:slow> { <urn:a> <urn:b> <urn:c> } }";
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    let head = format!(
        "POST /sparql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\
         Content-Type: application/sparql-update\r\nContent-Length: {}\r\n\r\n",
        update.len()
    );
    std::io::Write::write_all(&mut stream, head.as_bytes()).unwrap();
    // All of the update but its last byte.
    std::io::Write::write_all(&mut stream, &update.as_bytes()[..update.len() - 1]).unwrap();
    let problem = answered_408_after(&mut stream, ponte_server::BODY_GAP_TIMEOUT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("stopped arriving"),
        "{problem}"
    );
    let (status, _, answer) = server.query("ASK { GRAPH <urn:test:slow> { ?s ?p ?o } }");
    assert_eq!(status, 200);
    assert!(answer.contains("false"), "{answer}");
}

/// What hyper answers by itself (a URI or headers too long, a request line that is not HTTP)
/// is a problem document too.
#[test]
fn errors_made_below_the_application_are_problems() {
    let server = Server::start(&["--memory"]);
    let long_uri = format!("/sparql?query={}", "a".repeat(70_000));
    let huge_header = "b".repeat(600_000);
    let huge = [("X-Huge", huge_header.as_str())];
    let cases = [
        (long_uri, &[][..], 414),
        ("/health".into(), &huge[..], 431),
        ("/health with spaces".into(), &[][..], 400),
    ];
    for (path, headers, expected) in cases {
        // The server closes with the rest of a too-large request unread, and the kernel may
        // then reset the connection before the client reads the answer: try again then.
        let (status, head, body) = (0..5)
            .find_map(|_| server.request("GET", &path, headers, "").ok())
            .expect("an answer in five tries");
        assert_eq!(status, expected, "{head}{body}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], expected);
    }
    answered_quickly(&server);
}

#[test]
fn a_client_that_disconnects_stops_its_evaluation() {
    let server = Server::start(&["--memory"]); // the default 30 s timeout is far away
    let query: String = form_urlencoded::byte_serialize(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }".as_bytes(),
    )
    .collect();
    let mut client = TcpStream::connect(&server.addr).unwrap();
    write!(
        client,
        "GET /sparql?query={query} HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    let started = Instant::now();
    while server.running() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the heavy query never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.running(), 1, "the heavy query is being evaluated");
    drop(client);
    server.wait_until_idle("evaluation still running after the client left");
}

#[test]
fn ten_thousand_nested_braces_are_a_400_and_the_process_answers_the_next_request() {
    let server = Server::start(&["--memory"]);
    for (open, close) in [("{", "}"), ("{ OPTIONAL {", "}}"), ("{ {} UNION {", "}}")] {
        let query = format!(
            "SELECT * WHERE {}{}",
            open.repeat(10_000),
            close.repeat(10_000)
        );
        let (status, head, body) = server.post_query(&query);
        assert_eq!(status, 400, "{body}");
        assert!(head.contains("application/problem+json"));
    }
    let (status, _, _) = server.query("ASK { ?s ?p ?o }");
    assert_eq!(status, 200);
}

/// Chains just under the structure budget are long but flat in the text and deep in oxigraph's
/// trees: each must be answered, refused or stopped at the deadline, without bringing the
/// process down, and a stopped evaluation must really stop.
#[test]
fn the_longest_accepted_chains_do_not_overflow_the_stack() {
    let server = Server::start(&["--memory", "--query-timeout", "2"]);
    let n = 4_900;
    let queries = [
        format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; n].join(" UNION ")),
        format!("ASK {{ ?s ?p ?o {} }}", "OPTIONAL { ?s ?p ?o } ".repeat(n)),
        format!("ASK {{ {} }}", "{ ?s ?p ?o } ".repeat(2 * n)),
        format!("ASK {{ FILTER({}) }}", vec!["1"; 2 * n].join(" + ")),
        format!("ASK {{ FILTER({}) }}", vec!["true"; n].join(" || ")),
        format!("ASK {{ ?s {} ?o }}", vec!["<urn:p>"; 2 * n].join("/")),
    ];
    for query in queries {
        let (status, _, body) = server.post_query(&query);
        assert!(matches!(status, 200 | 400 | 503), "{status}: {body}");
    }
    let (status, _, _) = server.query("ASK { ?s ?p ?o }");
    assert_eq!(status, 200, "the process survived");
    server.wait_until_idle("stopped evaluations still running");
}

#[test]
fn kill_9_during_a_bulk_load_leaves_none_or_all_of_the_file() {
    const TRIPLES: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("million.nt");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        for i in 0..TRIPLES {
            writeln!(
                out,
                "<http://example.com/s{i}> <http://example.com/p{}> \"value {i}\" .",
                i % 17
            )
            .unwrap();
        }
    }
    let count_in = |location: &Path| -> u64 {
        if !location.exists() {
            return 0; // killed before it even created the store
        }
        ponte_ok(&[
            "query",
            "--location",
            location.to_str().unwrap(),
            "--format",
            "csv",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:million> { ?s ?p ?o } }",
        ])
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
    };
    let load = |location: &Path| {
        Command::new(BIN)
            .args([
                "load",
                "--location",
                location.to_str().unwrap(),
                "--graph",
                "urn:million",
                // What is under test is the bulk loader's atomicity, not the SHACL pass before it.
                "--skip-validation",
            ])
            .arg(&file)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A full load, to know how long one takes.
    let full = dir.path().join("full");
    let started = Instant::now();
    assert!(load(&full).wait().unwrap().success());
    let duration = started.elapsed();
    assert_eq!(count_in(&full), TRIPLES);
    // Kills spread over the load, including near its end (the SST ingestion).
    for fraction in [0.1, 0.4, 0.7, 0.9, 0.98] {
        let location = dir.path().join(format!("killed-{fraction}"));
        let mut child = load(&location);
        std::thread::sleep(duration.mul_f64(fraction));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let count = count_in(&location);
        assert!(
            count == 0 || count == TRIPLES,
            "killed at {fraction}: {count} triples"
        );
    }
}

/// The lines of an N-Quads dump with blank-node labels masked, sorted: equal for two
/// isomorphic dumps whose blank nodes each carry distinguishable facts (as the seed's do).
fn masked_dump(location: &str) -> Vec<String> {
    let out = ponte_ok(&["dump", "--location", location, "--format", "nquads"]);
    let mut lines: Vec<String> = out
        .lines()
        .map(|line| {
            line.split(' ')
                .map(|term| if term.starts_with("_:") { "_:b" } else { term })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_dump_restores_a_new_store_as_it_was_and_is_refused_by_a_store_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let source = source.to_str().unwrap();
    let data = dir.path().join("data.ttl");
    std::fs::write(&data, "<urn:a> <urn:p> [ <urn:q> \"blank\" ] .\n").unwrap();
    let loaded = ["load", "--location", source, "--graph", "urn:test:loaded"];
    ponte_ok(&[&loaded[..], &[data.to_str().unwrap()]].concat());
    let dump = dir.path().join("dump.nq");
    std::fs::write(
        &dump,
        ponte_ok(&["dump", "--location", source, "--format", "nquads"]),
    )
    .unwrap();
    let before = masked_dump(source);
    assert!(before.iter().filter(|l| l.contains("_:b")).count() > 400);
    // Into a new store: the same quads, no blank-node fact twice, and it checks clean.
    let restored = dir.path().join("restored");
    let restored = restored.to_str().unwrap();
    ponte_ok(&["load", "--location", restored, dump.to_str().unwrap()]);
    assert_eq!(masked_dump(restored), before);
    let out = ponte_ok(&["check", "--location", restored]);
    assert!(out.contains("conforms to the SHACL shapes"), "{out}");
    // Graph by graph isomorphic: each graph, its blank nodes relabelled by the load, has the
    // canonical hash the source recorded.
    let matching = out
        .lines()
        .find(|l| l.contains("match the content hash"))
        .and_then(|l| l.split(' ').next()?.parse::<usize>().ok());
    // The seed graphs and the bulk-loaded one, whose hash `load` recorded in the source.
    assert_eq!(matching, Some(ponte_store::SEED_FILES.len() + 1), "{out}");
    assert!(!out.contains("no recorded hash"), "{out}");
    // Into a store with data: refused, nothing changes.
    let run = ponte(&["load", "--location", source, dump.to_str().unwrap()]);
    assert!(!run.ok);
    assert!(run.err.contains("new --location"), "{}", run.err);
    assert_eq!(masked_dump(source), before);
}

#[test]
fn cli_query_dump_and_check_work_on_a_loaded_store() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("store");
    let data = dir.path().join("data.ttl");
    std::fs::write(&data, "<urn:a> <urn:p> \"x\" .\n").unwrap();
    let run = |args: &[&str]| {
        let Run { ok, out, err } = ponte(args);
        (ok, out, err)
    };
    let loc = location.to_str().unwrap();
    let (ok, _, err) = run(&["load", "--location", loc, data.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&[
        "query",
        "--location",
        loc,
        "SELECT ?o WHERE { <urn:a> <urn:p> ?o }",
        "--format",
        "tsv",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "?o\n\"x\"\n");
    let (ok, out, _) = run(&["dump", "--location", loc, "--format", "nquads"]);
    assert!(ok);
    assert!(out.lines().any(|l| l == "<urn:a> <urn:p> \"x\" ."), "{out}");
    // `load` seeded the store (the shapes need the ontology): it checks clean.
    let (ok, out, err) = run(&["check", "--location", loc]);
    assert!(ok, "{err}");
    assert!(out.contains("conforms to the SHACL shapes"), "{out}");
    // A load that breaks the shapes is refused, naming node, property and shape; nothing lands.
    let unnamed = dir.path().join("unnamed.ttl");
    std::fs::write(
        &unnamed,
        "<https://w3id.org/ponte/id/acme> a <https://w3id.org/ponte/ontology#Company> .\n",
    )
    .unwrap();
    let (ok, _, err) = run(&["load", "--location", loc, unnamed.to_str().unwrap()]);
    assert!(!ok, "{err}");
    for words in [
        "https://w3id.org/ponte/id/acme",
        "http://www.w3.org/2000/01/rdf-schema#label",
        "Missing name",
        "shapes#label",
    ] {
        assert!(err.contains(words), "no {words:?} in {err}");
    }
    let (_, out, _) = run(&[
        "query",
        "--location",
        loc,
        "ASK { <https://w3id.org/ponte/id/acme> ?p ?o }",
    ]);
    assert!(out.contains("false"), "{out}");
    // Loaded without validation, the same data is what `check` reports.
    let (ok, _, err) = run(&[
        "load",
        "--location",
        loc,
        "--skip-validation",
        unnamed.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&["check", "--location", loc]);
    // The name and the place are both missing.
    assert!(!ok && err.contains("2 SHACL violation"), "{out}{err}");
    assert!(
        out.contains("violation: <https://w3id.org/ponte/id/acme>"),
        "{out}"
    );
    let bad = dir.path().join("bad.ttl");
    std::fs::write(&bad, "<urn:b> <urn:p> \"y\" .\n<urn:b> <urn:p> .\n").unwrap();
    let (ok, _, err) = run(&["load", "--location", loc, bad.to_str().unwrap()]);
    assert!(!ok && err.contains("line 2"), "{err}");
    let (_, out, _) = run(&["query", "--location", loc, "ASK { <urn:b> ?p ?o }"]);
    assert!(out.contains("false"), "{out}");
}

#[test]
fn ror_import_is_atomic_idempotent_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("store");
    let loc = location.to_str().unwrap();
    let good = [
        r#"{"id":"https://ror.org/05apxxy63","names":[{"value":"KAIST","lang":null,"types":["acronym"]},{"value":"Korea Advanced Institute of Science and Technology","lang":"en","types":["ror_display","label"]}],"types":["education"],"status":"active","established":1971,"locations":[{"geonames_id":1835235,"geonames_details":{"name":"Daejeon","country_code":"KR"}}],"relationships":[{"id":"https://ror.org/047dqcg40","type":"related"}],"external_ids":[],"links":[]}"#,
        r#"{"id":"https://ror.org/047dqcg40","names":[{"value":"Korea University","lang":"en","types":["ror_display","label"]}],"types":["education"],"status":"active","locations":[{"geonames_id":1835848,"geonames_details":{"name":"Seoul","country_code":"KR"}}],"relationships":[],"external_ids":[],"links":[]}"#,
    ];
    // Line 4 has no location: ROR v2 requires one, and so does Ponte (every organisation
    // has a place), so it is a bad line like line 3.
    let placeless = r#"{"id":"https://ror.org/00aaaaa00","names":[{"value":"Nowhere Institute","lang":"en","types":["ror_display","label"]}],"types":["education"],"status":"active","locations":[],"relationships":[],"external_ids":[],"links":[]}"#;
    let file = dir.path().join("ror.jsonl");
    std::fs::write(
        &file,
        format!("{}\n{}\n{{\"id\": 3\n{placeless}\n", good[0], good[1]),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let import = |extra: &[&str]| {
        let args = ["import", "ror", "--location", loc, "--log-format", "json"];
        ponte(&[&args[..], extra, &[file]].concat())
    };
    let refused = import(&[]);
    assert!(!refused.ok);
    assert!(refused.err.contains("ror.jsonl:3:"), "{}", refused.err);
    assert!(!location.exists(), "a refused import creates nothing");

    let count = || {
        ponte_ok(&[
            "query",
            "--location",
            loc,
            "--format",
            "tsv",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/ponte/graph/ror> { ?s ?p ?o } }",
        ])
    };
    let first = import(&["--on-error", "skip"]);
    assert!(first.ok, "{}", first.err);
    assert!(
        first.err.contains("ror.jsonl:4:") && first.err.contains("no location"),
        "{}",
        first.err
    );
    let after_first = count();
    assert!(!after_first.contains("\n0"), "{after_first}");
    let second = import(&["--on-error", "skip"]);
    assert!(second.err.contains("\"changed\":false"));
    assert_eq!(count(), after_first, "a second run changes nothing");
}

/// The real ROR subset of the repository's fixtures (`PONTE_ROR_DUMP` overrides).
fn shared_ror_dump() -> PathBuf {
    std::env::var_os("PONTE_ROR_DUMP").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/ror-v2-subset.jsonl.gz")
        },
        PathBuf::from,
    )
}

#[test]
fn the_seed_data_and_the_real_ror_subset_pass_the_shapes_in_ponte_check() {
    let dump = shared_ror_dump();
    assert!(
        dump.exists(),
        "the ROR fixture is missing: {}",
        dump.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let loc = dir.path().join("store");
    let loc = loc.to_str().unwrap();
    // The import is validated on the way in (it would be refused otherwise)...
    let import = ponte(&[
        "import",
        "ror",
        "--location",
        loc,
        "--log-format",
        "json",
        dump.to_str().unwrap(),
    ]);
    assert!(import.ok, "{}", import.err);
    assert!(import.err.contains("\"changed\":true"), "{}", import.err);
    // ...and `check` validates every node of the store: ontology, seed data and ROR.
    let out = ponte_ok(&["check", "--location", loc]);
    assert!(
        out.contains("the data conforms to the SHACL shapes"),
        "{out}"
    );
    assert!(!out.contains("violation"), "{out}");

    // On the real ROR links (related, parent, child), hidden at random, the matcher finds the
    // hidden partner more often and higher than every baseline.
    assert_matcher_wins(&ponte_ok(&["eval", "--location", loc, "--seed", "1"]));
}

/// The hits@10 and MRR of the row `name` of an evaluation's Markdown table.
fn eval_row(table: &str, name: &str) -> (f64, f64) {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("| {name} |")))
        .unwrap_or_else(|| panic!("no {name} in {table}"));
    let cells: Vec<f64> = line
        .split('|')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    (cells[cells.len() - 2], cells[cells.len() - 1])
}

/// Every baseline `ponte eval` measures beside the matcher.
const BASELINES: [&str; 7] = [
    "random",
    "most connected",
    "Jaccard",
    "Adamic-Adar alone",
    "personalized PageRank alone",
    "content similarity alone",
    "same place, most connected",
];

/// Reads `ponte eval`'s table and checks that the matcher beats each baseline on both measures.
fn assert_matcher_wins(table: &str) {
    let row = |name: &str| eval_row(table, name);
    let matcher = row("Ponte matcher");
    assert!(matcher.0 > 0.1, "{table}");
    for baseline in BASELINES {
        let other = row(baseline);
        assert!(
            matcher.0 > other.0 && matcher.1 > other.1,
            "{baseline}: {table}"
        );
    }
}

#[test]
fn ponte_eval_beats_the_baselines_on_a_generated_ecosystem() {
    assert_matcher_wins(&ponte_ok(&["eval", "--generated", "3000", "--seed", "1"]));
    // The generator is deterministic: the same seed writes the same triples.
    let generate = |seed: &str| ponte_ok(&["generate", "--actors", "500", "--seed", seed]);
    let first = generate("3");
    assert!(first.len() > 10_000);
    assert_eq!(first, generate("3"));
    assert_ne!(first, generate("4"));
}

#[test]
fn weights_learned_on_other_partnerships_beat_every_baseline_on_a_generated_ecosystem() {
    // Weights fitted on the partnerships hidden with seed 2 beat every baseline on those
    // hidden with seed 1, which the fit never saw.
    let args = ["eval", "--generated", "1000", "--seed", "1"];
    let baselines = ponte_ok(&args);
    let fitted = eval_row(&ponte_ok(&[&args[..], &["--fit"]].concat()), "fitted");
    for baseline in BASELINES {
        let other = eval_row(&baselines, baseline);
        assert!(
            fitted.0 > other.0 && fitted.1 > other.1,
            "{baseline} {other:?} against fitted {fitted:?}: {baselines}"
        );
    }
}

/// A store in `dir` made by `ponte load` of one triple: created and seeded.
fn seeded_store(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let location = dir.path().join("store");
    let data = dir.path().join("data.ttl");
    std::fs::write(&data, "<urn:a> <urn:p> \"x\" .\n").unwrap();
    let loc = location.to_str().unwrap();
    ponte_ok(&["load", "--location", loc, data.to_str().unwrap()]);
    location
}

#[test]
fn ponte_match_on_the_command_line_gives_the_answer_of_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let location = seeded_store(&dir);
    let loc = location.to_str().unwrap();
    let args = [
        "match",
        "--location",
        loc,
        "holostem",
        "--country",
        "IT",
        "--limit",
        "5",
    ];
    let cli: serde_json::Value = serde_json::from_str(&ponte_ok(&args)).unwrap();
    let items = cli["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{cli}");
    let server = Server::start(&["--location", loc]);
    let (status, _, body) = server
        .request(
            "GET",
            "/api/match?actor=holostem&country=IT&limit=5",
            &[],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api["items"], cli["items"]);
    // A mistake is an error on the command line too.
    let mistake = ponte(&["match", "--location", loc, "no-such-actor"]);
    assert!(!mistake.ok);
    assert!(mistake.err.contains("no-such-actor"), "{}", mistake.err);
}

#[test]
fn every_request_is_logged_at_info_with_its_request_id() {
    let server = Server::start(&["--memory"]);
    let (status, head, _) = server
        .request(
            "GET",
            "/api/actors?kind=NoSuchKind",
            &[("X-Request-Id", "req-7f3a9")],
            "",
        )
        .unwrap();
    assert_eq!(status, 400);
    assert!(head.contains("x-request-id: req-7f3a9"), "{head}");
    // The access log line comes when the response is done: poll for it.
    let started = Instant::now();
    let lines = loop {
        let lines = server.log_lines_with("req-7f3a9");
        if !lines.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let line: serde_json::Value = serde_json::from_str(lines.first().expect("a log line")).unwrap();
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["fields"]["request_id"], "req-7f3a9", "{line}");
    assert_eq!(line["fields"]["status"], 400, "{line}");
    assert_eq!(line["fields"]["method"], "GET", "{line}");
    assert_eq!(line["fields"]["path"], "/api/actors", "{line}");
    assert!(
        line["fields"]["latency_ms"].as_f64().unwrap() >= 0.0,
        "{line}"
    );
    // The server said where each entry point is.
    assert!(!server.log_lines_with("/api/openapi.json").is_empty());
}

#[test]
fn the_help_describes_every_face_and_text_logs_carry_no_colour_in_a_pipe() {
    let help = ponte_ok(&["--help"]);
    for face in [
        "/sparql",
        "/store",
        "/api/",
        "openapi.json",
        "match",
        "import",
    ] {
        assert!(
            help.contains(face),
            "{face} missing from ponte --help:\n{help}"
        );
    }
    let serve = ponte_ok(&["serve", "--help"]);
    for flag in [
        "--write-token",
        "--query-timeout",
        "--public-url",
        "/api/",
        "web pages",
    ] {
        assert!(
            serve.contains(flag),
            "{flag} missing from ponte serve --help:\n{serve}"
        );
    }
    // A text log written into a pipe is plain text.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.ttl");
    std::fs::write(&data, "<urn:a> <urn:p> \"x\" .\n").unwrap();
    let location = dir.path().join("store");
    let output = Command::new(BIN)
        .args(["--log-format", "text", "load", "--location"])
        .arg(&location)
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("INFO") && stderr.contains("loaded"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a pipe: {stderr:?}"
    );
}

#[test]
fn fitted_weights_are_written_by_eval_and_read_by_match_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let fitted = dir.path().join("fitted.json");
    let out = ponte_ok(&[
        "eval",
        "--generated",
        "600",
        "--seed",
        "3",
        "--queries",
        "100",
        "--fit",
        "--write-weights",
        fitted.to_str().unwrap(),
    ]);
    assert!(
        out.contains("| fitted |") && out.contains("| default |"),
        "{out}"
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fitted).unwrap()).unwrap();
    assert!(written["adamic_adar"].as_f64().is_some(), "{written}");
    // The written weights can be measured again, beside every baseline.
    let measured = ponte_ok(&[
        "eval",
        "--generated",
        "600",
        "--seed",
        "3",
        "--queries",
        "100",
        "--weights",
        fitted.to_str().unwrap(),
    ]);
    for method in [
        "| Ponte matcher |",
        "| content similarity alone |",
        "| Jaccard |",
    ] {
        assert!(measured.contains(method), "{measured}");
    }

    // Weights that keep only shared topics: every other part of every suggestion is 0.
    let topics_only = dir.path().join("topics.json");
    std::fs::write(
        &topics_only,
        r#"{"topics": 1, "projects": 0, "activities": 0, "actors": 0,
            "adamic_adar": 0, "pagerank": 0, "complement": 0, "content": 0,
            "place": 0}"#,
    )
    .unwrap();
    let location = dir.path().join("store");
    let loc = location.to_str().unwrap();
    let data = dir.path().join("data.ttl");
    std::fs::write(&data, "<urn:a> <urn:p> \"x\" .\n").unwrap();
    ponte_ok(&["load", "--location", loc, data.to_str().unwrap()]);
    let args = ["match", "--location", loc, "holostem", "--limit", "5"];
    let weights = ["--weights", topics_only.to_str().unwrap()];
    let answer: serde_json::Value =
        serde_json::from_str(&ponte_ok(&[&args[..], &weights[..]].concat())).unwrap();
    let items = answer["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{answer}");
    for item in items {
        for (part, value) in item["scoreParts"].as_object().unwrap() {
            if part != "sharedTopics" {
                assert_eq!(value.as_f64(), Some(0.0), "{part} in {item}");
            }
        }
    }
    // The server reads the fitted file and answers with it.
    let server = Server::start(&["--location", loc, "--weights", fitted.to_str().unwrap()]);
    let (status, _, body) = server
        .request("GET", "/api/match?actor=holostem&limit=3", &[], "")
        .unwrap();
    assert_eq!(status, 200, "{body}");
    drop(server);
    // A file naming no part of the score is refused before anything starts, naming it.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"charm": 1}"#).unwrap();
    let refused = ponte(&["serve", "--memory", "--weights", bad.to_str().unwrap()]);
    assert!(
        !refused.ok && refused.err.contains("charm"),
        "{}",
        refused.err
    );
}

#[test]
fn ponte_plan_answers_as_the_api_does() {
    let dir = tempfile::tempdir().unwrap();
    let location = seeded_store(&dir);
    let loc = location.to_str().unwrap();
    let parse = |text: &str| -> serde_json::Value { serde_json::from_str(text).unwrap() };
    let plan = parse(&ponte_ok(&[
        "plan",
        "--location",
        loc,
        "--to",
        "KR",
        "--topic",
        "sector-big-data-ai-hpc",
        "--topic",
        "health-life-sciences",
        "--limit",
        "5",
    ]));
    let follow_up = parse(&ponte_ok(&[
        "plan",
        "--location",
        loc,
        "--mission",
        "mission-usa-2022",
    ]));
    assert_eq!(plan["@context"], "https://w3id.org/ponte/context.jsonld");
    assert!(!plan["invite"].as_array().unwrap().is_empty(), "{plan}");
    let server = Server::start(&["--location", loc]);
    let body =
        r#"{"to": "KR", "topics": ["sector-big-data-ai-hpc", "health-life-sciences"], "limit": 5}"#;
    let (status, _, answer) = server
        .request(
            "POST",
            "/api/plan",
            &[("Content-Type", "application/json")],
            body,
        )
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    let answer = parse(&answer);
    for key in ["invite", "meetings", "introducers", "gapsClosed"] {
        assert_eq!(answer[key], plan[key], "{key}");
    }
    let (status, _, answer) = server
        .request("GET", "/api/plan?mission=mission-usa-2022", &[], "")
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(parse(&answer)["meetings"], follow_up["meetings"]);
    // Without an ecosystem or a mission, the command says what it needs.
    let refused = ponte(&["plan", "--location", loc]);
    assert!(
        !refused.ok && refused.err.contains("--to"),
        "{}",
        refused.err
    );
}

/// `kill -9` of the server under a write load of mixed HTTP writes (SPARQL updates, Graph
/// Store `PUT`s and `POST`s, from three clients): every write acknowledged before the kill is
/// in the store after it, and `ponte check` passes, at five kill points in each of three runs
/// over the same store.
#[test]
fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("store");
    let location = location.to_str().unwrap().to_owned();
    let auth = ("Authorization", "Bearer kill-token");
    let mut acknowledged = std::collections::BTreeSet::new();
    for run in 0..3_u64 {
        for point in 0..5_u64 {
            let mut server =
                Server::start(&["--location", &location, "--write-token", "kill-token"]);
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let writers: Vec<_> = (0..3_u64)
                .map(|kind| {
                    let (addr, stop) = (server.addr.clone(), Arc::clone(&stop));
                    std::thread::spawn(move || {
                        let mut done = Vec::new();
                        for n in 0.. {
                            if stop.load(std::sync::atomic::Ordering::Acquire) {
                                break;
                            }
                            let id = format!("r{run}p{point}k{kind}n{n}");
                            let triple = format!("<urn:kill:{id}> <urn:kill:p> \"{id}\" .");
                            let answer = match kind {
                                0 => request_to(
                                    &addr,
                                    "POST",
                                    "/sparql",
                                    &[auth, ("Content-Type", "application/sparql-update")],
                                    &format!(
                                        "INSERT DATA {{ GRAPH <urn:kill:updates> {{ {triple} }} }}"
                                    ),
                                ),
                                1 => request_to(
                                    &addr,
                                    "PUT",
                                    &format!("/store?graph=urn:kill:put:{id}"),
                                    &[auth, ("Content-Type", "text/turtle")],
                                    &triple,
                                ),
                                _ => request_to(
                                    &addr,
                                    "POST",
                                    "/store?graph=urn:kill:posts",
                                    &[auth, ("Content-Type", "text/turtle")],
                                    &triple,
                                ),
                            };
                            match answer {
                                Ok((status, _, _)) if (200..300).contains(&status) => done.push(id),
                                Ok((0, _, _)) | Err(_) => break, // the server is gone
                                Ok((status, _, body)) => panic!("{id}: {status} {body}"),
                            }
                        }
                        done
                    })
                })
                .collect();
            // Kill points spread over the first second of writing, different in every run.
            std::thread::sleep(Duration::from_millis(150 + 170 * point + 37 * run));
            // `Child::kill` is SIGKILL on Unix; waiting makes sure the process is gone (and
            // its lock on the store released) before the store is read.
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            stop.store(true, std::sync::atomic::Ordering::Release);
            let mut written = 0;
            for writer in writers {
                let done = writer.join().unwrap();
                written += done.len();
                acknowledged.extend(done);
            }
            drop(server);
            assert!(
                written > 0,
                "no write was acknowledged before kill point {point}"
            );
            // Every acknowledged write is there, and the store is whole.
            let present: std::collections::BTreeSet<String> = ponte_ok(&[
                "query",
                "--location",
                &location,
                "--format",
                "csv",
                "SELECT ?id WHERE { GRAPH ?g { ?s <urn:kill:p> ?id } }",
            ])
            .lines()
            .skip(1)
            .map(|line| line.trim().to_owned())
            .collect();
            let lost: Vec<_> = acknowledged.difference(&present).collect();
            assert!(
                lost.is_empty(),
                "run {run}, kill point {point}: {} acknowledged writes lost: {lost:?}",
                lost.len()
            );
            let check = ponte(&["check", "--location", &location]);
            assert!(
                check.ok,
                "ponte check after kill point {point}: {}",
                check.err
            );
        }
    }
    eprintln!(
        "{} acknowledged writes over 15 kills, none lost",
        acknowledged.len()
    );
}

/// An online backup taken over HTTP while clients write holds every write acknowledged
/// before it was asked for; `ponte restore` verifies it against its manifest into a new
/// location, and `ponte check` passes there.
#[test]
fn an_online_backup_during_writes_restores_verified() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("store");
    let backups = dir.path().join("backups");
    let server = Arc::new(Server::start(&[
        "--location",
        location.to_str().unwrap(),
        "--write-token",
        "backup-token",
        "--backup-dir",
        backups.to_str().unwrap(),
    ]));
    let auth = ("Authorization", "Bearer backup-token");
    // Without the token, and on a server without --backup-dir, there is no backup.
    let (status, head, _) = server.request("POST", "/backups", &[], "").unwrap();
    assert_eq!(status, 401);
    assert!(head.contains("application/problem+json"));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (server, acknowledged, stop) = (
            Arc::clone(&server),
            Arc::clone(&acknowledged),
            Arc::clone(&stop),
        );
        std::thread::spawn(move || {
            for n in 0.. {
                if stop.load(std::sync::atomic::Ordering::Acquire) {
                    break;
                }
                let (status, _, body) = server
                    .request(
                        "POST",
                        "/store?graph=urn:backup:writes",
                        &[auth, ("Content-Type", "text/turtle")],
                        &format!("<urn:backup:w{n}> <urn:backup:p> \"w{n}\" ."),
                    )
                    .unwrap();
                assert!((200..300).contains(&status), "{status} {body}");
                acknowledged.lock().unwrap().push(format!("w{n}"));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let (status, head, body) = server.request("POST", "/backups", &[auth], "").unwrap();
    assert_eq!(status, 201, "{head} {body}");
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, std::sync::atomic::Ordering::Release);
    writer.join().unwrap();
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let name = answer["backup"].as_str().unwrap();
    assert!(answer["quads"].as_u64().unwrap() > 4_000, "{answer}");
    drop(server);

    let restored = dir.path().join("restored");
    let restore = ponte(&[
        "restore",
        backups.join(name).to_str().unwrap(),
        "--location",
        restored.to_str().unwrap(),
    ]);
    assert!(restore.ok, "{}", restore.err);
    assert!(
        restore.out.contains("matches the backup's manifest"),
        "{}",
        restore.out
    );
    let present: std::collections::BTreeSet<String> = ponte_ok(&[
        "query",
        "--location",
        restored.to_str().unwrap(),
        "--format",
        "csv",
        "SELECT ?w WHERE { GRAPH <urn:backup:writes> { ?s <urn:backup:p> ?w } }",
    ])
    .lines()
    .skip(1)
    .map(|line| line.trim().to_owned())
    .collect();
    assert!(!before.is_empty());
    for write in &before {
        assert!(
            present.contains(write),
            "{write} was acknowledged before the backup"
        );
    }
    let check = ponte(&["check", "--location", restored.to_str().unwrap()]);
    assert!(check.ok, "{}", check.err);
    // Restoring over a store with data is refused.
    let again = ponte(&[
        "restore",
        backups.join(name).to_str().unwrap(),
        "--location",
        restored.to_str().unwrap(),
    ]);
    assert!(!again.ok);
    assert!(again.err.contains("not empty"), "{}", again.err);
}

/// A tmpfs mounted for a test, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` under `dir`, or says why it cannot (it needs root).
    fn mount(dir: &Path, megabytes: u32) -> Result<Self, String> {
        let path = dir.join("disk");
        std::fs::create_dir_all(&path).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(Self { path })
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// When the store's disk fills, writes are answered 507 and change nothing, reads go on, the
/// server stays up; once space is freed it takes writes again without a restart, and
/// `ponte check` passes. Needs root to mount a small tmpfs; says so and passes otherwise.
#[test]
fn a_full_disk_answers_507_keeps_reading_and_writes_again_once_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let disk = match SmallDisk::mount(dir.path(), 320) {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: cannot mount a small tmpfs for the full-disk test ({why})");
            return;
        }
    };
    let location = disk.path.join("store");
    let server = Server::start(&[
        "--location",
        location.to_str().unwrap(),
        "--write-token",
        "disk-token",
    ]);
    let auth = ("Authorization", "Bearer disk-token");
    let count = || {
        let (status, _, body) =
            server.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }");
        assert_eq!(status, 200, "reads go on: {body}");
        body
    };
    // Fill the disk but for a few megabytes, with a file that can be removed later.
    let filler = disk.path.join("filler");
    {
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![7_u8; 1 << 20];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
    }
    // Shrink the filler so that a few megabytes are free: the first writes succeed.
    let filled = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(filled - (6 << 20))
        .unwrap();
    let graph = |n: usize| {
        (0..4_000)
            .map(|i| {
                format!(
                    "<urn:disk:s{n}x{i}> <urn:disk:p> \"{}{i}\" .\n",
                    "v".repeat(200)
                )
            })
            .collect::<String>()
    };
    let mut full = None;
    for n in 0..200 {
        let (status, head, body) = server
            .request(
                "PUT",
                &format!("/store?graph=urn:disk:g{n}"),
                &[auth, ("Content-Type", "text/turtle")],
                &graph(n),
            )
            .unwrap();
        if status != 201 {
            full = Some((n, status, head, body));
            break;
        }
    }
    let (refused, status, head, body) = full.expect("the disk never filled");
    assert_eq!(status, 507, "{body}");
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(body.contains("disk is full"), "{body}");
    let before = count();
    // Still full: still refused, nothing applied, still readable.
    let (status, _, _) = server
        .request(
            "PUT",
            "/store?graph=urn:disk:small",
            &[auth, ("Content-Type", "text/turtle")],
            "<urn:disk:a> <urn:disk:p> \"small\" .",
        )
        .unwrap();
    assert_eq!(status, 507);
    assert_eq!(count(), before, "a refused write changed nothing");
    // Space freed: within RocksDB's recovery poll, writes are taken again.
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    loop {
        let (status, _, body) = server
            .request(
                "PUT",
                &format!("/store?graph=urn:disk:g{refused}"),
                &[auth, ("Content-Type", "text/turtle")],
                &graph(refused),
            )
            .unwrap();
        if status == 201 {
            break;
        }
        assert_eq!(status, 507, "{body}");
        assert!(
            freed.elapsed() < Duration::from_secs(30),
            "writes still refused {:?} after space was freed",
            freed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "disk full after {refused} graphs: 507; writes taken again {:?} after space was freed",
        freed.elapsed()
    );
    drop(server);
    let check = ponte(&["check", "--location", location.to_str().unwrap()]);
    assert!(check.ok, "{}", check.err);
    drop(disk);
}
