//! Large answers spill to a temporary file: sent complete and byte for byte as an in-memory
//! answer would be, with their length known before the first byte, and still refused past the
//! cap rather than cut off.

use crate::common::*;
use ponte_store::sparql::{OutputFormat, SpillPolicy};
use ponte_store::{CancellationToken, QueryResultsFormat};

// Left out what two stores seeded apart state differently: blank node labels, and the
// instant each seed file was loaded (an xsd:dateTime, to the second, so a busy machine could
// straddle a second between the two). Ordered totally: SPARQL leaves "Boston"@it and
// "Boston"@en unordered.
const EVERYTHING: &str = "SELECT ?s ?p ?o WHERE { ?s ?p ?o \
     FILTER(!isBlank(?s) && !isBlank(?o) && (!isLiteral(?o) || \
       DATATYPE(?o) != <http://www.w3.org/2001/XMLSchema#dateTime>)) } \
     ORDER BY ?s ?p ?o LANG(?o) STR(DATATYPE(?o))";

fn spilling(memory_bytes: usize, max_bytes: usize) -> Router {
    let spill_dir = tempfile::tempdir().unwrap().keep();
    app(seeded_state(ServerConfig {
        result_memory_bytes: memory_bytes,
        max_result_bytes: max_bytes,
        spill_dir: Some(spill_dir),
        result_cache_bytes: 0,
        ..config()
    }))
}

#[tokio::test]
async fn an_answer_past_the_memory_threshold_is_sent_whole_from_disk() {
    let in_memory = router();
    let on_disk = spilling(4 << 10, 64 << 20);
    for accept in ["text/csv", "application/sparql-results+json"] {
        let request = || get_accept(&query_uri(EVERYTHING), accept);
        let (status, _, expected) = send(&in_memory, request()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            expected.len() > 100 << 10,
            "the seed data should give a large answer"
        );
        let (status, headers, body) = send_with_headers(&on_disk, request()).await;
        let header = |name| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            header(header::CONTENT_LENGTH),
            Some(expected.len().to_string()),
            "Content-Length"
        );
        let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
        assert!(content_type.starts_with(accept), "{content_type}");
        if body != expected {
            let at = body
                .bytes()
                .zip(expected.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(body.len().min(expected.len()));
            let from = at.saturating_sub(300);
            panic!(
                "the spilled {accept} answer differs at byte {at} (lengths {} and {}):\n{}\n---\n{}",
                body.len(),
                expected.len(),
                &body[from..(at + 300).min(body.len())],
                &expected[from..(at + 300).min(expected.len())]
            );
        }
    }
}

#[tokio::test]
async fn the_cap_still_refuses_an_answer_that_spilled() {
    let router = spilling(4 << 10, 64 << 10);
    let (status, content_type, body) =
        send(&router, get_accept(&query_uri(EVERYTHING), "text/csv")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert!(body.contains("65536"), "{body}");
}

#[test]
fn the_store_keeps_small_answers_in_memory_and_spills_large_ones() {
    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let answer = |memory_bytes| {
        let parsed = ponte_store::sparql::parse_query(
            EVERYTHING,
            None,
            &Default::default(),
            true,
            &Default::default(),
            CancellationToken::new(),
        )
        .unwrap();
        store
            .evaluate_query_to(
                parsed,
                OutputFormat::Results(QueryResultsFormat::Csv),
                SpillPolicy {
                    memory_bytes,
                    max_bytes: usize::MAX,
                    directory: Some(directory.path().to_owned()),
                },
            )
            .unwrap()
    };
    let small = answer(usize::MAX);
    let large = answer(1 << 10);
    assert!(matches!(small, ponte_store::sparql::Answer::Memory(_)));
    assert!(matches!(large, ponte_store::sparql::Answer::File { .. }));
    assert_eq!(large.len(), small.len());
    assert_eq!(large.into_bytes().unwrap(), small.into_bytes().unwrap());
    // The file is unlinked: nothing is left in the directory.
    assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn the_whole_store_and_a_graph_are_read_whole_from_disk_past_the_memory_threshold() {
    let router = spilling(4 << 10, 64 << 20);
    // Every fact is in a named graph (the default graph proper is empty).
    let all = count(&router, "GRAPH ?g { ?s ?p ?o }").await;
    let request = get_accept("/store", "application/n-quads");
    let (status, headers, body) = send_with_headers(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.len() > 100 << 10,
        "the seed data is past the 4 KiB threshold"
    );
    assert_eq!(
        headers
            .get(header::CONTENT_LENGTH)
            .unwrap()
            .to_str()
            .unwrap(),
        body.len().to_string()
    );
    // Every quad, each on its line, and the dump parses.
    assert_eq!(body.lines().count() as u64, all);
    let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_slice(body.as_bytes())
        .count();
    assert_eq!(parsed as u64, all);

    let graph = "https://w3id.org/ponte/graph/ontology/ponte";
    let in_graph = count(&router, &format!("GRAPH <{graph}> {{ ?s ?p ?o }}")).await;
    let request = get_accept(&format!("/store?graph={graph}"), "application/n-triples");
    let (status, _, body) = send_with_headers(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.len() > 4 << 10);
    assert_eq!(body.lines().count() as u64, in_graph);

    // The cap still holds for the whole store, as a problem.
    let capped = spilling(4 << 10, 64 << 10);
    let (status, content_type, body) =
        send(&capped, get_accept("/store", "application/n-quads")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(content_type, "application/problem+json");
}
