//! Writing entities: `POST /api/{collection}` (create), and `PUT` (replace), `PATCH` (merge
//! patch) and `DELETE` at `/api/{collection}/{id}`. Every write needs the token
//! ([`WriteAccess`], checked before the body is read), honours `If-Match`/`If-None-Match`, and
//! answers with a report and the entity's new `ETag`.

use super::Answer;
use super::responses::EntityWriteProblems;
use crate::AppState;
use crate::extract::{CollectionAddress, Conditions, EntityAddress, IfMatch, WriteAccess};
use crate::http_util::{origin, read_typed_body};
use crate::problem::Problem;
use crate::problem::ProblemDocument;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use ponte_app::{App, AppError, Collection, EntityInput, WriteReport, WriteRequest};
use ponte_store::{CancellationToken, Precondition};

/// `POST /api/{collection}`: creates an entity from a JSON-LD node. With no `@id`, the IRI is
/// minted from its name (`Università di Bologna` → `…/id/universita-di-bologna`); an `@id` that
/// exists already is a 409.
#[utoipa::path(post, path = "/api/{collection}", tag = "entities", params(CollectionAddress), security(("bearer" = [])),
    request_body(content = EntityInput, content_type = "application/ld+json", description = "One node in JSON-LD, in any context (Ponte's own is resolved locally); every key must be defined by it"),
    responses(
        (status = 201, description = "Created; `Location` is its address, `ETag` its version", body = WriteReport),
        (status = 409, description = "An entity with this `@id` exists", body = ProblemDocument, content_type = "application/problem+json"),
        EntityWriteProblems,
    )
)]
pub async fn create(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<CollectionAddress>,
    request: Request,
) -> Answer {
    let collection = address.resolve()?;
    let origin = origin(request.headers(), &state.config);
    let create = |app: &App, request: &WriteRequest, token: &_| app.create(request, token);
    let report = write(&state, collection, request, Body::Whole, create).await?;
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
#[utoipa::path(put, path = "/api/{collection}/{id}", tag = "entities", params(EntityAddress, Conditions), security(("bearer" = [])),
    request_body(content = EntityInput, content_type = "application/ld+json", description = "The whole new description: one node in JSON-LD, in any context"),
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version", body = WriteReport),
        (status = 201, description = "Created", body = WriteReport),
        EntityWriteProblems,
    )
)]
pub async fn replace(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    conditions: Conditions,
    request: Request,
) -> Answer {
    let (collection, iri) = address.resolve()?;
    let precondition = conditions.for_write(Precondition::None)?;
    let replace = move |app: &App, request: &WriteRequest, token: &_| {
        app.replace(request, &iri, &precondition, token)
    };
    let report = write(&state, collection, request, Body::Whole, replace).await?;
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
#[utoipa::path(patch, path = "/api/{collection}/{id}", tag = "entities", params(EntityAddress, IfMatch), security(("bearer" = [])),
    request_body(content = EntityInput, content_type = "application/merge-patch+json", description = "The properties to set (or, with null, remove), as a JSON-LD node whose context defines every key"),
    responses((status = 200, description = "Patched; `ETag` is the new version", body = WriteReport), EntityWriteProblems),
)]
pub async fn patch(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    if_match: IfMatch,
    request: Request,
) -> Answer {
    let (collection, iri) = address.resolve()?;
    let precondition = if_match.precondition();
    let patch = move |app: &App, request: &WriteRequest, token: &_| {
        app.patch(request, &iri, &precondition, token)
    };
    let report = write(&state, collection, request, Body::Patch, patch).await?;
    report_response(StatusCode::OK, &report)
}

/// `DELETE /api/{collection}/{id}`: removes everything the store says about the entity, from
/// every source graph. Refused (422) while other entities still link to it.
#[utoipa::path(delete, path = "/api/{collection}/{id}", tag = "entities", params(EntityAddress, IfMatch), security(("bearer" = [])),
    responses((status = 200, description = "Deleted", body = WriteReport), EntityWriteProblems),
)]
pub async fn delete(
    _: WriteAccess,
    State(state): State<AppState>,
    Path(address): Path<EntityAddress>,
    if_match: IfMatch,
) -> Answer {
    let (collection, iri) = address.resolve()?;
    let precondition = if_match.precondition();
    let app = state.app.clone();
    let report = state
        .executor
        .run_write(move |token| app.delete(collection, &iri, &precondition, &token))
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
    request: Request,
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
    let origin = origin(request.headers(), &state.config);
    let what = "an entity (JSON-LD in any context)";
    let body = read_typed_body(request, state.config.max_body_bytes, accepted, what).await?;
    let app = state.app.clone();
    state
        .executor
        .run_write(move |token| {
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
fn report_response(status: StatusCode, report: &WriteReport) -> Answer {
    let mut response = (status, axum::Json(report)).into_response();
    if let Some(etag) = &report.etag {
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(etag).map_err(|e| Problem::internal(&e))?,
        );
    }
    Ok(response)
}
