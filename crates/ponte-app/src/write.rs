//! Writing entities: create, replace, patch (JSON merge-patch semantics over properties) and
//! delete. Bodies are JSON-LD in any context, every key of which must be defined; each write is
//! validated by the shapes, atomic, conditioned on the entity's version, and reports what it
//! changed and the entity's new version.

use crate::collections::Collection;
use crate::error::AppError;
use crate::jsonld_input::{default_graph_only, property_of, require_top_level, to_quads};
use crate::{App, vocab};
use oxigraph::model::vocab::{rdf, rdfs};
use ponte_store::{
    API_GRAPH, CancellationToken, EntityChange, EntityWriteReport, NamedNode, NamedOrBlankNode,
    PonteStore, Precondition, StoreError, Term, Triple,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// An entity to write: one JSON-LD node in any context (Ponte's own, `{origin}/api/context.jsonld`,
/// is resolved locally; any other must be inline). `@id` may be omitted on create. Every other
/// key must be a term the context defines, a compact IRI or an IRI.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntityInput {
    /// The context: Ponte's URL, an inline object, or an array of them.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub context: Option<Value>,
    /// The entity's IRI (compact IRIs of the context work).
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its properties: terms of the context (`type`, `label`, `memberOf`…), compact IRIs or
    /// IRIs.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub properties: Map<String, Value>,
}

/// A write of one entity of a collection.
#[derive(Debug)]
pub struct WriteRequest<'a> {
    /// The collection written to.
    pub collection: &'static Collection,
    /// The body: a JSON-LD node object.
    pub body: &'a [u8],
    /// The base of the server's own addresses (its context is resolved locally).
    pub origin: &'a str,
}

/// What a write did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WriteReport {
    /// The entity's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Whether the write created it.
    pub created: bool,
    /// Whether the write deleted it.
    pub deleted: bool,
    /// Triples added (to the API graph).
    pub added: usize,
    /// Triples removed, from whichever source graphs held them.
    pub removed: usize,
    /// The graph new facts were written to.
    pub graph: String,
    /// The entity's new version, quoted as in the `ETag` header; null once deleted.
    pub etag: Option<String>,
}

impl WriteReport {
    fn new(iri: &NamedNode, report: &EntityWriteReport) -> Self {
        Self {
            id: iri.as_str().to_owned(),
            created: !report.existed,
            deleted: report.etag.is_none(),
            added: report.added,
            removed: report.removed,
            graph: API_GRAPH.as_str().to_owned(),
            etag: report.etag.as_ref().map(|tag| format!("\"{tag}\"")),
        }
    }
}

impl WriteRequest<'_> {
    /// The body's node, every key of it defined by its context; the keys that are not, named.
    fn node(&self) -> Result<EntityInput, AppError> {
        require_top_level(self.body, b"{", "one JSON object: the entity's node")?;
        let node: EntityInput = serde_json::from_slice(self.body).map_err(|e| {
            AppError::invalid(format!("invalid JSON: {e}"))
                .with_position(e.line() as u64, e.column() as u64)
        })?;
        let mut undefined = Vec::new();
        for key in node.properties.keys().filter(|k| !k.starts_with('@')) {
            // A key the probe cannot even expand (an alias of a keyword) is left to the
            // real parse below, which names what is wrong with it.
            if let Ok(None) = property_of(node.context.as_ref(), key, self.origin) {
                undefined.push(key.as_str());
            }
        }
        if let Some(first) = undefined.first() {
            return Err(AppError::invalid(format!(
                "the body's context defines no property for {}: {}; nothing was written (check the spelling, or give a @context that defines them)",
                if undefined.len() == 1 { "this key" } else { "these keys" },
                undefined.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
            ))
            .with_field(*first));
        }
        Ok(node)
    }

    /// The body's triples, relative IRIs resolved against `base`.
    fn triples(&self, base: &str) -> Result<Vec<Triple>, AppError> {
        default_graph_only(to_quads(self.body, base, self.origin)?)
    }
}

impl App {
    /// Creates an entity. With no `@id`, the IRI is minted from its name (`Università di
    /// Bologna` → `…/id/universita-di-bologna`); an `@id` that exists already is a conflict.
    pub fn create(
        &self,
        request: &WriteRequest<'_>,
        token: &CancellationToken,
    ) -> Result<WriteReport, AppError> {
        let collection = request.collection;
        request.node()?;
        let triples = request.triples(collection.namespace())?;
        let iri = match single_subject(&triples)? {
            NamedOrBlankNode::NamedNode(iri) => {
                check_entity_iri(&iri)?;
                iri
            }
            NamedOrBlankNode::BlankNode(_) => mint(&self.store, collection, &triples)?,
        };
        let triples = about(&iri, triples);
        self.check_kinds(collection, &triples)?;
        let report = self
            .store
            .write_entity(
                &iri,
                EntityChange::Replace(triples),
                &Precondition::Absent,
                token,
            )
            .map_err(|e| match e {
                StoreError::PreconditionFailed { .. } => AppError::Conflict {
                    detail: format!("<{iri}> exists already; PUT to its address replaces it"),
                    field: Some("@id".into()),
                },
                other => other.into(),
            })?;
        Ok(WriteReport::new(&iri, &report))
    }

    /// Replaces the entity's description with the body's node (created when absent); an
    /// address the store declares the same as an entity (`owl:sameAs`) writes that entity. Facts
    /// that stay keep their source graph; new ones go to the API graph.
    pub fn replace(
        &self,
        request: &WriteRequest<'_>,
        iri: &NamedNode,
        precondition: &Precondition,
        token: &CancellationToken,
    ) -> Result<WriteReport, AppError> {
        request.node()?;
        let iri = &self.canonical(Some(request.collection), iri)?;
        check_entity_iri(iri)?;
        let triples = at_address(iri, request.triples(iri.as_str())?)?;
        self.check_kinds(request.collection, &triples)?;
        let report =
            self.store
                .write_entity(iri, EntityChange::Replace(triples), precondition, token)?;
        Ok(WriteReport::new(iri, &report))
    }

    /// A JSON merge patch over the entity's properties: each property of the body replaces
    /// all values of that property; `null` or `[]` removes it; the others stay as they are.
    pub fn patch(
        &self,
        request: &WriteRequest<'_>,
        iri: &NamedNode,
        precondition: &Precondition,
        token: &CancellationToken,
    ) -> Result<WriteReport, AppError> {
        let collection = request.collection;
        let node = request.node()?;
        let iri = &self.canonical(Some(collection), iri)?;
        let triples = request.triples(iri.as_str())?;
        // Properties set to null or [] produce no triple: ask the processor what they expand to.
        let mut predicates: BTreeSet<NamedNode> =
            triples.iter().map(|t| t.predicate.clone()).collect();
        for (key, value) in &node.properties {
            let removes = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if removes && !key.starts_with('@') {
                // `node()` checked that every key expands to a property.
                if let Some(predicate) = property_of(node.context.as_ref(), key, request.origin)? {
                    predicates.insert(predicate);
                }
            }
        }
        // A patch may only remove properties, and so state nothing.
        let triples = if triples.is_empty() {
            triples
        } else {
            at_address(iri, triples)?
        };
        let mut kinds: Vec<Triple> = triples
            .iter()
            .filter(|t| t.predicate == rdf::TYPE)
            .cloned()
            .collect();
        if !predicates.contains(&rdf::TYPE.into_owned()) {
            kinds = self.store.types(iri.as_ref())?;
            if kinds.is_empty() {
                return Err(not_in(collection, iri));
            }
        }
        self.check_kinds(collection, &kinds)?;
        let report = self
            .store
            .write_entity(
                iri,
                EntityChange::Patch {
                    predicates,
                    triples,
                },
                precondition,
                token,
            )
            .map_err(|e| missing_as_404(e, collection, iri))?;
        Ok(WriteReport::new(iri, &report))
    }

    /// Removes everything the store says about the entity, from every source graph; refused by
    /// the shapes while other entities still link to it.
    pub fn delete(
        &self,
        collection: &'static Collection,
        iri: &NamedNode,
        precondition: &Precondition,
        token: &CancellationToken,
    ) -> Result<WriteReport, AppError> {
        let iri = &self.canonical(Some(collection), iri)?;
        let kinds = self.store.types(iri.as_ref())?;
        if kinds.is_empty() || self.check_kinds(collection, &kinds).is_err() {
            return Err(not_in(collection, iri));
        }
        let report = self
            .store
            .write_entity(iri, EntityChange::Delete, precondition, token)
            .map_err(|e| missing_as_404(e, collection, iri))?;
        Ok(WriteReport::new(iri, &report))
    }
}

/// Refuses an IRI a new entity may not have: entities are web resources, so the IRI is
/// `http` or `https` with a host (no `javascript:`, `data:`, `file:`…, no user name), written in
/// its normal form: scheme and host in lower case, no `.` or `..` path segment (which a client
/// resolving the IRI would remove, so that two spellings would name one page).
pub(crate) fn check_entity_iri(iri: &NamedNode) -> Result<(), AppError> {
    let refuse = |why: &str| {
        Err(AppError::invalid(format!("<{iri}> cannot name an entity: {why}")).with_field("@id"))
    };
    let text = iri.as_str();
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return refuse("an entity's IRI starts with https:// or http:// (in lower case)");
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return refuse("it needs a host, and no user name");
    }
    if authority.bytes().any(|b| b.is_ascii_uppercase()) {
        return refuse(&format!(
            "write the host in lower case ({})",
            authority.to_ascii_lowercase()
        ));
    }
    let path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let dot_segment = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dot_segment {
        return refuse("its path has a . or .. segment");
    }
    Ok(())
}

/// The one node a body describes; several (or none) is the client's mistake.
fn single_subject(triples: &[Triple]) -> Result<NamedOrBlankNode, AppError> {
    let subjects: BTreeSet<String> = triples.iter().map(|t| t.subject.to_string()).collect();
    match (triples.first(), subjects.len()) {
        (Some(triple), 1) => Ok(triple.subject.clone()),
        (None, _) => Err(AppError::invalid(
            "the body states nothing: give the entity's type and name with a context that defines them",
        )),
        _ => Err(AppError::invalid(format!(
            "the body describes {} nodes ({}); write one entity per request (nested nodes need their own @id and their own write), or use POST /api/import",
            subjects.len(),
            subjects.into_iter().take(3).collect::<Vec<_>>().join(", ")
        ))
        .with_field("@id")),
    }
}

/// The body's triples about the entity at `iri`: their one subject must be `iri` or a blank
/// node (a body without `@id`), which becomes `iri`.
fn at_address(iri: &NamedNode, triples: Vec<Triple>) -> Result<Vec<Triple>, AppError> {
    if let NamedOrBlankNode::NamedNode(named) = single_subject(&triples)?
        && named != *iri
    {
        return Err(AppError::invalid(format!(
            "the body describes <{named}>, not <{iri}> at this address"
        ))
        .with_field("@id"));
    }
    Ok(about(iri, triples))
}

/// `triples` with their (single, possibly blank) subject replaced by `iri`.
fn about(iri: &NamedNode, triples: Vec<Triple>) -> Vec<Triple> {
    triples
        .into_iter()
        .map(|t| Triple::new(iri.clone(), t.predicate, t.object))
        .collect()
}

/// A new IRI in the collection's namespace from the entity's name (English first), with a
/// number added while the IRI is taken.
fn mint(
    store: &PonteStore,
    collection: &Collection,
    triples: &[Triple],
) -> Result<NamedNode, AppError> {
    let names: Vec<&ponte_store::Literal> = triples
        .iter()
        .filter(|t| t.predicate == rdfs::LABEL || t.predicate.as_str() == vocab::SKOS_PREF_LABEL)
        .filter_map(|t| match &t.object {
            Term::Literal(literal) => Some(literal),
            _ => None,
        })
        .collect();
    let name = names
        .iter()
        .find(|l| l.language() == Some("en"))
        .or_else(|| names.first())
        .ok_or_else(|| AppError::Unprocessable {
            title: "No id and no name",
            detail:
                "give the entity an @id, or a label (rdfs:label or skos:prefLabel) to make one from"
                    .into(),
            field: Some("@id".into()),
        })?;
    let slug = ponte_search::slug(name.value());
    if slug.is_empty() {
        return Err(AppError::Unprocessable {
            title: "No id and no usable name",
            detail: format!(
                "the name {:?} has no letter or digit to make an id from; give an @id",
                name.value()
            ),
            field: Some("@id".into()),
        });
    }
    for n in 1.. {
        let local = if n == 1 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        };
        let iri = NamedNode::new(format!("{}{local}", collection.namespace()))
            .map_err(|e| AppError::invalid(e.to_string()))?;
        if store.entity_tag(iri.as_ref())?.is_none() {
            return Ok(iri);
        }
    }
    unreachable!("some numbered slug is free")
}

impl App {
    /// Refuses an entity none of whose types belongs to `collection`.
    fn check_kinds(&self, collection: &Collection, triples: &[Triple]) -> Result<(), AppError> {
        let classes = self.classes(collection)?;
        let fits = triples.iter().any(|t| {
            t.predicate == rdf::TYPE
                && matches!(&t.object, Term::NamedNode(c) if classes.contains(c))
        });
        if fits {
            return Ok(());
        }
        Err(AppError::Unprocessable {
            title: "Not of this collection",
            detail: format!(
                "an entity of /api/{} needs a type among {} (or their subclasses)",
                collection.name,
                collection.classes.join(", ")
            ),
            field: Some("@type".into()),
        })
    }
}

fn not_in(collection: &Collection, iri: &NamedNode) -> AppError {
    AppError::not_found(format!("no entity <{iri}> in /api/{}", collection.name))
}

/// A failed "must exist" precondition on an absent entity is a 404, not a 412.
fn missing_as_404(error: StoreError, collection: &Collection, iri: &NamedNode) -> AppError {
    match error {
        StoreError::PreconditionFailed { current: None, .. } => not_in(collection, iri),
        other => other.into(),
    }
}
