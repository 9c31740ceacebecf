//! `GET /api/brokers` and `GET /api/gaps`: the ecosystem beyond partner lists.

use super::responses::ReadProblems;
use super::{Answer, Reply};
use crate::AppState;
use crate::extract::Params;
use axum::Router;
use axum::routing::get;
use ponte_app::request::EcosystemScope;
use ponte_app::{App, BrokersAnswer, GapsAnswer};

/// The ecosystem routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/brokers", get(brokers))
        .route("/api/gaps", get(gaps))
}

/// `GET /api/brokers`: for each foreign ecosystem (country), the actors most often on the
/// shortest paths between home actors and that ecosystem's actors (betweenness restricted to
/// those pairs; places are not walked through), each with one such path as evidence.
#[utoipa::path(get, path = "/api/brokers", tag = "ecosystem", params(EcosystemScope), responses(
    (status = 200, description = "Brokers per foreign ecosystem, best first", body = BrokersAnswer, content_type = "application/ld+json"),
    ReadProblems,
))]
pub async fn brokers(reply: Reply, Params(scope): Params<EcosystemScope>) -> Answer {
    reply.to(scope, App::brokers).await
}

/// `GET /api/gaps`: the topics home actors work on where none of them is linked yet (directly,
/// or through a shared project or activity) to a foreign actor on the same topic.
#[utoipa::path(get, path = "/api/gaps", tag = "ecosystem", params(EcosystemScope), responses(
    (status = 200, description = "Topics without a foreign partner yet, most home actors first", body = GapsAnswer, content_type = "application/ld+json"),
    ReadProblems,
))]
pub async fn gaps(reply: Reply, Params(scope): Params<EcosystemScope>) -> Answer {
    reply.to(scope, App::gaps).await
}
