//! Reading entities for the REST API: who is an instance of a kind, what the store says about an
//! entity, and the names of what it links to. Index lookups with terms, never SPARQL text, so no
//! request value can change what is asked.

use crate::{PonteStore, StoreError};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef, Triple,
};
use std::collections::{BTreeSet, HashSet};

/// `skos:prefLabel`: topics are named with it rather than `rdfs:label`.
const SKOS_PREF_LABEL: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#prefLabel");

/// Properties that name an entity, searched first.
const NAME_PROPERTIES: [&str; 4] = [
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://xmlns.com/foaf/0.1/name",
];

/// Properties that describe an entity in prose, searched with less weight.
const TEXT_PROPERTIES: [&str; 3] = [
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#definition",
];

/// What the search index holds of one entity.
#[derive(Debug, Clone, Default)]
pub struct SearchableText {
    /// Its names, in any language.
    pub names: Vec<String>,
    /// Its descriptions.
    pub texts: Vec<String>,
}

/// The meta graph describes loaded graphs, not entities: it is left out of descriptions.
const META_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/ponte/graph/meta");

impl PonteStore {
    /// `class` and every class below it in the store's `rdfs:subClassOf` hierarchy.
    pub fn subclasses(&self, class: NamedNodeRef<'_>) -> Result<HashSet<NamedNode>, StoreError> {
        let mut all = HashSet::from([class.into_owned()]);
        let mut frontier = vec![class.into_owned()];
        while let Some(class) = frontier.pop() {
            for quad in self.store.quads_for_pattern(
                None,
                Some(rdfs::SUB_CLASS_OF),
                Some(class.as_ref().into()),
                None,
            ) {
                if let NamedOrBlankNode::NamedNode(sub) = quad?.subject
                    && all.insert(sub.clone())
                {
                    frontier.push(sub);
                }
            }
        }
        Ok(all)
    }

    /// The IRIs typed with one of `classes`, in IRI order, each once.
    pub fn instances(
        &self,
        classes: &HashSet<NamedNode>,
    ) -> Result<BTreeSet<NamedNode>, StoreError> {
        let mut instances = BTreeSet::new();
        for class in classes {
            for quad in self.store.quads_for_pattern(
                None,
                Some(rdf::TYPE),
                Some(class.as_ref().into()),
                None,
            ) {
                if let NamedOrBlankNode::NamedNode(node) = quad?.subject
                    && !is_meta(&node)
                {
                    instances.insert(node);
                }
            }
        }
        Ok(instances)
    }

    /// Every triple with `entity` as subject, from all its sources, each once, in a stable
    /// order; empty when the store knows nothing about it.
    pub fn description(&self, entity: NamedNodeRef<'_>) -> Result<Vec<Triple>, StoreError> {
        let mut triples = BTreeSet::new();
        for quad in self
            .store
            .quads_for_pattern(Some(entity.into()), None, None, None)
        {
            let quad = quad?;
            if quad.graph_name.as_ref() != GraphNameRef::NamedNode(META_GRAPH) {
                triples.insert(SortableTriple(Triple::from(quad)));
            }
        }
        Ok(triples.into_iter().map(|t| t.0).collect())
    }

    /// The names of `node` and the property that gives them: its `rdfs:label`s, or its
    /// `skos:prefLabel`s when it has none.
    pub fn labels(
        &self,
        node: TermRef<'_>,
    ) -> Result<Option<(NamedNode, Vec<Literal>)>, StoreError> {
        let subject = match node {
            TermRef::NamedNode(n) => NamedOrBlankNode::from(n.into_owned()),
            TermRef::BlankNode(b) => NamedOrBlankNode::from(b.into_owned()),
            _ => return Ok(None),
        };
        for predicate in [rdfs::LABEL, SKOS_PREF_LABEL] {
            let mut labels = Vec::new();
            for quad in
                self.store
                    .quads_for_pattern(Some(subject.as_ref()), Some(predicate), None, None)
            {
                if let Term::Literal(label) = quad?.object {
                    labels.push(label);
                }
            }
            if !labels.is_empty() {
                labels.sort_by_key(ToString::to_string);
                labels.dedup();
                return Ok(Some((predicate.into_owned(), labels)));
            }
        }
        Ok(None)
    }
}

impl PonteStore {
    /// The names and descriptions of every entity that has a name, by IRI; the ontology's own
    /// classes and properties are left out (they name kinds, not ecosystem entities).
    pub fn searchable_texts(
        &self,
    ) -> Result<std::collections::BTreeMap<NamedNode, SearchableText>, StoreError> {
        let mut texts: std::collections::BTreeMap<NamedNode, SearchableText> = Default::default();
        for (properties, is_name) in [(&NAME_PROPERTIES[..], true), (&TEXT_PROPERTIES[..], false)] {
            for property in properties {
                let property = NamedNodeRef::new_unchecked(property);
                for quad in self
                    .store
                    .quads_for_pattern(None, Some(property), None, None)
                {
                    let quad = quad?;
                    let (NamedOrBlankNode::NamedNode(subject), Term::Literal(text)) =
                        (quad.subject, quad.object)
                    else {
                        continue;
                    };
                    if is_meta(&subject) || subject.as_str().starts_with(ONTOLOGY) {
                        continue;
                    }
                    let entry = texts.entry(subject).or_default();
                    let list = if is_name {
                        &mut entry.names
                    } else {
                        &mut entry.texts
                    };
                    list.push(text.value().to_owned());
                }
            }
        }
        texts.retain(|_, t| !t.names.is_empty());
        Ok(texts)
    }
}

/// The ontology's namespace: its terms are not searchable entities.
const ONTOLOGY: &str = "https://w3id.org/ponte/ontology#";

fn is_meta(node: &NamedNode) -> bool {
    node.as_str().starts_with("https://w3id.org/ponte/graph/")
}

/// A triple ordered by its N-Triples form, for stable output.
#[derive(PartialEq, Eq)]
struct SortableTriple(Triple);

impl PartialOrd for SortableTriple {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortableTriple {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.to_string().cmp(&other.0.to_string())
    }
}
