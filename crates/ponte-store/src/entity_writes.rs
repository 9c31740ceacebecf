//! Writing one entity's description (the REST API's create, replace, patch and delete): atomic,
//! validated, guarded by an entity tag against lost updates.
//!
//! Facts that stay keep the source graph they came from; new facts go to the API graph
//! ([`API_GRAPH`]), described in the meta graph, so the provenance of every fact survives edits.

use crate::seed::{description, now_xsd_date_time, remove_description, sha256_hex};
use crate::sparql::ensure_alive;
use crate::validation::Scope;
use crate::{PonteStore, StoreError};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple,
};
use oxigraph::sparql::CancellationToken;
use std::collections::{BTreeSet, HashSet};

/// The named graph that holds the facts written through the REST API.
pub const API_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/ponte/graph/api");

/// What a write does to an entity's description (the triples whose subject it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityChange {
    /// The description becomes exactly these triples (the entity is created when absent).
    Replace(Vec<Triple>),
    /// The values of `predicates` become those in `triples`; other properties stay.
    Patch {
        /// The properties the patch sets (or, with no triple for them, removes).
        predicates: BTreeSet<NamedNode>,
        /// Their new values.
        triples: Vec<Triple>,
    },
    /// The description is removed.
    Delete,
}

/// What must hold of the entity for the write to apply (`If-Match`, `If-None-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Apply whatever the entity's state.
    None,
    /// The entity must exist (`If-Match: *`).
    Exists,
    /// The entity must not exist (`If-None-Match: *`, and every create).
    Absent,
    /// The entity's current tag must be one of these (`If-Match: "…"`).
    Matches(Vec<String>),
}

/// What an entity write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityWriteReport {
    /// Whether the entity had a description before.
    pub existed: bool,
    /// Triples added (to the API graph).
    pub added: usize,
    /// Triples removed, from whichever graphs held them.
    pub removed: usize,
    /// The entity's tag after the write; `None` once deleted.
    pub etag: Option<String>,
}

/// The entity tag of a description: a hash of its sorted triples, so it changes exactly when
/// what the store says about the entity changes (not when a fact moves between graphs).
pub fn entity_tag(description: &[Triple]) -> Option<String> {
    if description.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = description.iter().map(ToString::to_string).collect();
    lines.sort();
    lines.dedup();
    Some(sha256_hex(lines.join("\n").as_bytes())[..32].to_owned())
}

impl PonteStore {
    /// The entity's current tag, or `None` when the store says nothing about it.
    pub fn entity_tag(&self, entity: NamedNodeRef<'_>) -> Result<Option<String>, StoreError> {
        Ok(entity_tag(&self.description(entity)?))
    }

    /// Applies `change` to the description of `entity` in one validated transaction, if
    /// `precondition` holds. Every triple of `change` must have `entity` as its subject.
    pub fn write_entity(
        &self,
        entity: &NamedNode,
        change: EntityChange,
        precondition: &Precondition,
        token: &CancellationToken,
    ) -> Result<EntityWriteReport, StoreError> {
        let subject = NamedOrBlankNode::from(entity.clone());
        let given = match &change {
            EntityChange::Replace(triples) | EntityChange::Patch { triples, .. } => {
                triples.as_slice()
            }
            EntityChange::Delete => &[],
        };
        if let Some(other) = given.iter().find(|t| t.subject != subject) {
            return Err(StoreError::BadRequest(format!(
                "the write is about <{entity}> but also describes {}: write each entity at its own address, or use the bulk import",
                other.subject
            )));
        }
        let _writing = self.lock_for_writing()?;
        ensure_alive(token)?;
        // The current facts, each in its source graph; the lock keeps them current.
        let current = self.sourced_quads(entity.as_ref())?;
        let before: Vec<Triple> = current.iter().cloned().map(Triple::from).collect();
        let tag = entity_tag(&before);
        check(precondition, entity, tag.as_deref())?;

        let wanted: HashSet<&Triple> = given.iter().collect();
        let replaced = |triple: &Triple| match &change {
            EntityChange::Replace(_) | EntityChange::Delete => true,
            EntityChange::Patch { predicates, .. } => predicates.contains(&triple.predicate),
        };
        let removals: Vec<&Quad> = current
            .iter()
            .filter(|quad| {
                let triple = Triple::from((*quad).clone());
                replaced(&triple) && !wanted.contains(&triple)
            })
            .collect();
        let present: HashSet<Triple> = before.into_iter().collect();
        let mut seen = HashSet::new();
        let additions: Vec<&Triple> = given
            .iter()
            .filter(|t| !present.contains(*t) && seen.insert(*t))
            .collect();

        let mut transaction = self.store.start_transaction()?;
        let mut graphs = HashSet::new();
        for quad in &removals {
            transaction.remove(*quad);
            graphs.insert(quad.graph_name.clone());
        }
        for triple in &additions {
            transaction.insert(&(*triple).clone().in_graph(API_GRAPH.into_owned()));
        }
        if !additions.is_empty() {
            graphs.insert(GraphName::from(API_GRAPH.into_owned()));
            let graph = API_GRAPH.into_owned();
            remove_description(&mut transaction, &self.store, &graph)?;
            let now = Literal::new_typed_literal(now_xsd_date_time(), xsd::DATE_TIME);
            for quad in description(&graph, "REST API", &now) {
                transaction.insert(&quad);
            }
        }
        let after: Vec<Triple> = present
            .iter()
            .filter(|t| !replaced(t) || wanted.contains(t))
            .chain(additions.iter().copied())
            .cloned()
            .collect();
        self.commit_validated(transaction, &Scope::Graphs(graphs), Some(token))?;
        Ok(EntityWriteReport {
            existed: tag.is_some(),
            added: additions.len(),
            removed: removals.len(),
            etag: entity_tag(&after),
        })
    }
}

/// Refuses the write when `precondition` does not hold for an entity whose tag is `tag`.
fn check(
    precondition: &Precondition,
    entity: &NamedNode,
    tag: Option<&str>,
) -> Result<(), StoreError> {
    let failed = |message: String| {
        Err(StoreError::PreconditionFailed {
            message,
            current: tag.map(str::to_owned),
        })
    };
    match (precondition, tag) {
        (Precondition::None, _) => Ok(()),
        (Precondition::Exists, None) => failed(format!("<{entity}> does not exist")),
        (Precondition::Absent, Some(_)) => failed(format!("<{entity}> already exists")),
        (Precondition::Matches(_), None) => failed(format!("<{entity}> does not exist")),
        (Precondition::Matches(tags), Some(tag)) if !tags.iter().any(|t| t == tag) => {
            failed(format!(
                "<{entity}> has changed since that version was read; get it again and reapply the change"
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SEED_FILES;
    use oxigraph::model::vocab::rdfs;

    fn node(iri: &str) -> NamedNode {
        NamedNode::new_unchecked(iri)
    }

    fn kaist() -> NamedNode {
        node("https://w3id.org/ponte/id/kaist")
    }

    #[test]
    fn replace_keeps_the_source_of_facts_that_stay_and_tags_guard_versions() {
        let store = PonteStore::in_memory().unwrap();
        store.seed(SEED_FILES).unwrap();
        let before = store.description(kaist().as_ref()).unwrap();
        let tag = store.entity_tag(kaist().as_ref()).unwrap().unwrap();
        // Same facts plus one name: one addition, nothing removed, seed graphs untouched.
        let mut triples = before.clone();
        triples.push(Triple::new(
            kaist(),
            rdfs::LABEL,
            Literal::new_language_tagged_literal_unchecked("카이스트", "ko"),
        ));
        let report = store
            .write_entity(
                &kaist(),
                EntityChange::Replace(triples),
                &Precondition::Matches(vec![tag.clone()]),
                &CancellationToken::new(),
            )
            .unwrap();
        assert_eq!((report.existed, report.added, report.removed), (true, 1, 0));
        assert_ne!(report.etag.as_deref(), Some(tag.as_str()));
        let in_api_graph = store
            .store
            .quads_for_pattern(
                Some(kaist().as_ref().into()),
                None,
                None,
                Some(API_GRAPH.into()),
            )
            .count();
        assert_eq!(in_api_graph, 1);
        // The old tag no longer applies: a lost update is refused and changes nothing.
        let len = store.len().unwrap();
        let error = store
            .write_entity(
                &kaist(),
                EntityChange::Replace(before.clone()),
                &Precondition::Matches(vec![tag]),
                &CancellationToken::new(),
            )
            .unwrap_err();
        assert!(
            matches!(error, StoreError::PreconditionFailed { .. }),
            "{error}"
        );
        assert_eq!(store.len().unwrap(), len);
        // Back to the seed description: the added name goes, the seed facts stay where they were.
        let report = store
            .write_entity(
                &kaist(),
                EntityChange::Replace(before.clone()),
                &Precondition::None,
                &CancellationToken::new(),
            )
            .unwrap();
        assert_eq!((report.added, report.removed), (0, 1));
        assert_eq!(store.description(kaist().as_ref()).unwrap(), before);
    }

    #[test]
    fn patch_touches_only_the_properties_it_names() {
        let store = PonteStore::in_memory().unwrap();
        store.seed(SEED_FILES).unwrap();
        let before = store.description(kaist().as_ref()).unwrap();
        let name = Triple::new(
            kaist(),
            rdfs::LABEL,
            Literal::new_language_tagged_literal_unchecked("KAIST", "en"),
        );
        store
            .write_entity(
                &kaist(),
                EntityChange::Patch {
                    predicates: BTreeSet::from([rdfs::LABEL.into_owned()]),
                    triples: vec![name.clone()],
                },
                &Precondition::Exists,
                &CancellationToken::new(),
            )
            .unwrap();
        let after = store.description(kaist().as_ref()).unwrap();
        let labels: Vec<&Triple> = after
            .iter()
            .filter(|t| t.predicate == rdfs::LABEL)
            .collect();
        assert_eq!(labels, [&name]);
        let others = |d: &[Triple]| {
            d.iter()
                .filter(|t| t.predicate != rdfs::LABEL)
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(others(&after), others(&before));
    }

    #[test]
    fn a_write_about_another_subject_or_breaking_the_shapes_changes_nothing() {
        let store = PonteStore::in_memory().unwrap();
        store.seed(SEED_FILES).unwrap();
        let len = store.len().unwrap();
        let write_kaist = |change, precondition: Precondition| {
            store.write_entity(&kaist(), change, &precondition, &CancellationToken::new())
        };
        let other = Triple::new(
            node("https://w3id.org/ponte/id/mit"),
            rdfs::LABEL,
            Literal::from("x"),
        );
        assert!(matches!(
            write_kaist(EntityChange::Replace(vec![other]), Precondition::None),
            Err(StoreError::BadRequest(_))
        ));
        // KAIST is a member and a participant: deleting it would leave references dangling.
        assert!(matches!(
            write_kaist(EntityChange::Delete, Precondition::None),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            write_kaist(EntityChange::Delete, Precondition::Absent),
            Err(StoreError::PreconditionFailed { .. })
        ));
        assert_eq!(store.len().unwrap(), len);
    }
}
