//! Collections, search and entities: `GET /api/{collection}`, `GET /api/search`,
//! `GET /api/{collection}/{id}` and the dereferencing of Ponte's own IRIs (`/id/…`,
//! `/topic/…`), with the writes on the same paths.

use super::responses::{ReadProblems, Unavailable};
use super::{Answer, Reply, json_ld, writes};
use crate::extract::{CollectionAddress, EntityAddress, IfNoneMatch, Params};
use crate::negotiate::{Kind, negotiate};
use crate::problem::{Problem, ProblemDocument};
use crate::{AppState, http_util};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oxigraph::io::{RdfFormat, RdfSerializer};
use ponte_app::request::{CollectionText, Filters, ListRequest, Paging, SearchRequest, SearchText};
use ponte_app::{App, Collection, CollectionPage, EntityView, vocab};
use ponte_store::NamedNode;
use ponte_store::sparql::OutputFormat;

/// The routes of collections, search and entities.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/{collection}", get(list).post(writes::create))
        .route(
            "/api/{collection}/{id}",
            get(item)
                .put(writes::replace)
                .patch(writes::patch)
                .delete(writes::delete),
        )
        .route("/id/{slug}", get(dereference))
        .route("/topic/{slug}", get(dereference))
}

/// `GET /api/{collection}`: one page of the collection, sorted by name (by relevance with `q`),
/// with its total and the link to the next page.
#[utoipa::path(get, path = "/api/{collection}", tag = "entities", params(CollectionAddress, CollectionText, Filters, Paging), responses(
    (status = 200, description = "One page of the collection", body = CollectionPage, content_type = "application/ld+json"),
    (status = 404, description = "No such collection", body = ProblemDocument, content_type = "application/problem+json"),
    ReadProblems,
))]
pub async fn list(
    reply: Reply,
    Path(address): Path<CollectionAddress>,
    Params(request): Params<ListRequest>,
) -> Answer {
    let collection = address.resolve()?;
    reply
        .answer(move |app, origin| app.list(Some(collection), &request, origin))
        .await
}

/// `GET /api/search?q=…`: entities of every kind, best match first, each with its `score`.
#[utoipa::path(get, path = "/api/search", tag = "entities", params(SearchText, Filters, Paging), responses(
    (status = 200, description = "The best matches, each with its `score`", body = CollectionPage, content_type = "application/ld+json"),
    ReadProblems,
))]
pub async fn search(reply: Reply, Params(request): Params<SearchRequest>) -> Answer {
    let request = request.into_list()?;
    reply
        .answer(move |app, origin| app.list(None, &request, origin))
        .await
}

/// `GET /api/{collection}/{id}`: one entity with everything the store says about it; linked
/// entities carry their names. JSON-LD unless `Accept` asks for Turtle, N-Triples or RDF/XML.
#[utoipa::path(
    get,
    path = "/api/{collection}/{id}",
    tag = "entities",
    params(EntityAddress, IfNoneMatch),
    responses(
        (status = 304, description = "The entity is still at the version given in `If-None-Match`"),
        (status = 200, description = "The entity: every triple the store has about it, incoming relations under `@reverse`, linked entities with their names; `ETag` is its version", content(
            (Object = "application/ld+json"),
            (String = "text/turtle"),
            (String = "application/n-triples"),
            (String = "application/rdf+xml"),
        )),
        (status = 404, description = "No such entity in this collection (or the id makes no IRI)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 406, description = "None of the offered formats is acceptable", body = ProblemDocument, content_type = "application/problem+json"),
        Unavailable,
    )
)]
pub async fn item(
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    if_none_match: IfNoneMatch,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (collection, iri) = address.resolve()?;
    entity(&state, &headers, &if_none_match, iri, Some(collection)).await
}

/// `GET /id/{slug}` and `GET /topic/{slug}`: linked-data dereferencing of Ponte's own IRIs
/// (`https://w3id.org/ponte/id/…` redirects here), with the same negotiation as the API; a
/// browser (`Accept` preferring HTML) gets the entity's page.
pub async fn dereference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: Uri,
    if_none_match: IfNoneMatch,
    headers: HeaderMap,
    reader: crate::web::Reader,
) -> Result<Response, Problem> {
    // `/id/kaist.ttl` is the entity's data in that format, whatever `Accept` says: a link a
    // page can offer, since a link cannot set `Accept`.
    let forced = slug.rsplit_once('.').and_then(|(stem, extension)| {
        DATA_EXTENSIONS
            .iter()
            .find(|(known, _)| *known == extension)
            .map(|(_, media_type)| (stem.to_owned(), *media_type))
    });
    let topic = uri.path().starts_with("/topic/");
    if let Some((stem, media_type)) = forced {
        let iri = App::dereferenced_iri(topic, &stem)?;
        let mut asked = headers.clone();
        asked.insert(header::ACCEPT, HeaderValue::from_static(media_type));
        return entity(&state, &asked, &if_none_match, iri, None).await;
    }
    let iri = App::dereferenced_iri(topic, &slug)?;
    if crate::web::prefers_html(&headers) {
        return Ok(crate::web::entity(reader, iri).await);
    }
    entity(&state, &headers, &if_none_match, iri, None).await
}

/// The file extensions an entity's IRI takes for its data in one format (`/id/kaist.ttl`).
pub const DATA_EXTENSIONS: [(&str, &str); 4] = [
    ("jsonld", "application/ld+json"),
    ("ttl", "text/turtle"),
    ("nt", "application/n-triples"),
    ("rdf", "application/rdf+xml"),
];

async fn entity(
    state: &AppState,
    headers: &HeaderMap,
    if_none_match: &IfNoneMatch,
    iri: NamedNode,
    collection: Option<&'static Collection>,
) -> Result<Response, Problem> {
    let (format, media_type) = negotiate(headers, Kind::Entity)?;
    let origin = http_util::origin(headers, &state.config);
    let app = state.app.clone();
    let view = state
        .executor
        .run(move |_token| app.entity(collection, &iri))
        .await?;
    // The version of the entity's own description, the same in every format: what a write's
    // If-Match compares with.
    let etag = view.tag.as_ref().map(|tag| format!("\"{tag}\""));
    if let Some(etag) = &etag
        && if_none_match.holds(etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response
            .headers_mut()
            .insert(header::ETAG, header_value(etag)?);
        return Ok(response);
    }
    let mut response = match format {
        OutputFormat::Rdf(RdfFormat::JsonLd { .. }) => json_ld(&view.to_json_ld(&origin)),
        OutputFormat::Rdf(format) => rdf_response(&view, format, media_type)?,
        OutputFormat::Results(_) => unreachable!("entities are offered as RDF only"),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    if let Some(etag) = etag {
        response
            .headers_mut()
            .insert(header::ETAG, header_value(&etag)?);
    }
    Ok(response)
}

/// The entity in an RDF format, with Ponte's prefixes.
fn rdf_response(
    view: &EntityView,
    format: RdfFormat,
    media_type: &str,
) -> Result<Response, Problem> {
    let mut serializer = RdfSerializer::from_format(format)
        .with_prefix("id", vocab::ID_NAMESPACE)
        .and_then(|s| s.with_prefix("ponte", vocab::PONTE))
        .and_then(|s| s.with_prefix("rdfs", "http://www.w3.org/2000/01/rdf-schema#"))
        .map_err(|e| Problem::internal(&e))?
        .for_writer(Vec::new());
    for triple in view.all_triples() {
        serializer
            .serialize_triple(&triple)
            .map_err(|e| Problem::internal(&e))?;
    }
    let body = serializer.finish().map_err(|e| Problem::internal(&e))?;
    let mut response = body.into_response();
    // Text types default to ISO-8859-1 in HTTP: say UTF-8.
    let content_type = if media_type.starts_with("text/") {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_owned()
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header_value(&content_type)?);
    Ok(response)
}

fn header_value(text: &str) -> Result<HeaderValue, Problem> {
    HeaderValue::from_str(text).map_err(|e| Problem::internal(&e))
}
