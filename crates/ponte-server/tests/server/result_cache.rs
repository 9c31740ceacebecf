//! The result cache: a repeated query between writes is a lookup, a write makes the next answer
//! fresh, and no answer is served for another request.

use crate::common::*;
use axum::http::StatusCode;
use ponte_server::{ServerConfig, app};

async fn cache_counts(router: &axum::Router) -> (u64, u64) {
    let (_, _, body) = send(router, get("/health")).await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cache = &health["result_cache"];
    (
        cache["hits"].as_u64().unwrap(),
        cache["misses"].as_u64().unwrap(),
    )
}

const COUNT: &str =
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/ponte/ontology#University> }";

#[tokio::test]
async fn a_repeated_query_is_served_from_the_cache_until_a_write_makes_it_fresh() {
    let router = router();
    let (status, _, first) = send(&router, get_accept(&query_uri(COUNT), "text/csv")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(cache_counts(&router).await, (0, 1));
    let (_, _, second) = send(&router, get_accept(&query_uri(COUNT), "text/csv")).await;
    assert_eq!(second, first);
    assert_eq!(cache_counts(&router).await, (1, 1));

    // Another format is another answer, not the kept one.
    let (_, content_type, json) = send(
        &router,
        get_accept(&query_uri(COUNT), "application/sparql-results+json"),
    )
    .await;
    assert!(
        content_type.starts_with("application/sparql-results+json"),
        "{content_type}"
    );
    assert!(json.contains("\"bindings\""), "{json}");
    assert_eq!(cache_counts(&router).await, (1, 2));

    // A write (a new university) makes the next answer fresh.
    let before: usize = first.lines().nth(1).unwrap().trim().parse().unwrap();
    let update = "INSERT DATA { GRAPH <https://w3id.org/ponte/graph/test> { \
        <https://w3id.org/ponte/id/new-university> a <https://w3id.org/ponte/ontology#University> ; \
        <http://www.w3.org/2000/01/rdf-schema#label> \"New University\"@en ; \
        <http://schema.org/location> <https://w3id.org/ponte/id/bologna> } }";
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", update, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, _, after) = send(&router, get_accept(&query_uri(COUNT), "text/csv")).await;
    let after: usize = after.lines().nth(1).unwrap().trim().parse().unwrap();
    assert_eq!(after, before + 1);
}

#[tokio::test]
async fn another_dataset_is_another_answer_and_a_budget_of_zero_keeps_nothing() {
    let router = router();
    let (_, _, union) = send(&router, get_accept(&query_uri(COUNT), "text/csv")).await;
    let named = format!(
        "{}&default-graph-uri={}",
        query_uri(COUNT),
        enc("https://w3id.org/ponte/graph/none")
    );
    let (_, _, empty) = send(&router, get_accept(&named, "text/csv")).await;
    assert_ne!(union, empty);
    assert_eq!(empty.lines().nth(1).map(str::trim), Some("0"));

    let off = app(seeded_state(ServerConfig {
        result_cache_bytes: 0,
        ..config()
    }));
    for _ in 0..2 {
        let (status, _, _) = send(&off, get_accept(&query_uri(COUNT), "text/csv")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(cache_counts(&off).await, (0, 0));
}

#[tokio::test]
async fn health_shows_the_strings_a_query_decoded_kept_for_the_next() {
    // Each test runs in its own process (nextest), and the string cache is the process's.
    let router = app(seeded_state(ServerConfig {
        result_cache_bytes: 0,
        ..config()
    }));
    let strings = |health: &serde_json::Value, field: &str| {
        health["string_cache"][field]
            .as_u64()
            .unwrap_or_else(|| panic!("{health}"))
    };
    let health = || async {
        let (_, _, body) = send(&router, get("/health")).await;
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let names = "SELECT ?s ?label WHERE { ?s a <https://w3id.org/ponte/ontology#University> ; \
        <http://www.w3.org/2000/01/rdf-schema#label> ?label }";
    let (status, _, first) = send(&router, get_accept(&query_uri(names), "text/csv")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let after_first = health().await;
    assert!(strings(&after_first, "strings") > 0, "{after_first}");
    assert!(strings(&after_first, "bytes") <= strings(&after_first, "max_bytes"));
    // The result cache is off: the same query is evaluated again, and its names come from the
    // kept strings, not the store.
    let (_, _, second) = send(&router, get_accept(&query_uri(names), "text/csv")).await;
    assert_eq!(second, first);
    let after_second = health().await;
    assert!(
        strings(&after_second, "hits") >= strings(&after_first, "hits") + 2,
        "{after_first} then {after_second}"
    );
    assert_eq!(
        strings(&after_second, "misses"),
        strings(&after_first, "misses"),
        "{after_first} then {after_second}"
    );
}
