//! Partner suggestions: `GET /api/match?actor=…` and `POST /api/match` (a profile).

use super::responses::{ReadProblems, Unavailable};
use crate::AppState;
use crate::extract::Params;
use crate::http_util::{content_type, read_body};
use crate::problem::Problem;
use crate::problem::ProblemDocument;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use ponte_app::request::{Filters, MatchOptions, MatchRequest, MatchTarget, Profile};
use ponte_app::{Location, MatchAnswer};

/// The match routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/match", get(suggestions).post(profile_suggestions))
}

/// `GET /api/match?actor=…`: the partners the actor should meet next, best first, each with its
/// score, the parts of the score and one to three evidence paths of real edges. Filters as on
/// collections, `limit` (default 10), and `exclude=connected` to leave out actors already
/// linked to it. People and delegations are suggested only when `kind` asks for them.
#[utoipa::path(
    get,
    path = "/api/match",
    tag = "matchmaking",
    params(MatchTarget, MatchOptions, Filters),
    responses(
        (status = 200, description = "Suggestions, best first", body = MatchAnswer, content_type = "application/ld+json"),
        (status = 404, description = "No such actor", body = ProblemDocument, content_type = "application/problem+json"),
        ReadProblems,
    )
)]
pub async fn suggestions(
    State(state): State<AppState>,
    Params(request): Params<MatchRequest>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    state
        .answer(&headers, move |app, origin| app.suggest(&request, origin))
        .await
}

/// `POST /api/match`: partners for a profile (topics, links, kinds wanted) rather than for an
/// actor of the graph; the same filters and answer as `GET`, without `seed`.
#[utoipa::path(
    post,
    path = "/api/match",
    tag = "matchmaking",
    params(MatchOptions, Filters),
    request_body(content = Profile, content_type = "application/json"),
    responses(
        (status = 200, description = "Suggestions, best first", body = MatchAnswer, content_type = "application/ld+json"),
        (status = 400, description = "The profile or a parameter is malformed, or names nothing in the graph; `field` or `parameter` says which", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemDocument, content_type = "application/problem+json"),
        Unavailable,
    )
)]
pub async fn profile_suggestions(
    State(state): State<AppState>,
    Params(options): Params<MatchOptions>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    match content_type(&headers)?.as_deref() {
        Some("application/json") => {}
        other => {
            return Err(Problem::unsupported_media_type(format!(
                "a profile is application/json, not {}",
                other.unwrap_or("untyped")
            )));
        }
    }
    let body = read_body(body, state.config.max_body_bytes).await?;
    let profile: Profile = serde_json::from_slice(&body).map_err(|e| {
        ponte_app::AppError::body(
            format!("invalid profile: {e}"),
            Location::default().at(e.line() as u64, e.column() as u64),
        )
    })?;
    state
        .answer(&headers, move |app, origin| {
            app.suggest_for_profile(&profile, &options, origin)
        })
        .await
}
