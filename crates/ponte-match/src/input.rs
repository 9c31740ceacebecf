//! The projection's input as plain lists, so a projection can be rebuilt with some links
//! hidden (the evaluation) or made from generated data (the benchmarks).

use crate::projection::{NodeKind, Projection, ProjectionBuilder};

/// Typed nodes and `subject predicate object` links, by IRI.
#[derive(Debug, Clone, Default)]
pub struct GraphInput {
    /// Each node: IRI, kind, most specific class.
    pub nodes: Vec<(String, NodeKind, Option<String>)>,
    /// Each link between two nodes.
    pub links: Vec<(String, String, String)>,
    /// What nodes say about themselves: a node's analysed words, `(stem, word)` pairs.
    pub texts: Vec<(String, Vec<(String, String)>)>,
}

impl GraphInput {
    /// The projection of these nodes and links; links to undeclared nodes are left out.
    pub fn project(&self) -> Projection {
        self.project_without(&|_| false)
    }

    /// The projection without the links `hidden` says to leave out.
    pub fn project_without(
        &self,
        hidden: &dyn Fn(&(String, String, String)) -> bool,
    ) -> Projection {
        let mut builder = ProjectionBuilder::new();
        for (iri, kind, class) in &self.nodes {
            builder.node(iri, *kind, class.as_deref());
        }
        for link in &self.links {
            if builder.contains(&link.0) && builder.contains(&link.2) && !hidden(link) {
                builder.edge(&link.0, &link.1, &link.2);
            }
        }
        for (iri, terms) in &self.texts {
            builder.text(
                iri,
                terms
                    .iter()
                    .map(|(stem, word)| (stem.as_str(), word.as_str())),
            );
        }
        builder.build()
    }
}
