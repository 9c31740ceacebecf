//! Partner suggestions: `GET /api/match?actor=…` and `POST /api/match` (a profile); the
//! mission planner: `POST /api/plan` and `GET /api/plan?mission=…` (a follow-up).

use super::responses::{ProfileProblems, ReadProblems};
use super::{Answer, Reply};
use crate::AppState;
use crate::extract::Params;
use crate::http_util::read_typed_body;
use crate::problem::{Problem, ProblemDocument};
use axum::Router;
use axum::extract::Request;
use axum::routing::get;
use ponte_app::request::{Filters, MatchOptions, MatchRequest, MatchTarget, Profile};
use ponte_app::{
    App, AppError, FollowUpAnswer, FollowUpRequest, Location, MatchAnswer, PlanAnswer, PlanRequest,
};
use serde::de::DeserializeOwned;

/// The match routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/match", get(suggestions).post(profile_suggestions))
        .route("/api/plan", get(follow_up).post(plan))
}

/// A JSON body of type `T`, or a 4xx naming what is wrong and where.
async fn json_body<T: DeserializeOwned>(
    reply: &Reply,
    request: Request,
    what: &str,
) -> Result<T, Problem> {
    let accepted = ["application/json"];
    let body = read_typed_body(request, reply.max_body_bytes(), &accepted, what).await?;
    serde_json::from_slice(&body).map_err(|e| {
        AppError::body(
            format!("invalid {what}: {e}"),
            Location::default().at(e.line() as u64, e.column() as u64),
        )
        .into()
    })
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
    let profile: Profile = json_body(&reply, request, "profile").await?;
    let answer = move |app: &App, origin: &str| app.suggest_for_profile(&profile, &options, origin);
    reply.answer(answer).await
}

/// `POST /api/plan`: plans a mission to a foreign ecosystem (`to`) around `topics`: the home
/// actors to invite (their topics, earlier activities aimed there and links there as
/// evidence), whom each should meet there (the matcher's suggestions kept to the ecosystem,
/// with scores, parts and evidence), who can introduce them (the brokers towards it), the gaps
/// the meetings would close, and with `followUp` the open meetings of a past mission.
#[utoipa::path(post, path = "/api/plan", tag = "matchmaking",
    request_body(content = PlanRequest, content_type = "application/json"),
    responses((status = 200, description = "The plan", body = PlanAnswer, content_type = "application/ld+json"), ProfileProblems),
)]
pub async fn plan(reply: Reply, request: Request) -> Answer {
    let plan: PlanRequest = json_body(&reply, request, "plan").await?;
    reply
        .answer(move |app: &App, origin: &str| app.plan(&plan, origin))
        .await
}

/// `GET /api/plan?mission=…`: a past mission's meetings (a delegate took part where an actor
/// was met, visited or hosted) that have not become a partnership, each with its best next
/// step: a call aimed at the partner's place on one of the delegate's topics, a topic both
/// work on, or an actor linked to both who can introduce them.
#[utoipa::path(get, path = "/api/plan", tag = "matchmaking", params(FollowUpRequest), responses(
    (status = 200, description = "Open meetings, the most concrete next steps first", body = FollowUpAnswer, content_type = "application/ld+json"),
    (status = 404, description = "No such mission", body = ProblemDocument, content_type = "application/problem+json"),
    ReadProblems,
))]
pub async fn follow_up(reply: Reply, Params(request): Params<FollowUpRequest>) -> Answer {
    reply.to(request, App::follow_up).await
}
