//! What can go wrong in an operation, said by kind: each face (HTTP problem, command-line
//! message) chooses its answer from the variant, never from the text.

use ponte_store::{StoreError, Violation};
use std::collections::HashMap;

/// Where in the request a problem lies, as precisely as it is known.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Location {
    /// The body field or form part at fault (`@id`, `mapping`, `topics`).
    pub field: Option<String>,
    /// 1-based line in the body.
    pub line: Option<u64>,
    /// 1-based column in the body.
    pub column: Option<u64>,
    /// 1-based line of a CSV file (the header is line 1).
    pub row: Option<u64>,
}

impl Location {
    /// The body field `name`.
    pub fn field(name: impl Into<String>) -> Self {
        Self {
            field: Some(name.into()),
            ..Self::default()
        }
    }

    /// This location, at `line` and `column` of the body.
    pub fn at(mut self, line: u64, column: u64) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing by that name: no such collection, entity or actor.
    #[error("{detail}")]
    NotFound {
        /// What was looked for, for a person.
        detail: String,
        /// The parameter that named it, when one did.
        parameter: Option<String>,
    },
    /// A parameter is malformed, unknown, or names nothing.
    #[error("{detail}")]
    InvalidParameter {
        /// The parameter's name.
        parameter: String,
        /// What is wrong and what is accepted.
        detail: String,
    },
    /// The body (or a part of it) is malformed.
    #[error("{detail}")]
    InvalidBody {
        /// What is wrong.
        detail: String,
        /// Where.
        at: Location,
    },
    /// The body is in a format this operation does not read.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// Well-formed, but it cannot be done as asked (an entity with no id and no name, or not
    /// of the collection it is written to).
    #[error("{detail}")]
    Unprocessable {
        /// The kind of problem, short.
        title: &'static str,
        /// What is wrong.
        detail: String,
        /// The body field at fault.
        field: Option<String>,
    },
    /// It exists already.
    #[error("{detail}")]
    Conflict {
        /// What exists.
        detail: String,
        /// The body field at fault.
        field: Option<String>,
    },
    /// The SHACL shapes refuse the data; nothing was written. `rows` gives the CSV row that
    /// wrote each node, by IRI, when the data came from CSV.
    #[error("the data breaks the SHACL shapes in {} place(s); nothing was written", violations.len())]
    Refused {
        /// Every violation.
        violations: Vec<Violation>,
        /// The input row of each node, when known.
        rows: HashMap<String, usize>,
    },
    /// The store failed or refused (syntax, time limit, precondition, storage); its own kind
    /// says which.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something broke inside Ponte; the cause is kept for the log, never shown to a client.
    #[error("{context}: {source}")]
    Internal {
        /// What was being done.
        context: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl AppError {
    /// A malformed or unknown `parameter`.
    pub fn parameter(parameter: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: parameter.into(),
            detail: detail.into(),
        }
    }

    /// A malformed body, at `at`.
    pub fn body(detail: impl Into<String>, at: Location) -> Self {
        Self::InvalidBody {
            detail: detail.into(),
            at,
        }
    }

    /// A malformed body, where is not (yet) known.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::body(detail, Location::default())
    }

    /// The location of a body error, to refine; `None` for other kinds.
    fn location(&mut self) -> Option<&mut Location> {
        match self {
            Self::InvalidBody { at, .. } => Some(at),
            _ => None,
        }
    }

    /// A body error at the body field `field` (other kinds are unchanged).
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        if let Some(at) = self.location() {
            at.field = Some(field.into());
        }
        self
    }

    /// A body error at 1-based `line` and `column` of the body.
    pub fn with_position(mut self, line: u64, column: u64) -> Self {
        if let Some(at) = self.location() {
            at.line = Some(line);
            at.column = Some(column);
        }
        self
    }

    /// A body error at the 1-based CSV line `row`.
    pub fn with_row(mut self, row: u64) -> Self {
        if let Some(at) = self.location() {
            at.row = Some(row);
        }
        self
    }

    /// Nothing by that name.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound {
            detail: detail.into(),
            parameter: None,
        }
    }

    /// An internal failure while doing `context`.
    pub fn internal(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Internal {
            context,
            source: source.into(),
        }
    }
}

impl From<ponte_search::SearchError> for AppError {
    fn from(error: ponte_search::SearchError) -> Self {
        match error {
            ponte_search::SearchError::BadQuery(message) => Self::parameter("q", message),
            other => Self::internal("the search index failed", other),
        }
    }
}
