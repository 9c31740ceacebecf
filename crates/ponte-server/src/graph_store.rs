//! The SPARQL 1.1 Graph Store HTTP Protocol at `/store`: indirect identification
//! (`?graph=IRI`, `?default`) and direct identification (`/store/...` is the graph's own IRI).

use crate::AppState;
use crate::auth::authorize_write;
use crate::http_util::{self, content_type, origin, parse_params, read_body};
use crate::negotiate::{Kind, negotiate};
use crate::problem::Problem;
use crate::sparql_endpoint::{ok, streamed};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;
use ponte_app::new_graph_id;
use ponte_store::sparql::Answer;
use ponte_store::sparql::OutputFormat;
use ponte_store::{GraphTarget, RdfFormat};

/// What a request addresses.
enum Addressed {
    Graph(GraphTarget),
    /// `/store` with no parameter: the whole dataset (GET) or a new graph (POST).
    Store,
}

/// The Graph Store routes.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/store", axum::routing::any(indirect))
        .route("/store/{*path}", axum::routing::any(direct))
}

/// `/store?graph=IRI`, `/store?default` and bare `/store`.
pub async fn indirect(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, Problem> {
    let params = parse_params(request.uri().query().unwrap_or_default().as_bytes());
    let graphs: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "graph")
        .map(|(_, v)| v.as_str())
        .collect();
    let default = params.iter().any(|(k, _)| k == "default");
    let addressed = match (graphs.as_slice(), default) {
        ([], false) => Addressed::Store,
        ([], true) => Addressed::Graph(GraphTarget::Default),
        ([iri], false) => Addressed::Graph(GraphTarget::Named(graph_iri(iri)?)),
        _ => {
            return Err(Problem::bad_request(
                "name one graph: either ?default or a single ?graph=IRI",
            ));
        }
    };
    handle(state, addressed, request).await
}

/// `/store/{path}`: the request IRI names the graph.
pub async fn direct(State(state): State<AppState>, request: Request) -> Result<Response, Problem> {
    let iri = format!(
        "{}{}",
        origin(request.headers(), &state.config),
        request.uri().path()
    );
    let target = GraphTarget::Named(graph_iri(&iri)?);
    handle(state, Addressed::Graph(target), request).await
}

fn graph_iri(iri: &str) -> Result<NamedNode, Problem> {
    NamedNode::new(iri).map_err(|e| {
        Problem::bad_request(format!("the graph name <{iri}> is not a valid IRI: {e}"))
            .with("parameter", "graph")
    })
}

async fn handle(
    state: AppState,
    addressed: Addressed,
    request: Request,
) -> Result<Response, Problem> {
    let method = request.method().clone();
    match (method, addressed) {
        (Method::GET | Method::HEAD, Addressed::Graph(target)) => {
            read(&state, request.headers(), Some(target)).await
        }
        (Method::GET | Method::HEAD, Addressed::Store) => {
            read(&state, request.headers(), None).await
        }
        (Method::PUT, Addressed::Graph(target)) => write(&state, target, true, request).await,
        (Method::POST, Addressed::Graph(target)) => write(&state, target, false, request).await,
        (Method::POST, Addressed::Store) => {
            let iri = format!(
                "{}/store/{}",
                origin(request.headers(), &state.config),
                new_graph_id()
            );
            let target = GraphTarget::Named(graph_iri(&iri)?);
            let mut response = write(&state, target, false, request).await?;
            *response.status_mut() = StatusCode::CREATED;
            response.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&iri).map_err(|_| Problem::bad_request("invalid Host"))?,
            );
            Ok(response)
        }
        (Method::DELETE, Addressed::Graph(target)) => {
            authorize_write(request.headers(), state.config.write_token.as_deref())?;
            let store = state.store.clone();
            let existed = state
                .executor
                .run_write(move |token| store.delete_graph(&target, &token))
                .await?;
            if existed {
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                Err(Problem::not_found("no such graph"))
            }
        }
        (Method::PUT | Method::DELETE, Addressed::Store) => Err(Problem::bad_request(
            "name the graph to replace or delete: ?graph=IRI or ?default",
        )),
        (method, _) => Err(Problem::method_not_allowed(
            method.as_str(),
            "the graph store",
            "GET, HEAD, PUT, POST, DELETE",
        )),
    }
}

/// GET of one graph (`Some`) or of the whole dataset (`None`), in the negotiated format.
async fn read(
    state: &AppState,
    headers: &HeaderMap,
    target: Option<GraphTarget>,
) -> Result<Response, Problem> {
    let kind = if target.is_some() {
        Kind::Graph
    } else {
        Kind::Dataset
    };
    let (format, media_type) = negotiate(headers, kind)?;
    let OutputFormat::Rdf(format) = format else {
        return Err(Problem::bad_request("graphs are served as RDF"));
    };
    let store = state.store.clone();
    // Like a SPARQL answer: complete before its first byte, in memory up to
    // --result-memory-bytes and in a temporary file past that, refused past --max-result-bytes.
    let policy = state.spill_policy();
    let answer = state
        .executor
        .run(move |token| match &target {
            Some(target) => store.serialize_graph(target, format, policy, &token),
            None => store.serialize_dataset(format, policy, &token).map(Some),
        })
        .await?;
    answer
        .map(|answer| match answer {
            Answer::Memory(bytes) => ok(bytes, media_type),
            Answer::File { file, len } => streamed(file, len, media_type),
        })
        .ok_or_else(|| Problem::not_found("no such graph"))
}

/// PUT (`replace`) or POST: an RDF body, or a `multipart/form-data` body whose parts are each
/// an RDF document, all written in one transaction.
async fn write(
    state: &AppState,
    target: GraphTarget,
    replace: bool,
    request: Request,
) -> Result<Response, Problem> {
    authorize_write(request.headers(), state.config.write_token.as_deref())?;
    let parts = match content_type(request.headers())?.as_deref() {
        Some("multipart/form-data") => multipart_parts(request, state).await?,
        Some(media_type) => {
            let format = rdf_format(media_type)?;
            let body = read_body(request.into_body(), state.config.max_body_bytes).await?;
            vec![(format, body)]
        }
        None => {
            return Err(Problem::unsupported_media_type(
                "the body needs a Content-Type naming its RDF format, e.g. text/turtle",
            ));
        }
    };
    let base = match &target {
        GraphTarget::Named(node) => node.as_str().to_owned(),
        GraphTarget::Default => format!("{}/store", origin(&HeaderMap::new(), &state.config)),
    };
    let store = state.store.clone();
    let created = state
        .executor
        .run_write(move |token| store.write_graph(&target, replace, &parts, Some(&base), &token))
        .await?;
    Ok(if created {
        StatusCode::CREATED.into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    })
}

/// The parts of a `multipart/form-data` body, each an RDF document in its declared format.
async fn multipart_parts(
    request: Request,
    state: &AppState,
) -> Result<Vec<(RdfFormat, bytes::Bytes)>, Problem> {
    http_util::multipart_parts(request, state.config.max_body_bytes)
        .await?
        .into_iter()
        .map(|part| {
            let media_type = part.media_type.ok_or_else(|| {
                Problem::unsupported_media_type(format!(
                    "multipart part '{}' has no Content-Type",
                    part.name
                ))
            })?;
            Ok((rdf_format(&media_type)?, part.bytes))
        })
        .collect()
}

fn rdf_format(media_type: &str) -> Result<RdfFormat, Problem> {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    RdfFormat::from_media_type(essence).ok_or_else(|| {
        Problem::unsupported_media_type(format!(
            "{essence} is not an RDF format this server reads (Turtle, N-Triples, RDF/XML, JSON-LD, ...)"
        ))
    })
}
