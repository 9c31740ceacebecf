//! What is loaded: every graph the meta graph describes, with its source, load time, content
//! hash and the triples it holds (`GET /api/graphs`).

use crate::App;
use crate::error::AppError;
use crate::jsonld::CollectionHead;
use serde::Serialize;
use utoipa::ToSchema;

/// The loaded graphs (a hydra `Collection`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GraphsAnswer {
    /// The context, URL, type and size of the list.
    #[serde(flatten)]
    pub head: CollectionHead,
    /// Each graph, in IRI order.
    pub items: Vec<GraphItem>,
}

/// One loaded graph.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphItem {
    /// The graph's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Always `LoadedGraph`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where its facts came from: a file, an import, the REST API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When it was last loaded (`xsd:dateTime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_at: Option<String>,
    /// The SHA-256 of the file it was loaded from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The SHA-256 of its content's RDFC-1.0 canonical form, as its last write left it
    /// (`ponte check` verifies it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_sha256: Option<String>,
    /// The triples it holds now.
    pub triples: usize,
}

impl App {
    /// Every loaded graph.
    pub fn graphs(&self, origin: &str) -> Result<GraphsAnswer, AppError> {
        let items: Vec<GraphItem> = self
            .store
            .loaded_graphs()?
            .into_iter()
            .map(|g| GraphItem {
                id: g.graph.into_string(),
                kind: "LoadedGraph".into(),
                source: g.source,
                loaded_at: g.loaded_at,
                sha256: g.sha256,
                canonical_sha256: g.canonical_sha256,
                triples: g.triples,
            })
            .collect();
        Ok(GraphsAnswer {
            head: CollectionHead::new(origin, Some(format!("{origin}/api/graphs")), items.len()),
            items,
        })
    }
}
