//! Ponte's HTTP service: the SPARQL 1.1 Protocol at `/sparql` and the Graph Store HTTP Protocol
//! at `/store`, over the store of `ponte-store`, with write authorization, timeouts that stop
//! evaluation, body and result limits, and problem+json errors.

mod api;
mod auth;
mod executor;
mod federation;
mod graph_store;
mod http_util;
mod negotiate;
mod problem;
mod service_description;
mod sparql_endpoint;

pub use executor::Executor;
pub use federation::http_federation;
pub use problem::ApiError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, header};
use axum::routing::{any, get, post};
use ponte_store::PonteStore;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;

/// The server's limits and policies.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Bearer token every write must carry; `None` refuses all writes.
    pub write_token: Option<String>,
    /// Time after which an evaluation is stopped and answered with 503.
    pub query_timeout: Duration,
    /// Evaluations run at once; more wait (within their timeout) for a slot.
    pub max_concurrent_queries: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest serialized answer, in bytes.
    pub max_result_bytes: usize,
    /// Whether a query's default graph is the union of all graphs.
    pub union_default_graph: bool,
    /// Host (and port) used in minted IRIs when a request's `Host` header is unusable.
    pub public_host: String,
    /// The URL clients reach the server at (`https://ponte.example.org`), when a proxy or TLS
    /// sits in front: minted graph IRIs and the query base use it instead of the `Host` header.
    pub public_url: Option<String>,
    /// Remote endpoints `SERVICE` may call; `None` refuses every `SERVICE`.
    pub federation: Option<ponte_store::sparql::Federation>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            write_token: None,
            query_timeout: Duration::from_secs(30),
            max_concurrent_queries: default_concurrency(),
            max_body_bytes: 64 << 20,
            max_result_bytes: 256 << 20,
            union_default_graph: true,
            public_host: "127.0.0.1:7878".into(),
            public_url: None,
            federation: None,
        }
    }
}

/// Two evaluations per core, at least four: enough to keep the cores busy while one waits on
/// disk, few enough that a burst of heavy queries cannot starve the machine.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4))
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: PonteStore,
    /// Admission control and timeouts.
    pub executor: Executor,
    /// Limits and policies.
    pub config: Arc<ServerConfig>,
    /// What the REST API derives from the store (search index, class hierarchy).
    views: Arc<api::Views>,
}

impl AppState {
    /// State over `store` with `config`.
    pub fn new(store: PonteStore, config: ServerConfig) -> Self {
        Self {
            store,
            executor: Executor::new(config.max_concurrent_queries, config.query_timeout),
            config: Arc::new(config),
            views: Arc::default(),
        }
    }

    /// The `SERVICE`s SPARQL requests may call: the allowed remote endpoints and the search
    /// index (`SERVICE <https://w3id.org/ponte/search>`).
    fn sparql_services(&self) -> ponte_store::sparql::Services {
        ponte_store::sparql::Services {
            remote: self.config.federation.clone(),
            search: Some(api::text_search(&self.store, &self.views)),
        }
    }
}

/// Partner suggestions for a match query string (`actor=kaist&country=US&limit=5`), exactly as
/// `GET /api/match` answers it, for the command line.
pub fn match_answer(store: &PonteStore, query: &str) -> Result<serde_json::Value, ApiError> {
    let mut document = serde_json::Map::new();
    document.insert(
        "@context".into(),
        serde_json::json!("https://w3id.org/ponte/context.jsonld"),
    );
    document.extend(api::match_answer(
        store,
        &api::MatchService::default(),
        query,
        "https://w3id.org/ponte",
    )?);
    Ok(serde_json::Value::Object(document))
}

/// The store as the matchmaking projection's input (typed entities and their links), for
/// `ponte eval`.
pub fn graph_input(store: &PonteStore) -> Result<ponte_match::GraphInput, ApiError> {
    Ok(api::graph_input(store)?)
}

/// The whole HTTP application; `main` serves it and tests call it in process.
pub fn app(state: AppState) -> Router {
    // Reads may come from any origin; writes need an Authorization header, which no preflight
    // allows, so browsers cannot write cross-origin.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::ACCEPT, header::CONTENT_TYPE]);
    let max_body_bytes = state.config.max_body_bytes;
    Router::new()
        .route(
            "/sparql",
            get(sparql_endpoint::get)
                .post(sparql_endpoint::post)
                .fallback(sparql_endpoint::method_not_allowed),
        )
        .route("/store", any(graph_store::indirect))
        .route("/store/{*path}", any(graph_store::direct))
        .route("/health", get(health))
        .route("/api/context.jsonld", get(api::context_document))
        .route("/api/openapi.json", get(api::openapi_document))
        .route("/api/search", get(api::search))
        .route("/api/import", post(api::import))
        .route("/api/brokers", get(api::brokers))
        .route("/api/gaps", get(api::gaps))
        .route(
            "/api/match",
            get(api::match_suggestions).post(api::profile_suggestions),
        )
        .route("/api/{collection}", get(api::list).post(api::create))
        .route(
            "/api/{collection}/{id}",
            get(api::item)
                .put(api::replace)
                .patch(api::patch)
                .delete(api::delete),
        )
        .route("/id/{slug}", get(api::dereference))
        .route("/topic/{slug}", get(api::dereference))
        .fallback(|| async { ApiError::not_found("nothing here; try /sparql or /store") })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `GET /health`: the server is up, and how many evaluations are running (cancelled ones
/// included until they have really stopped).
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "status": "ok",
        "evaluations_running": state.executor.running(),
    }))
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes in-flight
/// requests and flushes the store.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    store.flush().map_err(std::io::Error::other)
}
