//! The search index behind `q=` and SPARQL's search `SERVICE`: built from the store's names and
//! descriptions, and rebuilt before answering whenever the store has committed a write since,
//! so a search never misses what was just written.

use crate::App;
use crate::error::AppError;
use ponte_search::{Entry, SearchIndex};
use ponte_store::sparql::TextSearch;
use std::sync::Arc;

impl App {
    /// The index for the store's current generation, rebuilt first if a write came since.
    pub(crate) fn search_index(&self) -> Result<Arc<SearchIndex>, AppError> {
        self.views.search.get(
            || self.store.generation(),
            || {
                let entries = self
                    .store
                    .searchable_texts()?
                    .into_iter()
                    .map(|(iri, text)| Entry {
                        iri: iri.into_string(),
                        names: text.names,
                        texts: text.texts,
                    });
                Ok(SearchIndex::build(entries)?)
            },
        )
    }

    /// The search index as SPARQL's search service sees it: hits for a query, or the reason
    /// the query cannot run.
    pub fn text_search(&self) -> TextSearch {
        let app = self.clone();
        Arc::new(move |query: &str, limit: usize| {
            let hits = app
                .search_index()
                .and_then(|index| Ok(index.search(query, limit)?))
                .map_err(|e| match e {
                    AppError::InvalidParameter { detail, .. } => detail,
                    other => {
                        tracing::error!(error = %other, "search failed");
                        "the search index failed; the cause is in the server log".to_owned()
                    }
                })?;
            Ok(hits.into_iter().map(|hit| (hit.iri, hit.score)).collect())
        })
    }
}
