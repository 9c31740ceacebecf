//! The union default graph is a set: a triple stated in several named graphs is one triple of
//! the default graph (SPARQL 1.1 Query, 13.1), and still one triple per graph with `GRAPH ?g`.
//! Checked on both storages, since the on-disk one skips copies by index order and the in-memory
//! one by remembering them.

use ponte_store::sparql::{OutputFormat, ProtocolDataset, Services, parse_update};
use ponte_store::{CancellationToken, PonteStore, QueryResultsFormat, RdfFormat, SEED_FILES};

const THREE_GRAPHS: &str = "
    PREFIX ex: <http://example.org/>
    INSERT DATA {
        GRAPH ex:g1 { ex:a ex:knows ex:b . ex:b ex:knows ex:c . ex:a ex:name 'A' }
        GRAPH ex:g2 { ex:a ex:knows ex:b . ex:b ex:knows ex:c }
        GRAPH ex:g3 { ex:a ex:knows ex:b }
    }";

/// The test's own facts, not the content hashes each write records in the meta graph.
const OURS: &str = "FILTER(STRSTARTS(STR(?p), 'http://example.org/'))";

fn csv(store: &PonteStore, query: &str) -> String {
    let bytes = store
        .query(
            query,
            |_| OutputFormat::Results(QueryResultsFormat::Csv),
            CancellationToken::new(),
        )
        .unwrap_or_else(|e| panic!("{query} fails: {e}"));
    String::from_utf8(bytes).unwrap()
}

fn count(store: &PonteStore, pattern: &str) -> String {
    let answer = csv(
        store,
        &format!("PREFIX ex: <http://example.org/> SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"),
    );
    answer.lines().nth(1).unwrap_or_default().to_owned()
}

/// Runs a SPARQL update on `store`.
pub(crate) fn update(store: &PonteStore, text: &str) {
    let update = parse_update(
        text,
        None,
        &ProtocolDataset::default(),
        &Services::default(),
        CancellationToken::new(),
    )
    .unwrap();
    store.execute_update(update).unwrap();
}

fn check(store: &PonteStore) {
    update(store, THREE_GRAPHS);
    // SELECT: once in the default graph, three times across the named graphs.
    assert_eq!(count(store, "ex:a ex:knows ex:b"), "1");
    assert_eq!(count(store, "ex:a ex:knows ?o"), "1");
    assert_eq!(count(store, "?s ex:knows ?o"), "2");
    assert_eq!(count(store, &format!("?s ?p ?o {OURS}")), "3");
    assert_eq!(count(store, "GRAPH ?g { ex:a ex:knows ex:b }"), "3");
    assert_eq!(
        count(store, &format!("GRAPH ?g {{ ?s ?p ?o {OURS} }}")),
        "6"
    );
    // Property paths walk the set too.
    assert_eq!(count(store, "ex:a ex:knows/ex:knows ?c"), "1");
    assert_eq!(count(store, "ex:a ex:knows+ ?c"), "2");
    // ASK and CONSTRUCT.
    let ask = csv(
        store,
        "ASK { <http://example.org/a> <http://example.org/knows> ?o }",
    );
    assert!(ask.contains("true"), "{ask}");
    let graph = store
        .query(
            &format!("CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {OURS} }}"),
            |_| OutputFormat::Rdf(RdfFormat::NTriples),
            CancellationToken::new(),
        )
        .unwrap();
    let lines = String::from_utf8(graph).unwrap();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    // A copy in the default graph proper (written through the Graph Store's `?default`) is
    // still one triple.
    update(
        store,
        "INSERT DATA { <http://example.org/a> <http://example.org/knows> <http://example.org/b> }",
    );
    assert_eq!(count(store, "ex:a ex:knows ex:b"), "1");
    assert_eq!(count(store, &format!("?s ?p ?o {OURS}")), "3");
    assert_eq!(count(store, "GRAPH ?g { ex:a ex:knows ex:b }"), "3");
    // A default graph proper larger than what a scan remembers of it (1,024 triples): the
    // copies past that are found by looking each one up.
    let many = (0..1500)
        .map(|i| format!("<http://example.org/n{i}> <http://example.org/v> {i} ."))
        .collect::<String>();
    update(store, &format!("INSERT DATA {{ {many} }}"));
    let copies = (1000..1500)
        .map(|i| format!("<http://example.org/n{i}> <http://example.org/v> {i} ."))
        .collect::<String>();
    update(
        store,
        &format!("INSERT DATA {{ GRAPH <http://example.org/g4> {{ {copies} }} }}"),
    );
    assert_eq!(count(store, "?s ex:v ?o"), "1500");
    assert_eq!(count(store, &format!("?s ?p ?o {OURS}")), "1503");
    assert_eq!(count(store, "GRAPH ?g { ?s ex:v ?o }"), "500");
}

#[test]
fn a_triple_in_three_graphs_is_one_triple_of_the_default_graph_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    check(&PonteStore::open(dir.path()).unwrap());
}

#[test]
fn a_triple_in_three_graphs_is_one_triple_of_the_default_graph_in_memory() {
    check(&PonteStore::in_memory().unwrap());
}

#[test]
fn the_seed_data_counts_each_triple_once() {
    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();
    let in_default = count(&store, "?s ?p ?o");
    let distinct = csv(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    );
    assert_eq!(in_default, distinct.lines().nth(1).unwrap());
}
