//! Ponte over a remote triple store: the store Ponte reads from is an in-memory copy of the
//! graphs it keeps in the remote one, and every write is shipped there as one conditional
//! update before it is committed here.
//!
//! The remote store holds, beside the data, a versions graph: the store's current version and
//! each graph's. A write's removed and added quads are first staged in graphs of their own
//! (listed in an index graph, read by no one), then one operation applies them: `DELETE {
//! staged removals, old versions } INSERT { staged additions, new versions } WHERE { the store's
//! version is the one this copy was read at }`, applied whole or not at all, so writes from
//! several Ponte processes are serialized by the remote store, and a write made on a stale copy
//! changes nothing and is answered as a conflict. The staging graphs are dropped after. Its
//! outcome is read back (the protocol returns no counts): each write also inserts
//! `new ponte:follows old`.
//! Another process's writes are seen by polling the versions graph (one small SELECT) and
//! reading again the graphs whose version moved.
//!
//! Blank nodes are sent as skolem IRIs under [`SKOLEM_PREFIX`] (RDF 1.1 §3.5), since a delete
//! template cannot name a blank node, and read back as the blank nodes they were.

use crate::validation::{Pattern, QuadSource, difference};
use crate::{PonteStore, StoreError};
use oxigraph::model::{BlankNode, GraphName, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use oxigraph::store::{Store, Transaction};
use ponte_remote::{Backend, RemoteError, ops};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The remote graph that holds the versions (never copied into the local store).
pub const VERSIONS_GRAPH: &str = "https://w3id.org/ponte/graph/versions";
/// The subject whose `ponte:version` is the store's version.
const STORE_NODE: &str = "https://w3id.org/ponte/graph/versions#store";
/// The store's version before Ponte's first write.
const ORIGIN: &str = "https://w3id.org/ponte/version/origin";
/// Where new versions are minted.
const VERSION_PREFIX: &str = "https://w3id.org/ponte/version/";
/// `ponte:version`: a graph's or the store's current version.
const VERSION: &str = "https://w3id.org/ponte/ontology#version";
/// `ponte:follows`: a version and the one it replaced, the record a write reads back.
const FOLLOWS: &str = "https://w3id.org/ponte/ontology#follows";
/// Where a write's changes wait before the operation that applies them.
const STAGE_PREFIX: &str = "https://w3id.org/ponte/graph/versions/stage/";
/// `ponte:removeFrom`: a staging graph's quads are to be removed from the object graph.
const REMOVE_FROM: &str = "https://w3id.org/ponte/ontology#removeFrom";
/// `ponte:addTo`: a staging graph's quads are to be added to the object graph.
const ADD_TO: &str = "https://w3id.org/ponte/ontology#addTo";
/// Quads staged per request: Virtuoso 7.2 compiles an `INSERT DATA` into SQL and refuses one
/// of 5,000 triples (2,000 pass).
const STAGE_CHUNK: usize = 1_000;
/// The remote store's named graph that holds Ponte's default graph (stores disagree on what
/// their default graph is: Virtuoso's is the union of all).
pub const DEFAULT_GRAPH: &str = "https://w3id.org/ponte/graph/default";

/// Where the remote store keeps the local graph `graph`.
fn remote_graph(graph: &GraphName) -> NamedNode {
    match graph {
        GraphName::NamedNode(n) => n.clone(),
        // Ponte writes no quad in a blank-node graph.
        GraphName::BlankNode(_) | GraphName::DefaultGraph => iri(DEFAULT_GRAPH),
    }
}

/// Refuses what the remote store cannot keep as Ponte would read it back: a quad in one of
/// the graphs Ponte keeps there for itself (the versions, the staging, the default graph's
/// home), an IRI that would read back as a blank node, a triple term (its blank nodes could
/// not be named again, and Virtuoso 7.2 does not parse them).
fn writable(quad: &Quad) -> Result<(), StoreError> {
    let refuse = |what: String| {
        Err(StoreError::BadRequest(format!(
            "over a remote store, {what}; nothing was written"
        )))
    };
    if let GraphName::NamedNode(graph) = &quad.graph_name
        && (graph.as_str() == DEFAULT_GRAPH || graph.as_str().starts_with(VERSIONS_GRAPH))
    {
        return refuse(format!("the graph <{}> is Ponte's own", graph.as_str()));
    }
    let skolem =
        |term: &Term| matches!(term, Term::NamedNode(n) if n.as_str().starts_with(SKOLEM_PREFIX));
    if skolem(&quad.subject.clone().into())
        || skolem(&quad.object)
        || quad.predicate.as_str().starts_with(SKOLEM_PREFIX)
    {
        return refuse(format!(
            "IRIs under <{SKOLEM_PREFIX}> stand for blank nodes"
        ));
    }
    if !matches!(
        quad.object,
        Term::NamedNode(_) | Term::BlankNode(_) | Term::Literal(_)
    ) {
        return refuse("triple terms cannot be kept".into());
    }
    Ok(())
}

/// The local graph of the remote store's graph `graph`.
fn local_graph(graph: &NamedNode) -> GraphName {
    if graph.as_str() == DEFAULT_GRAPH {
        GraphName::DefaultGraph
    } else {
        graph.clone().into()
    }
}

/// Blank nodes travel to the remote store as IRIs under this prefix.
pub const SKOLEM_PREFIX: &str = "https://w3id.org/ponte/.well-known/genid/";

/// Most quads one write may change over a remote store: about 20 MB of update text, under
/// Virtuoso's default `TransactionAfterImageLimit` (50 MB).
pub const MAX_QUADS_PER_WRITE: usize = 100_000;

fn iri(text: &str) -> NamedNode {
    NamedNode::new_unchecked(text)
}

/// The versions this copy was read at. Each is a set: one version normally; two when writes
/// forked it (two first starts racing, or a store that does not serialize conditional
/// updates), which the next write heals by replacing them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Known {
    /// The store's versions (empty before the first read).
    store: BTreeSet<NamedNode>,
    /// Each copied graph's versions.
    graphs: HashMap<NamedNode, BTreeSet<NamedNode>>,
}

/// The link between the local copy and the remote store.
pub(crate) struct Replica {
    backend: Arc<dyn Backend>,
    known: Mutex<Known>,
    /// When the copy was last found up to date, and why the last look failed, if it did.
    looked: Mutex<(Option<std::time::Instant>, Option<String>)>,
}

/// How the copy of a remote store stands, for `/health`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteStatus {
    /// Where the remote store is.
    pub store: String,
    /// The store's version the copy was read at.
    pub version: Option<String>,
    /// How many graphs the copy holds.
    pub graphs: usize,
    /// Seconds since the copy was last found up to date.
    pub seconds_since_read: Option<f64>,
    /// Why the last look at the store failed, when it did (the copy is then older).
    pub last_error: Option<String>,
}

/// What a write changes, as the remote store will see it.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    removed: Vec<Quad>,
    added: Vec<Quad>,
    /// The graphs changed, each with whether it is empty afterwards.
    graphs: HashMap<NamedNode, bool>,
}

impl Delta {
    /// The quads in `before` and not in `after` are removed, the others added; the default
    /// graph's as the remote store keeps them, in [`DEFAULT_GRAPH`].
    fn record(&mut self, before: &[Quad], after: &[Quad]) -> Result<(), StoreError> {
        let remote = |quad: &Quad| {
            writable(quad)?;
            let mut quad = quad.clone();
            quad.graph_name = remote_graph(&quad.graph_name).into();
            Ok::<_, StoreError>(quad)
        };
        let (removed, added) = difference(before, after);
        for quad in removed {
            self.removed.push(remote(quad)?);
        }
        for quad in added {
            self.added.push(remote(quad)?);
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

impl Replica {
    /// Reads nothing yet: [`PonteStore::over_remote`] copies the store.
    pub(crate) fn new(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            known: Mutex::new(Known::default()),
            looked: Mutex::new((None, None)),
        }
    }

    /// How the copy stands.
    pub(crate) fn status(&self) -> RemoteStatus {
        // Never waits for a sync or a write in progress (they hold it only to swap it).
        let known = self.known().clone();
        let (read, error) = self
            .looked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        RemoteStatus {
            store: self.backend.describe(),
            version: (!known.store.is_empty()).then(|| {
                let versions: Vec<&str> = known.store.iter().map(NamedNode::as_str).collect();
                versions.join(" ")
            }),
            graphs: known.graphs.len(),
            seconds_since_read: read.map(|at| at.elapsed().as_secs_f64()),
            last_error: error,
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gives a remote store that the copy, just read, found without a version its first one
    /// (inserting a triple twice keeps one, so two processes starting together agree).
    pub(crate) fn initialize(&self) -> Result<(), StoreError> {
        if self.known().store.is_empty() {
            let origin = Quad::new(
                iri(STORE_NODE),
                iri(VERSION),
                iri(ORIGIN),
                iri(VERSIONS_GRAPH),
            );
            self.backend
                .update(&ops::insert_data(&[origin]))
                .map_err(remote)?;
            self.known().store.insert(iri(ORIGIN));
        }
        Ok(())
    }

    /// The remote store's version and each graph's, by one SELECT.
    fn versions(&self) -> Result<Known, StoreError> {
        let query = ops::select(
            ops::in_graph(&iri(VERSIONS_GRAPH), None, Some(&iri(VERSION)), None),
            &["s", "o"],
        );
        let answer = self.backend.select(&query).map_err(remote)?;
        let mut known = Known::default();
        for row in 0..answer.rows.len() {
            let (Some(Term::NamedNode(subject)), Some(Term::NamedNode(version))) =
                (answer.get(row, "s"), answer.get(row, "o"))
            else {
                continue;
            };
            if subject.as_str() == STORE_NODE {
                known.store.insert(version.clone());
            } else {
                known
                    .graphs
                    .entry(subject.clone())
                    .or_default()
                    .insert(version.clone());
            }
        }
        // A stray origin beside a real version (a first start inserting it after another
        // process's first write) is ignored, and deleted by the next write.
        if known.store.len() > 1 {
            known.store.remove(&iri(ORIGIN));
        }
        Ok(known)
    }

    /// Brings the local copy to the remote store's version: reads the graphs whose version
    /// moved, drops those gone. The caller holds the write lock. Answers whether anything
    /// changed.
    pub(crate) fn sync(&self, local: &Store) -> Result<bool, StoreError> {
        let result = self.read_changes(local);
        let mut looked = self
            .looked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &result {
            Ok(_) => *looked = (Some(std::time::Instant::now()), None),
            Err(error) => looked.1 = Some(error.to_string()),
        }
        result
    }

    fn read_changes(&self, local: &Store) -> Result<bool, StoreError> {
        let now = self.versions()?;
        // The lock is held only to copy and to swap, never across a call to the store.
        let known = self.known().clone();
        if now == known {
            return Ok(false);
        }
        let mut transaction = local.start_transaction()?;
        for (graph, versions) in &now.graphs {
            if known.graphs.get(graph) == Some(versions) {
                continue;
            }
            let triples = self.backend.graph(graph).map_err(remote)?;
            let local = local_graph(graph);
            transaction.clear_graph(local.as_ref())?;
            for triple in triples {
                transaction.insert(&deskolemized(triple).in_graph(local.clone()));
            }
        }
        for graph in known.graphs.keys() {
            if !now.graphs.contains_key(graph) {
                match local_graph(graph) {
                    GraphName::NamedNode(named) => transaction.remove_named_graph(&named)?,
                    other => transaction.clear_graph(other.as_ref())?,
                }
            }
        }
        transaction.commit()?;
        *self.known() = now;
        Ok(true)
    }

    /// What `transaction` changes in `graphs` (every graph when `None`) and the meta graph,
    /// against the committed `store`.
    pub(crate) fn delta(
        store: &Store,
        transaction: &Transaction<'_>,
        graphs: Option<&HashSet<GraphName>>,
    ) -> Result<Delta, StoreError> {
        let mut delta = Delta::default();
        match graphs {
            Some(graphs) => {
                let meta = GraphName::from(crate::vocab::META_GRAPH.into_owned());
                for graph in graphs.iter().chain(std::iter::once(&meta)) {
                    let pattern = Pattern::in_graph(Some(graph.as_ref()));
                    delta.record(&store.matching(pattern)?, &transaction.matching(pattern)?)?;
                }
            }
            None => delta.record(
                &store.matching(Pattern::default())?,
                &transaction.matching(Pattern::default())?,
            )?,
        }
        let changed: HashSet<NamedNode> = delta
            .removed
            .iter()
            .chain(&delta.added)
            .filter_map(|q| match &q.graph_name {
                GraphName::NamedNode(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        for graph in changed {
            let empty = transaction
                .quads_for_pattern(None, None, None, Some(local_graph(&graph).as_ref()))
                .next()
                .is_none();
            delta.graphs.insert(graph, empty);
        }
        Ok(delta)
    }

    /// Sends `delta` as one conditional update on the versions this copy was read at, and
    /// reads its outcome back; answers the versions the copy is at once the write is
    /// committed here too (then [`Self::advance`]). A write that lost a race to another
    /// process changes nothing and is a conflict. An empty delta sends nothing.
    pub(crate) fn ship(&self, delta: &Delta) -> Result<Option<Known>, StoreError> {
        if delta.is_empty() {
            return Ok(None);
        }
        let quads = delta.removed.len() + delta.added.len();
        if quads > MAX_QUADS_PER_WRITE {
            return Err(StoreError::BadRequest(format!(
                "this write changes {quads} quads; over a remote store one write changes at most \
                 {MAX_QUADS_PER_WRITE} (stores bound a transaction's size: Virtuoso's is 50 MB \
                 by default); split it into several graphs or imports"
            )));
        }
        let mut known = self.known().clone();
        if known.store.is_empty() {
            known.store.insert(iri(ORIGIN));
        }
        let token = uuid::Uuid::new_v4();
        let new = iri(&format!("{VERSION_PREFIX}{token}"));
        let versions = iri(VERSIONS_GRAPH);
        let version_quad = |subject: &NamedNode, version: &NamedNode| {
            Quad::new(
                subject.clone(),
                iri(VERSION),
                version.clone(),
                versions.clone(),
            )
        };
        let store_node = iri(STORE_NODE);
        // Every version the copy was read at is replaced (which heals a fork), and a stray
        // origin with them.
        let mut delete: Vec<Quad> = known
            .store
            .iter()
            .chain(std::iter::once(&iri(ORIGIN)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|old| version_quad(&store_node, old))
            .collect();
        let mut insert = vec![version_quad(&store_node, &new)];
        insert.extend(
            known
                .store
                .iter()
                .map(|old| Quad::new(new.clone(), iri(FOLLOWS), old.clone(), versions.clone())),
        );
        for (graph, empty) in &delta.graphs {
            for previous in known.graphs.get(graph).into_iter().flatten() {
                delete.push(version_quad(graph, previous));
            }
            if !empty {
                insert.push(version_quad(graph, &new));
            }
        }
        // The changed quads wait in staging graphs no one reads, then one conditional
        // operation moves them (see `ops::staged_update`).
        let index = iri(&format!("{STAGE_PREFIX}{token}"));
        let staged = stage(&index, delta);
        let result = self.commit_staged(&staged, &index, &delete, &insert, &known.store, &new);
        // Left-over staging graphs are harmless (never copied); the next write goes on. When
        // the outcome is unknown the operation may still be running there: leave them.
        if !matches!(result, Err(StoreError::Remote(_))) {
            let _ = self.backend.update(&ops::delete_staged(&index));
        }
        result?;
        known.store = BTreeSet::from([new.clone()]);
        for (graph, empty) in &delta.graphs {
            if *empty {
                known.graphs.remove(graph);
            } else {
                known
                    .graphs
                    .insert(graph.clone(), BTreeSet::from([new.clone()]));
            }
        }
        Ok(Some(known))
    }

    /// Records that the copy is at `known`, once the write shipped is committed here.
    pub(crate) fn advance(&self, known: Known) {
        *self.known() = known;
    }

    /// Stages `staged`, sends the one conditional operation, and reads back whether it applied.
    fn commit_staged(
        &self,
        staged: &[Quad],
        index: &NamedNode,
        delete: &[Quad],
        insert: &[Quad],
        read_at: &BTreeSet<NamedNode>,
        new: &NamedNode,
    ) -> Result<(), StoreError> {
        // The write records that it follows each of them: one is enough to read it back.
        let old = read_at
            .iter()
            .next()
            .cloned()
            .unwrap_or_else(|| iri(ORIGIN));
        for chunk in staged.chunks(STAGE_CHUNK) {
            self.backend
                .update(&ops::insert_data(chunk))
                .map_err(remote)?;
        }
        let versions = iri(VERSIONS_GRAPH);
        // Every version the copy was read at is still the store's.
        let condition = spargebra::algebra::GraphPattern::Graph {
            name: versions.clone().into(),
            inner: Box::new(spargebra::algebra::GraphPattern::Bgp {
                patterns: read_at
                    .iter()
                    .map(|version| spargebra::term::TriplePattern {
                        subject: iri(STORE_NODE).into(),
                        predicate: iri(VERSION).into(),
                        object: version.clone().into(),
                    })
                    .collect(),
            }),
        };
        let update = ops::staged_update(
            index,
            &iri(REMOVE_FROM),
            &iri(ADD_TO),
            delete,
            insert,
            condition,
        )
        .map_err(|e| StoreError::Internal(e.to_string()))?;
        let sent = self.backend.update(&update);
        // Whether the update was applied, even when its answer was lost on the way back.
        let applied = self
            .backend
            .ask(&ops::ask(ops::in_graph(
                &versions,
                Some(new),
                Some(&iri(FOLLOWS)),
                Some(&old.clone().into()),
            )))
            .map_err(remote)?;
        if applied {
            return Ok(());
        }
        sent.map_err(remote)?;
        Err(StoreError::Conflict(
            "another Ponte process wrote to the store first; nothing was written, read again \
             and retry"
                .into(),
        ))
    }
}

/// The staging graphs of a write under `index`: one per changed graph and direction, each
/// listed in `index` with the graph it goes to. Answers the quads to insert.
fn stage(index: &NamedNode, delta: &Delta) -> Vec<Quad> {
    let mut staged = Vec::with_capacity(delta.removed.len() + delta.added.len() + 8);
    let mut stages = 0;
    for (direction, link, quads) in [
        ("remove", REMOVE_FROM, &delta.removed),
        ("add", ADD_TO, &delta.added),
    ] {
        let mut by_graph: HashMap<&GraphName, NamedNode> = HashMap::new();
        for quad in quads {
            let stage_graph = by_graph.entry(&quad.graph_name).or_insert_with(|| {
                let stage_graph = iri(&format!("{}/{direction}/{stages}", index.as_str()));
                stages += 1;
                if let GraphName::NamedNode(target) = &quad.graph_name {
                    staged.push(Quad::new(
                        stage_graph.clone(),
                        iri(link),
                        target.clone(),
                        index.clone(),
                    ));
                }
                stage_graph
            });
            let quad = skolemized(quad);
            staged.push(Quad::new(
                quad.subject,
                quad.predicate,
                quad.object,
                stage_graph.clone(),
            ));
        }
    }
    staged
}

fn remote(error: RemoteError) -> StoreError {
    StoreError::Remote(error.to_string())
}

/// A blank node as the IRI it travels as.
fn skolem(node: &BlankNode) -> NamedNode {
    iri(&format!("{SKOLEM_PREFIX}{}", node.as_str()))
}

fn skolemized(quad: &Quad) -> Quad {
    let subject = match &quad.subject {
        NamedOrBlankNode::BlankNode(b) => NamedOrBlankNode::from(skolem(b)),
        other => other.clone(),
    };
    let object = match &quad.object {
        Term::BlankNode(b) => Term::from(skolem(b)),
        other => other.clone(),
    };
    Quad::new(
        subject,
        quad.predicate.clone(),
        object,
        quad.graph_name.clone(),
    )
}

/// The skolem IRI back to its blank node.
fn unskolem(node: &NamedNode) -> Option<BlankNode> {
    BlankNode::new(node.as_str().strip_prefix(SKOLEM_PREFIX)?).ok()
}

fn deskolemized(triple: Triple) -> Triple {
    let subject = match triple.subject {
        NamedOrBlankNode::NamedNode(n) => {
            unskolem(&n).map_or(NamedOrBlankNode::from(n), Into::into)
        }
        other => other,
    };
    let object = match triple.object {
        Term::NamedNode(n) => unskolem(&n).map_or(Term::from(n), Into::into),
        other => other,
    };
    Triple::new(subject, triple.predicate, object)
}

impl PonteStore {
    /// An in-memory copy of the graphs Ponte keeps in the remote store `backend`, read now;
    /// every write goes to the remote store first. Seed it with [`Self::seed`] as any store.
    pub fn over_remote(backend: Arc<dyn Backend>) -> Result<Self, StoreError> {
        let mut store = Self::in_memory()?;
        let replica = Arc::new(Replica::new(backend));
        replica.sync(&store.store)?;
        replica.initialize()?;
        store.remote = Some(replica);
        Ok(store)
    }

    /// How the copy of the remote store stands, when this store is one.
    pub fn remote_status(&self) -> Option<RemoteStatus> {
        self.remote.as_ref().map(|r| r.status())
    }

    /// Reads what other processes wrote to the remote store since the last look (nothing to
    /// do for an embedded store); answers whether the copy changed. Views rebuild on their
    /// next use, as after a local write.
    pub fn sync_remote(&self) -> Result<bool, StoreError> {
        if self.remote.is_none() {
            return Ok(false);
        }
        let _writing = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.catch_up()
    }

    /// Brings the copy up to date with the remote store, when this store is one; the caller
    /// holds the write lock. A change counts as a write, so the views rebuild.
    pub(crate) fn catch_up(&self) -> Result<bool, StoreError> {
        let Some(replica) = &self.remote else {
            return Ok(false);
        };
        let changed = replica.sync(&self.store)?;
        if changed {
            self.wrote();
        }
        Ok(changed)
    }

    /// Polls the remote store every `interval` on a thread of its own, for as long as the
    /// process runs; a failed poll is logged by `on_error` and retried at the next tick.
    pub fn poll_remote(
        &self,
        interval: std::time::Duration,
        on_error: impl Fn(&StoreError) + Send + 'static,
    ) -> Result<(), StoreError> {
        if self.remote.is_none() {
            return Ok(());
        }
        let store = self.clone();
        std::thread::Builder::new()
            .name("ponte-remote-poll".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(interval);
                    if let Err(error) = store.sync_remote() {
                        on_error(&error);
                    }
                }
            })
            .map(|_| ())
            .map_err(|e| StoreError::Internal(format!("cannot start the remote poll: {e}")))
    }
}
