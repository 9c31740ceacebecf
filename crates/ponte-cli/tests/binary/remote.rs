//! Ponte processes over one real Virtuoso (`ponte serve --store sparql:…`): writes, refusals,
//! the Graph Store, search and suggestions, seen by the other process within the poll delay;
//! concurrent conditional writes to one entity lose no update.

use super::{Server, request_to};
use ponte_remote::virtuoso::TestServer;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TOKEN: &str = "remote-secret";
const CONTEXT: &str = "https://w3id.org/ponte/context.jsonld";
/// How long the other process may take to see a write: a poll (0.2 s here, 0.5 s by default)
/// and reading the changed graphs, with room for a loaded test machine.
const VISIBLE_WITHIN: Duration = Duration::from_secs(10);

fn start_pair(virtuoso: &TestServer) -> (Server, Server) {
    let store = virtuoso.store_argument();
    let args = [
        "--store",
        store.as_str(),
        "--write-token",
        TOKEN,
        "--remote-poll",
        "0.2",
    ];
    let one = Server::start(&args);
    let two = Server::start(&args);
    (one, two)
}

fn write(
    server: &Server,
    method: &str,
    path: &str,
    body: &Value,
    tag: Option<&str>,
) -> (u16, String, String) {
    let auth = format!("Bearer {TOKEN}");
    let mut headers = vec![
        ("Content-Type", "application/ld+json"),
        ("Authorization", auth.as_str()),
    ];
    if let Some(tag) = tag {
        headers.push(("If-Match", tag));
    }
    server
        .request(method, path, &headers, &body.to_string())
        .unwrap()
}

fn etag(head: &str) -> Option<String> {
    head.lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .map(|t| t.trim().to_owned())
}

/// Polls `check` on `server` until it holds; answers how long that took.
fn visible(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < VISIBLE_WITHIN,
            "{what} not seen within {VISIBLE_WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

/// How many quads Virtuoso holds in Ponte's graphs, asked directly.
fn virtuoso_quads(virtuoso: &TestServer) -> u64 {
    virtuoso_count(
        virtuoso,
        "STRSTARTS(STR(?g), \"https://w3id.org/ponte/graph/\") || STRSTARTS(STR(?g), \"https://example.org/\")",
    )
}

/// How many quads Virtuoso holds in the graphs `?g` that pass `filter`, asked directly.
fn virtuoso_count(virtuoso: &TestServer, filter: &str) -> u64 {
    let query =
        format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({filter}) }}");
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let (status, _, body) = request_to(
        &format!("127.0.0.1:{}", virtuoso.http_port),
        "GET",
        &format!("/sparql?query={encoded}"),
        &[("Accept", "text/csv")],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    body.lines().nth(1).unwrap().trim().parse().unwrap()
}

#[test]
fn two_processes_over_one_virtuoso_see_each_others_writes_and_refusals_change_nothing() {
    let virtuoso = TestServer::start().unwrap();
    let (one, two) = start_pair(&virtuoso);
    // /health says where the data is and how current the copy is.
    let (_, _, body) = two.request("GET", "/health", &[], "").unwrap();
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["store"]["kind"], "remote", "{body}");
    assert!(
        health["store"]["at"]
            .as_str()
            .unwrap()
            .contains(&virtuoso.sparql_url()),
        "{body}"
    );
    assert!(health["store"]["graphs"].as_u64().unwrap() > 5, "{body}");
    assert!(health["store"]["last_error"].is_null(), "{body}");
    // Both copies hold the seed data, written once by whichever seeded first.
    let (status, _, body) = two.request("GET", "/api/actors/holostem", &[], "").unwrap();
    assert_eq!(status, 200, "{body}");

    // A REST write through one reaches the other's entity, search and suggestions.
    let company = json!({
        "@context": CONTEXT,
        "type": "Startup",
        "label": {"en": "Zephyrion Remote Therapies"},
        "location": "id:bologna",
        "hasCompetence": ["topic:advanced-therapies", "topic:digital-health"],
    });
    let (status, _, body) = write(&one, "POST", "/api/actors", &company, None);
    assert_eq!(status, 201, "{body}");
    let took = visible("the new actor in the other process's search", || {
        let (_, _, body) = two
            .request("GET", "/api/search?q=zephyrion", &[], "")
            .unwrap();
        body.contains("zephyrion-remote-therapies")
    });
    eprintln!("a REST write reached the other process's search in {took:?}");
    let (status, _, body) = two
        .request(
            "GET",
            "/api/match?actor=zephyrion-remote-therapies",
            &[],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let suggestions: Value = serde_json::from_str(&body).unwrap();
    assert!(
        suggestions["items"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );

    // A write the shapes refuse leaves Virtuoso as it was.
    let before = virtuoso_quads(&virtuoso);
    let nameless = json!({"@context": CONTEXT, "@id": "id:nameless-remote", "type": "Startup", "location": "id:bologna"});
    let (status, _, body) = write(&two, "POST", "/api/actors", &nameless, None);
    assert_eq!(status, 422, "{body}");
    assert_eq!(virtuoso_quads(&virtuoso), before);

    // The Graph Store: a graph put through one is read through the other.
    let auth = format!("Bearer {TOKEN}");
    let (status, _, body) = one
        .request(
            "PUT",
            "/store?graph=https://example.org/remote-gsp",
            &[("Content-Type", "text/turtle"), ("Authorization", &auth)],
            "<https://example.org/a> <https://example.org/b> \"through Virtuoso\" .",
        )
        .unwrap();
    assert!(status == 201 || status == 204, "{status} {body}");
    visible("the graph in the other process's Graph Store", || {
        let (status, _, body) = two
            .request(
                "GET",
                "/store?graph=https://example.org/remote-gsp",
                &[("Accept", "application/n-triples")],
                "",
            )
            .unwrap();
        status == 200 && body.contains("through Virtuoso")
    });
    assert!(virtuoso_quads(&virtuoso) > before);
    // Every write's staging graphs are gone.
    let staged = virtuoso_count(
        &virtuoso,
        "STRSTARTS(STR(?g), \"https://w3id.org/ponte/graph/versions/stage/\")",
    );
    assert_eq!(staged, 0);
}

#[test]
fn concurrent_conditional_writes_to_one_entity_through_two_processes_lose_no_update() {
    let virtuoso = TestServer::start().unwrap();
    let (one, two) = start_pair(&virtuoso);
    let company = json!({
        "@context": CONTEXT,
        "type": "Startup",
        "label": {"en": "Contended Startup"},
        "location": "id:bologna",
    });
    let (status, _, body) = write(&one, "POST", "/api/actors", &company, None);
    assert_eq!(status, 201, "{body}");
    const EACH: usize = 8;
    let start = std::sync::Barrier::new(2);
    let writer = |server: &Server, name: &str| {
        start.wait();
        let mut retries = 0;
        for i in 0..EACH {
            loop {
                let (status, head, body) = server
                    .request("GET", "/api/actors/contended-startup", &[], "")
                    .unwrap();
                if status == 404 {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                assert_eq!(status, 200, "{body}");
                let entity: Value = serde_json::from_str(&body).unwrap();
                let mut names: Vec<Value> = match &entity["altLabel"]["en"] {
                    Value::Array(names) => names.clone(),
                    Value::String(name) => vec![Value::String(name.clone())],
                    _ => Vec::new(),
                };
                names.push(Value::String(format!("{name} {i}")));
                let patch = json!({"@context": CONTEXT, "altLabel": {"en": names}});
                let tag = etag(&head).expect("an ETag");
                // Leave the other writer time to write in between, as a person editing would.
                std::thread::sleep(Duration::from_millis(30));
                let (status, _, body) = write(
                    server,
                    "PATCH",
                    "/api/actors/contended-startup",
                    &patch,
                    Some(&tag),
                );
                match status {
                    200 => break,
                    // Someone else wrote first: read again and retry.
                    409 | 412 => retries += 1,
                    _ => panic!("{status} {body}"),
                }
            }
        }
        retries
    };
    let (retries_one, retries_two) = std::thread::scope(|scope| {
        let a = scope.spawn(|| writer(&one, "one"));
        let b = scope.spawn(|| writer(&two, "two"));
        (a.join().unwrap(), b.join().unwrap())
    });
    eprintln!("retries: {retries_one} and {retries_two}");
    assert!(retries_one + retries_two > 0, "the two writers never raced");
    let all = visible("every update in both processes", || {
        [&one, &two].iter().all(|server| {
            let (_, _, body) = server
                .request("GET", "/api/actors/contended-startup", &[], "")
                .unwrap();
            let entity: Value = serde_json::from_str(&body).unwrap();
            entity["altLabel"]["en"].as_array().map_or(0, Vec::len) == 2 * EACH
        })
    });
    eprintln!("both processes held all {} names after {all:?}", 2 * EACH);
}
