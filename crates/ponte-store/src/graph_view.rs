//! The store as a plain graph, for the matchmaking projection: every typed entity of the data
//! graphs with its classes, and every link between two entities.

use crate::vocab::{GRAPH_PREFIX, META_GRAPH};
use crate::{PonteStore, StoreError};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, Term};
use std::collections::HashMap;

/// Predicates that say what something is or where a record came from, not how entities relate:
/// they are no edge of the projection.
const NOT_LINKS: [&str; 5] = [
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
    "http://purl.org/dc/terms/source",
];

impl PonteStore {
    /// Every entity the data graphs type (the ontology's own classes and the meta graph aside),
    /// with its classes, sorted by IRI.
    pub fn typed_entities(&self) -> Result<Vec<(NamedNode, Vec<NamedNode>)>, StoreError> {
        let mut types: HashMap<NamedNode, Vec<NamedNode>> = HashMap::new();
        for quad in self
            .store
            .quads_for_pattern(None, Some(rdf::TYPE), None, None)
        {
            let quad = quad?;
            if !is_data_graph(quad.graph_name.as_ref()) {
                continue;
            }
            if let (NamedOrBlankNode::NamedNode(entity), Term::NamedNode(class)) =
                (quad.subject, quad.object)
            {
                let classes = types.entry(entity).or_default();
                if !classes.contains(&class) {
                    classes.push(class);
                }
            }
        }
        let mut entities: Vec<(NamedNode, Vec<NamedNode>)> = types.into_iter().collect();
        entities.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entities)
    }

    /// Calls `link(subject, predicate, object)` for each triple of the data graphs between two
    /// IRIs that is a relation (not a type, an identity or a provenance link).
    pub fn for_each_link(&self, mut link: impl FnMut(&str, &str, &str)) -> Result<(), StoreError> {
        for quad in self.store.iter() {
            let quad = quad?;
            if !is_data_graph(quad.graph_name.as_ref())
                || NOT_LINKS.contains(&quad.predicate.as_str())
            {
                continue;
            }
            if let (NamedOrBlankNode::NamedNode(subject), Term::NamedNode(object)) =
                (&quad.subject, &quad.object)
            {
                link(subject.as_str(), quad.predicate.as_str(), object.as_str());
            }
        }
        Ok(())
    }
}

/// Whether a graph holds data about the ecosystem: not the classes and shapes of the ontology,
/// not the meta graph. The topic scheme (`ontology/topics`) is data: topics are nodes.
fn is_data_graph(graph: GraphNameRef<'_>) -> bool {
    match graph {
        GraphNameRef::NamedNode(graph) => {
            graph != META_GRAPH
                && !matches!(
                    graph.as_str().strip_prefix(GRAPH_PREFIX),
                    Some("ontology/ponte" | "ontology/shapes")
                )
        }
        _ => true,
    }
}
