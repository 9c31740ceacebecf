//! An in-process oxigraph store behind the [`Backend`] trait: the conformance suite's
//! reference, and a remote store for tests that need no server.

use crate::{Backend, RemoteError, Solutions};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use spargebra::{Query, Update};

/// A fresh in-memory oxigraph store; clones share it.
#[derive(Clone)]
pub struct EmbeddedBackend {
    store: Store,
}

impl EmbeddedBackend {
    /// An empty store.
    pub fn new() -> Result<Self, RemoteError> {
        Ok(Self {
            store: Store::new().map_err(|e| RemoteError::Embedded(e.to_string()))?,
        })
    }

    /// The store, to look at it directly in tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `query` as a store would receive it: serialized, then parsed.
    fn run(&self, query: &Query) -> Result<QueryResults<'static>, RemoteError> {
        let error = |e: &dyn std::fmt::Display| RemoteError::Embedded(e.to_string());
        SparqlEvaluator::new()
            .parse_query(&query.to_string())
            .map_err(|e| error(&e))?
            .on_store(&self.store)
            .execute()
            .map_err(|e| error(&e))
    }
}

impl Backend for EmbeddedBackend {
    fn describe(&self) -> String {
        "embedded oxigraph store".into()
    }

    fn select(&self, query: &Query) -> Result<Solutions, RemoteError> {
        let QueryResults::Solutions(solutions) = self.run(query)? else {
            return Err(RemoteError::Embedded("not a SELECT query".into()));
        };
        let variables = solutions.variables().to_vec();
        let rows = solutions
            .map(|s| s.map(|s| s.values().to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| RemoteError::Embedded(e.to_string()))?;
        Ok(Solutions { variables, rows })
    }

    fn ask(&self, query: &Query) -> Result<bool, RemoteError> {
        match self.run(query)? {
            QueryResults::Boolean(answer) => Ok(answer),
            _ => Err(RemoteError::Embedded("not an ASK query".into())),
        }
    }

    fn update(&self, update: &Update) -> Result<(), RemoteError> {
        SparqlEvaluator::new()
            .parse_update(&crate::ops::update_text(update))
            .map_err(|e| RemoteError::Embedded(e.to_string()))?
            .on_store(&self.store)
            .execute()
            .map_err(|e| RemoteError::Embedded(e.to_string()))
    }
}
