//! The REST API under `/api/`: one router per resource, each handler a thin shell around one
//! `ponte-app` operation: it takes what the request says (extractors), runs the operation on
//! the executor, and writes the answer as JSON-LD with the published context.

mod ecosystem;
mod entities;
mod import;
mod matching;
pub mod openapi;
mod responses;
mod writes;

use crate::AppState;
use crate::problem::Problem;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ponte_app::jsonld::CONTEXT;
use ponte_app::{App, AppError};
use responses::Unavailable;
use serde::Serialize;

/// The media type of every API document.
const JSON_LD: &str = "application/ld+json";

/// Every route under `/api/`. The fixed paths come before `/api/{collection}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/context.jsonld", get(context_document))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/graphs", get(graphs))
        .merge(matching::router())
        .merge(ecosystem::router())
        .merge(import::router())
        .merge(entities::router())
}

/// `GET /api/context.jsonld`: the context every API document refers to.
#[utoipa::path(get, path = "/api/context.jsonld", tag = "context", responses(
    (status = 200, description = "The JSON-LD context of every API document", body = Object, content_type = "application/ld+json"),
))]
pub async fn context_document() -> Response {
    let mut response = CONTEXT.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LD));
    response
}

/// `GET /api/graphs`: what is loaded: each graph with its source, load time, content hash
/// and the triples it holds.
#[utoipa::path(get, path = "/api/graphs", tag = "graphs", responses(
    (status = 200, description = "Every loaded graph", body = ponte_app::GraphsAnswer, content_type = "application/ld+json"),
    Unavailable,
))]
pub async fn graphs(reply: Reply) -> Answer {
    reply.answer(|app, origin| app.graphs(origin)).await
}

/// What an API handler answers: a response, or a problem.
type Answer = Result<Response, Problem>;

/// Where a read's answer goes: the application, the pool its operation runs on, and the origin
/// (the scheme and host the client used) that the answer's links are written against.
pub struct Reply {
    state: AppState,
    origin: String,
}

impl FromRequestParts<AppState> for Reply {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Ok(Self {
            origin: crate::http_util::origin(&parts.headers, &state.config),
            state: state.clone(),
        })
    }
}

impl Reply {
    /// The largest request body the server reads.
    fn max_body_bytes(&self) -> usize {
        self.state.config.max_body_bytes
    }

    /// Runs `operation` on the pool and answers its result as JSON-LD.
    async fn answer<T: Serialize + Send + 'static>(
        self,
        operation: impl FnOnce(&App, &str) -> Result<T, AppError> + Send + 'static,
    ) -> Answer {
        let Self { state, origin } = self;
        let app = state.app.clone();
        let answer = state
            .executor
            .run(move |_token| operation(&app, &origin))
            .await?;
        Ok(json_ld(&answer))
    }

    /// Runs the operation that answers `request` on the pool, as JSON-LD.
    async fn to<R: Send + 'static, T: Serialize + Send + 'static>(
        self,
        request: R,
        operation: fn(&App, &R, &str) -> Result<T, AppError>,
    ) -> Answer {
        self.answer(move |app, origin| operation(app, &request, origin))
            .await
    }
}

/// `body` as an `application/ld+json` response.
fn json_ld(body: &impl Serialize) -> Response {
    let mut response = match serde_json::to_vec(body) {
        Ok(bytes) => bytes.into_response(),
        Err(error) => return crate::problem::Problem::internal(&error).into_response(),
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LD));
    response
}
