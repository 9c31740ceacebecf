//! What every HTTP client can rely on, whatever the route: problems for every error (a wrong
//! method with `Allow`, a path that does not decode, an unknown route), a request id, negotiated
//! compression, CORS for browser applications, and values that name nothing refused by name.

use crate::common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A request with `method` and optional headers.
fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// The whole response: status, headers and body bytes.
async fn exchange(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn assert_problem(
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    context: &str,
) -> Value {
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap()),
        Some("application/problem+json"),
        "{context}: {status} {}",
        String::from_utf8_lossy(body)
    );
    let problem: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(problem["status"], status.as_u16(), "{context}: {problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{context}: {problem}"
    );
    problem
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow_on_every_route() {
    let router = router();
    for (method, uri) in [
        ("PUT", "/sparql"),
        ("PATCH", "/store"),
        ("PATCH", "/store/some/graph"),
        ("POST", "/health"),
        ("POST", "/api/context.jsonld"),
        ("DELETE", "/api/openapi.json"),
        ("POST", "/api/graphs"),
        ("POST", "/api/search"),
        ("GET", "/api/import"),
        ("POST", "/api/brokers"),
        ("PUT", "/api/gaps"),
        ("DELETE", "/api/match"),
        ("DELETE", "/api/actors"),
        ("POST", "/api/actors/kaist"),
        ("POST", "/id/kaist"),
        ("DELETE", "/topic/gene-therapy"),
    ] {
        let (status, headers, body) = exchange(&router, request(method, uri, &[])).await;
        let context = format!("{method} {uri}");
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{context}");
        let allow = headers
            .get(header::ALLOW)
            .unwrap_or_else(|| panic!("{context}: no Allow"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!allow.contains(method), "{context}: Allow {allow}");
        assert!(
            allow.contains("GET") || allow.contains("POST"),
            "{context}: Allow {allow}"
        );
        assert_problem(status, &headers, &body, &context);
    }
}

#[tokio::test]
async fn undecodable_paths_and_unknown_routes_are_problems() {
    let router = router();
    for uri in ["/api/actors/%FF", "/id/%FF%FE", "/topic/%C3", "/store/%FF"] {
        let (status, headers, body) = exchange(&router, request("GET", uri, &[])).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        assert_problem(status, &headers, &body, uri);
    }
    let (status, headers, body) = exchange(&router, request("GET", "/no/such/thing", &[])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_problem(status, &headers, &body, "unknown route");
}

#[tokio::test]
async fn the_request_id_is_kept_or_made_and_returned() {
    let router = router();
    let (_, headers, _) = exchange(
        &router,
        request("GET", "/health", &[("x-request-id", "abc-123")]),
    )
    .await;
    assert_eq!(headers.get("x-request-id").unwrap(), "abc-123");
    let (_, headers, _) = exchange(&router, request("GET", "/api/actors", &[])).await;
    let made = headers
        .get("x-request-id")
        .expect("an id is made")
        .to_str()
        .unwrap();
    assert!(made.len() >= 16, "{made}");
    let (_, headers, _) = exchange(&router, request("GET", "/api/actors", &[])).await;
    assert_ne!(
        headers.get("x-request-id").unwrap(),
        made,
        "each made id is new"
    );
    // Errors carry it too.
    let (_, headers, _) = exchange(
        &router,
        request("GET", "/nowhere", &[("x-request-id", "e-1")]),
    )
    .await;
    assert_eq!(headers.get("x-request-id").unwrap(), "e-1");
}

#[tokio::test]
async fn large_answers_are_compressed_when_the_client_asks() {
    let router = router();
    let uri = "/api/actors?limit=100";
    let (status, plain_headers, plain) = exchange(&router, request("GET", uri, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain_headers.get(header::CONTENT_ENCODING).is_none());
    // Without `Accept-Encoding` the answer skips the compression layer, and still tells
    // caches that it depends on the header; asking for no encoding gives the same bytes.
    let vary = plain_headers.get_all(header::VARY).iter();
    assert!(
        vary.map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .any(|v| v.contains("accept-encoding")),
        "{plain_headers:?}"
    );
    let (_, identity_headers, identity) = exchange(
        &router,
        request("GET", uri, &[("accept-encoding", "identity")]),
    )
    .await;
    assert!(identity_headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(identity, plain);
    for encoding in ["gzip", "br"] {
        let (status, headers, compressed) = exchange(
            &router,
            request("GET", uri, &[("accept-encoding", encoding)]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), encoding);
        assert!(
            compressed.len() * 3 < plain.len(),
            "{encoding}: {} of {}",
            compressed.len(),
            plain.len()
        );
    }
    let (_, headers, gzipped) =
        exchange(&router, request("GET", uri, &[("accept-encoding", "gzip")])).await;
    assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gzipped.as_slice()),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, plain);
}

#[tokio::test]
async fn a_browser_application_may_write_across_origins_with_the_token() {
    let router = router();
    let origin = ("origin", "https://partner.example.org");
    // The preflight a browser sends before a conditional PATCH with the token.
    let (status, headers, _) = exchange(
        &router,
        request(
            "OPTIONS",
            "/api/actors/kaist",
            &[
                origin,
                ("access-control-request-method", "PATCH"),
                (
                    "access-control-request-headers",
                    "authorization,content-type,if-match",
                ),
            ],
        ),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let allowed = |name: &str| {
        headers
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
    };
    assert!(allowed("access-control-allow-methods").contains("patch"));
    for wanted in ["authorization", "if-match", "content-type"] {
        assert!(
            allowed("access-control-allow-headers").contains(wanted),
            "{wanted}"
        );
    }
    // The read that gives the version, then the write conditioned on it, both from the page.
    let (_, headers, _) = exchange(&router, request("GET", "/api/actors/kaist", &[origin])).await;
    assert!(allowed_etag(&headers), "ETag is readable by scripts");
    let etag = headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let patch = Request::builder()
        .method("PATCH")
        .uri("/api/actors/kaist")
        .header("origin", origin.1)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::IF_MATCH, &etag)
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .body(Body::from(
            r#"{"@context": "https://w3id.org/ponte/context.jsonld", "url": "https://www.kaist.ac.kr/en/"}"#,
        ))
        .unwrap();
    let (status, headers, body) = exchange(&router, patch).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
    assert!(allowed_etag(&headers));
    assert_ne!(headers.get(header::ETAG).unwrap().to_str().unwrap(), etag);
}

#[tokio::test]
async fn a_request_from_no_origin_gets_no_cors_headers_but_a_vary() {
    let router = router();
    // A SPARQL client or curl sends no `Origin`: the CORS headers are left out, and the answer
    // says it depends on `Origin` (and on `Accept-Encoding`), so no cache gives it to a page.
    let (status, headers, _) = exchange(&router, request("GET", "/api/actors/kaist", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none());
    let vary = headers
        .get_all(header::VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    assert!(vary.contains("origin"), "{vary}");
    assert!(vary.contains("accept-encoding"), "{vary}");
    // An `OPTIONS` without `Origin` is still answered by the CORS layer, as a preflight is.
    let (status, headers, _) = exchange(&router, request("OPTIONS", "/sparql", &[])).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
}

/// Whether a cross-origin script may read the `ETag` of this answer.
fn allowed_etag(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("etag"))
}

#[tokio::test]
async fn values_that_name_nothing_are_refused_with_what_is_accepted() {
    let router = router();
    for (uri, parameter, accepted) in [
        ("/api/actors?kind=Foo", "kind", "University"),
        ("/api/match?actor=kaist&kind=Foo", "kind", "Hospital"),
        ("/api/brokers?to=atlantis", "to", "US"),
        ("/api/gaps?to=XX", "to", "KR"),
        ("/api/brokers?from=XX-99", "from", "IT-45"),
        ("/api/actors?colour=red", "colour", "country"),
    ] {
        let (status, headers, body) = exchange(&router, request("GET", uri, &[])).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            String::from_utf8_lossy(&body)
        );
        let problem = assert_problem(status, &headers, &body, uri);
        assert_eq!(problem["parameter"], parameter, "{uri}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(accepted),
            "{uri}: {problem}"
        );
    }
    // A kind of another collection is a real kind: an empty page, not an error.
    let (status, _, body) =
        exchange(&router, request("GET", "/api/actors?kind=Mission", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&String::from_utf8_lossy(&body))["totalItems"], 0);
}

#[tokio::test]
async fn a_write_with_a_key_its_context_does_not_define_changes_nothing() {
    let router = router();
    let before = send(&router, get("/api/actors/kaist")).await.2;
    for body in [
        // A misspelt term.
        r#"{"@context": "https://w3id.org/ponte/context.jsonld", "urll": "https://kaist.ac.kr"}"#,
        // No context at all: no key means anything.
        r#"{"urll": "https://kaist.ac.kr"}"#,
    ] {
        let (status, _, answer) = send(
            &router,
            write(
                "PATCH",
                "/api/actors/kaist",
                "application/merge-patch+json",
                body.to_owned(),
                Some(TOKEN),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let problem = json(&answer);
        assert!(
            problem["field"].as_str().unwrap().starts_with("urll"),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("\"urll"),
            "{problem}"
        );
    }
    assert_eq!(send(&router, get("/api/actors/kaist")).await.2, before);
}

#[tokio::test]
async fn an_entity_is_found_by_any_iri_declared_the_same() {
    let router = router();
    // The seed data says MIT is owl:sameAs ror:042nb2s44 (and a Wikidata IRI).
    let (status, _, body) = send(&router, get("/api/actors/ror:042nb2s44")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entity = json(&body);
    assert!(entity["@id"].as_str().unwrap().starts_with(ID), "{entity}");
    let (status, _, _) = send(&router, get("/api/actors/ror:000000000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A write at that address writes the same entity, not a second one.
    let mit = entity["@id"].as_str().unwrap().to_owned();
    let (status, _, answer) = send(
        &router,
        write(
            "PATCH",
            "/api/actors/ror:042nb2s44",
            "application/merge-patch+json",
            r#"{"@context": "https://w3id.org/ponte/context.jsonld", "url": "https://web.mit.edu/"}"#,
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(json(&answer)["@id"], mit.as_str(), "{answer}");
    let (_, _, body) = send(&router, get("/api/actors/ror:042nb2s44")).await;
    assert_eq!(json(&body)["url"], "https://web.mit.edu/", "{body}");
}

#[tokio::test]
async fn the_loaded_graphs_are_listed_with_their_source_and_hash() {
    let router = router();
    let answer = get_json_ld(&router, "/api/graphs").await;
    let items = answer["items"].as_array().unwrap();
    assert_eq!(answer["totalItems"], items.len());
    let ontology = items
        .iter()
        .find(|g| g["source"] == "ontology/ponte.ttl")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(ontology["sha256"].as_str().unwrap().len(), 64, "{ontology}");
    // The file's hash, and the content's (RDFC-1.0: whatever the file's labels and order).
    let canonical = ontology["canonicalSha256"].as_str().unwrap_or_default();
    assert_eq!(canonical.len(), 64, "{ontology}");
    assert_ne!(canonical, ontology["sha256"], "{ontology}");
    assert!(ontology["triples"].as_u64().unwrap() > 100, "{ontology}");
    assert!(
        ontology["source"].is_string() && ontology["loadedAt"].is_string(),
        "{ontology}"
    );
}
