//! Writing entities through the REST API: create (`POST /api/{collection}`), replace (`PUT`),
//! patch (`PATCH`, JSON merge-patch semantics over properties) and delete (`DELETE`) at
//! `/api/{collection}/{id}`. Bodies are JSON-LD in any context; every write needs the token, is
//! validated by the shapes, is atomic, honours `If-Match`/`If-None-Match` and answers with a
//! report and the entity's new `ETag`.

use super::jsonld_input::{default_graph_only, property_of, require_top_level, to_quads};
use super::{Collection, Views, entity_iri, openapi};
use crate::auth::authorize_write;
use crate::http_util::{content_type, origin, read_body};
use crate::problem::ApiError;
use crate::{AppState, ServerConfig};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::vocab::{rdf, rdfs};
use ponte_store::{
    API_GRAPH, EntityChange, EntityWriteReport, NamedNode, NamedOrBlankNode, PonteStore,
    Precondition, StoreError, Term, Triple,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";

/// `POST /api/{collection}`: creates an entity from a JSON-LD node. With no `@id`, the IRI is
/// minted from its name (`Università di Bologna` → `…/id/universita-di-bologna`); an `@id` that
/// exists already is a 409.
#[utoipa::path(
    post,
    path = "/api/{collection}",
    params(("collection" = openapi::CollectionName, Path, description = "Which entities")),
    request_body(content = openapi::EntityInput, content_type = "application/ld+json", description = "One node in JSON-LD, in any context (Ponte's own is resolved locally)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` is its address, `ETag` its version", body = openapi::WriteReport),
        (status = 400, description = "The body is not JSON-LD of one node; `field`, `line` or `column` say where", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Writes are disabled", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 409, description = "An entity with this `@id` exists", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON-LD", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The entity breaks the shapes, or is not of this collection's kinds", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize_write(&headers, state.config.write_token.as_deref())?;
    let collection = Collection::named(&collection)?;
    let body = json_body(&headers, body, &state.config, false).await?;
    let origin = origin(&headers, &state.config);
    let triples = default_graph_only(to_quads(&body, collection.namespace(), &origin)?)?;
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let (iri, report) = state
        .executor
        .run(move |token| {
            let iri = match single_subject(&triples)? {
                NamedOrBlankNode::NamedNode(iri) => iri,
                NamedOrBlankNode::BlankNode(_) => mint(&store, collection, &triples)?,
            };
            let triples = about(&iri, triples);
            check_kinds(&store, &views, collection, &triples)?;
            let report = store
                .write_entity(
                    &iri,
                    EntityChange::Replace(triples),
                    &Precondition::Absent,
                    &token,
                )
                .map_err(|e| match e {
                    StoreError::PreconditionFailed { .. } => ApiError::new(
                        StatusCode::CONFLICT,
                        "Entity exists",
                        format!("<{iri}> exists already; PUT to its address replaces it"),
                    )
                    .with("field", "@id"),
                    other => other.into(),
                })?;
            Ok((iri, report))
        })
        .await?;
    let location = format!(
        "{origin}/api/{}/{}",
        collection.name,
        collection.id_of(&iri)
    );
    let mut response = report_response(StatusCode::CREATED, &iri, &report)?;
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|_| ApiError::bad_request("invalid Host"))?,
    );
    Ok(response)
}

/// `PUT /api/{collection}/{id}`: the entity's description becomes the body's node (created
/// when absent). Facts that stay keep their source graph; new ones go to the API graph.
#[utoipa::path(
    put,
    path = "/api/{collection}/{id}",
    params(
        ("collection" = openapi::CollectionName, Path, description = "Which entities"),
        ("id" = String, Path, description = "A slug, a compact IRI or a whole IRI, percent-encoded"),
        openapi::Conditions,
    ),
    request_body(content = openapi::EntityInput, content_type = "application/ld+json", description = "The whole new description: one node in JSON-LD, in any context"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version", body = openapi::WriteReport),
        (status = 201, description = "Created", body = openapi::WriteReport),
        (status = 400, description = "The body is not JSON-LD of this one node", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Writes are disabled", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection, or the id makes no IRI", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` or `If-None-Match` does not hold; `currentEtag` is the version now", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON-LD", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The entity breaks the shapes, or is not of this collection's kinds", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn replace(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize_write(&headers, state.config.write_token.as_deref())?;
    let collection = Collection::named(&collection)?;
    let iri = entity_iri(collection, &id)?;
    let precondition = precondition(&headers, Precondition::None)?;
    let body = json_body(&headers, body, &state.config, false).await?;
    let origin = origin(&headers, &state.config);
    let triples = default_graph_only(to_quads(&body, iri.as_str(), &origin)?)?;
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let subject = iri.clone();
    let report = state
        .executor
        .run(move |token| {
            let triples = at_address(&subject, triples)?;
            check_kinds(&store, &views, collection, &triples)?;
            Ok(store.write_entity(
                &subject,
                EntityChange::Replace(triples),
                &precondition,
                &token,
            )?)
        })
        .await?;
    let status = if report.existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    report_response(status, &iri, &report)
}

/// `PATCH /api/{collection}/{id}`: a JSON merge patch over the entity's properties. Each
/// property of the body replaces all values of that property; `null` or `[]` removes it; the
/// properties the body does not name stay as they are.
#[utoipa::path(
    patch,
    path = "/api/{collection}/{id}",
    params(
        ("collection" = openapi::CollectionName, Path, description = "Which entities"),
        ("id" = String, Path, description = "A slug, a compact IRI or a whole IRI, percent-encoded"),
        openapi::IfMatch,
    ),
    request_body(content = openapi::EntityInput, content_type = "application/merge-patch+json", description = "The properties to set (or, with null, remove), as a JSON-LD node in any context"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Patched; `ETag` is the new version", body = openapi::WriteReport),
        (status = 400, description = "The body is not a JSON-LD node about this entity; `field` names what is wrong", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Writes are disabled", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entity in this collection", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not hold; `currentEtag` is the version now", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The result breaks the shapes", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize_write(&headers, state.config.write_token.as_deref())?;
    let collection = Collection::named(&collection)?;
    let iri = entity_iri(collection, &id)?;
    let precondition = if_match(&headers)?;
    let body = json_body(&headers, body, &state.config, true).await?;
    let origin = origin(&headers, &state.config);
    let triples = default_graph_only(to_quads(&body, iri.as_str(), &origin)?)?;
    // Properties set to null or [] produce no triple: ask the processor what they expand to.
    let mut predicates: BTreeSet<NamedNode> = triples.iter().map(|t| t.predicate.clone()).collect();
    let document: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
    let Value::Object(node) = &document else {
        return Err(ApiError::bad_request(
            "a patch is one JSON object: the properties to set, or to remove with null",
        ));
    };
    for (key, value) in node {
        let removes = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
        if removes && !key.starts_with('@') {
            let predicate = property_of(node.get("@context"), key, &origin)?.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{key:?} is no property in the body's context, so there is nothing it removes"
                ))
                .with("field", key.as_str())
            })?;
            predicates.insert(predicate);
        }
    }
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let subject = iri.clone();
    let report = state
        .executor
        .run(move |token| {
            // A patch may only remove properties, and so state nothing.
            let triples = if triples.is_empty() {
                triples
            } else {
                at_address(&subject, triples)?
            };
            let mut kinds: Vec<Triple> = triples
                .iter()
                .filter(|t| t.predicate == rdf::TYPE)
                .cloned()
                .collect();
            if !predicates.contains(&rdf::TYPE.into_owned()) {
                kinds = store.types(subject.as_ref())?;
                if kinds.is_empty() {
                    return Err(not_in(collection, &subject));
                }
            }
            check_kinds(&store, &views, collection, &kinds)?;
            store
                .write_entity(
                    &subject,
                    EntityChange::Patch {
                        predicates,
                        triples,
                    },
                    &precondition,
                    &token,
                )
                .map_err(|e| missing_as_404(e, collection, &subject))
        })
        .await?;
    report_response(StatusCode::OK, &iri, &report)
}

/// `DELETE /api/{collection}/{id}`: removes everything the store says about the entity, from
/// every source graph. Refused (422) while other entities still link to it.
#[utoipa::path(
    delete,
    path = "/api/{collection}/{id}",
    params(
        ("collection" = openapi::CollectionName, Path, description = "Which entities"),
        ("id" = String, Path, description = "A slug, a compact IRI or a whole IRI, percent-encoded"),
        openapi::IfMatch,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = openapi::WriteReport),
        (status = 400, description = "A malformed condition header; `header` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Writes are disabled", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entity in this collection", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not hold; `currentEtag` is the version now", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Other entities link to it: the shapes name them", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize_write(&headers, state.config.write_token.as_deref())?;
    let collection = Collection::named(&collection)?;
    let iri = entity_iri(collection, &id)?;
    let precondition = if_match(&headers)?;
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let subject = iri.clone();
    let report = state
        .executor
        .run(move |token| {
            let kinds = store.types(subject.as_ref())?;
            if kinds.is_empty() || check_kinds(&store, &views, collection, &kinds).is_err() {
                return Err(not_in(collection, &subject));
            }
            store
                .write_entity(&subject, EntityChange::Delete, &precondition, &token)
                .map_err(|e| missing_as_404(e, collection, &subject))
        })
        .await?;
    report_response(StatusCode::OK, &iri, &report)
}

/// The body of a JSON-LD write, after checking its media type.
async fn json_body(
    headers: &HeaderMap,
    body: Body,
    config: &ServerConfig,
    patch: bool,
) -> Result<bytes::Bytes, ApiError> {
    let accepted: &[&str] = if patch {
        &[
            "application/merge-patch+json",
            "application/ld+json",
            "application/json",
        ]
    } else {
        &["application/ld+json", "application/json"]
    };
    match content_type(headers)? {
        Some(media_type) if accepted.contains(&media_type.as_str()) => {
            let body = read_body(body, config.max_body_bytes).await?;
            require_top_level(&body, b"{", "one JSON object: the entity's node")?;
            Ok(body)
        }
        other => Err(ApiError::unsupported_media_type(format!(
            "the body must be {} (JSON-LD in any context), not {}",
            accepted.join(" or "),
            other.as_deref().unwrap_or("untyped")
        ))),
    }
}

/// What `If-Match` / `If-None-Match` ask; `otherwise` when neither is sent.
pub(super) fn precondition(
    headers: &HeaderMap,
    otherwise: Precondition,
) -> Result<Precondition, ApiError> {
    let tags = |name: header::HeaderName| -> Result<Option<Vec<String>>, ApiError> {
        let mut tags = Vec::new();
        for value in headers.get_all(&name) {
            let text = value.to_str().map_err(|_| {
                ApiError::bad_request(format!("{name} is not valid text"))
                    .with("header", name.as_str())
            })?;
            for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                // Weak tags never match for a write (RFC 9110 strong comparison).
                tags.push(tag.trim_matches('"').to_owned());
            }
        }
        Ok((!tags.is_empty()).then_some(tags))
    };
    Ok(
        match (tags(header::IF_MATCH)?, tags(header::IF_NONE_MATCH)?) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::bad_request("send If-Match or If-None-Match, not both")
                        .with("header", "if-none-match"),
                );
            }
            (Some(tags), None) if tags.iter().any(|t| t == "*") => Precondition::Exists,
            (Some(tags), None) => Precondition::Matches(tags),
            (None, Some(tags)) if tags.iter().all(|t| t == "*") => Precondition::Absent,
            (None, Some(_)) => {
                return Err(ApiError::bad_request(
                    "for a write, If-None-Match takes only * (create, never replace)",
                )
                .with("header", "if-none-match"));
            }
            (None, None) => otherwise,
        },
    )
}

/// The `If-Match` condition of a write on an existing entity (PATCH, DELETE): the entity must
/// exist, at the version given if any. `If-None-Match` makes no sense there.
fn if_match(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    if headers.contains_key(header::IF_NONE_MATCH) {
        return Err(ApiError::bad_request(
            "If-None-Match applies to creating (PUT); this write changes an existing entity: use If-Match",
        )
        .with("header", "if-none-match"));
    }
    precondition(headers, Precondition::Exists)
}

/// The one node a body describes; several (or none) is the client's mistake.
fn single_subject(triples: &[Triple]) -> Result<NamedOrBlankNode, ApiError> {
    let subjects: BTreeSet<String> = triples.iter().map(|t| t.subject.to_string()).collect();
    match (triples.first(), subjects.len()) {
        (Some(triple), 1) => Ok(triple.subject.clone()),
        (None, _) => Err(ApiError::bad_request(
            "the body states nothing: give the entity's type and name with a context that defines them",
        )),
        _ => Err(ApiError::bad_request(format!(
            "the body describes {} nodes ({}); write one entity per request (nested nodes need their own @id and their own write), or use POST /api/import",
            subjects.len(),
            subjects.into_iter().take(3).collect::<Vec<_>>().join(", ")
        ))
        .with("field", "@id")),
    }
}

/// The body's triples about the entity at `iri`: their one subject must be `iri` or a blank
/// node (a body without `@id`), which becomes `iri`.
fn at_address(iri: &NamedNode, triples: Vec<Triple>) -> Result<Vec<Triple>, ApiError> {
    if let NamedOrBlankNode::NamedNode(named) = single_subject(&triples)?
        && named != *iri
    {
        return Err(ApiError::bad_request(format!(
            "the body describes <{named}>, not <{iri}> at this address"
        ))
        .with("field", "@id"));
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
) -> Result<NamedNode, ApiError> {
    let names: Vec<&ponte_store::Literal> = triples
        .iter()
        .filter(|t| t.predicate == rdfs::LABEL || t.predicate.as_str() == SKOS_PREF_LABEL)
        .filter_map(|t| match &t.object {
            Term::Literal(literal) => Some(literal),
            _ => None,
        })
        .collect();
    let name = names
        .iter()
        .find(|l| l.language() == Some("en"))
        .or_else(|| names.first())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "No id and no name",
                "give the entity an @id, or a label (rdfs:label or skos:prefLabel) to make one from",
            )
            .with("field", "@id")
        })?;
    let slug = ponte_search::slug(name.value());
    if slug.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No id and no usable name",
            format!(
                "the name {:?} has no letter or digit to make an id from; give an @id",
                name.value()
            ),
        )
        .with("field", "@id"));
    }
    for n in 1.. {
        let local = if n == 1 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        };
        let iri = NamedNode::new(format!("{}{local}", collection.namespace()))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        if store.entity_tag(iri.as_ref())?.is_none() {
            return Ok(iri);
        }
    }
    unreachable!("some numbered slug is free")
}

/// Refuses an entity none of whose types belongs to `collection`.
fn check_kinds(
    store: &PonteStore,
    views: &Views,
    collection: &Collection,
    triples: &[Triple],
) -> Result<(), ApiError> {
    let classes = collection.classes(store, views)?;
    let fits = triples.iter().any(|t| {
        t.predicate == rdf::TYPE && matches!(&t.object, Term::NamedNode(c) if classes.contains(c))
    });
    if fits {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Not of this collection",
        format!(
            "an entity of /api/{} needs a type among {} (or their subclasses)",
            collection.name,
            collection.classes.join(", ")
        ),
    )
    .with("field", "@type"))
}

fn not_in(collection: &Collection, iri: &NamedNode) -> ApiError {
    ApiError::not_found(format!("no entity <{iri}> in /api/{}", collection.name))
}

/// A failed "must exist" precondition on an absent entity is a 404, not a 412.
fn missing_as_404(error: StoreError, collection: &Collection, iri: &NamedNode) -> ApiError {
    match error {
        StoreError::PreconditionFailed { current: None, .. } => not_in(collection, iri),
        other => other.into(),
    }
}

/// The write's report as JSON, with the entity's new `ETag`.
fn report_response(
    status: StatusCode,
    iri: &NamedNode,
    report: &EntityWriteReport,
) -> Result<Response, ApiError> {
    let etag = report.etag.as_ref().map(|tag| format!("\"{tag}\""));
    let body = json!({
        "@id": iri.as_str(),
        "created": !report.existed,
        "deleted": report.etag.is_none(),
        "added": report.added,
        "removed": report.removed,
        "graph": API_GRAPH.as_str(),
        "etag": etag,
    });
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(|_| ApiError::bad_request("invalid tag"))?,
        );
    }
    Ok(response)
}
