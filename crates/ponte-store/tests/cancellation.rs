//! Every operator class that can run long stops soon after its query is cancelled, including
//! those that produce rows without reading the store (joins of `VALUES`, cross products,
//! sorting, grouping), which a check on quad reads alone never reached.
//!
//! Each query below runs for many seconds uncancelled; it is cancelled after 300 ms and must
//! answer [`StoreError::Cancelled`] (so it was still running) within one second of the cancel.

use ponte_store::sparql::{OutputFormat, ProtocolDataset, Services, parse_query};
use ponte_store::{
    CancellationToken, GraphTarget, PonteStore, QueryResultsFormat, RdfFormat, StoreError,
};
use std::time::{Duration, Instant};

/// When the test cancels each query.
const CANCEL_AFTER: Duration = Duration::from_millis(300);
/// How long after the cancel the evaluation may still run.
const STOP_WITHIN: Duration = Duration::from_secs(1);

/// `VALUES ?name { 1 2 … n }`.
fn values(name: &str, n: usize) -> String {
    let items: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    format!("VALUES ?{name} {{ {} }}", items.join(" "))
}

/// A store holding a chain `<urn:n0> <urn:next> <urn:n1> … <urn:n{len}>`.
fn chain_store(len: usize) -> PonteStore {
    let data: String = (0..len)
        .map(|i| format!("<urn:n{i}> <urn:next> <urn:n{}> .\n", i + 1))
        .collect();
    store_with(&data)
}

/// An in-memory store holding the Turtle `data` in its default graph.
fn store_with(data: &str) -> PonteStore {
    let store = PonteStore::in_memory().unwrap();
    store
        .write_graph(
            &GraphTarget::Default,
            false,
            &[(RdfFormat::Turtle, data.as_bytes())],
            None,
            &CancellationToken::new(),
        )
        .unwrap();
    store
}

/// The whole answer to `query` on `store`, as CSV.
fn csv_answer(store: &PonteStore, query: &str) -> String {
    let csv = store
        .query(
            query,
            |_| OutputFormat::Results(QueryResultsFormat::Csv),
            CancellationToken::new(),
        )
        .unwrap();
    String::from_utf8(csv).unwrap()
}

/// Runs `query` on `store`, cancels it after [`CANCEL_AFTER`] and checks that it stopped, as
/// cancelled, within [`STOP_WITHIN`] of the cancel.
fn stops_when_cancelled(store: &PonteStore, query: &str) {
    let token = CancellationToken::new();
    let parsed = parse_query(
        query,
        None,
        &ProtocolDataset::default(),
        true,
        &Services::default(),
        token.clone(),
    )
    .unwrap();
    let started = Instant::now();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(CANCEL_AFTER);
        token.cancel();
    });
    let result = store.evaluate_query(
        parsed,
        OutputFormat::Results(QueryResultsFormat::Json),
        1 << 30,
    );
    let elapsed = started.elapsed();
    canceller.join().unwrap();
    assert!(
        matches!(result, Err(StoreError::Cancelled)),
        "expected a cancelled evaluation, got {:?} after {elapsed:?}",
        result.map(|bytes| String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned())
    );
    assert!(
        elapsed < CANCEL_AFTER + STOP_WITHIN,
        "still running {:?} after the cancel",
        elapsed - CANCEL_AFTER
    );
}

#[test]
fn a_join_of_values_blocks_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ {} {} {} }}",
        values("a", 1000),
        values("b", 1000),
        values("c", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn a_filter_rejecting_every_row_of_a_cross_product_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT * WHERE {{ {} {} {} FILTER(?a + ?b + ?c < 0) }}",
        values("a", 1000),
        values("b", 1000),
        values("c", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn sorting_a_cross_product_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT ?a ?b WHERE {{ {} {} }} ORDER BY DESC(?a) STR(?b) LIMIT 1",
        values("a", 3000),
        values("b", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn grouping_a_cross_product_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT ?a (SUM(?b * ?c) AS ?s) WHERE {{ {} {} {} }} GROUP BY ?a",
        values("a", 1000),
        values("b", 1000),
        values("c", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn distinct_over_a_cross_product_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {} {} {} }}",
        values("a", 1000),
        values("b", 1000),
        values("c", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn an_optional_cross_product_stops() {
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ {} OPTIONAL {{ {} {} }} }}",
        values("a", 1000),
        values("b", 1000),
        values("c", 1000)
    );
    stops_when_cancelled(&store, &query);
}

#[test]
fn a_property_path_closure_stops() {
    let store = chain_store(4000);
    stops_when_cancelled(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?x <urn:next>* ?y . ?y <urn:next>* ?z }",
    );
}

#[test]
fn a_sorted_property_path_closure_stops() {
    let store = chain_store(3000);
    stops_when_cancelled(
        &store,
        "SELECT ?x ?y WHERE { ?x <urn:next>+ ?y } ORDER BY ?y ?x LIMIT 1",
    );
}

#[test]
fn a_long_sort_gives_the_rows_in_order() {
    // More rows than one sorted run, so that the merge of the runs is exercised.
    let store = PonteStore::in_memory().unwrap();
    let query = format!(
        "SELECT ?a ?b WHERE {{ {} {} }} ORDER BY DESC(?a) ?b",
        values("a", 300),
        values("b", 200)
    );
    let rows: Vec<(u32, u32)> = csv_answer(&store, &query)
        .lines()
        .skip(1)
        .map(|line| {
            let (a, b) = line.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    let mut expected: Vec<(u32, u32)> = (1..=300)
        .flat_map(|a| (1..=200).map(move |b| (a, b)))
        .collect();
    expected.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    assert_eq!(rows, expected);
}

#[test]
fn sorting_terms_of_mixed_kinds_answers_instead_of_panicking() {
    // SPARQL's order of terms is not total: numbers, strings and dates compare by different
    // rules, and a mix of them is not transitive. The standard library's sorts panic on such
    // an order; `ORDER BY ?o` over BSBM did.
    let kinds = [
        |i: usize| format!("{}", i * 7907 % 10_007),
        |i: usize| format!("\"{}\"", i * 7919 % 10_009),
        |i: usize| format!("{}", i * 104_729 % 1009),
        |i: usize| format!("\"{i}.5\"^^<http://www.w3.org/2001/XMLSchema#decimal>"),
        |i: usize| {
            format!(
                "\"{}e{}\"^^<http://www.w3.org/2001/XMLSchema#double>",
                i % 7,
                i % 5
            )
        },
        |i: usize| format!("\"{}\"", i * 7919 % 1000),
        |i: usize| format!("\"w{i}\"@en"),
        |i: usize| {
            format!(
                "\"2020-0{}-1{}\"^^<http://www.w3.org/2001/XMLSchema#date>",
                i % 9 + 1,
                i % 10
            )
        },
        |i: usize| {
            format!(
                "\"2020-01-01T{:02}:00:00{}\"^^<http://www.w3.org/2001/XMLSchema#dateTime>",
                i % 24,
                if i.is_multiple_of(2) { "Z" } else { "" }
            )
        },
        |i: usize| {
            format!(
                "\"{}\"^^<http://www.w3.org/2001/XMLSchema#boolean>",
                i.is_multiple_of(2)
            )
        },
        |i: usize| format!("\"x{i}\"^^<urn:datatype>"),
    ];
    let n = 20_000;
    let data: String = (0..n)
        .map(|i| format!("<urn:s{i}> <urn:p> {} .\n", kinds[i * 31 % kinds.len()](i)))
        .collect();
    let store = store_with(&data);
    for order in ["?o", "DESC(?o)", "?o ?s"] {
        let query = format!("SELECT ?s ?o WHERE {{ ?s <urn:p> ?o }} ORDER BY {order}");
        let rows = csv_answer(&store, &query).lines().count() - 1;
        assert_eq!(rows, n, "ORDER BY {order}");
    }
}
