//! Ponte's HTTP service: the SPARQL 1.1 Protocol at `/sparql` and the Graph Store HTTP Protocol
//! at `/store` over `ponte-store`, the REST API under `/api/` over `ponte-app`, and the web
//! pages (`/`, `/actors`, `/match`, entity IRIs in a browser) rendered by `ponte-web`; with write
//! authorization, timeouts that stop evaluation, body and result limits, request ids,
//! compression, CORS and problem+json errors. HTTP only: the operations are `ponte-app`'s.

mod access_log;
mod api;
mod auth;
mod backups;
mod body_timeout;
mod connection_threads;
mod connections;
mod executor;
mod extract;
mod federation;
mod graph_store;
mod http_util;
mod hyper_errors;
mod negotiate;
mod problem;
mod result_cache;
mod service_description;
mod sparql_endpoint;
mod watchdog;
mod web;
mod when_asked;

pub use body_timeout::{BODY_GAP_TIMEOUT, BODY_READ_TIMEOUT};
pub use connections::{DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, HEADER_READ_TIMEOUT};
pub use executor::Executor;
pub use federation::http_federation;
pub use problem::Problem;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method, header};
use axum::routing::get;
use ponte_app::App;
use ponte_store::PonteStore;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

/// Default largest SPARQL body read without the write token: 1 MiB.
pub const DEFAULT_MAX_QUERY_BYTES: usize = 1 << 20;

/// The server's limits and policies.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Bearer token every write must carry; `None` refuses all writes.
    pub write_token: Option<String>,
    /// Time after which an evaluation is stopped and answered with 503.
    pub query_timeout: Duration,
    /// Largest SPARQL request body (a query, or a form) read without the write token.
    pub max_query_bytes: usize,
    /// Most connections open at once; at the cap a new client closes the oldest idle one.
    pub max_connections: usize,
    /// Time a connection may stay idle (no request begun, nothing sent or read) before it is
    /// closed.
    pub idle_timeout: Duration,
    /// Time limit of one write (an update, a Graph Store or REST write, an import), waiting
    /// for the write lock included.
    pub write_timeout: Duration,
    /// Evaluations run at once; more wait (within their timeout) for a slot.
    pub max_concurrent_queries: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest serialized answer, in bytes.
    pub max_result_bytes: usize,
    /// Bytes of one answer kept in memory; a larger answer continues in a temporary file.
    pub result_memory_bytes: usize,
    /// Bytes one query's evaluation may hold (counted only where the binary's counting
    /// allocator is installed); past it the query is stopped with a 422.
    pub max_query_memory: usize,
    /// Bytes one write may hold (its parsed data, the transaction, its validation); a write
    /// that needs more is stopped with 413 and nothing is applied.
    pub max_write_memory: usize,
    /// Directory of those temporary files; `None`: the system's temporary directory.
    pub spill_dir: Option<std::path::PathBuf>,
    /// Directory where `POST /backups` puts backups; `None`: no backups over HTTP.
    pub backup_dir: Option<std::path::PathBuf>,
    /// Whether a query's default graph is the union of all graphs.
    pub union_default_graph: bool,
    /// Host (and port) the server listens on: used in minted IRIs when a request's `Host`
    /// header is not a trusted one.
    pub public_host: String,
    /// Further `Host` header values (host and port, e.g. `ponte.lan:7878`) trusted in minted
    /// IRIs when there is no public URL.
    pub allowed_hosts: Vec<String>,
    /// The URL clients reach the server at (`https://ponte.example.org`), when a proxy or TLS
    /// sits in front: minted graph IRIs and the query base use it instead of the `Host` header.
    pub public_url: Option<String>,
    /// Remote endpoints `SERVICE` may call; `None` refuses every `SERVICE`.
    pub federation: Option<ponte_store::sparql::Federation>,
    /// Bytes of query answers kept between writes (0: none kept).
    pub result_cache_bytes: usize,
    /// The weights of the match score's parts.
    pub match_weights: ponte_app::Weights,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            write_token: None,
            query_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(120),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_query_bytes: DEFAULT_MAX_QUERY_BYTES,
            max_concurrent_queries: default_concurrency(),
            max_body_bytes: 64 << 20,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
            result_memory_bytes: DEFAULT_RESULT_MEMORY_BYTES,
            max_query_memory: DEFAULT_MAX_QUERY_MEMORY,
            max_write_memory: DEFAULT_MAX_WRITE_MEMORY,
            spill_dir: None,
            backup_dir: None,
            union_default_graph: true,
            public_host: "127.0.0.1:7878".into(),
            allowed_hosts: Vec::new(),
            public_url: None,
            federation: None,
            result_cache_bytes: DEFAULT_RESULT_CACHE_BYTES,
            match_weights: ponte_app::Weights::default(),
        }
    }
}

/// The default cap on one answer: 2 GiB, which only a temporary file holds (a full export of a
/// few million rows).
pub const DEFAULT_MAX_RESULT_BYTES: usize = 2 << 30;

/// The default part of one answer kept in memory: 16 MiB, far above a page or dashboard answer.
pub const DEFAULT_RESULT_MEMORY_BYTES: usize = 16 << 20;

/// The default memory budget of one query: 256 MiB, room for sorting or grouping a few
/// hundred thousand rows (BSBM-1000's 380,000 triples sorted by object fit), while every slot
/// at once (two per core, and as many long ones) stays within a few GiB.
pub const DEFAULT_MAX_QUERY_MEMORY: usize = 256 << 20;

/// Default memory budget of one write: room for the largest body accepted (64 MiB) as
/// parsed, stored and validated data (a 49 MB, million-triple `PUT` into an in-memory store
/// held 1.5 GB).
pub const DEFAULT_MAX_WRITE_MEMORY: usize = 3 << 30;

/// The result cache's default budget: 64 MiB, room for thousands of dashboard answers.
pub const DEFAULT_RESULT_CACHE_BYTES: usize = 64 << 20;

/// Two evaluations per core, at least four: enough to keep the cores busy while one waits on
/// disk, few enough that a burst of heavy queries cannot starve the machine.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4))
}

/// What every handler shares. One `Arc`: axum clones the state for every request, and one
/// shared count costs less than one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    /// The store (the SPARQL endpoint and the Graph Store use it directly).
    pub store: PonteStore,
    /// The operations every face shares, over the same store.
    pub app: App,
    /// Admission control and timeouts.
    pub executor: Executor,
    /// Limits and policies.
    pub config: Arc<ServerConfig>,
    /// Query answers kept between writes.
    pub results: Arc<result_cache::ResultCache>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State over `store` with `config`.
    pub fn new(store: PonteStore, config: ServerConfig) -> Self {
        Self(Arc::new(Shared {
            app: App::new(store.clone()).with_weights(config.match_weights),
            store,
            executor: Executor::new(
                config.max_concurrent_queries,
                config.query_timeout,
                config.write_timeout,
                config.max_query_memory,
                config.max_write_memory,
            ),
            results: Arc::new(result_cache::ResultCache::new(config.result_cache_bytes)),
            config: Arc::new(config),
        }))
    }

    /// Where a SPARQL answer is kept until it is sent: memory, then a temporary file.
    fn spill_policy(&self) -> ponte_store::sparql::SpillPolicy {
        ponte_store::sparql::SpillPolicy {
            memory_bytes: self.config.result_memory_bytes,
            max_bytes: self.config.max_result_bytes,
            directory: self.config.spill_dir.clone(),
        }
    }

    /// The `SERVICE`s SPARQL requests may call: the allowed remote endpoints, the search
    /// index (`SERVICE <https://w3id.org/ponte/search>`) and the matchmaking
    /// (`SERVICE <https://w3id.org/ponte/match>`).
    fn sparql_services(&self) -> ponte_store::sparql::Services {
        ponte_store::sparql::Services {
            remote: self.config.federation.clone(),
            search: Some(self.app.text_search()),
            matchmaking: Some(self.app.match_service()),
        }
    }
}

/// The whole HTTP application; `ponte serve` serves it and tests call it in process.
pub fn app(state: AppState) -> Router {
    // A browser application may do everything the API offers: writes carry a bearer token,
    // which a browser never adds by itself, so allowing them cross-origin opens no CSRF.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::ACCEPT,
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            REQUEST_ID.clone(),
        ])
        .expose_headers([header::ETAG, header::LOCATION, REQUEST_ID.clone()]);
    let max_body_bytes = state.config.max_body_bytes;
    Router::new()
        .merge(sparql_endpoint::router())
        .merge(graph_store::router())
        .merge(backups::router())
        .route("/health", get(health))
        .merge(api::router())
        .merge(web::router())
        .fallback(|uri: axum::http::Uri| async move {
            Problem::not_found(format!(
                "nothing at {}; try /sparql, /store or /api/openapi.json",
                uri.path()
            ))
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
        // Outermost last: every answer, even one made below Ponte's handlers (a 405, a path
        // that does not decode), is a problem; then compressed; then logged with its id.
        .layer(problem::ProblemLayer)
        .layer(when_asked::WhenAskedLayer::new(
            header::ACCEPT_ENCODING,
            CompressionLayer::new(),
        ))
        .layer(when_asked::WhenAskedLayer::new(header::ORIGIN, cors).or_method(Method::OPTIONS))
        .layer(access_log::AccessLogLayer::new(REQUEST_ID.clone()))
}

/// The header that carries a request's id: taken from the client when it sends one, made
/// otherwise, returned with the answer and written on every log line of the request.
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `GET /health`: the server is up, how many evaluations are running (cancelled ones
/// included until they have really stopped), what the result and string caches hold, and
/// which store it answers from.
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "status": "ok",
        "evaluations_running": state.executor.running(),
        "result_cache": state.results.stats(),
        "string_cache": string_cache(),
        "store": store_status(&state.store),
    }))
}

/// Which store the server answers from; over a remote store, how current its copy is.
fn store_status(store: &PonteStore) -> serde_json::Value {
    match store.remote_status() {
        None => serde_json::json!({"kind": "embedded"}),
        Some(status) => serde_json::json!({
            "kind": "remote",
            "at": status.store,
            "version": status.version,
            "graphs": status.graphs,
            "seconds_since_read": status.seconds_since_read,
            "last_error": status.last_error,
        }),
    }
}

/// The strings decoded by queries and kept for later ones (process-wide, see
/// `vendor/README.md`): how often they spared a read of the store, and how much is kept.
fn string_cache() -> serde_json::Value {
    let stats = oxigraph::sparql::shared_string_stats();
    serde_json::json!({
        "hits": stats.hits,
        "misses": stats.misses,
        "strings": stats.strings,
        "bytes": stats.bytes,
        "max_bytes": stats.max_bytes,
    })
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes in-flight
/// requests and flushes the store.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let limits = connections::ConnectionLimits {
        max_connections: state.config.max_connections,
        idle_timeout: state.config.idle_timeout,
    };
    connections::serve_connections(app(state), listener, limits, shutdown).await;
    store.flush().map_err(std::io::Error::other)
}
