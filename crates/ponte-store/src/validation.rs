//! SHACL validation of every write against `ontology/shapes.ttl`.
//!
//! A write is checked where it can break the shapes, not across the whole store: the nodes it
//! changed (subjects and linked objects of the added or removed quads) and the nodes that link to
//! a changed subject (a link's `sh:class` depends on its target's type). Those focus nodes are
//! validated over their description and everything reachable from it in three hops (types,
//! places up to their country, the ontology's class hierarchy), read from the state the write
//! would leave. A violation on a focus node refuses the whole write. `ponte check` validates
//! every node.

use crate::canonical::{self, record_hashes};
use crate::replica::Replica;
use crate::sparql::ensure_alive;
use crate::{PonteStore, StoreError};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{
    Graph, GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef,
    Quad, QuadRef, Term, TermRef,
};
use oxigraph::sparql::CancellationToken;
use oxigraph::store::{Store, Transaction};
use ponte_shacl::{Shapes, Violation};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// How far from a focus node its context is read: enough for a city's region's country.
const CONTEXT_HOPS: usize = 3;

/// The shapes embedded from `ontology/shapes.ttl`, compiled once per process.
pub(crate) fn shapes() -> Result<Arc<Shapes>, StoreError> {
    static SHAPES: OnceLock<Result<Arc<Shapes>, String>> = OnceLock::new();
    SHAPES
        .get_or_init(|| {
            let file = crate::SEED_FILES
                .iter()
                .find(|f| f.path == "ontology/shapes.ttl")
                .ok_or_else(|| "ontology/shapes.ttl is not embedded".to_owned())?;
            let text = std::str::from_utf8(file.content).map_err(|e| e.to_string())?;
            Shapes::from_turtle(text)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(StoreError::Internal)
}

/// A quad pattern: `None` matches anything (in any graph, for `graph`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Pattern<'a> {
    pub subject: Option<NamedOrBlankNodeRef<'a>>,
    pub predicate: Option<NamedNodeRef<'a>>,
    pub object: Option<TermRef<'a>>,
    pub graph: Option<GraphNameRef<'a>>,
}

impl<'a> Pattern<'a> {
    /// Every quad about `subject`.
    fn about(subject: NamedOrBlankNodeRef<'a>) -> Self {
        Self {
            subject: Some(subject),
            ..Self::default()
        }
    }

    /// Every quad of `graph` (`None`: of every graph).
    pub(crate) fn in_graph(graph: Option<GraphNameRef<'a>>) -> Self {
        Self {
            graph,
            ..Self::default()
        }
    }
}

/// Reads quads from the state a write would leave behind.
pub(crate) trait QuadSource {
    /// The quads matching `pattern`.
    fn matching(&self, pattern: Pattern<'_>) -> Result<Vec<Quad>, StoreError>;
}

/// `QuadSource` over a type's own `quads_for_pattern` (the store and a transaction have the
/// same one, without a common trait).
macro_rules! quad_source_by_pattern {
    ($($source:ty),*) => {$(
        impl QuadSource for $source {
            fn matching(&self, p: Pattern<'_>) -> Result<Vec<Quad>, StoreError> {
                Ok(self
                    .quads_for_pattern(p.subject, p.predicate, p.object, p.graph)
                    .collect::<Result<_, _>>()?)
            }
        }
    )*};
}

quad_source_by_pattern!(Store, Transaction<'_>);

/// The quads a bulk load adds, indexed by subject and by linked object.
#[derive(Default)]
pub(crate) struct AddedQuads {
    quads: Vec<Quad>,
    by_subject: HashMap<NamedOrBlankNode, Vec<usize>>,
    by_object: HashMap<NamedOrBlankNode, Vec<usize>>,
}

impl AddedQuads {
    /// Adds one quad.
    pub(crate) fn push(&mut self, quad: Quad) {
        let index = self.quads.len();
        self.by_subject
            .entry(quad.subject.clone())
            .or_default()
            .push(index);
        if let Some(object) = linked_node(&quad.object) {
            self.by_object.entry(object).or_default().push(index);
        }
        self.quads.push(quad);
    }
}

/// The store as it will be once `added` is loaded (the bulk loader cannot be read before it
/// commits).
pub(crate) struct WithAdded<'a> {
    /// The store before the load.
    pub store: &'a Store,
    /// The quads the load adds.
    pub added: &'a AddedQuads,
}

impl QuadSource for WithAdded<'_> {
    fn matching(&self, pattern: Pattern<'_>) -> Result<Vec<Quad>, StoreError> {
        let mut quads = self.store.matching(pattern)?;
        let Pattern {
            subject,
            predicate,
            object,
            graph,
        } = pattern;
        let indexes: Box<dyn Iterator<Item = usize>> = match (subject, object) {
            (Some(s), _) => Box::new(
                self.added
                    .by_subject
                    .get(&s.into_owned())
                    .into_iter()
                    .flatten()
                    .copied(),
            ),
            (None, Some(o)) => match linked_node(&o.into_owned()) {
                Some(o) => Box::new(self.added.by_object.get(&o).into_iter().flatten().copied()),
                None => Box::new(0..self.added.quads.len()),
            },
            (None, None) => Box::new(0..self.added.quads.len()),
        };
        quads.extend(
            indexes
                .map(|i| &self.added.quads[i])
                .filter(|q| subject.is_none_or(|s| q.subject.as_ref() == s))
                .filter(|q| predicate.is_none_or(|p| q.predicate.as_ref() == p))
                .filter(|q| object.is_none_or(|o| q.object.as_ref() == o))
                .filter(|q| graph.is_none_or(|g| q.graph_name.as_ref() == g))
                .cloned(),
        );
        Ok(quads)
    }
}

/// The IRI or blank node a triple links to; `None` for a literal.
fn linked_node(object: &Term) -> Option<NamedOrBlankNode> {
    match object {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

/// The nodes a set of added or removed quads changed: what the write must be validated on.
#[derive(Default)]
pub(crate) struct Changes {
    /// Subjects whose description changed.
    subjects: HashSet<NamedOrBlankNode>,
    /// The (predicate, node) links added or removed (a new link target may dangle).
    links: HashSet<(NamedNode, NamedOrBlankNode)>,
}

/// The quads of `before` not in `after` (removed), and those of `after` not in `before` (added).
pub(crate) fn difference<'a>(
    before: &'a [Quad],
    after: &'a [Quad],
) -> (Vec<&'a Quad>, Vec<&'a Quad>) {
    let before_set: HashSet<&Quad> = before.iter().collect();
    let after_set: HashSet<&Quad> = after.iter().collect();
    let removed = before.iter().filter(|q| !after_set.contains(q)).collect();
    let added = after.iter().filter(|q| !before_set.contains(q)).collect();
    (removed, added)
}

impl Changes {
    /// Records one added or removed quad.
    pub(crate) fn record(&mut self, quad: QuadRef<'_>) {
        self.subjects.insert(quad.subject.into_owned());
        // The class a node is typed with is not changed by the typing.
        if quad.predicate != rdf::TYPE
            && let Some(object) = linked_node(&quad.object.into_owned())
        {
            self.links.insert((quad.predicate.into_owned(), object));
        }
    }

    /// Records every quad that is in one of `before` and `after` and not in the other, and
    /// answers the graphs those quads are in.
    pub(crate) fn record_difference(
        &mut self,
        before: &[Quad],
        after: &[Quad],
    ) -> HashSet<GraphName> {
        let mut graphs = HashSet::new();
        let (removed, added) = difference(before, after);
        for quad in removed.into_iter().chain(added) {
            self.record(quad.as_ref());
            if !graphs.contains(&quad.graph_name) {
                graphs.insert(quad.graph_name.clone());
            }
        }
        graphs
    }
}

/// Validates the nodes `changes` touched over `state`, the state the write leaves.
pub(crate) fn validate_changes(
    state: &impl QuadSource,
    changes: &Changes,
) -> Result<(), StoreError> {
    let shapes = shapes()?;
    let targets = shapes.targets();
    let hierarchy = state.matching(Pattern {
        predicate: Some(rdfs::SUB_CLASS_OF),
        ..Pattern::default()
    })?;
    let classes = subclasses_of(&targets.classes, &hierarchy);
    // Whether a node, described by `description`, is one the shapes validate.
    let is_target = |description: &[Quad]| {
        targets.any_node
            || description.iter().any(|q| {
                targets.subjects_of.contains(&q.predicate)
                    || (q.predicate == rdf::TYPE
                        && matches!(&q.object, Term::NamedNode(c) if classes.contains(c)))
            })
    };
    let mut focus = HashSet::new();
    let mut referrers = HashSet::new();
    for subject in &changes.subjects {
        if is_target(&state.matching(Pattern::about(subject.as_ref()))?) {
            focus.insert(subject.clone());
        }
        // Who links to a changed subject may now link to the wrong kind of thing.
        for quad in state.matching(Pattern {
            object: Some(subject.as_ref().into()),
            ..Pattern::default()
        })? {
            if targets.objects_of.contains(&quad.predicate) {
                focus.insert(subject.clone());
            }
            if !changes.subjects.contains(&quad.subject) {
                referrers.insert(quad.subject);
            }
        }
    }
    for referrer in referrers {
        if is_target(&state.matching(Pattern::about(referrer.as_ref()))?) {
            focus.insert(referrer);
        }
    }
    for (predicate, object) in &changes.links {
        if targets.any_node || targets.objects_of.contains(predicate) {
            focus.insert(object.clone());
        }
    }
    if focus.is_empty() {
        return Ok(());
    }
    let mut data = context(state, &focus)?;
    for quad in &hierarchy {
        data.insert(quad.as_ref());
    }
    let violations = shapes
        .validate(data.iter())
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    refuse_if_any(
        violations
            .into_iter()
            .filter(|v| linked_node(&v.focus_node).is_some_and(|node| focus.contains(&node)))
            .collect(),
    )
}

/// `classes` and all their subclasses in `hierarchy` (`rdfs:subClassOf` quads).
fn subclasses_of(classes: &HashSet<NamedNode>, hierarchy: &[Quad]) -> HashSet<NamedNode> {
    let mut all = classes.clone();
    loop {
        let before = all.len();
        for quad in hierarchy {
            if let (NamedOrBlankNode::NamedNode(sub), Term::NamedNode(sup)) =
                (&quad.subject, &quad.object)
                && all.contains(sup)
            {
                all.insert(sub.clone());
            }
        }
        if all.len() == before {
            return all;
        }
    }
}

/// The focus nodes' descriptions, what they reach in [`CONTEXT_HOPS`] hops, and the class
/// hierarchy, as one graph (named graphs merged: facts about a node come from many sources).
fn context(
    state: &impl QuadSource,
    focus: &HashSet<NamedOrBlankNode>,
) -> Result<Graph, StoreError> {
    let mut data = Graph::new();
    let mut seen: HashSet<NamedOrBlankNode> = focus.clone();
    let mut frontier: Vec<NamedOrBlankNode> = focus.iter().cloned().collect();
    for _ in 0..CONTEXT_HOPS {
        let mut next = Vec::new();
        for node in &frontier {
            for quad in state.matching(Pattern::about(node.as_ref()))? {
                if let Some(linked) = linked_node(&quad.object)
                    && seen.insert(linked.clone())
                {
                    next.push(linked);
                }
                data.insert(quad.as_ref());
            }
        }
        frontier = next;
    }
    // The last ring's types, so `sh:class` can be checked on it.
    for node in &frontier {
        for quad in state.matching(Pattern {
            predicate: Some(rdf::TYPE),
            ..Pattern::about(node.as_ref())
        })? {
            data.insert(quad.as_ref());
        }
    }
    Ok(data)
}

/// Fails with [`StoreError::Invalid`] when `violations` is not empty.
fn refuse_if_any(violations: Vec<Violation>) -> Result<(), StoreError> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(violations))
    }
}

impl PonteStore {
    /// Validates every node of the store against the shapes; an empty list means it conforms.
    pub fn validate_all(&self) -> Result<Vec<Violation>, StoreError> {
        let mut data = Graph::new();
        for quad in self.store.iter() {
            data.insert(quad?.as_ref());
        }
        shapes()?
            .validate(data.iter())
            .map_err(|e| StoreError::Internal(e.to_string()))
    }
}

/// The graphs a write may change: where to look for what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// These graphs only.
    Graphs(HashSet<GraphName>),
    /// Any graph (a template with a variable graph name, `DROP ALL`, ...).
    All,
}

impl Scope {
    /// One graph.
    pub(crate) fn graph(graph: impl Into<GraphName>) -> Self {
        Self::Graphs(HashSet::from([graph.into()]))
    }

    /// The graphs a SPARQL update's operations write to.
    pub(crate) fn of_update(update: &spargebra::Update) -> Self {
        use spargebra::GraphUpdateOperation as Op;
        use spargebra::algebra::GraphTarget;
        use spargebra::term::{GraphName as AlgebraGraphName, GraphNamePattern};

        fn named(graph: &AlgebraGraphName) -> GraphName {
            match graph {
                AlgebraGraphName::NamedNode(n) => n.clone().into(),
                AlgebraGraphName::DefaultGraph => GraphName::DefaultGraph,
            }
        }
        fn pattern(graph: &GraphNamePattern) -> Option<GraphName> {
            match graph {
                GraphNamePattern::NamedNode(n) => Some(n.clone().into()),
                GraphNamePattern::DefaultGraph => Some(GraphName::DefaultGraph),
                GraphNamePattern::Variable(_) => None,
            }
        }

        let mut graphs = HashSet::new();
        for operation in &update.operations {
            match operation {
                Op::InsertData { data } => graphs.extend(data.iter().map(|q| named(&q.graph_name))),
                Op::DeleteData { data } => graphs.extend(data.iter().map(|q| named(&q.graph_name))),
                Op::DeleteInsert { delete, insert, .. } => {
                    let targets = delete
                        .iter()
                        .map(|q| &q.graph_name)
                        .chain(insert.iter().map(|q| &q.graph_name));
                    for target in targets {
                        match pattern(target) {
                            Some(graph) => {
                                graphs.insert(graph);
                            }
                            None => return Self::All,
                        }
                    }
                }
                Op::Load { destination, .. } => {
                    graphs.insert(named(destination));
                }
                Op::Clear { graph, .. } | Op::Drop { graph, .. } => match graph {
                    GraphTarget::NamedNode(n) => {
                        graphs.insert(n.clone().into());
                    }
                    GraphTarget::DefaultGraph => {
                        graphs.insert(GraphName::DefaultGraph);
                    }
                    GraphTarget::NamedGraphs | GraphTarget::AllGraphs => return Self::All,
                },
                Op::Create { .. } => {}
            }
        }
        Self::Graphs(graphs)
    }
}

impl PonteStore {
    /// Commits `transaction` once what it changed within `scope` passes the shapes and, when a
    /// `token` is given, the request is still alive; otherwise drops it, writing nothing. Every
    /// transactional write ends here, so none skips validation or the generation count.
    pub(crate) fn commit_validated(
        &self,
        mut transaction: Transaction<'_>,
        scope: &Scope,
        token: Option<&CancellationToken>,
    ) -> Result<(), StoreError> {
        let changed = self.validate_transaction(&transaction, scope)?;
        record_hashes(&mut transaction, &changed)?;
        if let Some(token) = token {
            ensure_alive(token)?;
        }
        let mut shipped = None;
        if let Some(replica) = &self.remote {
            let graphs = match scope {
                Scope::Graphs(graphs) => Some(graphs),
                Scope::All => None,
            };
            let delta = Replica::delta(&self.store, &transaction, graphs)?;
            match replica.ship(&delta) {
                Ok(known) => shipped = known.map(|known| (replica, known)),
                Err(error) => {
                    if matches!(error, StoreError::Conflict(_)) {
                        // Read what the other process wrote, so a retry starts from it.
                        drop(transaction);
                        self.catch_up()?;
                    }
                    return Err(error);
                }
            }
        }
        transaction.commit()?;
        // Only now is the copy at the new version: had the commit failed, the next sync
        // would read the write back from the store.
        if let Some((replica, known)) = shipped {
            replica.advance(known);
        }
        self.wrote();
        Ok(())
    }

    /// Validates what `transaction` changed within `scope`, compared with the committed store
    /// (the caller holds the write lock, so the store is the state the transaction started from),
    /// and answers the graphs whose content hash must be recorded again: those it changed, and
    /// those in scope that have none (their description was rewritten).
    fn validate_transaction(
        &self,
        transaction: &Transaction<'_>,
        scope: &Scope,
    ) -> Result<HashSet<GraphName>, StoreError> {
        let mut changes = Changes::default();
        let mut changed = HashSet::new();
        match scope {
            Scope::Graphs(graphs) => {
                for graph in graphs {
                    let in_graph = Pattern::in_graph(Some(graph.as_ref()));
                    let differs = !changes
                        .record_difference(
                            &self.store.matching(in_graph)?,
                            &transaction.matching(in_graph)?,
                        )
                        .is_empty();
                    if differs || !canonical::has_recorded_hash(transaction, graph)? {
                        changed.insert(graph.clone());
                    }
                }
            }
            Scope::All => {
                changed = changes.record_difference(
                    &self.store.matching(Pattern::default())?,
                    &transaction.matching(Pattern::default())?,
                );
            }
        }
        validate_changes(transaction, &changes)?;
        Ok(changed)
    }
}
