//! Ponte over a remote store, in process: the remote store is an embedded oxigraph behind the
//! same `Backend` trait as Virtuoso (whose own runs are in ponte-server's tests).

use oxigraph::model::{GraphNameRef, NamedNode};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use ponte_remote::{Backend, EmbeddedBackend, RemoteError, Solutions};
use ponte_store::sparql::OutputFormat;
use ponte_store::{
    CancellationToken, GraphTarget, PonteStore, QueryResultsFormat, RdfFormat, SEED_FILES,
    StoreError,
};
use spargebra::{Query, Update};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

const ACME: &str = "<https://w3id.org/ponte/id/acme> a <https://w3id.org/ponte/ontology#Company> ; \
     <http://www.w3.org/2000/01/rdf-schema#label> \"Acme\"@en ; \
     <http://schema.org/location> <https://w3id.org/ponte/id/bologna> .";
/// A company without a name: the shapes refuse it.
const NAMELESS: &str =
    "<https://w3id.org/ponte/id/nameless> a <https://w3id.org/ponte/ontology#Company> .";

fn graph(name: &str) -> GraphTarget {
    GraphTarget::Named(NamedNode::new(format!("https://example.org/graph/{name}")).unwrap())
}

fn put(store: &PonteStore, name: &str, turtle: &str) -> Result<bool, StoreError> {
    store.write_graph(
        &graph(name),
        true,
        &[(RdfFormat::Turtle, turtle.as_bytes())],
        None,
        &CancellationToken::new(),
    )
}

/// Every quad of an oxigraph store, as text, sorted.
fn quads(store: &oxigraph::store::Store) -> BTreeSet<String> {
    store.iter().map(|q| q.unwrap().to_string()).collect()
}

fn local_labels(store: &PonteStore, subject: &str) -> BTreeSet<String> {
    let query = format!(
        "SELECT ?l WHERE {{ <{subject}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    );
    let answer = store
        .query(
            &query,
            |_| OutputFormat::Results(QueryResultsFormat::Tsv),
            CancellationToken::new(),
        )
        .unwrap();
    String::from_utf8(answer)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_seeded_store_lives_in_the_remote_one_and_a_second_process_reads_it_whole() {
    let remote = EmbeddedBackend::new().unwrap();
    let first = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    first.seed(SEED_FILES).unwrap();
    assert!(first.len().unwrap() > 1000);
    let second = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    let mut first_dump = Vec::new();
    let mut second_dump = Vec::new();
    first.dump(RdfFormat::NQuads, &mut first_dump).unwrap();
    second.dump(RdfFormat::NQuads, &mut second_dump).unwrap();
    let lines = |dump: &[u8]| -> BTreeSet<String> {
        String::from_utf8(dump.to_vec())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    // The same quads, blank node labels included (they travel as skolem IRIs).
    assert_eq!(lines(&first_dump), lines(&second_dump));
    // Seeding again finds everything there and sends nothing.
    let before = quads(remote.store());
    let report = second.seed(SEED_FILES).unwrap();
    assert!(
        report.loaded.is_empty() && report.replaced.is_empty(),
        "{report:?}"
    );
    assert_eq!(quads(remote.store()), before);
    // The remote store holds no blank node: they were skolemized.
    assert!(remote.store().iter().all(|q| {
        let q = q.unwrap();
        !q.subject.is_blank_node() && !q.object.is_blank_node()
    }));
}

#[test]
fn a_write_through_one_process_reaches_the_other_at_its_next_sync() {
    let remote = EmbeddedBackend::new().unwrap();
    let one = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    one.seed(SEED_FILES).unwrap();
    let other = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    let generation = other.generation();
    assert!(put(&one, "acme", ACME).unwrap());
    assert!(local_labels(&other, "https://w3id.org/ponte/id/acme").is_empty());
    assert!(other.sync_remote().unwrap());
    assert!(other.generation() > generation, "views must rebuild");
    assert_eq!(
        local_labels(&other, "https://w3id.org/ponte/id/acme"),
        BTreeSet::from(["\"Acme\"@en".to_owned()])
    );
    assert!(!other.sync_remote().unwrap(), "nothing new the second time");
    // The staging graphs of the writes are gone.
    assert!(
        remote.store().iter().all(|q| !q
            .unwrap()
            .graph_name
            .to_string()
            .contains("/graph/versions/stage/")),
        "a staging graph was left behind"
    );
    // A graph deleted through one is gone from the other.
    let target = graph("acme");
    assert!(
        one.delete_graph(&target, &CancellationToken::new())
            .unwrap()
    );
    assert!(other.sync_remote().unwrap());
    assert!(local_labels(&other, "https://w3id.org/ponte/id/acme").is_empty());
}

#[test]
fn a_write_the_shapes_refuse_leaves_the_remote_store_unchanged() {
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    store.seed(SEED_FILES).unwrap();
    let before = quads(remote.store());
    let error = put(&store, "nameless", NAMELESS).unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert_eq!(quads(remote.store()), before);
}

#[test]
fn the_default_graph_lives_in_a_named_graph_of_the_remote_store() {
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    let default = || {
        store.write_graph(
            &GraphTarget::Default,
            false,
            &[(RdfFormat::Turtle, b"<urn:a> <urn:b> <urn:c> .".as_slice())],
            None,
            &CancellationToken::new(),
        )
    };
    default().unwrap();
    let held = NamedNode::new(ponte_store::DEFAULT_GRAPH).unwrap();
    assert_eq!(
        remote
            .store()
            .quads_for_pattern(None, None, None, Some(GraphNameRef::from(&held)))
            .count(),
        1
    );
    assert_eq!(
        remote
            .store()
            .quads_for_pattern(None, None, None, Some(GraphNameRef::DefaultGraph))
            .count(),
        0
    );
    let other = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    let mut dump = Vec::new();
    other.dump(RdfFormat::NQuads, &mut dump).unwrap();
    assert!(
        String::from_utf8(dump)
            .unwrap()
            .contains("<urn:a> <urn:b> <urn:c> .\n"),
        "the other process reads it into its default graph"
    );
}

/// A backend that lets another process write just before this one's first update lands.
struct RacedBackend {
    inner: EmbeddedBackend,
    race: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Backend for RacedBackend {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn select(&self, query: &Query) -> Result<Solutions, RemoteError> {
        self.inner.select(query)
    }
    fn ask(&self, query: &Query) -> Result<bool, RemoteError> {
        self.inner.ask(query)
    }
    fn update(&self, update: &Update) -> Result<(), RemoteError> {
        let race = self.race.lock().unwrap().take();
        if let Some(race) = race {
            race();
        }
        self.inner.update(update)
    }
}

#[test]
fn a_write_that_loses_a_race_changes_nothing_is_a_conflict_and_the_retry_keeps_both() {
    let remote = EmbeddedBackend::new().unwrap();
    let winner = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    winner.seed(SEED_FILES).unwrap();
    let raced = Arc::new(RacedBackend {
        inner: remote.clone(),
        race: Mutex::new(None),
    });
    let loser = PonteStore::over_remote(raced.clone()).unwrap();
    let winner_for_race = winner.clone();
    *raced.race.lock().unwrap() = Some(Box::new(move || {
        put(&winner_for_race, "winner", ACME).unwrap();
    }));
    let other = "<https://w3id.org/ponte/id/other> a <https://w3id.org/ponte/ontology#Company> ; \
         <http://www.w3.org/2000/01/rdf-schema#label> \"Other\"@en ; \
         <http://schema.org/location> <https://w3id.org/ponte/id/bologna> .";
    let error = put(&loser, "loser", other).unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let loser_graph = NamedNode::new("https://example.org/graph/loser").unwrap();
    let in_loser = |store: &oxigraph::store::Store| {
        store
            .quads_for_pattern(None, None, None, Some(GraphNameRef::from(&loser_graph)))
            .count()
    };
    assert_eq!(
        in_loser(remote.store()),
        0,
        "the lost write changed nothing"
    );
    // The loser has read the winner's write; its retry applies on top of it.
    assert_eq!(
        local_labels(&loser, "https://w3id.org/ponte/id/acme"),
        BTreeSet::from(["\"Acme\"@en".to_owned()])
    );
    assert!(put(&loser, "loser", other).unwrap());
    assert!(in_loser(remote.store()) > 0);
    let acme = remote
        .store()
        .quads_for_pattern(
            Some(
                NamedNode::new("https://w3id.org/ponte/id/acme")
                    .unwrap()
                    .as_ref()
                    .into(),
            ),
            None,
            None,
            None,
        )
        .count();
    assert_eq!(acme, 3, "the winner's write is still there");
}

#[test]
fn the_remote_store_answers_what_the_local_copy_holds() {
    // The remote store's own SPARQL sees Ponte's facts in their graphs.
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    store.seed(SEED_FILES).unwrap();
    put(&store, "acme", ACME).unwrap();
    let QueryResults::Boolean(found) = SparqlEvaluator::new()
        .parse_query(
            "ASK { GRAPH <https://example.org/graph/acme> { \
             <https://w3id.org/ponte/id/acme> ?p ?o } }",
        )
        .unwrap()
        .on_store(remote.store())
        .execute()
        .unwrap()
    else {
        panic!("not a boolean")
    };
    assert!(found);
}

/// A backend whose updates fail: either before reaching the store, or after it applied them
/// (the answer lost on the way back).
struct Flaky {
    inner: EmbeddedBackend,
    apply: bool,
}

impl Backend for Flaky {
    fn describe(&self) -> String {
        "flaky".into()
    }
    fn select(&self, query: &Query) -> Result<Solutions, RemoteError> {
        self.inner.select(query)
    }
    fn ask(&self, query: &Query) -> Result<bool, RemoteError> {
        self.inner.ask(query)
    }
    fn update(&self, update: &Update) -> Result<(), RemoteError> {
        // Staging (INSERT DATA) and clean-up (a delete only) go through; the one conditional
        // operation that applies the write (it inserts the new version) is the one that fails.
        let applies_the_write = matches!(
            update.operations.as_slice(),
            [spargebra::GraphUpdateOperation::DeleteInsert { insert, .. }] if !insert.is_empty()
        );
        if applies_the_write && self.apply {
            self.inner.update(update)?;
        } else if !applies_the_write {
            return self.inner.update(update);
        }
        Err(RemoteError::Unreachable {
            url: "flaky".into(),
            message: "connection reset".into(),
        })
    }
}

#[test]
fn a_write_whose_answer_is_lost_is_read_back_and_one_that_never_arrived_changes_nothing() {
    let remote = EmbeddedBackend::new().unwrap();
    PonteStore::over_remote(Arc::new(remote.clone()))
        .unwrap()
        .seed(SEED_FILES)
        .unwrap();
    let lost_answer = PonteStore::over_remote(Arc::new(Flaky {
        inner: remote.clone(),
        apply: true,
    }))
    .unwrap();
    assert!(
        put(&lost_answer, "acme", ACME).unwrap(),
        "applied, so a success"
    );
    assert_eq!(
        local_labels(&lost_answer, "https://w3id.org/ponte/id/acme"),
        BTreeSet::from(["\"Acme\"@en".to_owned()])
    );
    let never_arrived = PonteStore::over_remote(Arc::new(Flaky {
        inner: remote.clone(),
        apply: false,
    }))
    .unwrap();
    // Its staging is left (the operation might still be running there): never read.
    let unstaged = |quads: BTreeSet<String>| -> BTreeSet<String> {
        quads
            .into_iter()
            .filter(|q| !q.contains("/graph/versions/stage/"))
            .collect()
    };
    let before = quads(remote.store());
    let error = put(&never_arrived, "acme", "").unwrap_err();
    assert!(matches!(error, StoreError::Remote(_)), "{error}");
    assert_eq!(
        unstaged(quads(remote.store())),
        before,
        "nothing written there"
    );
    assert_eq!(
        local_labels(&never_arrived, "https://w3id.org/ponte/id/acme"),
        BTreeSet::from(["\"Acme\"@en".to_owned()]),
        "nor here"
    );
}

fn versions_of(remote: &EmbeddedBackend, subject: &str) -> BTreeSet<String> {
    let versions = NamedNode::new(ponte_store::VERSIONS_GRAPH).unwrap();
    let subject = NamedNode::new(subject).unwrap();
    remote
        .store()
        .quads_for_pattern(
            Some(subject.as_ref().into()),
            Some(
                NamedNode::new("https://w3id.org/ponte/ontology#version")
                    .unwrap()
                    .as_ref(),
            ),
            None,
            Some(GraphNameRef::from(&versions)),
        )
        .map(|q| q.unwrap().object.to_string())
        .collect()
}

fn insert_directly(remote: &EmbeddedBackend, nquads: &str) {
    remote
        .store()
        .load_from_slice(RdfFormat::NQuads, nquads.as_bytes())
        .unwrap();
}

#[test]
fn a_forked_version_is_read_and_healed_by_the_next_write() {
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    store.seed(SEED_FILES).unwrap();
    let store_node = format!("{}#store", ponte_store::VERSIONS_GRAPH);
    assert_eq!(versions_of(&remote, &store_node).len(), 1);
    // A second version, as two writes that both passed their condition would leave.
    insert_directly(
        &remote,
        &format!(
            "<{store_node}> <https://w3id.org/ponte/ontology#version> <https://w3id.org/ponte/version/fork> <{}> .\n",
            ponte_store::VERSIONS_GRAPH
        ),
    );
    assert!(store.sync_remote().unwrap(), "the fork is a change");
    assert!(put(&store, "acme", ACME).unwrap());
    assert_eq!(versions_of(&remote, &store_node).len(), 1, "healed");
    assert!(!store.sync_remote().unwrap());
}

#[test]
fn a_graph_adopted_while_ponte_runs_is_read_at_the_next_look() {
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    store.seed(SEED_FILES).unwrap();
    // Loaded with the store's own tools, then listed in the versions graph; the store's
    // version does not move.
    insert_directly(
        &remote,
        &format!(
            "<urn:adopted:s> <urn:adopted:p> \"adopted\" <https://example.org/adopted> .\n\
             <https://example.org/adopted> <https://w3id.org/ponte/ontology#version> <https://w3id.org/ponte/version/adopted> <{}> .\n",
            ponte_store::VERSIONS_GRAPH
        ),
    );
    assert!(store.sync_remote().unwrap());
    let mut dump = Vec::new();
    store.dump(RdfFormat::NQuads, &mut dump).unwrap();
    assert!(String::from_utf8(dump).unwrap().contains("\"adopted\""));
}

#[test]
fn writes_to_ponte_s_own_graphs_or_skolem_iris_are_refused_and_send_nothing() {
    let remote = EmbeddedBackend::new().unwrap();
    let store = PonteStore::over_remote(Arc::new(remote.clone())).unwrap();
    store.seed(SEED_FILES).unwrap();
    let before = quads(remote.store());
    for (graph, turtle) in [
        (
            ponte_store::VERSIONS_GRAPH.to_owned(),
            "<urn:a> <urn:b> <urn:c> .",
        ),
        (
            ponte_store::DEFAULT_GRAPH.to_owned(),
            "<urn:a> <urn:b> <urn:c> .",
        ),
        (
            format!("{}/stage/x", ponte_store::VERSIONS_GRAPH),
            "<urn:a> <urn:b> <urn:c> .",
        ),
        (
            "https://example.org/graph/skolem".to_owned(),
            "<urn:a> <urn:b> <https://w3id.org/ponte/.well-known/genid/abc> .",
        ),
    ] {
        let error = store
            .write_graph(
                &GraphTarget::Named(NamedNode::new(graph.clone()).unwrap()),
                true,
                &[(RdfFormat::Turtle, turtle.as_bytes())],
                None,
                &CancellationToken::new(),
            )
            .unwrap_err();
        assert!(
            matches!(error, StoreError::BadRequest(_)),
            "{graph}: {error}"
        );
    }
    assert_eq!(quads(remote.store()), before);
}
