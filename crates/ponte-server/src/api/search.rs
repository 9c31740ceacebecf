//! The search index behind `q=`: built from the store's names and descriptions, and rebuilt
//! before answering whenever the store has committed a write since, so a search never misses
//! what was just written.

use crate::problem::ApiError;
use ponte_search::{Entry, Hit, SearchError, SearchIndex};
use ponte_store::PonteStore;
use ponte_store::sparql::TextSearch;
use std::sync::{Arc, Mutex};

/// The current index and the store generation it was built from.
#[derive(Default)]
pub struct SearchService {
    current: Mutex<Option<(u64, Arc<SearchIndex>)>>,
}

impl SearchService {
    /// The best `limit` hits for `query` over the store as it is now.
    pub fn search(
        &self,
        store: &PonteStore,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, ApiError> {
        self.index(store)?
            .search(query, limit)
            .map_err(|e| match e {
                SearchError::BadQuery(message) => {
                    ApiError::bad_request(message).with("parameter", "q")
                }
                other => internal(other),
            })
    }

    /// The index for the store's current generation, rebuilt first if a write came since. One
    /// rebuild at a time: concurrent searches wait for it rather than each building their own.
    fn index(&self, store: &PonteStore) -> Result<Arc<SearchIndex>, ApiError> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let generation = store.generation();
        if let Some((built, index)) = current.as_ref()
            && *built == generation
        {
            return Ok(Arc::clone(index));
        }
        let entries = store
            .searchable_texts()?
            .into_iter()
            .map(|(iri, text)| Entry {
                iri: iri.into_string(),
                names: text.names,
                texts: text.texts,
            });
        let index = Arc::new(SearchIndex::build(entries).map_err(internal)?);
        *current = Some((generation, Arc::clone(&index)));
        Ok(index)
    }
}

/// The search index as SPARQL's search service sees it: hits for a query, or the reason the
/// query cannot run.
pub fn text_search(store: &PonteStore, views: &Arc<super::Views>) -> TextSearch {
    let store = store.clone();
    let views = Arc::clone(views);
    Arc::new(move |query: &str, limit: usize| {
        let hits = views
            .search
            .search(&store, query, limit)
            .map_err(|e| e.detail().to_owned())?;
        Ok(hits.into_iter().map(|hit| (hit.iri, hit.score)).collect())
    })
}

fn internal(error: SearchError) -> ApiError {
    tracing::error!(%error, "search index failed");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
        "the search index failed; the cause is in the server log",
    )
}
