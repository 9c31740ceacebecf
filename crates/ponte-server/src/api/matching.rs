//! Partner suggestions: `GET /api/match?actor=…` and `POST /api/match` (a profile).

use super::responses::{ProfileProblems, ReadProblems};
use super::{Answer, Reply};
use crate::AppState;
use crate::extract::Params;
use crate::http_util::read_typed_body;
use crate::problem::ProblemDocument;
use axum::Router;
use axum::extract::Request;
use axum::routing::get;
use ponte_app::request::{Filters, MatchOptions, MatchRequest, MatchTarget, Profile};
use ponte_app::{App, AppError, Location, MatchAnswer};

/// The match routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/match", get(suggestions).post(profile_suggestions))
}

/// `GET /api/match?actor=…`: the partners the actor should meet next, best first, each with its
/// score, the parts of the score and one to three evidence paths of real edges. Filters as on
/// collections, `limit` (default 10), and `exclude=connected` to leave out actors already
/// linked to it. People and delegations are suggested only when `kind` asks for them.
#[utoipa::path(get, path = "/api/match", tag = "matchmaking", params(MatchTarget, MatchOptions, Filters), responses(
    (status = 200, description = "Suggestions, best first", body = MatchAnswer, content_type = "application/ld+json"),
    (status = 404, description = "No such actor", body = ProblemDocument, content_type = "application/problem+json"),
    ReadProblems,
))]
pub async fn suggestions(reply: Reply, Params(request): Params<MatchRequest>) -> Answer {
    reply.to(request, App::suggest).await
}

/// `POST /api/match`: partners for a profile (topics, links, kinds wanted) rather than for an
/// actor of the graph; the same filters and answer as `GET`, without `seed`.
#[utoipa::path(post, path = "/api/match", tag = "matchmaking", params(MatchOptions, Filters),
    request_body(content = Profile, content_type = "application/json"),
    responses((status = 200, description = "Suggestions, best first", body = MatchAnswer, content_type = "application/ld+json"), ProfileProblems),
)]
pub async fn profile_suggestions(
    reply: Reply,
    Params(options): Params<MatchOptions>,
    request: Request,
) -> Answer {
    let accepted = ["application/json"];
    let body = read_typed_body(request, reply.max_body_bytes(), &accepted, "a profile").await?;
    let profile: Profile = serde_json::from_slice(&body).map_err(|e| {
        AppError::body(
            format!("invalid profile: {e}"),
            Location::default().at(e.line() as u64, e.column() as u64),
        )
    })?;
    let answer = move |app: &App, origin: &str| app.suggest_for_profile(&profile, &options, origin);
    reply.answer(answer).await
}
