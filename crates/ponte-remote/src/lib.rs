//! The SPARQL 1.1 Protocol client Ponte keeps its data with when it runs over another triple
//! store (`ponte serve --store sparql:QUERY_URL,UPDATE_URL`).
//!
//! A [`Backend`] answers SELECT and ASK queries and applies one update operation per request;
//! that is all Ponte asks of a store, so any SPARQL 1.1 store will do. Two implementations:
//! [`HttpBackend`] speaks the protocol over HTTP (with the named quirks of a store, see
//! [`Dialect`]), [`EmbeddedBackend`] is a plain in-process oxigraph store for fast tests. Both
//! run the same [`conformance`] suite. Queries and updates are spargebra algebra, never text
//! pasted together: terms reach the wire through spargebra's serializer.

pub mod conformance;
mod embedded;
mod http;
pub mod ops;
pub mod virtuoso;

pub use embedded::EmbeddedBackend;
pub use http::{Dialect, Endpoint, HttpBackend};

use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple, Variable};
use spargebra::{Query, Update};

/// A SELECT answer: the variables and one row of optional values per solution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Solutions {
    /// The projected variables, in order.
    pub variables: Vec<Variable>,
    /// One row per solution, one value per variable (`None`: unbound).
    pub rows: Vec<Vec<Option<Term>>>,
}

impl Solutions {
    /// The value of `variable` in `row`, when bound.
    pub fn get(&self, row: usize, variable: &str) -> Option<&Term> {
        let column = self.variables.iter().position(|v| v.as_str() == variable)?;
        self.rows.get(row)?.get(column)?.as_ref()
    }
}

/// Why a call to the remote store failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The store answered with an error status.
    #[error("the store at {url} answered HTTP {status}: {body}")]
    Status {
        /// The endpoint called.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the store's answer.
        body: String,
    },
    /// The store could not be reached, or the call took longer than allowed.
    #[error("cannot reach the store at {url}: {message}")]
    Unreachable {
        /// The endpoint called.
        url: String,
        /// What the HTTP client said.
        message: String,
    },
    /// The store answered something that is not a SPARQL result of the query asked.
    #[error("the store at {url} answered an unreadable result: {message}")]
    BadAnswer {
        /// The endpoint called.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The `--store` argument or the environment is wrong.
    #[error("{0}")]
    Config(String),
    /// The embedded store failed.
    #[error("embedded store: {0}")]
    Embedded(String),
}

/// A triple store reached through the SPARQL 1.1 operations alone.
pub trait Backend: Send + Sync {
    /// Where the store is, for messages and `/health`.
    fn describe(&self) -> String;
    /// Answers a SELECT query.
    fn select(&self, query: &Query) -> Result<Solutions, RemoteError>;
    /// Answers an ASK query.
    fn ask(&self, query: &Query) -> Result<bool, RemoteError>;
    /// Applies an update: Ponte sends one operation per request, since stores differ on
    /// whether several operations of one request are applied atomically.
    fn update(&self, update: &Update) -> Result<(), RemoteError>;
    /// Every triple of one named graph (none when the graph is absent).
    fn graph(&self, graph: &NamedNode) -> Result<Vec<Triple>, RemoteError> {
        graph_by_select(self, graph)
    }
}

/// Reads a graph whole with `SELECT ?s ?p ?o WHERE { GRAPH <graph> { ?s ?p ?o } }`.
pub fn graph_by_select<B: Backend + ?Sized>(
    backend: &B,
    graph: &NamedNode,
) -> Result<Vec<Triple>, RemoteError> {
    let query = ops::select(ops::in_graph(graph, None, None, None), &["s", "p", "o"]);
    let answer = backend.select(&query)?;
    let bad = |message: &str| RemoteError::BadAnswer {
        url: backend.describe(),
        message: message.to_owned(),
    };
    answer
        .rows
        .into_iter()
        .map(|row| {
            let [
                Some(subject),
                Some(Term::NamedNode(predicate)),
                Some(object),
            ] = <[Option<Term>; 3]>::try_from(row).map_err(|_| bad("a row of the wrong width"))?
            else {
                return Err(bad("an unbound or literal subject or predicate"));
            };
            let subject = match subject {
                Term::NamedNode(n) => NamedOrBlankNode::from(n),
                Term::BlankNode(b) => NamedOrBlankNode::from(b),
                _ => return Err(bad("a literal subject")),
            };
            Ok(Triple::new(subject, predicate, object))
        })
        .collect()
}
