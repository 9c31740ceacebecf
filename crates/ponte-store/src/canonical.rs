//! Content hashes of graphs that do not depend on blank-node labels or order: the SHA-256 of
//! the graph's canonical N-Quads by RDF Dataset Canonicalization (RDFC-1.0), computed by
//! sophia_c14n. Its Sophia-C14N variant is used, which gives RDFC-1.0's result on every graph
//! RDFC-1.0 accepts and also accepts RDF 1.2 triple terms (which Ponte stores).
//!
//! The same graph loaded from a dump, re-imported with other blank-node labels, or written in
//! another order has the same hash, so a hash recorded in the meta graph proves a graph intact
//! across restores and recognises a re-import that changes nothing.

use crate::StoreError;
use crate::validation::{Pattern, QuadSource};
use crate::vocab::{CANONICAL_SHA256, META_GRAPH};
use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedOrBlankNodeRef, Quad, Term, TermRef, TripleRef,
};
use oxigraph::sparql::CancellationToken;
use oxigraph::store::{Store, Transaction};
use sha2::{Digest, Sha256};
use sophia_api::MownStr;
use sophia_api::term::{BaseDirection, BnodeId, IriRef, LanguageTag, SimpleTerm};
use sophia_c14n::C14nError;
use std::collections::HashSet;
use std::fmt::Write as _;

/// Lower-case hex SHA-256 of the RDFC-1.0 canonical form of the graph made of `triples`
/// (duplicates count once: a graph is a set). A graph built to make canonicalization explode
/// (sophia_c14n's "toxic" graphs: many indistinguishable blank nodes) is refused with a 400.
pub fn graph_hash<'a>(
    triples: impl IntoIterator<Item = TripleRef<'a>>,
) -> Result<String, StoreError> {
    // Every triple in the default graph: the hash is the graph's content, whatever its name.
    let dataset: HashSet<([SimpleTerm<'a>; 3], Option<SimpleTerm<'a>>)> = triples
        .into_iter()
        .map(|t| {
            (
                [
                    subject(t.subject),
                    iri(t.predicate.as_str()),
                    term(t.object),
                ],
                None,
            )
        })
        .collect();
    let mut hasher = HashWriter(Sha256::new());
    sophia_c14n::sophia::normalize(&dataset, &mut hasher).map_err(|e| match e {
        C14nError::ToxicGraph(why) => StoreError::BadRequest(format!(
            "the graph cannot be canonicalized for its content hash (RDFC-1.0): {why}; its blank nodes are too many and too alike"
        )),
        other => StoreError::Internal(format!("canonicalizing a graph: {other}")),
    })?;
    let mut hex = String::with_capacity(64);
    for byte in hasher.0.finalize() {
        let _ = write!(hex, "{byte:02x}");
    }
    Ok(hex)
}

/// What comparing each named graph with the hash recorded for it found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashCheck {
    /// Graphs whose content has the hash recorded for it.
    pub verified: usize,
    /// Graphs whose content differs from their recorded hash, each with both hashes.
    pub differing: Vec<String>,
    /// Named graphs without a recorded hash (written before hashes were recorded, or by a
    /// `ponte load` killed before it recorded them).
    pub unhashed: Vec<String>,
}

/// Whether a graph's content hash is recorded: the graphs of data, not the default graph
/// (Ponte keeps every fact in the graph of its source) nor the meta graph that holds them.
fn is_hashed(graph: &GraphName) -> Option<&NamedNode> {
    match graph {
        GraphName::NamedNode(node) if node.as_ref() != META_GRAPH => Some(node),
        _ => None,
    }
}

/// The quads that record `graph`'s content hash in the meta graph.
fn hash_quads(source: &impl QuadSource, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
    source.matching(Pattern {
        subject: Some(graph.as_ref().into()),
        predicate: Some(CANONICAL_SHA256),
        object: None,
        graph: Some(META_GRAPH.into()),
    })
}

/// Whether `graph` has a recorded hash in `source` (true for graphs that are never hashed).
pub(crate) fn has_recorded_hash(
    source: &impl QuadSource,
    graph: &GraphName,
) -> Result<bool, StoreError> {
    match is_hashed(graph) {
        Some(node) => Ok(!hash_quads(source, node)?.is_empty()),
        None => Ok(true),
    }
}

/// The hash recorded for `graph`, if any.
pub(crate) fn recorded_hash(
    source: &impl QuadSource,
    graph: &NamedNode,
) -> Result<Option<String>, StoreError> {
    Ok(hash_quads(source, graph)?
        .into_iter()
        .find_map(|quad| match quad.object {
            Term::Literal(literal) => Some(literal.value().to_owned()),
            _ => None,
        }))
}

/// The content hash of `graph` as `source` holds it.
fn hash_of(source: &impl QuadSource, graph: &NamedNode) -> Result<String, StoreError> {
    let quads = source.matching(Pattern::in_graph(Some(graph.as_ref().into())))?;
    graph_hash(quads.iter().map(|q| TripleRef::from(q.as_ref())))
}

/// Records in `transaction` the content hash of each of `graphs` as it leaves them (a graph it
/// removed loses its hash), so the meta graph always describes what the graphs hold.
pub(crate) fn record_hashes(
    transaction: &mut Transaction<'_>,
    graphs: &HashSet<GraphName>,
) -> Result<(), StoreError> {
    record_hashes_up_to(transaction, graphs, None)
}

/// [`record_hashes`] for the graphs of at most `max_quads` quads (all with `None`); a larger
/// one loses its recorded hash (so none is stale), and `ponte check` lists it as unhashed.
pub(crate) fn record_hashes_up_to(
    transaction: &mut Transaction<'_>,
    graphs: &HashSet<GraphName>,
    max_quads: Option<usize>,
) -> Result<(), StoreError> {
    for graph in graphs.iter().filter_map(is_hashed) {
        for quad in hash_quads(transaction, graph)? {
            transaction.remove(&quad);
        }
        if !transaction.contains_named_graph(graph)? {
            continue;
        }
        // Counted from the index keys first: reading a graph too large to hash term by term
        // cost more than a bulk load of it (and the reads made RocksDB compact the new files).
        if let Some(max) = max_quads
            && transaction.len_of_graph_up_to(graph.as_ref().into(), max)? > max
        {
            continue;
        }
        let quads = transaction.matching(Pattern::in_graph(Some(graph.as_ref().into())))?;
        let hash = graph_hash(quads.iter().map(|q| TripleRef::from(q.as_ref())))?;
        transaction.insert(&Quad::new(
            graph.clone(),
            CANONICAL_SHA256,
            Literal::from(hash),
            META_GRAPH,
        ));
    }
    Ok(())
}

/// Compares every named graph of `store` with the hash recorded for it.
pub(crate) fn verify_recorded_hashes(
    store: &Store,
    token: &CancellationToken,
) -> Result<HashCheck, StoreError> {
    let mut check = HashCheck::default();
    for name in store.named_graphs() {
        if token.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
        let Some(graph) = is_hashed(&name?.into()).cloned() else {
            continue;
        };
        match recorded_hash(store, &graph)? {
            None => check.unhashed.push(graph.into_string()),
            Some(recorded) => {
                let actual = hash_of(store, &graph)?;
                if actual == recorded {
                    check.verified += 1;
                } else {
                    check.differing.push(format!(
                        "{graph} has content hash {actual} where {recorded} is recorded"
                    ));
                }
            }
        }
    }
    Ok(check)
}

/// Feeds what the canonicalizer writes to the hash, so the canonical form is never held whole.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn iri(iri: &str) -> SimpleTerm<'_> {
    SimpleTerm::Iri(IriRef::new_unchecked(MownStr::from(iri)))
}

fn subject(node: NamedOrBlankNodeRef<'_>) -> SimpleTerm<'_> {
    match node {
        NamedOrBlankNodeRef::NamedNode(n) => iri(n.as_str()),
        NamedOrBlankNodeRef::BlankNode(b) => {
            SimpleTerm::BlankNode(BnodeId::new_unchecked(MownStr::from(b.as_str())))
        }
    }
}

/// The sophia form of an oxigraph term, borrowing its strings. Triple terms recurse, as deep
/// as they are nested: the body checks bound that before anything is stored.
fn term(value: TermRef<'_>) -> SimpleTerm<'_> {
    match value {
        TermRef::NamedNode(n) => iri(n.as_str()),
        TermRef::BlankNode(b) => subject(b.into()),
        TermRef::Literal(literal) => match literal.language() {
            Some(language) => SimpleTerm::LiteralLanguage(
                MownStr::from(literal.value()),
                LanguageTag::new_unchecked(MownStr::from(language)),
                literal.direction().map(|d| match d {
                    oxigraph::model::BaseDirection::Ltr => BaseDirection::Ltr,
                    oxigraph::model::BaseDirection::Rtl => BaseDirection::Rtl,
                }),
            ),
            None => SimpleTerm::LiteralDatatype(
                MownStr::from(literal.value()),
                IriRef::new_unchecked(MownStr::from(literal.datatype().as_str())),
            ),
        },
        TermRef::Triple(triple) => SimpleTerm::Triple(Box::new([
            subject(triple.subject.as_ref()),
            iri(triple.predicate.as_str()),
            term(triple.object.as_ref()),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::{RdfFormat, RdfParser};
    use oxigraph::model::Triple;

    fn parse(turtle: &str) -> Vec<Triple> {
        RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(turtle.as_bytes())
            .map(|q| {
                let q = q.unwrap();
                Triple::new(q.subject, q.predicate, q.object)
            })
            .collect()
    }

    fn hash(turtle: &str) -> String {
        graph_hash(parse(turtle).iter().map(Triple::as_ref)).unwrap()
    }

    #[test]
    fn a_graph_over_the_limit_loses_its_hash_and_one_at_it_gets_one() {
        let store = oxigraph::store::Store::new().unwrap();
        let graph = NamedNode::new_unchecked("https://example.org/graph/g");
        let graphs: HashSet<GraphName> = [graph.clone().into()].into();
        let add = |n: usize| {
            let mut transaction = store.start_transaction().unwrap();
            for i in 0..n {
                transaction.insert(&Quad::new(
                    NamedNode::new_unchecked(format!("urn:s{i}")),
                    NamedNode::new_unchecked("urn:p"),
                    Literal::from(i as i64),
                    graph.clone(),
                ));
            }
            record_hashes_up_to(&mut transaction, &graphs, Some(3)).unwrap();
            transaction.commit().unwrap();
        };
        add(3);
        let at_limit = recorded_hash(&store, &graph).unwrap();
        assert_eq!(at_limit, Some(hash_of(&store, &graph).unwrap()));
        add(4);
        assert_eq!(recorded_hash(&store, &graph).unwrap(), None);
    }

    #[test]
    fn blank_node_labels_and_order_do_not_change_the_hash() {
        let a = hash(
            "<urn:p> <urn:budget> _:x . _:x <urn:amount> 5 . _:x <urn:currency> \"EUR\" .
             <urn:p> <urn:budget> _:y . _:y <urn:amount> 7 .",
        );
        let b = hash(
            "<urn:p> <urn:budget> _:b2 . _:b2 <urn:amount> 7 .
             _:b1 <urn:currency> \"EUR\" . _:b1 <urn:amount> 5 . <urn:p> <urn:budget> _:b1 .",
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        // One fact moved from one blank node to the other is another graph.
        let c = hash(
            "<urn:p> <urn:budget> _:x . _:x <urn:amount> 5 .
             <urn:p> <urn:budget> _:y . _:y <urn:amount> 7 . _:y <urn:currency> \"EUR\" .",
        );
        assert_ne!(a, c);
    }

    #[test]
    fn without_blank_nodes_it_is_the_sha256_of_the_sorted_n_triples() {
        // RDFC-1.0 on a graph without blank nodes: its N-Quads lines, sorted, hashed.
        let lines = "<urn:a> <urn:p> \"x\"@en .\n<urn:b> <urn:p> <urn:a> .\n";
        let expected: String = Sha256::digest(lines.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hash("<urn:b> <urn:p> <urn:a> . <urn:a> <urn:p> \"x\"@en ."),
            expected
        );
    }

    #[test]
    fn triple_terms_are_hashed_with_their_blank_nodes_relabelled() {
        let a = hash("_:r <urn:says> <<( _:s <urn:p> <urn:o> )>> . _:s <urn:name> \"n\" .");
        let b = hash("_:q <urn:says> <<( _:t <urn:p> <urn:o> )>> . _:t <urn:name> \"n\" .");
        assert_eq!(a, b);
    }

    #[test]
    fn a_toxic_graph_is_refused_not_canonicalized() {
        // Many indistinguishable blank nodes in one clique: the permutations explode.
        let mut turtle = String::new();
        for i in 0..12 {
            for j in 0..12 {
                if i != j {
                    let _ = writeln!(turtle, "_:n{i} <urn:knows> _:n{j} .");
                }
            }
        }
        let error = graph_hash(parse(&turtle).iter().map(Triple::as_ref)).unwrap_err();
        assert!(
            matches!(&error, StoreError::BadRequest(m) if m.contains("canonicalized")),
            "{error:?}"
        );
    }
}
