//! One entity as every face shows it: what the store says of it, its incoming relations, the
//! names of everything on the other end, and its version.

use crate::collections::Collection;
use crate::error::AppError;
use crate::{App, jsonld, vocab};
use oxigraph::model::vocab::rdf;
use ponte_store::{GraphName, NamedNode, Quad, Term, Triple};
use serde_json::{Map, Value};

/// The most incoming relations an entity lists.
const MAX_INCOMING: usize = 1_000;

/// An entity: its own triples, the incoming relations, and the names of every entity on the
/// other end.
#[derive(Debug)]
pub struct EntityView {
    /// The entity.
    pub iri: NamedNode,
    /// Every triple the store has about it.
    pub triples: Vec<Triple>,
    /// Triples that point at it (members, participants, partners, parts…).
    pub incoming: Vec<Triple>,
    /// The names of the entities it links to and that link to it.
    pub labels: jsonld::Labels,
    /// Its version: what a write's `If-Match` compares with. `None` only for an entity with
    /// no triple, which is never shown.
    pub tag: Option<String>,
    /// Each of its own facts in the graph that states it (a fact stated twice is here twice);
    /// [`App::fact_sources`] names where each graph came from.
    pub stated: Vec<Quad>,
}

/// Where a fact is stated: its graph and, when the store recorded one, the file or import the
/// graph was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSource {
    /// The named graph that states it.
    pub graph: NamedNode,
    /// The graph's source (`seed-data/missions.ttl`, an import, the REST API).
    pub source: Option<String>,
}

impl EntityView {
    /// The entity as a JSON-LD node object in Ponte's context, incoming relations under
    /// `@reverse`, with `@context` first.
    pub fn to_json_ld(&self, origin: &str) -> Map<String, Value> {
        let mut node = jsonld::node_object(self.iri.as_str(), &self.triples, &self.labels);
        jsonld::add_reverse(&mut node, &self.incoming, &self.labels);
        jsonld::with_context(origin, node)
    }

    /// Every triple of the view (its own, incoming, and the names of linked entities), for
    /// the RDF formats.
    pub fn all_triples(&self) -> Vec<Triple> {
        let mut all = self.triples.clone();
        all.extend(self.incoming.iter().cloned());
        all.extend(jsonld::label_triples(&self.labels));
        all
    }
}

impl App {
    /// What the store says of `iri` and the names of what it links to; not found when the
    /// store knows nothing of it, or it is not an instance of `collection`. An IRI the store
    /// declares the same (`owl:sameAs`) as an entity of the collection names that entity.
    pub fn entity(
        &self,
        collection: Option<&Collection>,
        iri: &NamedNode,
    ) -> Result<EntityView, AppError> {
        let store = &self.store;
        let iri = self.canonical(collection, iri)?;
        // One read of the entity's quads gives both its description and where each fact is.
        let stated = store.sourced_quads(iri.as_ref())?;
        let triples = ponte_store::distinct_triples(&stated);
        if !self.is_member(collection, &triples)? {
            return Err(AppError::not_found(match collection {
                Some(collection) => format!("no entity <{iri}> in /api/{}", collection.name),
                None => format!("the store says nothing about <{iri}>"),
            }));
        }
        let (incoming, _) = store.incoming(iri.as_ref(), MAX_INCOMING)?;
        let linked = triples
            .iter()
            .filter(|t| t.predicate != rdf::TYPE)
            .map(|t| t.object.clone())
            .chain(incoming.iter().map(|t| Term::from(t.subject.clone())));
        let mut labels = jsonld::Labels::new();
        for node in linked {
            if matches!(node, Term::NamedNode(_))
                && !labels.contains_key(&node)
                && let Some(names) = store.labels(node.as_ref())?
            {
                labels.insert(node, names);
            }
        }
        let tag = ponte_store::entity_tag(&triples);
        Ok(EntityView {
            iri,
            triples,
            incoming,
            labels,
            tag,
            stated,
        })
    }

    /// The entity that `iri` names in `collection` (among all entities, with none): itself
    /// when it is one, else the first the store declares the same (`owl:sameAs`), else `iri`
    /// (an entity yet to be).
    pub(crate) fn canonical(
        &self,
        collection: Option<&Collection>,
        iri: &NamedNode,
    ) -> Result<NamedNode, AppError> {
        let names_one = |iri: &NamedNode| -> Result<bool, AppError> {
            match collection {
                Some(_) => self.is_member(collection, &self.store.types(iri.as_ref())?),
                None => Ok(!self.store.description(iri.as_ref())?.is_empty()),
            }
        };
        if names_one(iri)? {
            return Ok(iri.clone());
        }
        for same in self.store.same_as(iri.as_ref())? {
            if names_one(&same)? {
                return Ok(same);
            }
        }
        Ok(iri.clone())
    }

    /// Each fact of `view` with the graph that states it and the file or import that graph
    /// came from (read once per graph). Only pages show this, so an API read does not pay it.
    pub fn fact_sources(&self, view: &EntityView) -> Result<Vec<(Triple, FactSource)>, AppError> {
        let mut graph_sources = std::collections::HashMap::new();
        let mut sources = Vec::new();
        for quad in &view.stated {
            let GraphName::NamedNode(graph) = &quad.graph_name else {
                continue;
            };
            if !graph_sources.contains_key(graph) {
                let source = self.store.graph_source(graph.as_ref())?;
                graph_sources.insert(graph.clone(), source);
            }
            let source = FactSource {
                graph: graph.clone(),
                source: graph_sources[graph].clone(),
            };
            sources.push((Triple::from(quad.clone()), source));
        }
        Ok(sources)
    }

    /// The collection the entity of `view` belongs to (the first that holds it), if any.
    pub fn collection_of(
        &self,
        view: &EntityView,
    ) -> Result<Option<&'static Collection>, AppError> {
        for collection in crate::COLLECTIONS {
            if self.is_member(Some(collection), &view.triples)? {
                return Ok(Some(collection));
            }
        }
        Ok(None)
    }

    /// Whether a description is of an instance of `collection` (of anything, with none).
    fn is_member(
        &self,
        collection: Option<&Collection>,
        triples: &[Triple],
    ) -> Result<bool, AppError> {
        Ok(match collection {
            Some(collection) => {
                let classes = self.classes(collection)?;
                triples.iter().any(|t| {
                    t.predicate == rdf::TYPE
                        && matches!(&t.object, Term::NamedNode(class) if classes.contains(class))
                })
            }
            None => !triples.is_empty(),
        })
    }

    /// The names of `iri` (an entity, a class, a property) as a language map; null when it
    /// has none.
    pub fn names_of(&self, iri: &str) -> Result<Value, AppError> {
        Ok(crate::names::names_of(&self.store, iri)?)
    }

    /// The IRIs the store declares the same as `iri` (ROR's, Wikidata's…), in IRI order.
    pub fn same_as(&self, iri: &NamedNode) -> Result<Vec<NamedNode>, AppError> {
        Ok(self.store.same_as(iri.as_ref())?)
    }

    /// The IRI a dereferenced path names: `…/id/{slug}` or `…/topic/{slug}`.
    pub fn dereferenced_iri(topic: bool, slug: &str) -> Result<NamedNode, AppError> {
        let namespace = if topic {
            vocab::TOPIC_NAMESPACE
        } else {
            vocab::ID_NAMESPACE
        };
        NamedNode::new(format!("{namespace}{slug}")).map_err(|e| {
            AppError::not_found(format!(
                "{slug:?} names no entity: it makes no valid IRI ({e})"
            ))
        })
    }
}
