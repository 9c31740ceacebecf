//! `POST /api/import`: bulk import of Turtle, N-Triples, TriG, N-Quads, JSON-LD or CSV (with a
//! column mapping) in one validated transaction: a bad line or row changes nothing and is named.

use super::{csv_import, jsonld_input, openapi};
use crate::AppState;
use crate::auth::authorize_write;
use crate::http_util::{self, content_type, new_graph_id, origin, parse_params, read_body};
use crate::problem::{ApiError, violations_problem};
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfParser};
use ponte_store::{GraphName, NamedNode, Quad, StoreError, Term};
use serde_json::json;
use std::collections::HashMap;

/// Where imports without `graph` go: a new graph under this prefix per import.
const IMPORT_GRAPHS: &str = "https://w3id.org/ponte/graph/api/import/";

/// The parameters `/api/import` takes.
pub(crate) const IMPORT_PARAMETERS: [&str; 2] = ["graph", "replace"];

/// `POST /api/import?graph=IRI&replace=true`: the body's facts, in one transaction, validated
/// by the shapes. The body is an RDF document (its `Content-Type` names the format) or a
/// `multipart/form-data` form with a `data` part and, for CSV, a `mapping` part.
#[utoipa::path(
    post,
    path = "/api/import",
    params(openapi::ImportOptions),
    request_body(content(
        (String = "text/turtle"),
        (String = "application/n-triples"),
        (String = "application/trig"),
        (String = "application/n-quads"),
        (openapi::JsonLdDocument = "application/ld+json"),
        (openapi::ImportForm = "multipart/form-data"),
    ), description = "The facts to import; CSV goes in a form with its column mapping"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported; the report lists each graph written", body = openapi::ImportReport),
        (status = 400, description = "A syntax error or a bad mapping; `line`, `row` or `field` say where. Nothing was written", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Writes are disabled", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a format the import reads", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The data breaks the shapes; each violation names its node (and `row` for CSV). Nothing was written", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    authorize_write(request.headers(), state.config.write_token.as_deref())?;
    let mut graph = None;
    let mut replace = false;
    for (key, value) in parse_params(query.unwrap_or_default().as_bytes()) {
        match key.as_str() {
            "graph" => {
                graph = Some(NamedNode::new(&value).map_err(|e| {
                    ApiError::bad_request(format!("graph is an IRI; <{value}> is not: {e}"))
                        .with("parameter", "graph")
                })?);
            }
            "replace" => {
                replace = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "replace is true or false, not {value:?}"
                        ))
                        .with("parameter", "replace"));
                    }
                };
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {other:?}; the import takes {}",
                    IMPORT_PARAMETERS.join(", ")
                ))
                .with("parameter", other));
            }
        }
    }
    let origin = origin(request.headers(), &state.config);
    let (media_type, data, mapping) = match content_type(request.headers())?.as_deref() {
        Some("multipart/form-data") => {
            let mut data = None;
            let mut mapping = None;
            for part in http_util::multipart_parts(request, state.config.max_body_bytes).await? {
                match part.name.as_str() {
                    "data" => data = Some((part.media_type, part.bytes)),
                    "mapping" => mapping = Some(part.bytes),
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "unknown form part {other:?}; the import takes data and mapping"
                        ))
                        .with("field", other));
                    }
                }
            }
            let Some((media_type, data)) = data else {
                return Err(
                    ApiError::bad_request("the form needs a data part").with("field", "data")
                );
            };
            let media_type = media_type
                .map(|m| {
                    m.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                })
                .ok_or_else(|| {
                    ApiError::unsupported_media_type("the data part needs a Content-Type")
                })?;
            (media_type, data, mapping)
        }
        Some(media_type) => {
            let media_type = media_type.to_owned();
            let data = read_body(request.into_body(), state.config.max_body_bytes).await?;
            (media_type, data, None)
        }
        None => {
            return Err(ApiError::unsupported_media_type(
                "the body needs a Content-Type naming its format (text/turtle, application/n-quads, text/csv in a form, ...)",
            ));
        }
    };
    let minted = || NamedNode::new_unchecked(format!("{IMPORT_GRAPHS}{}", new_graph_id()));
    let mut rows_of = HashMap::new();
    let mut rows = None;
    let quads: Vec<Quad> = if media_type == "text/csv" {
        let Some(mapping) = mapping else {
            return Err(ApiError::bad_request(
                "CSV needs a column mapping: send a multipart/form-data form with a data part (text/csv) and a mapping part (JSON)",
            )
            .with("field", "mapping"));
        };
        let graph = graph.clone().unwrap_or_else(minted);
        let read = csv_import::read(&data, &mapping, &graph, &origin)?;
        rows_of = read.rows_of;
        rows = Some(read.rows);
        read.quads
    } else {
        if mapping.is_some() {
            return Err(
                ApiError::bad_request("a mapping goes with CSV data only").with("field", "mapping")
            );
        }
        let format = import_format(&media_type)?;
        if graph.is_some() && matches!(format, RdfFormat::TriG | RdfFormat::NQuads) {
            return Err(ApiError::bad_request(format!(
                "{} names its own graphs; graph applies to triple formats and CSV",
                format.name()
            ))
            .with("parameter", "graph"));
        }
        let target = GraphName::from(graph.clone().unwrap_or_else(minted));
        let quads = if matches!(format, RdfFormat::JsonLd { .. }) {
            // A JSON-LD document is a node object or an array of them (as documented).
            let document: serde_json::Value = serde_json::from_slice(&data).map_err(|e| {
                ApiError::bad_request(format!("invalid JSON: {e}"))
                    .with("line", e.line())
                    .with("column", e.column())
            })?;
            let is_node_list = |v: &serde_json::Value| {
                v.as_array()
                    .is_some_and(|items| items.iter().all(serde_json::Value::is_object))
            };
            if !(document.is_object() || is_node_list(&document)) {
                return Err(ApiError::bad_request(
                    "a JSON-LD import is a node object or an array of node objects",
                )
                .with("field", "data"));
            }
            jsonld_input::to_quads(&data, super::ID_NAMESPACE, &origin)?
        } else {
            RdfParser::from_format(format)
                .with_base_iri(super::ID_NAMESPACE)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .for_slice(&data)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::from(StoreError::from(e)))?
        };
        quads
            .into_iter()
            .map(|q| match q.graph_name {
                GraphName::DefaultGraph => {
                    Quad::new(q.subject, q.predicate, q.object, target.clone())
                }
                _ => q,
            })
            .collect()
    };
    if quads.is_empty() {
        return Err(ApiError::bad_request(
            "the data states no fact: nothing to import (a JSON-LD node needs an @id or properties its context defines)",
        )
        .with("field", "data"));
    }
    let store = state.store.clone();
    let source = format!("REST API import ({media_type})");
    let report = state
        .executor
        .run(move |token| {
            store
                .import_quads(quads, replace, &source, &token)
                .map_err(|e| match e {
                    StoreError::Invalid(violations) => {
                        violations_problem(&violations, |node| match node {
                            Term::NamedNode(n) => rows_of.get(n.as_str()).copied(),
                            _ => None,
                        })
                    }
                    other => other.into(),
                })
        })
        .await?;
    let graphs: Vec<_> = report
        .graphs
        .iter()
        .map(|(graph, triples)| json!({"@id": graph, "triples": triples}))
        .collect();
    let mut body = json!({"graphs": graphs, "added": report.added, "replaced": replace});
    if let Some(rows) = rows {
        body["rows"] = json!(rows);
    }
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

/// The formats the import reads (RDF/XML is for the Graph Store).
fn import_format(media_type: &str) -> Result<RdfFormat, ApiError> {
    RdfFormat::from_media_type(media_type)
        .filter(|f| !matches!(f, RdfFormat::RdfXml))
        .ok_or_else(|| {
            ApiError::unsupported_media_type(format!(
                "{media_type} is not a format the import reads: text/turtle, application/n-triples, application/trig, application/n-quads, application/ld+json, or text/csv in a form with its mapping"
            ))
        })
}
