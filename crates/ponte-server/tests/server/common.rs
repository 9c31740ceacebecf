//! Helpers shared by the in-process HTTP test suites.

pub use axum::Router;
pub use axum::body::Body;
pub use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
pub use ponte_server::{AppState, ServerConfig, app};
pub use ponte_store::{PonteStore, SEED_FILES};
pub use serde_json::Value;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token";

pub fn config() -> ServerConfig {
    ServerConfig {
        write_token: Some(TOKEN.into()),
        ..ServerConfig::default()
    }
}

pub fn seeded_state(config: ServerConfig) -> AppState {
    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();
    AppState::new(store, config)
}

pub fn router() -> Router {
    app(seeded_state(config()))
}

pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String, String) {
    let (status, headers, body) = send_with_headers(router, request).await;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, body)
}

/// Status, every response header, and the body.
pub async fn send_with_headers(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response: Response<Body> = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn get_accept(uri: &str, accept: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .unwrap()
}

pub fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub fn query_uri(query: &str) -> String {
    format!("/sparql?query={}", enc(query))
}

pub fn post(
    uri: &str,
    content_type: &str,
    body: impl Into<Body>,
    token: Option<&str>,
) -> Request<Body> {
    write("POST", uri, content_type, body, token)
}

/// A write request with a body and, when given, the bearer token.
pub fn write(
    method: &str,
    uri: &str,
    content_type: &str,
    body: impl Into<Body>,
    token: Option<&str>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(body.into()).unwrap()
}

/// POSTs Turtle to the Graph Store (a new graph) and answers the new graph's `Location`.
pub async fn post_new_graph(router: &Router, turtle: &'static str) -> String {
    let response = router
        .clone()
        .oneshot(post("/store", "text/turtle", turtle, Some(TOKEN)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

/// GETs `uri`, which must answer 200 in JSON-LD; answers the document.
pub async fn get_json_ld(router: &Router, uri: &str) -> Value {
    let (status, content_type, body) = send(router, get(uri)).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert_eq!(content_type, "application/ld+json", "{uri}");
    json(&body)
}

pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

pub async fn count(router: &Router, pattern: &str) -> u64 {
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}");
    let (status, _, body) = send(router, get(&query_uri(&query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    json(&body)["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub const CRAFTED_PREFIXES: &str = "PREFIX id: <https://w3id.org/ponte/id/>
PREFIX ponte: <https://w3id.org/ponte/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
";
pub const ID: &str = "https://w3id.org/ponte/id/";

/// Runs a test (an async fn taking the router) on the seeded embedded store and on Ponte over
/// a real, throw-away Virtuoso (`PonteStore::over_remote`): the same requests, the same answers.
#[macro_export]
macro_rules! on_both_stores {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_the_embedded_store() {
                super::$name($crate::common::router()).await;
            }

            #[tokio::test]
            async fn over_virtuoso() {
                let virtuoso = ponte_remote::virtuoso::TestServer::start().unwrap();
                let backend = ponte_remote::HttpBackend::new(
                    virtuoso.endpoint(),
                    std::time::Duration::from_secs(60),
                );
                let store =
                    $crate::common::PonteStore::over_remote(std::sync::Arc::new(backend)).unwrap();
                store.seed($crate::common::SEED_FILES).unwrap();
                let router = $crate::common::app($crate::common::AppState::new(
                    store,
                    $crate::common::config(),
                ));
                super::$name(router).await;
                drop(virtuoso);
            }
        }
    };
}
