//! The REST API under `/api/`: collections of the ecosystem's entities and the entities
//! themselves, as JSON-LD compacted with the published context (`/api/context.jsonld`).

mod csv_import;
mod ecosystem;
mod import;
mod jsonld;
mod jsonld_input;
mod matchmaking;
mod openapi;
mod search;
mod write;

use crate::negotiate::{Kind, negotiate};
use crate::problem::ApiError;
use crate::{AppState, http_util};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::vocab::rdf;
use ponte_store::sparql::OutputFormat;
use ponte_store::{EntityFilter, NamedNode, PonteStore, Term};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub use ecosystem::{brokers, gaps};
pub use import::import;
pub use jsonld::CONTEXT;
pub use matchmaking::{
    MatchService, answer_query as match_answer, graph_input, profile_suggestions,
    suggestions as match_suggestions,
};
pub use openapi::document as openapi_document;
pub use search::{SearchService, text_search};
pub use write::{create, delete, patch, replace};

/// What the API derives from the store and keeps between requests, each tagged with the store
/// generation it was built at and rebuilt when a write has moved it.
#[derive(Default)]
pub struct Views {
    /// The full-text index.
    search: SearchService,
    /// The matchmaking projection.
    matching: matchmaking::MatchService,
    /// Each collection's classes with their subclasses.
    classes: std::sync::Mutex<HashMap<&'static str, Versioned<HashSet<NamedNode>>>>,
}

/// A value and the store generation it was computed at.
type Versioned<T> = (u64, Arc<T>);

/// The query parameters collections accept (documented by `openapi::CollectionText`,
/// `openapi::Filters` and `openapi::Paging`); search takes the same but `kind`.
pub(crate) const LIST_PARAMETERS: [&str; 9] = [
    "q",
    "kind",
    "country",
    "region",
    "topic",
    "mission",
    "programme",
    "limit",
    "cursor",
];

const PONTE: &str = "https://w3id.org/ponte/ontology#";
const ID_NAMESPACE: &str = "https://w3id.org/ponte/id/";
const TOPIC_NAMESPACE: &str = "https://w3id.org/ponte/topic/";
const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
const JSON_LD: &str = "application/ld+json";

/// The longest `q` accepted.
pub(crate) const MAX_Q_CHARS: usize = 256;

/// Entities listed per page when the client does not say.
const DEFAULT_LIMIT: usize = 20;
/// The most entities one page lists.
pub const MAX_LIMIT: usize = 100;

/// A collection of the API: its path segment and the classes whose instances it lists.
struct Collection {
    name: &'static str,
    classes: &'static [&'static str],
}

const COLLECTIONS: &[Collection] = &[
    Collection {
        name: "actors",
        classes: &["Actor"],
    },
    Collection {
        name: "missions",
        classes: &["Mission", "MissionStage"],
    },
    Collection {
        name: "programmes",
        classes: &["Programme", "FundingProgramme", "Initiative", "Strategy"],
    },
    Collection {
        name: "calls",
        classes: &["Call"],
    },
    Collection {
        name: "events",
        classes: &["Event"],
    },
    Collection {
        name: "projects",
        classes: &["Project"],
    },
    Collection {
        name: "topics",
        classes: &[SKOS_CONCEPT],
    },
    Collection {
        name: "places",
        classes: &["Place"],
    },
];

impl Collection {
    fn named(name: &str) -> Result<&'static Collection, ApiError> {
        COLLECTIONS.iter().find(|c| c.name == name).ok_or_else(|| {
            ApiError::not_found(format!(
                "no collection /api/{name}; the collections are: {}",
                COLLECTIONS
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// The collection's classes and all their subclasses, computed once per store generation
    /// (the ontology changes with writes only).
    fn classes(
        &self,
        store: &PonteStore,
        views: &Views,
    ) -> Result<Arc<HashSet<NamedNode>>, ApiError> {
        let generation = store.generation();
        let mut cache = views.classes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((built, classes)) = cache.get(self.name)
            && *built == generation
        {
            return Ok(Arc::clone(classes));
        }
        let classes = Arc::new(self.compute_classes(store)?);
        cache.insert(self.name, (generation, Arc::clone(&classes)));
        Ok(classes)
    }

    /// Where the collection's own IRIs live: `…/topic/` for topics, `…/id/` for the rest.
    fn namespace(&self) -> &'static str {
        if self.name == "topics" {
            TOPIC_NAMESPACE
        } else {
            ID_NAMESPACE
        }
    }

    /// The `{id}` of `iri` in this collection's paths: the slug when it is in the namespace,
    /// else the whole IRI, percent-encoded.
    fn id_of(&self, iri: &NamedNode) -> String {
        match iri.as_str().strip_prefix(self.namespace()) {
            Some(slug) if !slug.contains('/') => slug.to_owned(),
            _ => form_urlencoded::byte_serialize(iri.as_str().as_bytes()).collect(),
        }
    }

    fn compute_classes(&self, store: &PonteStore) -> Result<HashSet<NamedNode>, ApiError> {
        let mut all = HashSet::new();
        for class in self.classes {
            let iri = if class.contains(':') {
                (*class).to_owned()
            } else {
                format!("{PONTE}{class}")
            };
            all.extend(store.subclasses(NamedNode::new_unchecked(iri).as_ref())?);
        }
        Ok(all)
    }
}

/// `GET /api/context.jsonld`: the context every API document refers to.
#[utoipa::path(
    get,
    path = "/api/context.jsonld",
    responses((status = 200, description = "The JSON-LD context of every API document", body = Object, content_type = "application/ld+json"))
)]
pub async fn context_document() -> Response {
    let mut response = CONTEXT.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LD));
    response
}

/// `GET /api/{collection}`: one page of the collection, sorted by name (by relevance with `q`),
/// with its total and the link to the next page. Parameters: `q` (words to search for in names
/// and descriptions), `kind` (a class of the context, such as `University`), `country` (ISO
/// 3166-1 alpha-2, repeatable), `region` (ISO 3166-2 or NUTS), `topic` (with its narrower
/// topics), `mission`, `programme` (the entities that took part), `limit` (1 to
/// [`MAX_LIMIT`]), `cursor` (from `next`).
#[utoipa::path(
    get,
    path = "/api/{collection}",
    params(("collection" = openapi::CollectionName, Path, description = "Which entities"), openapi::CollectionText, openapi::Filters, openapi::Paging),
    responses(
        (status = 200, description = "One page of the collection", body = openapi::CollectionPage, content_type = "application/ld+json"),
        (status = 400, description = "A parameter is malformed; `parameter` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::named(&collection)?;
    let params = ListParams::parse(query.as_deref().unwrap_or(""))?;
    page_response(&state, &headers, Some(collection), params).await
}

/// `GET /api/search?q=…`: entities of every kind, best match first, each with its `score`.
#[utoipa::path(
    get,
    path = "/api/search",
    params(openapi::SearchText, openapi::Filters, openapi::Paging),
    responses(
        (status = 200, description = "The best matches, each with its `score`", body = openapi::CollectionPage, content_type = "application/ld+json"),
        (status = 400, description = "No `q`, or a malformed parameter; `parameter` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = ListParams::parse(query.as_deref().unwrap_or(""))?;
    if params.q.is_none() {
        return Err(
            ApiError::bad_request("search needs q, the words to look for").with("parameter", "q"),
        );
    }
    if params.kind.is_some() {
        return Err(ApiError::bad_request(format!(
            "unknown parameter \"kind\" (it narrows a collection: /api/{{collection}}?kind=…); search takes the others of {}",
            LIST_PARAMETERS.join(", ")
        ))
        .with("parameter", "kind"));
    }
    page_response(&state, &headers, None, params).await
}

/// One page of `collection` (of every entity with none: search) as a `Collection` document.
async fn page_response(
    state: &AppState,
    headers: &HeaderMap,
    collection: Option<&'static Collection>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let origin = http_util::origin(headers, &state.config);
    let base = match collection {
        Some(collection) => format!("{origin}/api/{}", collection.name),
        None => format!("{origin}/api/search"),
    };
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let page = state
        .executor
        .run(move |_token| page(&store, &views, collection, &params))
        .await?;
    Ok(collection_document(&origin, &base, page))
}

/// A page as a hydra `Collection` document.
fn collection_document(origin: &str, base: &str, page: Page) -> Response {
    let mut document = Map::new();
    document.insert("@id".into(), json!(page.self_url(base)));
    document.insert("type".into(), json!("Collection"));
    document.insert("totalItems".into(), json!(page.total));
    if let Some(next) = page.next_url(base) {
        document.insert("next".into(), json!(next));
    }
    document.insert("items".into(), Value::Array(page.items));
    json_ld(origin, document)
}

/// `GET /api/{collection}/{id}`: one entity with everything the store says about it; linked
/// entities carry their names. `id` is the part after `https://w3id.org/ponte/id/` (or
/// `…/topic/` for topics), a compact IRI such as `ror:05apxxy63`, or a whole IRI. JSON-LD
/// unless `Accept` asks for Turtle, N-Triples or RDF/XML.
#[utoipa::path(
    get,
    path = "/api/{collection}/{id}",
    params(
        ("collection" = openapi::CollectionName, Path, description = "Which entities", example = "actors"),
        ("id" = String, Path, description = "A slug (`mit`), a compact IRI (`ror:05apxxy63`) or a whole IRI, percent-encoded", example = "kaist"),
        ("If-None-Match" = Option<String>, Header, description = "A version from an earlier `ETag`: answers 304 while the entity is unchanged"),
    ),
    responses(
        (status = 304, description = "The entity is still at the version given in `If-None-Match`"),
        (status = 200, description = "The entity: every triple the store has about it, linked entities with their names; `ETag` is its version", content(
            (openapi::Entity = "application/ld+json"),
            (String = "text/turtle"),
            (String = "application/n-triples"),
            (String = "application/rdf+xml"),
        )),
        (status = 404, description = "No such entity in this collection (or the id makes no IRI)", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the offered formats is acceptable", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn item(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::named(&collection)?;
    let iri = entity_iri(collection, &id)?;
    entity_response(&state, &headers, iri, Some(collection)).await
}

/// `GET /id/{slug}` and `GET /topic/{slug}`: linked-data dereferencing of Ponte's own IRIs
/// (`https://w3id.org/ponte/id/…` redirects here), with the same negotiation as the API.
pub async fn dereference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = if uri.path().starts_with("/topic/") {
        "https://w3id.org/ponte/topic/"
    } else {
        "https://w3id.org/ponte/id/"
    };
    // A slug that makes no IRI names nothing: 404, like any IRI the store does not know.
    let iri = NamedNode::new(format!("{namespace}{slug}")).map_err(|e| {
        ApiError::not_found(format!(
            "{slug:?} names no entity: it makes no valid IRI ({e})"
        ))
    })?;
    entity_response(&state, &headers, iri, None).await
}

async fn entity_response(
    state: &AppState,
    headers: &HeaderMap,
    iri: NamedNode,
    collection: Option<&'static Collection>,
) -> Result<Response, ApiError> {
    let (format, media_type) = negotiate(headers, Kind::Entity)?;
    let origin = http_util::origin(headers, &state.config);
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let subject = iri.clone();
    let view = state
        .executor
        .run(move |_token| entity(&store, &views, collection, &subject))
        .await?;
    // The version of the entity's own description, the same in every format: what a write's
    // If-Match compares with.
    let etag = ponte_store::entity_tag(&view.triples).map(|tag| format!("\"{tag}\""));
    if let Some(etag) = &etag
        && headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag
            })
    {
        let mut response = axum::http::StatusCode::NOT_MODIFIED.into_response();
        response
            .headers_mut()
            .insert(header::ETAG, HeaderValue::from_str(etag).map_err(internal)?);
        return Ok(response);
    }
    let mut response = match format {
        OutputFormat::Rdf(RdfFormat::JsonLd { .. }) => {
            let mut node = jsonld::node_object(iri.as_str(), &view.triples, &view.labels);
            jsonld::add_reverse(&mut node, &view.incoming, &view.labels);
            json_ld(&origin, node)
        }
        OutputFormat::Rdf(format) => {
            let mut serializer = RdfSerializer::from_format(format)
                .with_prefix("id", "https://w3id.org/ponte/id/")
                .and_then(|s| s.with_prefix("ponte", PONTE))
                .and_then(|s| s.with_prefix("rdfs", "http://www.w3.org/2000/01/rdf-schema#"))
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .for_writer(Vec::new());
            let names = jsonld::label_triples(&view.labels);
            for triple in view.triples.iter().chain(&view.incoming).chain(&names) {
                serializer.serialize_triple(triple).map_err(internal)?;
            }
            let body = serializer.finish().map_err(internal)?;
            let mut response = body.into_response();
            // Text types default to ISO-8859-1 in HTTP: say UTF-8.
            let content_type = if media_type.starts_with("text/") {
                HeaderValue::from_str(&format!("{media_type}; charset=utf-8"))
            } else {
                HeaderValue::from_str(media_type)
            };
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type.map_err(internal)?);
            response
        }
        OutputFormat::Results(_) => unreachable!("entities are offered as RDF only"),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    if let Some(etag) = etag {
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(internal)?,
        );
    }
    Ok(response)
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "serializing an entity failed");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
        "the server failed to serialize the entity; the cause is in its log",
    )
}

/// `body` as an `application/ld+json` response, its `@context` first: the published context as
/// served by this very server.
fn json_ld(origin: &str, body: Map<String, Value>) -> Response {
    let mut document = Map::new();
    document.insert(
        "@context".into(),
        json!(format!("{origin}/api/context.jsonld")),
    );
    document.extend(body);
    let mut response = Value::Object(document).to_string().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LD));
    response
}

/// The IRI an item path names.
fn entity_iri(collection: &Collection, id: &str) -> Result<NamedNode, ApiError> {
    let iri = if id.contains("://") {
        id.to_owned()
    } else if let Some((prefix, local)) = id.split_once(':') {
        match prefix {
            "ror" => format!("https://ror.org/{local}"),
            "geonames" => format!("https://sws.geonames.org/{local}"),
            "id" => format!("https://w3id.org/ponte/id/{local}"),
            "topic" => format!("https://w3id.org/ponte/topic/{local}"),
            _ => {
                return Err(ApiError::not_found(format!(
                    "{id:?} names no entity: the prefix {prefix:?} is none of ror:, geonames:, id:, topic:; or give a whole IRI"
                )));
            }
        }
    } else if collection.name == "topics" {
        format!("https://w3id.org/ponte/topic/{id}")
    } else {
        format!("https://w3id.org/ponte/id/{id}")
    };
    // An id that makes no IRI names nothing: 404, like any IRI the store does not know.
    NamedNode::new(&iri).map_err(|e| {
        ApiError::not_found(format!(
            "{id:?} names no entity: it makes no valid IRI ({e})"
        ))
    })
}

/// What the store says of the entity and the names of what it links to; 404 when the store
/// knows nothing of it, or it is not an instance of `collection`.
/// An entity as the API shows it: its own triples, the incoming relations (members,
/// participants, partners, parts) and the names of every entity on the other end.
struct EntityView {
    triples: Vec<ponte_store::Triple>,
    incoming: Vec<ponte_store::Triple>,
    labels: jsonld::Labels,
}

/// The most incoming relations an entity page lists.
const MAX_INCOMING: usize = 1_000;

fn entity(
    store: &PonteStore,
    views: &Views,
    collection: Option<&Collection>,
    iri: &NamedNode,
) -> Result<EntityView, ApiError> {
    let triples = store.description(iri.as_ref())?;
    let is_member = match collection {
        Some(collection) => {
            let classes = collection.classes(store, views)?;
            triples.iter().any(|t| {
                t.predicate == rdf::TYPE
                    && matches!(&t.object, Term::NamedNode(class) if classes.contains(class))
            })
        }
        None => !triples.is_empty(),
    };
    if !is_member {
        return Err(ApiError::not_found(match collection {
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
    Ok(EntityView {
        triples,
        incoming,
        labels,
    })
}

/// The parameters of a collection request.
#[derive(Clone)]
struct ListParams {
    q: Option<String>,
    kind: Option<String>,
    limit: usize,
    cursor: Option<String>,
    filter: EntityFilter,
    /// The filter parameters as given, for the `next` link.
    filter_params: Vec<(String, String)>,
}

impl ListParams {
    fn parse(query: &str) -> Result<Self, ApiError> {
        Self::parse_with_limit(query, DEFAULT_LIMIT)
    }

    /// Parses `query`; `default_limit` applies when it has no `limit`.
    fn parse_with_limit(query: &str, default_limit: usize) -> Result<Self, ApiError> {
        let mut params = Self {
            q: None,
            kind: None,
            limit: default_limit,
            cursor: None,
            filter: EntityFilter::default(),
            filter_params: Vec::new(),
        };
        for (key, value) in http_util::parse_params(query.as_bytes()) {
            match key.as_str() {
                "q" => {
                    if value.chars().count() > MAX_Q_CHARS {
                        return Err(ApiError::bad_request(format!(
                            "q is at most {MAX_Q_CHARS} characters"
                        ))
                        .with("parameter", "q"));
                    }
                    params.q = Some(value);
                }
                "kind" => {
                    let name = value
                        .strip_prefix("ponte:")
                        .or_else(|| value.strip_prefix("skos:"))
                        .unwrap_or(&value);
                    let mut chars = name.chars();
                    if !(chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                        && chars.all(|c| c.is_ascii_alphanumeric()))
                    {
                        return Err(ApiError::bad_request(format!(
                            "kind is a class name such as University or ponte:University, not {value:?}"
                        ))
                        .with("parameter", "kind"));
                    }
                    params.kind = Some(value);
                }
                "limit" => params.limit = parse_limit(&value)?,
                "cursor" => params.cursor = Some(decode_cursor(&value)?),
                "country" => {
                    if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic())) {
                        return Err(ApiError::bad_request(format!(
                            "country is an ISO 3166-1 alpha-2 code such as IT or US, not {value:?}"
                        ))
                        .with("parameter", "country"));
                    }
                    params.filter.countries.push(value.clone());
                    params.filter_params.push((key, value));
                }
                "region" => {
                    if !(2..=10).contains(&value.len())
                        || !value
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    {
                        return Err(ApiError::bad_request(format!(
                            "region is an ISO 3166-2 code (IT-45) or a NUTS code (ITH5), not {value:?}"
                        ))
                        .with("parameter", "region"));
                    }
                    params.filter.regions.push(value.clone());
                    params.filter_params.push((key, value));
                }
                "topic" | "mission" | "programme" => {
                    let namespace = if key == "topic" {
                        "https://w3id.org/ponte/topic/"
                    } else {
                        "https://w3id.org/ponte/id/"
                    };
                    let iri = reference(&key, &value, namespace)?;
                    match key.as_str() {
                        "topic" => params.filter.topics.push(iri),
                        "mission" => params.filter.missions.push(iri),
                        _ => params.filter.programmes.push(iri),
                    }
                    params.filter_params.push((key, value));
                }
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown parameter {other:?}; collections take {}",
                        LIST_PARAMETERS.join(", ")
                    ))
                    .with("parameter", other));
                }
            }
        }
        Ok(params)
    }
}

/// A `limit` parameter: any whole number from 1 up; above [`MAX_LIMIT`] reads as the maximum.
fn parse_limit(value: &str) -> Result<usize, ApiError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .map(|n| usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "limit must be a whole number of at least 1 (more than {MAX_LIMIT} reads as {MAX_LIMIT}), not {value:?}"
            ))
            .with("parameter", "limit")
        })
}

/// The IRI a `topic`, `mission` or `programme` parameter names: a slug in `namespace`
/// (`gene-therapy`) or a compact IRI (`topic:…`, `id:…`).
fn reference(parameter: &str, value: &str, namespace: &str) -> Result<NamedNode, ApiError> {
    let (namespace, local) = if let Some(local) = value.strip_prefix("topic:") {
        ("https://w3id.org/ponte/topic/", local)
    } else if let Some(local) = value.strip_prefix("id:") {
        ("https://w3id.org/ponte/id/", local)
    } else {
        (namespace, value)
    };
    if local.is_empty()
        || !local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
    {
        return Err(ApiError::bad_request(format!(
            "{parameter} is a slug such as gene-therapy, or topic:… / id:…, not {value:?}"
        ))
        .with("parameter", parameter));
    }
    Ok(NamedNode::new_unchecked(format!("{namespace}{local}")))
}

/// One page of a collection.
struct Page {
    items: Vec<Value>,
    total: usize,
    params: ListParams,
    /// Where the next page starts (the last key shown), when there is one.
    next: Option<String>,
}

impl Page {
    fn self_url(&self, base: &str) -> String {
        page_url(base, &self.params, self.params.cursor.as_deref())
    }

    fn next_url(&self, base: &str) -> Option<String> {
        self.next
            .as_deref()
            .map(|after| page_url(base, &self.params, Some(after)))
    }
}

/// The URL of a page: the request's parameters, with `cursor` (decoded) in place.
fn page_url(base: &str, params: &ListParams, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(q) = &params.q {
        query.append_pair("q", q);
    }
    if let Some(kind) = &params.kind {
        query.append_pair("kind", kind);
    }
    for (key, value) in &params.filter_params {
        query.append_pair(key, value);
    }
    query.append_pair("limit", &params.limit.to_string());
    if let Some(cursor) = cursor {
        query.append_pair("cursor", &encode_cursor(cursor));
    }
    format!("{base}?{}", query.finish())
}

/// The sort key of an entity: its display name, then its IRI (names repeat).
fn sort_key(name: &str, iri: &str) -> String {
    format!("{}\u{0}{iri}", name.to_lowercase())
}

/// Keyset paging: a cursor is the sort key of the last entity shown, hex-encoded so it is
/// opaque and URL-safe; entities inserted meanwhile never shift a page.
fn encode_cursor(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::bad_request("cursor is not one this server gave; start again without it")
            .with("parameter", "cursor")
    };
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return Err(invalid());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| invalid())?;
    // Any key is a position in the ordering, even one this server never gave.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The most search hits a `q=` request considers before narrowing to a collection.
const MAX_HITS: usize = 10_000;

/// A listed entity: its sort key (a name, or a rank with `q`), IRI and names.
type Listed = (
    String,
    NamedNode,
    Option<(NamedNode, Vec<ponte_store::Literal>)>,
);

fn page(
    store: &PonteStore,
    views: &Views,
    collection: Option<&Collection>,
    params: &ListParams,
) -> Result<Page, ApiError> {
    let members = match collection {
        Some(collection) => Some(members(store, views, collection, params)?),
        None => None,
    };
    let filter = if params.filter_params.is_empty() {
        None
    } else {
        Some(store.prepare_filter(&params.filter)?)
    };
    let passes = |iri: &NamedNode| -> Result<bool, ApiError> {
        Ok(match &filter {
            Some(filter) => store.passes(iri, filter)?,
            None => true,
        })
    };
    let mut scores = HashMap::new();
    let mut entries: Vec<Listed> = Vec::new();
    match &params.q {
        Some(q) => {
            for hit in views.search.search(store, q, MAX_HITS)? {
                let iri = NamedNode::new_unchecked(hit.iri);
                if members.as_ref().is_none_or(|m| m.contains(&iri)) && passes(&iri)? {
                    scores.insert(iri.clone(), hit.score);
                    // Zero-padded ranks sort like the ranks: the cursor works the same way.
                    // Names are read for the page shown only (below).
                    entries.push((format!("{:010}", entries.len()), iri, None));
                }
            }
        }
        None => {
            for instance in members.unwrap_or_default() {
                if !passes(&instance)? {
                    continue;
                }
                let names = store.labels(Term::from(instance.clone()).as_ref())?;
                let name = names
                    .as_ref()
                    .and_then(|(_, names)| {
                        names
                            .iter()
                            .find(|l| l.language() == Some("en"))
                            .or_else(|| names.first())
                    })
                    .map_or_else(|| instance.as_str().to_owned(), |l| l.value().to_owned());
                entries.push((sort_key(&name, instance.as_str()), instance, names));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
        }
    }
    let total = entries.len();
    let start = match &params.cursor {
        Some(after) => entries.partition_point(|(key, ..)| key <= after),
        None => 0,
    };
    let end = (start + params.limit).min(total);
    let next = (end < total).then(|| entries[end - 1].0.clone());
    let mut items = Vec::new();
    for (_, iri, names) in &entries[start..end] {
        let mut triples = store.types(iri.as_ref())?;
        let names = match names {
            Some(names) => Some(names.clone()),
            None => store.labels(Term::from(iri.clone()).as_ref())?,
        };
        if let Some((naming, names)) = names {
            triples.extend(
                names.iter().map(|name| {
                    ponte_store::Triple::new(iri.clone(), naming.clone(), name.clone())
                }),
            );
        }
        let mut item = jsonld::node_object(iri.as_str(), &triples, &jsonld::Labels::new());
        if let Some(score) = scores.get(iri) {
            item.insert("score".into(), json!(score));
        }
        items.push(Value::Object(item));
    }
    Ok(Page {
        items,
        total,
        params: params.clone(),
        next,
    })
}

/// The instances of the collection, narrowed to `kind` when given.
fn members(
    store: &PonteStore,
    views: &Views,
    collection: &Collection,
    params: &ListParams,
) -> Result<BTreeSet<NamedNode>, ApiError> {
    let mut classes = collection.classes(store, views)?;
    if let Some(kind) = &params.kind {
        // A kind this collection does not hold (a mission among actors) has no members here.
        let Some(class) = kind_iri(kind).filter(|class| classes.contains(class)) else {
            return Ok(BTreeSet::new());
        };
        classes = Arc::new(store.subclasses(class.as_ref())?);
    }
    Ok(store.instances(&classes)?)
}

/// The class a `kind` parameter names: a term of the context (`University`), a compact IRI
/// (`ponte:University`) or a whole IRI.
fn kind_iri(kind: &str) -> Option<NamedNode> {
    let iri = if let Some(local) = kind.strip_prefix("ponte:") {
        format!("{PONTE}{local}")
    } else if let Some(local) = kind.strip_prefix("skos:") {
        format!("http://www.w3.org/2004/02/skos/core#{local}")
    } else {
        format!("{PONTE}{kind}")
    };
    NamedNode::new(iri).ok()
}
