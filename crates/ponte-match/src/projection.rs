//! The graph projection: the store's entities as typed nodes and their links as labelled edges,
//! in a petgraph CSR (compressed sparse rows) walked in both directions.

use crate::content::{Content, ContentBuilder};
use petgraph::csr::Csr;
use std::collections::HashMap;

/// What a node of the projection stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum NodeKind {
    /// An organisation, person or group: what suggestions are made of.
    Actor,
    /// A topic (a SKOS concept).
    Topic,
    /// A mission, event, programme, call or other activity actors take part in.
    Activity,
    /// A project actors are partners in.
    Project,
    /// A city, region or country.
    Place,
    /// Anything else that links entities.
    #[default]
    Other,
}

/// The kinds a meta-path goes through between two actors, in the order of [`MetaPaths`].
pub const META_PATH_KINDS: [NodeKind; 4] = [
    NodeKind::Topic,
    NodeKind::Project,
    NodeKind::Activity,
    NodeKind::Actor,
];

/// One count per meta-path kind (topic, project, activity, actor such as a cluster).
pub type MetaPaths = [u32; 4];

/// `skos:broader`: a link with this predicate between two nodes also places the subject
/// under the object in the topic hierarchy.
pub const SKOS_BROADER: &str = "http://www.w3.org/2004/02/skos/core#broader";
/// `skos:narrower`: the subject is above the object in the topic hierarchy.
pub const SKOS_NARROWER: &str = "http://www.w3.org/2004/02/skos/core#narrower";

/// A class of the projection: an index into its classes, never mistaken for a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(u32);

/// A node of the projection: an index into its nodes, never mistaken for a class or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
// Transparent: laid out as the u32 it wraps, so seeds, queues and candidate lists of ids cost
// what lists of bare indices did.
#[repr(transparent)]
pub struct NodeId(u32);

impl NodeId {
    /// The position of the node in per-node slices (such as [`crate::ppr::exact`]'s answer).
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The node at a position of per-node slices (positions come from node counts, which fit
    /// a u32).
    pub(crate) fn from_index(index: usize) -> Self {
        Self(u32::try_from(index).expect("fewer than 2^32 nodes"))
    }
}

/// A node's data in the CSR.
#[derive(Debug, Clone, Copy, Default)]
pub struct Node {
    /// What the node stands for.
    pub kind: NodeKind,
    /// Its most specific class, when it has one.
    pub class: Option<ClassId>,
}

/// An edge as stored: the predicate, and whether the edge's source is the triple's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLabel {
    /// Index into [`Projection::predicates`].
    pub predicate: u32,
    /// True when the triple reads source → target; false for the reverse copy.
    pub forward: bool,
}

/// Collects nodes and edges, then builds a [`Projection`].
#[derive(Default)]
pub struct ProjectionBuilder {
    iris: Vec<Box<str>>,
    index: HashMap<Box<str>, NodeId>,
    nodes: Vec<Node>,
    classes: Vec<Box<str>>,
    class_index: HashMap<Box<str>, u32>,
    predicates: Vec<Box<str>>,
    predicate_index: HashMap<Box<str>, u32>,
    /// In petgraph's index type, so the CSR is built from this list without a copy.
    edges: Vec<(u32, u32, EdgeLabel)>,
    /// `(narrower, broader)` pairs of the topic hierarchy.
    hierarchy: Vec<(NodeId, NodeId)>,
    /// What nodes say about themselves.
    content: ContentBuilder,
}

impl ProjectionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a node (or updates its kind and class when already declared).
    pub fn node(&mut self, iri: &str, kind: NodeKind, class: Option<&str>) -> NodeId {
        let id = self.intern(iri);
        let class =
            class.map(|class| ClassId(intern(&mut self.classes, &mut self.class_index, class)));
        let node = &mut self.nodes[id.index()];
        // The first declaration that says what the node is wins over Other.
        if node.kind == NodeKind::Other {
            node.kind = kind;
        }
        if node.class.is_none() {
            node.class = class;
        }
        id
    }

    /// Adds the triple `subject predicate object` as an edge walkable both ways; nodes not yet
    /// declared are added as [`NodeKind::Other`].
    pub fn edge(&mut self, subject: &str, predicate: &str, object: &str) {
        if subject == object {
            return;
        }
        let s = self.intern(subject);
        let o = self.intern(object);
        if predicate == SKOS_BROADER {
            self.hierarchy.push((s, o));
        } else if predicate == SKOS_NARROWER {
            self.hierarchy.push((o, s));
        }
        let predicate = intern(&mut self.predicates, &mut self.predicate_index, predicate);
        self.edges.push((
            s.0,
            o.0,
            EdgeLabel {
                predicate,
                forward: true,
            },
        ));
        self.edges.push((
            o.0,
            s.0,
            EdgeLabel {
                predicate,
                forward: false,
            },
        ));
    }

    /// Adds words to what a declared node says about itself (its names, descriptions; a
    /// topic's labels), analysed: `(stem, word as written)` pairs. Ignored for an undeclared
    /// node.
    pub fn text<'a>(&mut self, iri: &str, terms: impl IntoIterator<Item = (&'a str, &'a str)>) {
        if let Some(&node) = self.index.get(iri) {
            self.content.add(node, terms);
        }
    }

    /// Whether a node with this IRI was declared.
    pub fn contains(&self, iri: &str) -> bool {
        self.index.contains_key(iri)
    }

    fn intern(&mut self, iri: &str) -> NodeId {
        if let Some(&id) = self.index.get(iri) {
            return id;
        }
        let id = NodeId(u32::try_from(self.iris.len()).expect("fewer than 2^32 nodes"));
        self.iris.push(iri.into());
        self.index.insert(iri.into(), id);
        self.nodes.push(Node::default());
        id
    }

    /// The projection. Between two nodes one edge is kept per direction (the first predicate
    /// in IRI order), so each step of an explanation is a single real triple.
    pub fn build(mut self) -> Projection {
        let predicate_order: Vec<&str> = self.predicates.iter().map(|p| &**p).collect();
        self.edges.sort_unstable_by(|a, b| {
            (
                a.0,
                a.1,
                predicate_order[a.2.predicate as usize],
                !a.2.forward,
            )
                .cmp(&(
                    b.0,
                    b.1,
                    predicate_order[b.2.predicate as usize],
                    !b.2.forward,
                ))
        });
        self.edges.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        let mut csr: Csr<Node, EdgeLabel, petgraph::Directed, u32> =
            Csr::from_sorted_edges(&self.edges).expect("edges are sorted and deduplicated");
        // Isolated nodes past the last edge's endpoints still need their row.
        while csr.node_count() < self.nodes.len() {
            csr.add_node(Node::default());
        }
        for (id, node) in (0u32..).zip(&self.nodes) {
            csr[id] = *node;
        }
        self.hierarchy.sort_unstable();
        self.hierarchy.dedup();
        let mut broader: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        let mut narrower: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        for &(below, above) in &self.hierarchy {
            broader.entry(below).or_default().push(above);
            narrower.entry(above).or_default().push(below);
        }
        let content = {
            let csr = &csr;
            let kind = |node: NodeId| csr[node.0].kind;
            self.content.build(
                self.nodes.len(),
                |node| kind(node) == NodeKind::Actor,
                |node| kind(node) == NodeKind::Topic,
                |node| {
                    csr.neighbors_slice(node.0)
                        .iter()
                        .map(|&n| NodeId(n))
                        .filter(|n| kind(*n) == NodeKind::Topic)
                        .collect()
                },
            )
        };
        let mut projection = Projection {
            csr,
            iris: self.iris,
            index: self.index,
            classes: self.classes,
            predicates: self.predicates,
            meta_degree: Vec::new(),
            broader,
            narrower,
            content,
        };
        projection.meta_degree = projection
            .nodes()
            .map(|node| {
                let mut counts = MetaPaths::default();
                for neighbour in projection.neighbours(node) {
                    if let Some(k) = meta_path_slot(projection.node(neighbour).kind) {
                        counts[k] += 1;
                    }
                }
                counts
            })
            .collect();
        projection
    }
}

fn intern(table: &mut Vec<Box<str>>, index: &mut HashMap<Box<str>, u32>, value: &str) -> u32 {
    if let Some(&id) = index.get(value) {
        return id;
    }
    let id = u32::try_from(table.len()).expect("fewer than 2^32 entries");
    table.push(value.into());
    index.insert(value.into(), id);
    id
}

/// The meta-path slot of a node kind, if paths through it count.
pub fn meta_path_slot(kind: NodeKind) -> Option<usize> {
    META_PATH_KINDS.iter().position(|k| *k == kind)
}

/// The store's entities and links as a graph; immutable once built.
pub struct Projection {
    csr: Csr<Node, EdgeLabel, petgraph::Directed, u32>,
    iris: Vec<Box<str>>,
    index: HashMap<Box<str>, NodeId>,
    classes: Vec<Box<str>>,
    predicates: Vec<Box<str>>,
    /// For each node, how many neighbours it has of each meta-path kind.
    meta_degree: Vec<MetaPaths>,
    /// The topics right above each topic (`skos:broader`).
    broader: HashMap<NodeId, Vec<NodeId>>,
    /// The topics right below each topic (`skos:narrower`).
    narrower: HashMap<NodeId, Vec<NodeId>>,
    /// What the actors say they do.
    content: Content,
}

impl Projection {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.csr.node_count()
    }

    /// Number of edges, each direction counted once.
    pub fn edge_count(&self) -> usize {
        self.csr.edge_count() / 2
    }

    /// The node an IRI names.
    pub fn id(&self, iri: &str) -> Option<NodeId> {
        self.index.get(iri).copied()
    }

    /// A node's IRI.
    pub fn iri(&self, node: NodeId) -> &str {
        &self.iris[node.index()]
    }

    /// A node's data.
    pub fn node(&self, node: NodeId) -> Node {
        self.csr[node.0]
    }

    /// A class's IRI.
    pub fn class_iri(&self, class: ClassId) -> Option<&str> {
        self.classes.get(class.0 as usize).map(|c| &**c)
    }

    /// The class of an IRI, if any node has it.
    pub fn class_id(&self, iri: &str) -> Option<ClassId> {
        self.classes
            .iter()
            .position(|c| &**c == iri)
            .and_then(|i| u32::try_from(i).ok())
            .map(ClassId)
    }

    /// A predicate's IRI.
    pub fn predicate(&self, predicate: u32) -> &str {
        &self.predicates[predicate as usize]
    }

    /// A node's neighbours (both directions), sorted by id.
    // An iterator over the CSR's row rather than a slice: a `&[u32]` cannot be viewed as
    // `&[NodeId]` without unsafe code, which the workspace forbids; the map costs nothing.
    pub fn neighbours(&self, node: NodeId) -> impl ExactSizeIterator<Item = NodeId> + Clone + '_ {
        self.csr.neighbors_slice(node.0).iter().map(|&n| NodeId(n))
    }

    /// The labels of a node's edges, in step with [`Self::neighbours`].
    pub fn labels(&self, node: NodeId) -> &[EdgeLabel] {
        self.csr.edges_slice(node.0)
    }

    /// A node's degree (both directions).
    pub fn degree(&self, node: NodeId) -> usize {
        self.csr.out_degree(node.0)
    }

    /// How many neighbours of each meta-path kind a node has.
    pub fn meta_degree(&self, node: NodeId) -> MetaPaths {
        self.meta_degree[node.index()]
    }

    /// The label of the edge from `a` to `b`, if they are linked.
    pub fn edge(&self, a: NodeId, b: NodeId) -> Option<EdgeLabel> {
        let neighbours = self.csr.neighbors_slice(a.0);
        neighbours
            .binary_search(&b.0)
            .ok()
            .map(|i| self.labels(a)[i])
    }

    /// The topics above and below `topic` in the hierarchy, up to `max_hops` levels either way
    /// (never sideways through a common parent: siblings can be far apart), each with its
    /// distance; `topic` itself first, at 0. Ordered by distance, then id.
    pub fn related_topics(&self, topic: NodeId, max_hops: usize) -> Vec<(NodeId, usize)> {
        let mut related = vec![(topic, 0)];
        for links in [&self.broader, &self.narrower] {
            let mut frontier = vec![topic];
            for hops in 1..=max_hops {
                let mut next: Vec<NodeId> = frontier
                    .iter()
                    .flat_map(|t| links.get(t).into_iter().flatten().copied())
                    .filter(|t| !related.iter().any(|(r, _)| r == t))
                    .collect();
                next.sort_unstable();
                next.dedup();
                related.extend(next.iter().map(|t| (*t, hops)));
                frontier = next;
            }
        }
        related.sort_by_key(|(t, hops)| (*hops, *t));
        related
    }

    /// What the actors and topics say about themselves, as a BM25 index.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeId> + '_ {
        // The builder gave every node a u32 id, so no index here is truncated.
        (0..self.node_count()).map(|i| NodeId(i as u32))
    }

    /// Approximate heap size in bytes (CSR, IRIs, lookup table).
    pub fn heap_bytes(&self) -> usize {
        let iris: usize = self.iris.iter().map(|i| i.len() + 16).sum();
        self.csr.edge_count() * (4 + std::mem::size_of::<EdgeLabel>())
            + self.node_count() * (8 + std::mem::size_of::<Node>() + 16)
            + iris * 2
            + self.index.capacity() * 24
    }
}
