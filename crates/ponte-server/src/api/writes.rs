//! Writing entities: `POST /api/{collection}` (create), and `PUT` (replace), `PATCH` (merge
//! patch) and `DELETE` at `/api/{collection}/{id}`. Every write needs the token
//! ([`WriteAccess`], checked before the body is read), honours `If-Match`/`If-None-Match`, and
//! answers with a report and the entity's new `ETag`.

use super::responses::WriteRefusals;
use crate::AppState;
use crate::extract::{CollectionAddress, Conditions, EntityAddress, IfMatch, WriteAccess};
use crate::http_util::{content_type, origin, read_body};
use crate::problem::Problem;
use crate::problem::ProblemDocument;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ponte_app::{App, AppError, Collection, EntityInput, WriteReport, WriteRequest};
use ponte_store::{CancellationToken, Precondition};

/// `POST /api/{collection}`: creates an entity from a JSON-LD node. With no `@id`, the IRI is
/// minted from its name (`Università di Bologna` → `…/id/universita-di-bologna`); an `@id` that
/// exists already is a 409.
#[utoipa::path(
    post,
    path = "/api/{collection}",
    tag = "entities",
    params(CollectionAddress),
    request_body(content = EntityInput, content_type = "application/ld+json", description = "One node in JSON-LD, in any context (Ponte's own is resolved locally); every key must be defined by it"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` is its address, `ETag` its version", body = WriteReport),
        (status = 400, description = "The body is not JSON-LD of one node, or its context does not define a key; `field`, `line` or `column` say where", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "An entity with this `@id` exists", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The entity breaks the shapes, or is not of this collection's kinds", body = ProblemDocument, content_type = "application/problem+json"),
        WriteRefusals,
    )
)]
pub async fn create(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<CollectionAddress>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    let collection = address.resolve()?;
    let origin = origin(&headers, &state.config);
    let report = write(
        &state,
        collection,
        &headers,
        body,
        Body::Whole,
        |app, request, token| app.create(request, token),
    )
    .await?;
    let iri = ponte_store::NamedNode::new_unchecked(report.id.clone());
    let location = format!(
        "{origin}/api/{}/{}",
        collection.name,
        collection.id_of(&iri)
    );
    let mut response = report_response(StatusCode::CREATED, &report)?;
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|e| Problem::internal(&e))?,
    );
    Ok(response)
}

/// `PUT /api/{collection}/{id}`: the entity's description becomes the body's node (created
/// when absent). Facts that stay keep their source graph; new ones go to the API graph.
#[utoipa::path(
    put,
    path = "/api/{collection}/{id}",
    tag = "entities",
    params(EntityAddress, Conditions),
    request_body(content = EntityInput, content_type = "application/ld+json", description = "The whole new description: one node in JSON-LD, in any context"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version", body = WriteReport),
        (status = 201, description = "Created", body = WriteReport),
        (status = 400, description = "The body is not JSON-LD of this one node, or its context does not define a key", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such collection, or the id makes no IRI", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` or `If-None-Match` does not hold; `currentEtag` is the version now", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The entity breaks the shapes, or is not of this collection's kinds", body = ProblemDocument, content_type = "application/problem+json"),
        WriteRefusals,
    )
)]
pub async fn replace(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    conditions: Conditions,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    let (collection, iri) = address.resolve()?;
    let precondition = conditions.for_write(Precondition::None)?;
    let report = write(
        &state,
        collection,
        &headers,
        body,
        Body::Whole,
        move |app, request, token| app.replace(request, &iri, &precondition, token),
    )
    .await?;
    let status = if report.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    report_response(status, &report)
}

/// `PATCH /api/{collection}/{id}`: a JSON merge patch over the entity's properties. Each
/// property of the body replaces all values of that property; `null` or `[]` removes it; the
/// properties the body does not name stay as they are.
#[utoipa::path(
    patch,
    path = "/api/{collection}/{id}",
    tag = "entities",
    params(EntityAddress, IfMatch),
    request_body(content = EntityInput, content_type = "application/merge-patch+json", description = "The properties to set (or, with null, remove), as a JSON-LD node whose context defines every key"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Patched; `ETag` is the new version", body = WriteReport),
        (status = 400, description = "The body is not a JSON-LD node about this entity, or its context does not define a key; `field` names it", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such entity in this collection", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not hold; `currentEtag` is the version now", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The result breaks the shapes", body = ProblemDocument, content_type = "application/problem+json"),
        WriteRefusals,
    )
)]
pub async fn patch(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    if_match: IfMatch,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    let (collection, iri) = address.resolve()?;
    let precondition = if_match.precondition();
    let report = write(
        &state,
        collection,
        &headers,
        body,
        Body::Patch,
        move |app, request, token| app.patch(request, &iri, &precondition, token),
    )
    .await?;
    report_response(StatusCode::OK, &report)
}

/// `DELETE /api/{collection}/{id}`: removes everything the store says about the entity, from
/// every source graph. Refused (422) while other entities still link to it.
#[utoipa::path(
    delete,
    path = "/api/{collection}/{id}",
    tag = "entities",
    params(EntityAddress, IfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = WriteReport),
        (status = 400, description = "A malformed condition header; `header` names it", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such entity in this collection", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not hold; `currentEtag` is the version now", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Other entities link to it: the shapes name them", body = ProblemDocument, content_type = "application/problem+json"),
        WriteRefusals,
    )
)]
pub async fn delete(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    if_match: IfMatch,
) -> Result<Response, Problem> {
    let (collection, iri) = address.resolve()?;
    let precondition = if_match.precondition();
    let app = state.app.clone();
    let report = state
        .executor
        .run(move |token| app.delete(collection, &iri, &precondition, &token))
        .await?;
    report_response(StatusCode::OK, &report)
}

/// What a write body holds.
#[derive(Clone, Copy)]
enum Body {
    /// A whole entity (JSON-LD).
    Whole,
    /// A merge patch (JSON-LD, or `application/merge-patch+json`).
    Patch,
}

/// Reads a JSON-LD write body (after checking its media type) and runs `operation` on it.
async fn write(
    state: &AppState,
    collection: &'static Collection,
    headers: &HeaderMap,
    body: axum::body::Body,
    kind: Body,
    operation: impl FnOnce(&App, &WriteRequest<'_>, &CancellationToken) -> Result<WriteReport, AppError>
    + Send
    + 'static,
) -> Result<WriteReport, Problem> {
    let accepted: &[&str] = match kind {
        Body::Patch => &[
            "application/merge-patch+json",
            "application/ld+json",
            "application/json",
        ],
        Body::Whole => &["application/ld+json", "application/json"],
    };
    let body = match content_type(headers)? {
        Some(media_type) if accepted.contains(&media_type.as_str()) => {
            read_body(body, state.config.max_body_bytes).await?
        }
        other => {
            return Err(Problem::unsupported_media_type(format!(
                "the body must be {} (JSON-LD in any context), not {}",
                accepted.join(" or "),
                other.as_deref().unwrap_or("untyped")
            )));
        }
    };
    let origin = origin(headers, &state.config);
    let app = state.app.clone();
    state
        .executor
        .run(move |token| {
            let request = WriteRequest {
                collection,
                body: &body,
                origin: &origin,
            };
            operation(&app, &request, &token)
        })
        .await
}

/// The write's report as JSON, with the entity's new `ETag`.
fn report_response(status: StatusCode, report: &WriteReport) -> Result<Response, Problem> {
    let mut response = (status, axum::Json(report)).into_response();
    if let Some(etag) = &report.etag {
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(etag).map_err(|e| Problem::internal(&e))?,
        );
    }
    Ok(response)
}
