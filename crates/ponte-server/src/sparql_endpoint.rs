//! The SPARQL 1.1 Protocol at `/sparql`: queries by GET and POST, updates by POST (with the
//! write token), the service description on a bare GET.

use crate::AppState;
use crate::auth::authorize_write;
use crate::http_util::{content_type, origin, parse_params, read_body, utf8};
use crate::negotiate::{Kind, accepted, negotiate};
use crate::problem::Problem;
use crate::result_cache::{CacheKey, CachedAnswer};
use crate::service_description::service_description;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ponte_store::sparql::{Answer, ProtocolDataset, QueryKind, parse_query, parse_update};

/// One protocol operation, read from the parameters.
/// What a protocol request asks for.
pub(crate) enum Operation {
    /// A query, over a dataset.
    Query(String, ProtocolDataset),
    Update(String, ProtocolDataset),
    Describe,
}

/// `GET /sparql`: a query, or the service description when there is none.
pub async fn get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let params = parse_params(raw.unwrap_or_default().as_bytes());
    match operation(&params)? {
        Operation::Update(..) => Err(Problem::method_not_allowed(
            "GET with update=",
            "/sparql",
            "POST (updates are sent with POST)",
        )),
        operation => run(&state, &headers, operation).await,
    }
}

/// `POST /sparql`: a form (`query=` or `update=`), or a direct `application/sparql-query` or
/// `application/sparql-update` body with the dataset in the query string.
pub async fn post(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let url_params = parse_params(raw.unwrap_or_default().as_bytes());
    let limit = state.config.max_body_bytes;
    // Anyone may query, so a body sent without the token is bounded small before it is read:
    // a query needs no 60 MB, and four such bodies are not held in memory for nothing.
    let anonymous_limit = if authorize_write(&headers, state.config.write_token.as_deref()).is_ok()
    {
        limit
    } else {
        state.config.max_query_bytes.min(limit)
    };
    let read_anonymous = async |body| {
        read_body(body, anonymous_limit).await.map_err(|problem| {
            if problem.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && anonymous_limit < limit {
                Problem::payload_too_large(anonymous_limit).with(
                    "hint",
                    "a request without the write token may send this much; send a smaller query, or the token",
                )
            } else {
                problem
            }
        })
    };
    match content_type(&headers)?.as_deref() {
        Some("application/sparql-query") => {
            let query = utf8(&read_anonymous(body).await?)?;
            let dataset = dataset(&url_params, "default-graph-uri", "named-graph-uri");
            run(&state, &headers, Operation::Query(query, dataset)).await
        }
        Some("application/sparql-update") => {
            // Before the body is read: a client without the token sends nothing large.
            authorize_write(&headers, state.config.write_token.as_deref())?;
            let update = utf8(&read_body(body, limit).await?)?;
            let dataset = dataset(&url_params, "using-graph-uri", "using-named-graph-uri");
            run(&state, &headers, Operation::Update(update, dataset)).await
        }
        Some("application/x-www-form-urlencoded") => {
            let mut params = parse_params(&read_anonymous(body).await?);
            params.extend(url_params);
            match operation(&params)? {
                Operation::Describe => Err(Problem::bad_request(
                    "the form has neither a 'query' nor an 'update' parameter",
                )),
                operation => run(&state, &headers, operation).await,
            }
        }
        Some(other) => Err(Problem::unsupported_media_type(format!(
            "POST /sparql reads application/sparql-query, application/sparql-update or application/x-www-form-urlencoded, not {other}"
        ))),
        None => Err(Problem::unsupported_media_type(
            "POST /sparql needs a Content-Type: application/sparql-query, application/sparql-update or application/x-www-form-urlencoded",
        )),
    }
}

/// The endpoint's route.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/sparql",
        axum::routing::get(get)
            .post(post)
            .fallback(method_not_allowed),
    )
}

/// Any other method on `/sparql`.
async fn method_not_allowed(method: axum::http::Method) -> Problem {
    Problem::method_not_allowed(method.as_str(), "/sparql", "GET, HEAD, POST")
}

/// Every value of the parameter `name`, in order.
fn values(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .collect()
}

fn operation(params: &[(String, String)]) -> Result<Operation, Problem> {
    let mut queries = values(params, "query");
    let mut updates = values(params, "update");
    if queries.len() > 1 || updates.len() > 1 {
        return Err(Problem::bad_request(
            "send one 'query' or one 'update' parameter, not several",
        )
        .with(
            "parameter",
            if queries.len() > 1 { "query" } else { "update" },
        ));
    }
    match (queries.pop(), updates.pop()) {
        (Some(_), Some(_)) => Err(Problem::bad_request(
            "a request carries either a 'query' or an 'update' parameter, not both",
        )),
        (Some(query), None) => Ok(Operation::Query(
            query,
            dataset(params, "default-graph-uri", "named-graph-uri"),
        )),
        (None, Some(update)) => Ok(Operation::Update(
            update,
            dataset(params, "using-graph-uri", "using-named-graph-uri"),
        )),
        (None, None) => Ok(Operation::Describe),
    }
}

fn dataset(params: &[(String, String)], default_key: &str, named_key: &str) -> ProtocolDataset {
    ProtocolDataset {
        default_graphs: values(params, default_key),
        named_graphs: values(params, named_key),
    }
}

pub(crate) fn endpoint_iri(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/sparql", origin(headers, &state.config))
}

/// Runs a query or (with the write token) an update on the evaluation pool; without either,
/// describes the service.
pub(crate) async fn run(
    state: &AppState,
    headers: &HeaderMap,
    operation: Operation,
) -> Result<Response, Problem> {
    let base = endpoint_iri(state, headers);
    let store = state.store.clone();
    let services = state.sparql_services();
    match operation {
        Operation::Query(query, dataset) => {
            // A repeated query between writes is answered from the result cache. The generation
            // is read before evaluating, so an answer kept with it predates no write.
            let generation = store.generation();
            let key = if state.results.enabled() {
                CacheKey::for_query(
                    &query,
                    &dataset.default_graphs,
                    &dataset.named_graphs,
                    &base,
                    &accepted(headers),
                )
            } else {
                None
            };
            if let Some(key) = &key
                && let Some(hit) = state.results.get(key, generation)
            {
                return Ok(ok(hit.body, hit.media_type));
            }
            let union = state.config.union_default_graph;
            let policy = state.spill_policy();
            let request_headers = headers.clone();
            let (answer, media_type) = state
                .executor
                .run(move |token| {
                    let parsed =
                        parse_query(&query, Some(&base), &dataset, union, &services, token)?;
                    let kind = match parsed.kind() {
                        QueryKind::Solutions => Kind::Solutions,
                        QueryKind::Boolean => Kind::Boolean,
                        QueryKind::Graph => Kind::Graph,
                    };
                    let (format, media_type) = negotiate(&request_headers, kind)?;
                    let answer = store.evaluate_query_to(parsed, format, policy)?;
                    Ok::<_, Problem>((answer, media_type))
                })
                .await?;
            let body = match answer {
                Answer::Memory(bytes) => Bytes::from(bytes),
                // Too large to keep in memory, so not for the result cache either.
                Answer::File { file, len } => return Ok(streamed(file, len, media_type)),
            };
            if let Some(key) = key {
                let answer = CachedAnswer {
                    body: body.clone(),
                    media_type,
                };
                state.results.put(key, generation, answer);
            }
            Ok(ok(body, media_type))
        }
        Operation::Update(update, dataset) => {
            authorize_write(headers, state.config.write_token.as_deref())?;
            state
                .executor
                .run_write(move |token| {
                    let parsed = parse_update(&update, Some(&base), &dataset, &services, token)?;
                    store.execute_update(parsed)
                })
                .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Operation::Describe => describe(state, headers),
    }
}

fn describe(state: &AppState, headers: &HeaderMap) -> Result<Response, Problem> {
    let (format, media_type) = negotiate(headers, Kind::Graph)?;
    let writable = state
        .config
        .write_token
        .as_deref()
        .is_some_and(|t| !t.is_empty())
        && !state.store.is_read_only();
    let body = service_description(
        &endpoint_iri(state, headers),
        &state.config,
        writable,
        format,
    )?;
    Ok(ok(body, media_type))
}

/// A 200 streaming a complete answer from its temporary file (removed once the file is closed,
/// when the body is dropped, sent or not).
pub(crate) fn streamed(file: std::fs::File, len: u64, media_type: &'static str) -> Response {
    let stream =
        tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(file), 1 << 16);
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// A 200 with `body` as `media_type`.
pub fn ok(body: impl Into<Bytes>, media_type: &'static str) -> Response {
    let mut response = body.into().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}
