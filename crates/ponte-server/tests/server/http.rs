//! In-process tests of every protocol path, through the same `app` the binary serves.

use crate::common::*;
use ponte_server::http_federation;
use ponte_store::{CancellationToken, GraphTarget, RdfFormat};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[tokio::test]
async fn get_query_answers_seed_data_in_sparql_json() {
    let router = router();
    let (status, content_type, body) = send(
        &router,
        get(&query_uri("SELECT ?s WHERE { ?s a ?type } LIMIT 3")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/sparql-results+json");
    assert_eq!(
        json(&body)["results"]["bindings"].as_array().unwrap().len(),
        3
    );
    assert!(count(&router, "?s a ?type").await > 100);
}

#[tokio::test]
async fn post_form_and_direct_queries_work() {
    let router = router();
    let form = format!("query={}", enc("ASK { ?s ?p ?o }"));
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/x-www-form-urlencoded", form, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["boolean"], true);
    let (status, _, body) = send(
        &router,
        post(
            "/sparql",
            "application/sparql-query",
            "ASK { ?s ?p ?o }",
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["boolean"], true);
}

#[tokio::test]
async fn results_are_negotiated_with_q_values() {
    let router = router();
    let uri = query_uri("SELECT ?s WHERE { ?s a ?t } LIMIT 1");
    for (accept, expected) in [
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        (
            "text/csv;q=0.1, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
        ),
        ("*/*", "application/sparql-results+json"),
    ] {
        let (status, content_type, _) = send(&router, get_accept(&uri, accept)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            content_type.starts_with(expected),
            "{accept} gave {content_type}"
        );
    }
    let construct = query_uri("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 2");
    for (accept, expected) in [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ] {
        let (status, content_type, body) = send(&router, get_accept(&construct, accept)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            content_type.starts_with(expected),
            "{accept} gave {content_type}"
        );
    }
    let (status, content_type, body) = send(&router, get_accept(&uri, "image/png")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(content_type, "application/problem+json");
    assert!(
        json(&body)["detail"]
            .as_str()
            .unwrap()
            .contains("application/sparql-results+json")
    );
}

#[tokio::test]
async fn a_syntax_error_is_a_400_naming_where() {
    let (status, content_type, body) =
        send(&router(), get(&query_uri("SELECT * WHERE {\n ?s ?p \n}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type, "application/problem+json");
    let problem = json(&body);
    assert_eq!(problem["status"], 400);
    assert_eq!(problem["title"], "SPARQL syntax error");
    assert_eq!(problem["line"], 3);
    assert!(problem["column"].is_number());
}

#[tokio::test]
async fn bare_get_returns_the_service_description() {
    let (status, content_type, body) = send(&router(), get("/sparql")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/turtle");
    // The endpoint is named by the address the server answers at (no Host header here).
    assert!(body.contains("SPARQL11Query"), "{body}");
    assert!(body.contains("<http://127.0.0.1:7878/sparql>"), "{body}");
}

crate::on_both_stores!(protocol_dataset_parameters_select_the_graphs);
async fn protocol_dataset_parameters_select_the_graphs(router: Router) {
    let update =
        "INSERT DATA { GRAPH <urn:g1> { <urn:a> <urn:p> 1 } GRAPH <urn:g2> { <urn:b> <urn:p> 2 } }";
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", update, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let query = enc("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }");
    let (_, _, body) = send(
        &router,
        get(&format!("/sparql?query={query}&default-graph-uri=urn:g1")),
    )
    .await;
    assert_eq!(json(&body)["results"]["bindings"][0]["n"]["value"], "1");
    let query = enc("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }");
    let (_, _, body) = send(
        &router,
        get(&format!("/sparql?query={query}&named-graph-uri=urn:g2")),
    )
    .await;
    let bindings = json(&body)["results"]["bindings"].clone();
    assert_eq!(bindings.as_array().unwrap().len(), 1);
    assert_eq!(bindings[0]["g"]["value"], "urn:g2");
}

#[tokio::test]
async fn protocol_mistakes_are_4xx_problems() {
    let router = router();
    let q = enc("ASK {}");
    let cases = [
        get(&format!("/sparql?query={q}&query={q}")),
        get(&format!("/sparql?update={}", enc("CLEAR ALL"))),
        post("/sparql", "text/plain", "ASK {}", None),
        Request::post("/sparql").body(Body::from("ASK {}")).unwrap(),
        post(
            "/sparql",
            "application/sparql-query; charset=UTF-16",
            "ASK {}",
            None,
        ),
        Request::put(query_uri("ASK {}"))
            .body(Body::empty())
            .unwrap(),
        post(
            "/sparql",
            "application/sparql-query",
            vec![0xff_u8, 0xfe, 0x41],
            None,
        ),
        post(
            "/sparql",
            "application/x-www-form-urlencoded",
            format!("query={q}&update=CLEAR+ALL"),
            Some(TOKEN),
        ),
    ];
    for request in cases {
        let description = format!("{} {}", request.method(), request.uri());
        let (status, content_type, _) = send(&router, request).await;
        assert!(status.is_client_error(), "{description}: {status}");
        assert_eq!(content_type, "application/problem+json", "{description}");
    }
}

#[tokio::test]
async fn using_graph_uri_with_using_in_the_update_is_refused() {
    let update = "INSERT { <urn:a> <urn:p> 1 } USING <urn:g> WHERE { }";
    let (status, _, _) = send(
        &router(),
        post(
            "/sparql?using-graph-uri=urn:h",
            "application/sparql-update",
            update,
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Every write path, tried with no header, another scheme, a wrong token: none may change
/// the store.
#[tokio::test]
async fn no_write_succeeds_without_the_token() {
    let router = router();
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await + count(&router, "?s ?p ?o").await;
    let credentials: [Option<(&str, &str)>; 4] = [
        None,
        Some((header::AUTHORIZATION.as_str(), "Basic dGVzdDp0ZXN0LXRva2Vu")),
        Some((header::AUTHORIZATION.as_str(), "Bearer wrong-token")),
        Some((header::AUTHORIZATION.as_str(), "test-token")),
    ];
    let writes: Vec<(&str, &str, &str, &str)> = vec![
        (
            "POST",
            "/sparql",
            "application/sparql-update",
            "INSERT DATA { <urn:x> <urn:p> 1 }",
        ),
        (
            "POST",
            "/sparql",
            "application/x-www-form-urlencoded",
            "update=INSERT+DATA+%7B+%3Curn%3Ax%3E+%3Curn%3Ap%3E+1+%7D",
        ),
        ("POST", "/sparql", "application/sparql-update", "CLEAR ALL"),
        (
            "PUT",
            "/store?default",
            "text/turtle",
            "<urn:x> <urn:p> 1 .",
        ),
        (
            "PUT",
            "/store?graph=urn:new",
            "text/turtle",
            "<urn:x> <urn:p> 1 .",
        ),
        (
            "POST",
            "/store?graph=urn:new",
            "text/turtle",
            "<urn:x> <urn:p> 1 .",
        ),
        ("POST", "/store", "text/turtle", "<urn:x> <urn:p> 1 ."),
        (
            "POST",
            "/store/direct/graph",
            "text/turtle",
            "<urn:x> <urn:p> 1 .",
        ),
        (
            "PUT",
            "/store/direct/graph",
            "text/turtle",
            "<urn:x> <urn:p> 1 .",
        ),
        ("DELETE", "/store?default", "", ""),
        (
            "DELETE",
            "/store?graph=https%3A%2F%2Fw3id.org%2Fponte%2Fgraph%2Fmeta",
            "",
            "",
        ),
        (
            "POST",
            "/store?default",
            "multipart/form-data; boundary=XX",
            "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/turtle\r\n\r\n<urn:x> <urn:p> 1 .\r\n--XX--\r\n",
        ),
    ];
    for (method, uri, content_type, body) in &writes {
        for credential in &credentials {
            let mut builder = Request::builder().method(*method).uri(*uri);
            if !content_type.is_empty() {
                builder = builder.header(header::CONTENT_TYPE, *content_type);
            }
            if let Some((name, value)) = credential {
                builder = builder.header(*name, *value);
            }
            let (status, content_type, body) =
                send(&router, builder.body(Body::from(*body)).unwrap()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} with {credential:?}: {body}"
            );
            assert_eq!(content_type, "application/problem+json");
        }
    }
    let after = count(&router, "GRAPH ?g { ?s ?p ?o }").await + count(&router, "?s ?p ?o").await;
    assert_eq!(before, after);

    // With no token configured, nothing is writable at all.
    let closed = app(seeded_state(ServerConfig::default()));
    for (method, uri, content_type, body) in &writes {
        let mut builder = Request::builder()
            .method(*method)
            .uri(*uri)
            .header(header::AUTHORIZATION, "Bearer anything");
        if !content_type.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, *content_type);
        }
        let (status, _, _) = send(&closed, builder.body(Body::from(*body)).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}");
    }
}

crate::on_both_stores!(an_update_with_the_token_is_applied_atomically);
async fn an_update_with_the_token_is_applied_atomically(router: Router) {
    let (status, _, _) = send(
        &router,
        post(
            "/sparql",
            "application/sparql-update",
            "INSERT DATA { <urn:x> <urn:p> 1 }",
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&router, "<urn:x> <urn:p> ?o").await, 1);
    // The second operation fails (the graph exists), so the first is not applied either.
    let update = "INSERT DATA { <urn:y> <urn:p> 1 } ; CREATE GRAPH <urn:g> ; CREATE GRAPH <urn:g>";
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", update, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(count(&router, "<urn:y> <urn:p> ?o").await, 0);
}

/// Waits until no evaluation runs (cancelled ones stop for real), failing after two seconds.
async fn wait_until_idle(executor: &ponte_server::Executor) {
    let waited = Instant::now();
    while executor.running() > 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(2),
            "evaluation still running"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_slow_query_is_stopped_at_the_deadline() {
    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();
    let state = AppState::new(
        store,
        ServerConfig {
            query_timeout: Duration::from_secs(1),
            ..config()
        },
    );
    let executor = state.executor.clone();
    let router = app(state);
    let started = Instant::now();
    let (status, content_type, body) = send(
        &router,
        get(&query_uri(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // The evaluation itself stops, freeing its slot.
    wait_until_idle(&executor).await;
    let (status, _, _) = send(&router, get(&query_uri("ASK { ?s ?p ?o }"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_write_over_its_time_limit_is_a_503_that_applied_nothing_and_freed_the_lock() {
    let state = seeded_state(ServerConfig {
        write_timeout: Duration::from_millis(100),
        ..config()
    });
    let executor = state.executor.clone();
    let router = app(state);
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    let big: String = (0..300_000)
        .map(|i| format!("<urn:s{i}> <urn:p> \"value {i}\" .\n"))
        .collect();
    let started = Instant::now();
    let (status, _, body) = send(
        &router,
        write(
            "PUT",
            "/store?graph=urn:big",
            "application/n-triples",
            big,
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("Write timeout") && body.contains("not applied"),
        "{body}"
    );
    // The answer waited for the write to stop: the lock is free, the slot too.
    assert!(
        started.elapsed() < Duration::from_millis(1_600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(executor.running(), 0);
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);
    let (status, _, body) = send(
        &router,
        write(
            "PUT",
            "/store?graph=urn:small",
            "text/turtle",
            "<urn:a> <urn:b> 1 .",
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Queries keep their own limit: a write limit of 100 ms does not stop a read.
    let (status, _, _) = send(
        &router,
        get(&query_uri("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_dropped_request_stops_its_evaluation() {
    let state = seeded_state(ServerConfig {
        max_concurrent_queries: 1,
        ..config()
    });
    let executor = state.executor.clone();
    let router = app(state);
    let heavy = router.clone().oneshot(get(&query_uri(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    )));
    // The client gives up after 300 ms: the future is dropped, as hyper does on disconnect.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), heavy)
            .await
            .is_err()
    );
    wait_until_idle(&executor).await;
    let (status, _, _) = send(&router, get(&query_uri("ASK { ?s ?p ?o }"))).await;
    assert_eq!(status, StatusCode::OK);
}

crate::on_both_stores!(hostile_nesting_is_a_400_and_the_server_lives_on);
async fn hostile_nesting_is_a_400_and_the_server_lives_on(router: Router) {
    for (open, close) in [("{", "}"), ("{ OPTIONAL {", "}}"), ("{ {} UNION {", "}}")] {
        let query = format!(
            "SELECT * WHERE {}{}",
            open.repeat(10_000),
            close.repeat(10_000)
        );
        let (status, content_type, _) = send(
            &router,
            post("/sparql", "application/sparql-query", query, None),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/problem+json");
    }
    // A long flat chain is not nested, and is evaluated.
    let chain = vec!["{ ?s ?p ?o }"; 2_000].join(" UNION ");
    let (status, _, body) = send(
        &router,
        post(
            "/sparql",
            "application/sparql-query",
            format!("ASK {{ {chain} }}"),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = send(&router, get(&query_uri("ASK { ?s ?p ?o }"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_query_body_without_the_token_is_bounded_small() {
    let router = router();
    // Two megabytes of comment before a trivial query: legal, but not from anyone.
    let query = format!("#{}\nASK {{}}", "x".repeat(2 << 20));
    let form = format!("query={}", enc(&query));
    for (content_type, body) in [
        ("application/sparql-query", query.clone()),
        ("application/x-www-form-urlencoded", form.clone()),
    ] {
        let (status, _, answer) =
            send(&router, post("/sparql", content_type, body.clone(), None)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
        assert_eq!(json(&answer)["limit"], 1 << 20, "{answer}");
        // With the token the same body is read (the general body limit applies).
        let (status, _, answer) =
            send(&router, post("/sparql", content_type, body, Some(TOKEN))).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let router = app(seeded_state(ServerConfig {
        max_body_bytes: 1024,
        ..config()
    }));
    let big = format!("ASK {{ ?s ?p \"{}\" }}", "x".repeat(4096));
    let (status, content_type, _) = send(
        &router,
        post("/sparql", "application/sparql-query", big.clone(), None),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(content_type, "application/problem+json");
    let (status, _, _) = send(
        &router,
        post("/store?default", "text/turtle", big, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

crate::on_both_stores!(malformed_rdf_bodies_name_the_line_and_change_nothing);
async fn malformed_rdf_bodies_name_the_line_and_change_nothing(router: Router) {
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    let bodies = [
        (
            "text/turtle",
            "<urn:a> <urn:p> 1 .\n<urn:a> <urn:p> \"open .\n",
            2,
        ),
        (
            "application/n-triples",
            "<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> .\n",
            2,
        ),
        (
            "application/rdf+xml",
            "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n<rdf:Description rdf:about=\"urn:a\">\n</rdf:RDF>\n",
            4,
        ),
        (
            "application/ld+json",
            "{\n \"@id\": \"urn:a\",\n \"urn:p\": [1,\n}\n",
            4,
        ),
    ];
    for (content_type, body, line) in bodies {
        let (status, problem_type, problem) = send(
            &router,
            post("/store?graph=urn:bad", content_type, body, Some(TOKEN)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {problem}");
        assert_eq!(problem_type, "application/problem+json");
        assert_eq!(json(&problem)["line"], line, "{content_type}: {problem}");
    }
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);
}

#[tokio::test]
async fn deeply_nested_json_ld_and_rdf_xml_do_not_hurt() {
    let router = router();
    let depth = 100_000;
    let json_ld = format!("{}{}", "{\"urn:p\":".repeat(depth), "}".repeat(depth));
    let rdf_xml = format!(
        "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:e=\"urn:e#\">{}{}</rdf:RDF>",
        "<rdf:Description><e:p>".repeat(depth),
        "</e:p></rdf:Description>".repeat(depth)
    );
    for (content_type, body) in [
        ("application/ld+json", json_ld),
        ("application/rdf+xml", rdf_xml),
    ] {
        let started = Instant::now();
        let (status, _, _) = send(
            &router,
            post("/store?graph=urn:deep", content_type, body, Some(TOKEN)),
        )
        .await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{content_type}: {status}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{content_type} took {:?}",
            started.elapsed()
        );
    }
    let (status, _, _) = send(&router, get(&query_uri("ASK { ?s ?p ?o }"))).await;
    assert_eq!(status, StatusCode::OK);
}

/// The bodies that aborted the whole process (triple terms nested thousands deep) or took it
/// to gigabytes (nested RDF/XML entities), sent with the token to every write path: each is a
/// 400 naming the bound, nothing is written, and the server goes on.
#[tokio::test]
async fn hostile_bodies_are_400s_on_every_write_path() {
    let router = router();
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    let depth = 12_000;
    let turtle_terms = format!(
        "<urn:s> <urn:p> {}<urn:c>{} .",
        "<< <urn:a> <urn:b> ".repeat(depth),
        " >>".repeat(depth)
    );
    let ntriples_terms = format!(
        "<urn:s> <urn:p> {}<urn:c>{} .\n",
        "<<( <urn:a> <urn:b> ".repeat(depth),
        " )>>".repeat(depth)
    );
    let trig_lists = format!(
        "GRAPH <urn:g> {{ <urn:s> <urn:p> {}1{} }}",
        "( [ <urn:q> ".repeat(depth),
        " ] )".repeat(depth)
    );
    let laughs = (1..10).fold(String::from("<!ENTITY lol0 \"lol\">"), |entities, level| {
        let refs = format!("&lol{};", level - 1).repeat(10);
        format!("{entities}<!ENTITY lol{level} \"{refs}\">")
    });
    let rdf_xml = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rdf:RDF [{laughs}]><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"urn:x\"><rdf:value>&lol9;</rdf:value></rdf:Description></rdf:RDF>"
    );
    let bodies = [
        ("text/turtle", turtle_terms, "nest"),
        ("application/n-triples", ntriples_terms, "nest"),
        ("application/trig", trig_lists, "nest"),
        ("application/rdf+xml", rdf_xml, "entit"),
    ];
    for (content_type, body, says) in &bodies {
        // The Graph Store takes triples, a TriG import names its own graphs, and the import
        // reads no RDF/XML.
        let paths: &[&str] = match *content_type {
            "application/trig" => &["/api/import"],
            "application/rdf+xml" => &["/store?graph=urn:deep"],
            _ => &["/store?graph=urn:deep", "/api/import?graph=urn:deep"],
        };
        for path in paths {
            let (status, problem_type, answer) =
                send(&router, post(path, content_type, body.clone(), Some(TOKEN))).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{path} {content_type}: {answer}"
            );
            assert_eq!(problem_type, "application/problem+json");
            assert!(answer.contains(says), "{path} {content_type}: {answer}");
        }
    }
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);
}

#[tokio::test]
async fn federation_and_load_are_refused() {
    let router = router();
    let (status, _, body) = send(
        &router,
        get(&query_uri(
            "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = send(
        &router,
        post(
            "/sparql",
            "application/sparql-update",
            "LOAD <http://127.0.0.1:9/x.ttl>",
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn graph_store_round_trip() {
    let router = router();
    let (status, _, _) = send(&router, get("/store?graph=urn:gsp")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // PUT creates, PUT replaces, POST adds.
    for (method, value, expected) in [
        ("PUT", 1, StatusCode::CREATED),
        ("PUT", 2, StatusCode::NO_CONTENT),
        ("POST", 3, StatusCode::NO_CONTENT),
    ] {
        let turtle = format!("<urn:a> <urn:p> {value} .");
        let request = write(
            method,
            "/store?graph=urn:gsp",
            "text/turtle",
            turtle,
            Some(TOKEN),
        );
        assert_eq!(send(&router, request).await.0, expected, "{method} {value}");
    }
    let (status, content_type, body) = send(
        &router,
        get_accept("/store?graph=urn:gsp", "application/n-triples"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/n-triples");
    assert_eq!(body.lines().count(), 2, "{body}");
    let response = router
        .clone()
        .oneshot(
            Request::head("/store?graph=urn:gsp")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/turtle");
    let location = post_new_graph(&router, "<urn:b> <urn:p> 1 .").await;
    let (status, _, _) = send(&router, get(&format!("/store?graph={}", enc(&location)))).await;
    assert_eq!(status, StatusCode::OK);
    let delete = || {
        Request::delete("/store?graph=urn:gsp")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&router, delete()).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&router, delete()).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_public_url_replaces_the_host_in_minted_iris() {
    let router = app(seeded_state(ServerConfig {
        public_url: Some("https://ponte.example.org/".into()),
        ..config()
    }));
    let location = post_new_graph(&router, "<urn:b> <urn:p> 1 .").await;
    assert!(
        location.starts_with("https://ponte.example.org/store/"),
        "{location}"
    );
    let (_, _, body) = send(&router, get("/sparql")).await;
    assert!(
        body.contains("<https://ponte.example.org/sparql>"),
        "{body}"
    );
    assert!(body.contains("SPARQL11Update"), "{body}");
    // Without a write token, the description does not announce updates.
    let (_, _, body) = send(&app(seeded_state(ServerConfig::default())), get("/sparql")).await;
    assert!(!body.contains("SPARQL11Update"), "{body}");
}

#[tokio::test]
async fn an_untrusted_host_header_never_reaches_minted_iris() {
    let router = app(seeded_state(ServerConfig {
        allowed_hosts: vec!["ponte.lan:7878".into()],
        ..config()
    }));
    let write_with_host = |host: &str| {
        Request::post("/store")
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "text/turtle")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::from("<urn:b> <urn:p> 1 ."))
            .unwrap()
    };
    for (host, expected) in [
        ("evil.example", "http://127.0.0.1:7878/store/"),
        ("evil.example:7878", "http://127.0.0.1:7878/store/"),
        ("localhost:9999", "http://127.0.0.1:7878/store/"),
        ("localhost:7878", "http://localhost:7878/store/"),
        ("[::1]:7878", "http://[::1]:7878/store/"),
        ("PONTE.lan:7878", "http://PONTE.lan:7878/store/"),
    ] {
        let (status, headers, body) = send_with_headers(&router, write_with_host(host)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let location = headers[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with(expected), "Host {host}: {location}");
    }
    let request = Request::get("/api/actors/kaist")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("evil.example"), "{body}");
}

#[tokio::test]
async fn every_answer_forbids_content_sniffing() {
    let router = router();
    for uri in [
        query_uri("ASK {}"),
        "/health".into(),
        "/nothing-here".into(),
        "/api/actors/kaist".into(),
        "/".into(),
        query_uri("SELECT WHERE"),
    ] {
        let (status, headers, _) = send_with_headers(&router, get(&uri)).await;
        assert_eq!(
            headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{uri} ({status})"
        );
    }
}

#[tokio::test]
async fn reads_allow_cross_origin_requests() {
    let response = router()
        .oneshot(
            Request::get(query_uri("ASK {}"))
                .header(header::ORIGIN, "https://portal.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}

#[tokio::test]
async fn a_read_only_store_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = PonteStore::open(dir.path()).unwrap();
        store.seed(SEED_FILES).unwrap();
    }
    let store = PonteStore::open_read_only(dir.path()).unwrap();
    let router = app(AppState::new(store, config()));
    let (status, _, _) = send(
        &router,
        post(
            "/sparql",
            "application/sparql-update",
            "INSERT DATA { <urn:a> <urn:p> 1 }",
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(count(&router, "?s a ?t").await > 0);
}

#[tokio::test]
async fn service_calls_reach_only_allow_listed_endpoints() {
    // The remote endpoint: a second Ponte on a loopback port, holding one triple.
    let remote = PonteStore::in_memory().unwrap();
    remote
        .write_graph(
            &GraphTarget::Default,
            false,
            &[(RdfFormat::Turtle, "<urn:r> <urn:p> \"remote\" .")],
            None,
            &CancellationToken::new(),
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ponte_server::serve(
        AppState::new(remote, config()),
        listener,
        std::future::pending(),
    ));
    let allowed = format!("http://{addr}/sparql");
    let federation = http_federation(
        std::slice::from_ref(&allowed),
        Duration::from_secs(5),
        1 << 20,
    )
    .unwrap();
    let federated = app(seeded_state(ServerConfig {
        federation: Some(federation),
        ..config()
    }));
    let query = format!("SELECT ?o WHERE {{ SERVICE <{allowed}> {{ <urn:r> <urn:p> ?o }} }}");
    let (status, _, body) = send(&federated, get(&query_uri(&query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        json(&body)["results"]["bindings"][0]["o"]["value"],
        "remote"
    );
    // The same server under another IRI is not on the list, written or bound at run time
    // (oxigraph evaluates a variable SERVICE before its binding: refused as unbound, 400).
    let other = format!("http://{addr}/store");
    for query in [
        format!("SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}"),
        format!("SELECT * WHERE {{ VALUES ?e {{ <{other}> }} SERVICE ?e {{ ?s ?p ?o }} }}"),
    ] {
        let (status, _, body) = send(&federated, get(&query_uri(&query))).await;
        assert!(status.is_client_error(), "{query}: {status} {body}");
        assert!(!body.contains("remote"), "{body}");
    }
    // Without federation configured, SERVICE is refused before evaluation.
    let (status, _, _) = send(
        &router(),
        get(&query_uri(&format!(
            "SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}"
        ))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Asserts a 422 problem whose violations include one on `focus` (with `path` when given)
/// whose message says `words`.
fn assert_refused(
    case: &str,
    status: StatusCode,
    content_type: &str,
    body: &str,
    focus: &str,
    path: Option<&str>,
    words: &str,
) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {body}");
    assert_eq!(content_type, "application/problem+json", "{case}");
    let problem = json(body);
    let violations = problem["violations"].as_array().unwrap();
    assert!(
        violations.iter().any(|v| {
            v["focusNode"] == format!("{ID}{focus}")
                && path.is_none_or(|p| v["path"].as_str().is_some_and(|vp| vp.contains(p)))
                && v["message"].as_str().unwrap().contains(words)
                && v["shape"].as_str().is_some_and(|s| !s.is_empty())
        }),
        "{case}: no violation on {focus} {path:?} saying {words:?}: {body}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{body}"
    );
}

#[tokio::test]
async fn writes_that_break_the_shapes_are_422_naming_node_property_and_shape() {
    let router = router();
    let cases = [
        (
            "wrong kind",
            "id:some-lab a ponte:ResearchLab ; rdfs:label \"Some lab\"@en ; ponte:participatedIn id:bologna .",
            "some-lab",
            Some("https://w3id.org/ponte/ontology#participatedIn"),
            "Wrong kind of participation",
        ),
        (
            "missing label",
            "id:nameless a ponte:Company ; schema:location id:bologna .",
            "nameless",
            Some("http://www.w3.org/2000/01/rdf-schema#label"),
            "Missing name",
        ),
        (
            "date as text",
            "id:odd-mission a ponte:Mission ; rdfs:label \"Odd mission\"@en ; schema:startDate \"22/06/2022\" .",
            "odd-mission",
            Some("http://schema.org/startDate"),
            "Start date in the wrong format",
        ),
        (
            "impossible date",
            "id:odd-mission a ponte:Mission ; rdfs:label \"Odd mission\"@en ; schema:endDate \"2022-13-45\"^^xsd:date .",
            "odd-mission",
            Some("http://schema.org/endDate"),
            "End date in the wrong format",
        ),
        (
            "dangling reference",
            "id:some-university a ponte:University ; rdfs:label \"Some university\"@en ; ponte:participatedIn id:no-such-mission .",
            "no-such-mission",
            None,
            "Dangling reference",
        ),
        (
            "city without a country",
            "id:atlantis a ponte:City ; rdfs:label \"Atlantis\"@en .",
            "atlantis",
            None,
            "without a country",
        ),
    ];
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    for (case, turtle, focus, path, words) in cases {
        let update =
            format!("{CRAFTED_PREFIXES}INSERT DATA {{ GRAPH <urn:crafted> {{ {turtle} }} }}");
        let (status, content_type, body) = send(
            &router,
            post("/sparql", "application/sparql-update", update, Some(TOKEN)),
        )
        .await;
        assert_refused(case, status, &content_type, &body, focus, path, words);
        // The Graph Store Protocol checks the same way.
        let turtle = format!(
            "{}{turtle}",
            CRAFTED_PREFIXES
                .replace("PREFIX", "@prefix")
                .replace(">\n", "> .\n")
        );
        let (status, content_type, body) = send(
            &router,
            write(
                "PUT",
                "/store?graph=urn:crafted",
                "text/turtle",
                turtle,
                Some(TOKEN),
            ),
        )
        .await;
        assert_refused(case, status, &content_type, &body, focus, path, words);
    }
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);

    // Well-formed data goes in.
    let good = format!(
        "{CRAFTED_PREFIXES}INSERT DATA {{ GRAPH <urn:crafted> {{ id:acme a ponte:Company ; rdfs:label \"Acme\"@en ; schema:location id:bologna ; ponte:participatedIn id:mission-usa-2022 . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", good, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Untyping the mission would leave its participants pointing at nothing: refused.
    let untype =
        format!("{CRAFTED_PREFIXES}DELETE WHERE {{ GRAPH ?g {{ id:mission-usa-2022 a ?kind }} }}");
    let (status, content_type, body) = send(
        &router,
        post("/sparql", "application/sparql-update", untype, Some(TOKEN)),
    )
    .await;
    assert_refused(
        "untyped mission",
        status,
        &content_type,
        &body,
        "acme",
        Some("participatedIn"),
        "Wrong kind of participation",
    );
    // Dropping the graph that describes the places strands every link to them: refused too.
    let (status, content_type, body) = send(
        &router,
        write(
            "DELETE",
            "/store?graph=https://w3id.org/ponte/graph/seed-data/places",
            "text/plain",
            "",
            Some(TOKEN),
        ),
    )
    .await;
    assert_refused(
        "places dropped",
        status,
        &content_type,
        &body,
        "acme",
        Some("http://schema.org/location"),
        "Wrong kind of location",
    );
    // The four facts, and the new graph's content hash in the meta graph.
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before + 5);
}

#[tokio::test]
async fn the_rest_api_serves_collections_and_items_as_json_ld() {
    let router = router();
    let page = get_json_ld(&router, "/api/missions?limit=2").await;
    assert_eq!(page["type"], "Collection");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["totalItems"].as_u64().unwrap() >= 5, "{page}");
    assert!(page["next"].as_str().unwrap().contains("cursor="), "{page}");

    let (status, _, body) = send(&router, get("/api/missions/mission-usa-2022")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mission = json(&body);
    assert_eq!(mission["@id"], "https://w3id.org/ponte/id/mission-usa-2022");
    assert_eq!(mission["type"], "Mission");
    assert!(mission["label"]["en"].is_string(), "{body}");
    // Who took part comes with the mission, named: one request, not one per participant.
    let participants = mission["@reverse"]["participatedIn"].as_array().unwrap();
    assert!(participants.len() >= 10, "{body}");
    assert!(
        participants
            .iter()
            // Names come as the `label` language map, `@none` for a name without a language.
            .all(|p| p["@id"].is_string() && p["label"].is_object()),
        "{body}"
    );

    let context = get_json_ld(&router, "/api/context.jsonld").await;
    assert!(context["@context"]["label"].is_object());

    // Other syntaxes on request; Ponte's own IRIs dereference on the server.
    let (status, content_type, body) = send(
        &router,
        get_accept("/id/mit", "text/turtle;q=0.9, application/rdf+xml;q=0.1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "text/turtle; charset=utf-8");
    assert!(body.contains("id:mit"), "{body}");
    let (status, content_type, _) = send(
        &router,
        get_accept("/topic/gene-therapy", "application/ld+json"),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/ld+json")
    );
    let (status, _, _) = send(&router, get_accept("/api/actors/mit", "image/png")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    let (status, _, _) = send(&router, get("/id/no-such-entity")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Hostile ids and parameters are client errors, never 5xx, and change nothing.
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    for path in [
        "/api/actors/%22%3E%20%7D%20%3B%20DROP%20ALL%20%3B%20%7B",
        "/api/actors/a%20b",
        "/api/actors/%5Cu0022",
        "/api/actors/javascript:alert(1)",
        "/api/actors/http%3A%2F%2Fexample.org%2F%3E%20%7D",
        "/api/nothing",
        "/api/actors?kind=%22%3E%7D",
        "/api/actors?cursor=%E2%82",
    ] {
        let (status, content_type, body) = send(&router, get(path)).await;
        assert!(status.is_client_error(), "{path}: {status} {body}");
        assert_eq!(content_type, "application/problem+json", "{path}");
    }
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);
}

/// The `@id`s and first `type` of a search page.
async fn search_hits(router: &Router, uri: &str) -> Vec<(String, String)> {
    get_json_ld(router, uri).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let kind = match &item["type"] {
                Value::Array(kinds) => kinds[0].as_str().unwrap().to_owned(),
                kind => kind.as_str().unwrap().to_owned(),
            };
            let id = item["@id"].as_str().unwrap();
            (id.trim_start_matches(ID).to_owned(), kind)
        })
        .collect()
}

#[tokio::test]
async fn search_finds_what_a_person_expects() {
    let router = router();
    let hits = search_hits(&router, "/api/search?q=ospedale&limit=3").await;
    assert_eq!(
        hits[0],
        ("ospedale-di-parma".into(), "Hospital".into()),
        "{hits:?}"
    );
    assert!(
        hits.iter()
            .any(|(id, _)| id == "montecatone-rehabilitation-institute"),
        "{hits:?}"
    );
    // No accent typed, Italian and English names alike.
    let hits = search_hits(&router, "/api/search?q=universita&limit=5").await;
    assert_eq!(hits[0].0, "university-of-bologna", "{hits:?}");
    assert!(
        hits.iter().all(|(_, kind)| kind == "University"),
        "{hits:?}"
    );
    let hits = search_hits(&router, "/api/search?q=KAIST&limit=3").await;
    assert_eq!(hits[0], ("kaist".into(), "University".into()), "{hits:?}");
    let hits = search_hits(&router, "/api/search?q=gene%20therapy&limit=4").await;
    let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
    assert!(
        ids[..2].contains(&"https://w3id.org/ponte/topic/gene-therapy"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"call-pharma-gene-cell-therapy-pennsylvania-2020-21"),
        "{ids:?}"
    );
    // Type-ahead: an unfinished word is a prefix; in a collection, only its members.
    let hits = search_hits(&router, "/api/actors?q=bolo&limit=20").await;
    assert!(
        hits.iter().any(|(id, _)| id == "university-of-bologna"),
        "{hits:?}"
    );
    assert!(
        !hits.iter().any(|(id, _)| id == "bologna"),
        "a city is not an actor: {hits:?}"
    );
    let hits = search_hits(&router, "/api/actors?q=bolo&kind=University").await;
    assert_eq!(
        hits,
        [("university-of-bologna".to_owned(), "University".to_owned())]
    );

    // The index follows every write: a new actor is found at once, and gone once deleted.
    let insert = format!(
        "{CRAFTED_PREFIXES}INSERT DATA {{ GRAPH <urn:new> {{ id:zebrafish-lab a ponte:ResearchLab ; rdfs:label \"Laboratorio Zebrafish\"@it ; schema:location id:bologna . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", insert, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let hits = search_hits(&router, "/api/search?q=zebraf").await;
    assert_eq!(
        hits,
        [("zebrafish-lab".to_owned(), "ResearchLab".to_owned())]
    );
    let (status, _, body) = send(
        &router,
        write(
            "DELETE",
            "/store?graph=urn:new",
            "text/plain",
            "",
            Some(TOKEN),
        ),
    )
    .await;
    assert!(status.is_success(), "{body}");
    assert!(
        search_hits(&router, "/api/search?q=zebraf")
            .await
            .is_empty()
    );

    // Bad queries are 400 problems naming q; injection text is only text.
    for uri in [
        "/api/search",
        "/api/search?q=%20%22%7D%3B%7B",
        "/api/search?q=a&kind=University",
    ] {
        let (status, content_type, body) = send(&router, get(uri)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json");
    }
    let (status, _, _) = send(
        &router,
        get("/api/search?q=%22%20%7D%20%3B%20DROP%20ALL%20%3B%20%7B"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn analysts_search_from_sparql_through_the_search_service() {
    let router = router();
    // The same index as /api/search, joined with the graph: hospitals matching "ospedale".
    let query = r#"PREFIX ponte: <https://w3id.org/ponte/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?entity ?score WHERE {
          SERVICE <https://w3id.org/ponte/search> {
            ?entity ponte:searchQuery "ospedale" ; ponte:searchScore ?score ; ponte:searchLimit 20
          }
          ?entity a/rdfs:subClassOf* ponte:HealthcareProvider .
        } ORDER BY DESC(?score)"#;
    let (status, _, body) = send(&router, get(&query_uri(query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bindings = json(&body)["results"]["bindings"]
        .as_array()
        .unwrap()
        .clone();
    let first = bindings[0]["entity"]["value"].as_str().unwrap();
    assert_eq!(first, format!("{ID}ospedale-di-parma"), "{body}");
    assert!(
        bindings
            .iter()
            .all(|b| b["score"]["datatype"] == "http://www.w3.org/2001/XMLSchema#double")
    );
    assert!(
        bindings
            .iter()
            .any(|b| b["entity"]["value"] == format!("{ID}montecatone-rehabilitation-institute")),
        "{body}"
    );

    // Accents and stems as in the API: "universita" finds the universities.
    let query = r#"SELECT ?e WHERE { SERVICE <https://w3id.org/ponte/search> { ?e <https://w3id.org/ponte/ontology#searchQuery> "universita" } } LIMIT 1"#;
    let (status, _, body) = send(&router, get(&query_uri(query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("university-of-bologna"), "{body}");

    // A pattern the service cannot answer is the client's mistake, named; injection text in
    // the literal is only words to look for.
    for (query, status) in [
        (
            r#"SELECT * WHERE { SERVICE <https://w3id.org/ponte/search> { ?e <https://w3id.org/ponte/ontology#searchQuery> ?q } }"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"SELECT * WHERE { SERVICE <https://w3id.org/ponte/search> { ?e <https://w3id.org/ponte/ontology#searchQuery> "x" ; <https://w3id.org/ponte/ontology#searchLimit> 0 } }"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"SELECT * WHERE { SERVICE <https://w3id.org/ponte/search> { ?e <https://w3id.org/ponte/ontology#searchQuery> "\" } ; DROP ALL ; {" } }"#,
            StatusCode::OK,
        ),
    ] {
        let (got, content_type, body) = send(&router, get(&query_uri(query))).await;
        assert_eq!(got, status, "{query}: {body}");
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(content_type, "application/problem+json");
            assert!(body.contains("https://w3id.org/ponte/search"), "{body}");
        }
    }
    // A write is searchable from SPARQL at once.
    let insert = format!(
        "{CRAFTED_PREFIXES}INSERT DATA {{ GRAPH <urn:new> {{ id:zebrafish-lab a ponte:ResearchLab ; rdfs:label \"Laboratorio Zebrafish\"@it ; schema:location id:bologna . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", insert, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let query = r#"SELECT ?e WHERE { SERVICE <https://w3id.org/ponte/search> { ?e <https://w3id.org/ponte/ontology#searchQuery> "zebrafish" } }"#;
    let (_, _, body) = send(&router, get(&query_uri(query))).await;
    assert!(body.contains("zebrafish-lab"), "{body}");
}

#[tokio::test]
async fn collections_filter_by_place_topic_mission_and_programme() {
    let router = router();
    let ids = |hits: Vec<(String, String)>| hits.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    let korea = ids(search_hits(&router, "/api/actors?country=KR&limit=100").await);
    assert!(korea.contains(&"kaist".to_owned()), "{korea:?}");
    assert!(
        !korea.contains(&"university-of-bologna".to_owned()),
        "{korea:?}"
    );
    // A city's region and country come from the place hierarchy (Bologna → Emilia-Romagna → IT).
    let region = ids(search_hits(
        &router,
        "/api/actors?region=IT-45&kind=University&limit=100",
    )
    .await);
    assert!(
        region.contains(&"university-of-bologna".to_owned()),
        "{region:?}"
    );
    assert!(
        !region.contains(&"university-of-pisa".to_owned()),
        "{region:?}"
    );
    let us_hospitals =
        ids(search_hits(&router, "/api/actors?country=US&country=KR&kind=Hospital").await);
    assert_eq!(
        us_hospitals,
        ["boston-childrens-hospital", "mass-general-brigham"]
    );
    // The Korea mission's Italian delegation, and the mission's stages count as the mission.
    let delegation =
        ids(search_hits(&router, "/api/actors?mission=mission-korea-2024&country=IT").await);
    assert!(
        delegation.contains(&"regione-emilia-romagna".to_owned()),
        "{delegation:?}"
    );
    let usa = ids(search_hits(&router, "/api/actors?mission=mission-usa-2022&limit=100").await);
    assert!(usa.len() >= 10, "{usa:?}");
    // A topic stands for its narrower topics too.
    let broad = ids(search_hits(&router, "/api/actors?topic=health-life-sciences&limit=100").await);
    let narrow =
        ids(search_hits(&router, "/api/actors?topic=gene-and-cell-therapy&limit=100").await);
    assert!(
        !narrow.is_empty() && narrow.iter().all(|id| broad.contains(id)),
        "{narrow:?} ⊄ {broad:?}"
    );
    // Filters survive paging, and bad values are 400 problems naming the parameter.
    let (_, _, body) = send(&router, get("/api/actors?country=IT&limit=2")).await;
    assert!(
        json(&body)["next"].as_str().unwrap().contains("country=IT"),
        "{body}"
    );
    for (query, parameter) in [
        ("country=ITA", "country"),
        ("region=%22%7D", "region"),
        ("topic=a%20b", "topic"),
    ] {
        let (status, _, body) = send(&router, get(&format!("/api/actors?{query}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(json(&body)["parameter"], parameter, "{body}");
    }
}

#[tokio::test]
async fn injection_payloads_in_every_api_parameter_change_nothing_and_never_500() {
    let router = router();
    let canary = "INSERT DATA { GRAPH <urn:canary> { <urn:canary> <urn:sings> \"still here\" } }";
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", canary, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let before = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    let payloads = [
        "\"",
        ">",
        "}",
        "\n",
        "' } ; DROP ALL ; {",
        "\" } ; DROP ALL ; { \"",
        "> } ; CLEAR ALL ; INSERT DATA { <urn:x> <urn:y> <urn:z> } #",
        "\\u0022 } DROP ALL",
        "http://example.org/with space",
        "<urn:canary>",
        "%00",
        "kaist\" . ?s ?p ?o . FILTER(\"",
    ];
    let enc = |text: &str| -> String { form_urlencoded::byte_serialize(text.as_bytes()).collect() };
    // Every query parameter the published OpenAPI description lists for collections.
    let (_, _, openapi) = send(&router, get("/api/openapi.json")).await;
    let parameters: Vec<String> = json(&openapi)["paths"]["/api/{collection}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(parameters.len(), 9, "{parameters:?}");
    let mut uris = Vec::new();
    for payload in payloads {
        let p = enc(payload);
        for parameter in &parameters {
            uris.push(format!("/api/actors?{parameter}={p}"));
            if parameter != "kind" {
                uris.push(format!("/api/search?q=kaist&{parameter}={p}"));
            }
        }
        uris.push(format!("/api/actors/{p}"));
        uris.push(format!("/api/{p}"));
        uris.push(format!("/api/{p}/{p}"));
        uris.push(format!("/id/{p}"));
        uris.push(format!("/topic/{p}"));
    }
    for uri in &uris {
        let (status, _, body) = send(&router, get(uri)).await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{uri}: {status} {body}"
        );
    }
    assert_eq!(count(&router, "GRAPH ?g { ?s ?p ?o }").await, before);
    assert_eq!(
        count(
            &router,
            "GRAPH <urn:canary> { <urn:canary> <urn:sings> \"still here\" }"
        )
        .await,
        1
    );

    // The same payloads in every write: ids, import parameters, JSON-LD keys and values, CSV
    // cells. Some writes are legitimately accepted (a name may be any text); none may run as
    // SPARQL, so the seed graphs and the canary stay as they were, and nothing is a 5xx.
    let seed = "GRAPH ?g { ?s ?p ?o FILTER(STRSTARTS(STR(?g), \"https://w3id.org/ponte/graph/seed-data/\")) }";
    let seed_before = count(&router, seed).await;
    let mut writes = Vec::new();
    for payload in payloads {
        let p = enc(payload);
        let text = Value::String(payload.to_owned());
        let entity = serde_json::json!({
            "@context": "http://localhost/api/context.jsonld",
            "type": "Company",
            "label": {"en": text},
            "description": {"en": text},
            "location": text,
        });
        let with_id =
            serde_json::json!({"@id": text, "http://www.w3.org/2000/01/rdf-schema#label": text});
        let with_key = serde_json::json!({"@context": {"k": text}, "k": text});
        let csv = format!(
            "slug,name\n\"{}\",\"{}\"\n",
            payload.replace('"', "\"\""),
            payload.replace('"', "\"\"")
        );
        let turtle = "<urn:s> <urn:p> <urn:o> .".to_owned();
        for (method, uri, content_type, body) in [
            (
                "POST",
                "/api/actors".to_owned(),
                "application/ld+json",
                entity.to_string(),
            ),
            (
                "POST",
                "/api/actors".to_owned(),
                "application/ld+json",
                with_id.to_string(),
            ),
            (
                "POST",
                "/api/actors".to_owned(),
                "application/ld+json",
                with_key.to_string(),
            ),
            (
                "PUT",
                format!("/api/actors/{p}"),
                "application/ld+json",
                entity.to_string(),
            ),
            (
                "PATCH",
                format!("/api/actors/{p}"),
                "application/merge-patch+json",
                entity.to_string(),
            ),
            (
                "DELETE",
                format!("/api/actors/{p}"),
                "application/json",
                String::new(),
            ),
            (
                "POST",
                format!("/api/import?graph={p}"),
                "text/turtle",
                turtle.clone(),
            ),
            (
                "POST",
                format!("/api/import?replace={p}"),
                "text/turtle",
                turtle.clone(),
            ),
            (
                "POST",
                "/api/import?graph=urn:inj".to_owned(),
                "application/ld+json",
                entity.to_string(),
            ),
        ] {
            writes.push((method, uri, content_type.to_owned(), body));
        }
        let mapping = serde_json::json!({"id": "id:{slug}", "type": "Company",
            "columns": {"name": {"property": "label", "language": "en"}}});
        let boundary = "b0undary";
        let form = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\nContent-Type: application/json\r\n\r\n{mapping}\r\n--{boundary}--\r\n"
        );
        writes.push((
            "POST",
            "/api/import?graph=urn:inj-csv".to_owned(),
            format!("multipart/form-data; boundary={boundary}"),
            form,
        ));
    }
    for (method, uri, content_type, body) in writes {
        let (status, _, answer) = send(
            &router,
            write(method, &uri, &content_type, body, Some(TOKEN)),
        )
        .await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{method} {uri}: {status} {answer}"
        );
    }
    assert_eq!(count(&router, seed).await, seed_before);
    assert_eq!(
        count(
            &router,
            "GRAPH <urn:canary> { <urn:canary> <urn:sings> \"still here\" }"
        )
        .await,
        1
    );
}
