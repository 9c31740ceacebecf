//! Bulk import of Turtle, N-Triples, TriG, N-Quads, JSON-LD or CSV (with a column mapping) in
//! one validated transaction: a bad line or row changes nothing and is named.

use crate::error::AppError;
use crate::request::ImportOptions;
use crate::{App, csv_import, jsonld_input, vocab};
use oxigraph::io::{RdfFormat, RdfParser};
use ponte_store::{CancellationToken, GraphName, NamedNode, Quad, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// Where imports without `graph` go: a new graph under this prefix per import.
const IMPORT_GRAPHS: &str = "https://w3id.org/ponte/graph/api/import/";

/// What to import.
#[derive(Debug)]
pub struct ImportInput<'a> {
    /// The data's media type (`text/turtle`, `text/csv`…).
    pub media_type: &'a str,
    /// The data.
    pub data: &'a [u8],
    /// For CSV: the column mapping (JSON).
    pub mapping: Option<&'a [u8]>,
    /// Where it goes.
    pub options: &'a ImportOptions,
    /// The base of the server's own addresses (its context is resolved locally).
    pub origin: &'a str,
}

/// A JSON-LD document to import: one node object, or an array of them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum JsonLdDocument {
    /// One object (with `@graph` for several nodes).
    Node(crate::EntityInput),
    /// Several nodes.
    Nodes(Vec<crate::EntityInput>),
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Each graph written and the triples the import gave it.
    pub graphs: Vec<ImportedGraph>,
    /// Quads the store did not hold before.
    pub added: usize,
    /// Whether the graphs were emptied first.
    pub replaced: bool,
    /// Data rows read, for CSV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

/// A graph an import wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedGraph {
    /// The graph's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// The triples the import gave it.
    pub triples: usize,
    /// True when the graph already held exactly this content (the same RDFC-1.0 canonical
    /// hash, whatever the blank-node labels): nothing was written to it.
    pub unchanged: bool,
}

impl App {
    /// Imports `input` in one transaction, validated by the shapes.
    pub fn import(
        &self,
        input: &ImportInput<'_>,
        token: &CancellationToken,
    ) -> Result<ImportReport, AppError> {
        let (graph, replace) = input.options.check()?;
        let minted = || NamedNode::new_unchecked(format!("{IMPORT_GRAPHS}{}", new_graph_id()));
        let mut rows_of = HashMap::new();
        let mut rows = None;
        let quads: Vec<Quad> = if input.media_type == "text/csv" {
            let Some(mapping) = input.mapping else {
                return Err(AppError::invalid(
                    "CSV needs a column mapping: send a multipart/form-data form with a data part (text/csv) and a mapping part (JSON)",
                )
                .with_field("mapping"));
            };
            let graph = graph.clone().unwrap_or_else(minted);
            let read = csv_import::read(input.data, mapping, &graph, input.origin)?;
            rows_of = read.rows_of;
            rows = Some(read.rows);
            read.quads
        } else {
            if input.mapping.is_some() {
                return Err(
                    AppError::invalid("a mapping goes with CSV data only").with_field("mapping")
                );
            }
            let format = import_format(input.media_type)?;
            if graph.is_some() && matches!(format, RdfFormat::TriG | RdfFormat::NQuads) {
                return Err(AppError::parameter(
                    "graph",
                    format!(
                        "{} names its own graphs; graph applies to triple formats and CSV",
                        format.name()
                    ),
                ));
            }
            let target = GraphName::from(graph.clone().unwrap_or_else(minted));
            // Nesting and entity bounds before any parser recurses.
            ponte_store::check_body(format, input.data)?;
            let quads = if matches!(format, RdfFormat::JsonLd { .. }) {
                // A JSON-LD document is a node object or an array of them (as documented).
                let document: serde_json::Value =
                    serde_json::from_slice(input.data).map_err(|e| {
                        AppError::invalid(format!("invalid JSON: {e}"))
                            .with_position(e.line() as u64, e.column() as u64)
                    })?;
                let nodes = match JsonLdDocument::deserialize(document) {
                    Ok(JsonLdDocument::Node(node)) => usize::from(
                        node.id.is_some() || node.context.is_some() || !node.properties.is_empty(),
                    ),
                    Ok(JsonLdDocument::Nodes(nodes)) => nodes.len(),
                    Err(_) => {
                        return Err(AppError::invalid(
                            "a JSON-LD import is a node object or an array of node objects",
                        )
                        .with_field("data"));
                    }
                };
                if nodes == 0 {
                    return Err(AppError::invalid(
                        "the data states no fact: nothing to import (a JSON-LD node needs an @id or properties its context defines)",
                    )
                    .with_field("data"));
                }
                jsonld_input::to_quads(input.data, vocab::ID_NAMESPACE, input.origin)?
            } else {
                RdfParser::from_format(format)
                    .with_base_iri(vocab::ID_NAMESPACE)
                    .map_err(|e| AppError::internal("the import's base IRI is invalid", e))?
                    // `_:b0` of this file is not `_:b0` of another import.
                    .rename_blank_nodes()
                    .for_slice(input.data)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::from)?
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
            return Err(AppError::invalid(
                "the data states no fact: nothing to import (a JSON-LD node needs an @id or properties its context defines)",
            )
            .with_field("data"));
        }
        let source = format!("REST API import ({})", input.media_type);
        let report = self
            .store
            .import_quads(quads, replace, &source, token)
            .map_err(|e| match e {
                StoreError::Invalid(violations) => AppError::Refused {
                    violations,
                    rows: rows_of,
                },
                other => other.into(),
            })?;
        Ok(ImportReport {
            graphs: report
                .graphs
                .iter()
                .map(|(graph, triples)| ImportedGraph {
                    id: graph.to_string(),
                    triples: *triples,
                    unchanged: report.unchanged.contains(graph),
                })
                .collect(),
            added: report.added,
            replaced: replace,
            rows,
        })
    }
}

/// The formats the import reads (RDF/XML is for the Graph Store).
fn import_format(media_type: &str) -> Result<RdfFormat, AppError> {
    RdfFormat::from_media_type(media_type)
        .filter(|f| !matches!(f, RdfFormat::RdfXml))
        .ok_or_else(|| {
            AppError::UnsupportedFormat(format!(
                "{media_type} is not a format the import reads: text/turtle, application/n-triples, application/trig, application/n-quads, application/ld+json, or text/csv in a form with its mapping"
            ))
        })
}

/// A new graph id: unique within this process and across restarts (time-based prefix).
pub fn new_graph_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
