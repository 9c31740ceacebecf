//! The errors of the store crate, each carrying what a person needs to fix the cause.

use oxigraph::store::StorageError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The request is not valid SPARQL.
    #[error("SPARQL syntax error: {message}")]
    SparqlSyntax {
        /// The parser's message.
        message: String,
        /// 1-based line of the error, when known.
        line: Option<u64>,
        /// 1-based column of the error, when known.
        column: Option<u64>,
    },
    /// The request is well-formed but refused by a policy (nesting depth, federation, ...).
    #[error("{0}")]
    Refused(String),
    /// An RDF document could not be parsed.
    #[error("RDF syntax error{}: {message}", location_suffix(*.line, *.column))]
    RdfSyntax {
        /// The parser's message.
        message: String,
        /// 1-based line of the error, when known.
        line: Option<u64>,
        /// 1-based column of the error, when known.
        column: Option<u64>,
    },
    /// The evaluation was stopped: deadline passed or client gone.
    #[error("the operation was cancelled (time limit reached or client gone)")]
    Cancelled,
    /// The serialized result would exceed the configured cap.
    #[error("the result is larger than the {0} bytes allowed; narrow the query or use LIMIT")]
    ResultTooLarge(usize),
    /// The client's request asks for something impossible on this data (bad IRI, type error...).
    #[error("{0}")]
    BadRequest(String),
    /// The store is open read-only.
    #[error("the store is open read-only")]
    ReadOnly,
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The storage layer failed (disk, corruption, lock held by another process...).
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    /// A remote SPARQL endpoint called through `SERVICE` failed.
    #[error("remote endpoint failed: {0}")]
    Remote(String),
    /// The write would leave data that breaks the SHACL shapes; nothing was written.
    #[error("{}", violations_summary(.0))]
    Invalid(Vec<ponte_shacl::Violation>),
    /// The entity is not in the state the write was conditioned on (`If-Match`,
    /// `If-None-Match`, a create of an entity that exists); nothing was written.
    #[error("{message}")]
    PreconditionFailed {
        /// What does not hold.
        message: String,
        /// The entity's current tag, `None` when it does not exist.
        current: Option<String>,
    },
    /// Another process changed the remote store since this one last read it; nothing was
    /// written, and the copy has been read again.
    #[error("{0}")]
    Conflict(String),
    /// Any other evaluation failure that is not the client's fault.
    #[error("{0}")]
    Internal(String),
}

/// The first violations, one per line, for logs and the command line.
fn violations_summary(violations: &[ponte_shacl::Violation]) -> String {
    const SHOWN: usize = 20;
    let mut text = format!(
        "the data breaks the SHACL shapes ({} violation{}); nothing was written:",
        violations.len(),
        if violations.len() == 1 { "" } else { "s" }
    );
    for violation in violations.iter().take(SHOWN) {
        text.push_str("\n  - ");
        text.push_str(&violation.to_string());
    }
    if violations.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more", violations.len() - SHOWN));
    }
    text
}

impl StoreError {
    /// Whether the store's disk is full (the write was not applied; reads go on, and RocksDB
    /// takes writes again once enough space is free).
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Storage(StorageError::Io(error)) => {
                error.kind() == std::io::ErrorKind::StorageFull
            }
            Self::Write { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// Prefixes a syntax error's message with the file it is in.
    pub(crate) fn in_file(self, path: &str) -> Self {
        match self {
            Self::RdfSyntax {
                message,
                line,
                column,
            } => Self::RdfSyntax {
                message: format!("{path}: {message}"),
                line,
                column,
            },
            other => other,
        }
    }
}

fn location_suffix(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" at line {line}, column {column}"),
        (Some(line), None) => format!(" at line {line}"),
        _ => String::new(),
    }
}

impl From<oxigraph::io::RdfSyntaxError> for StoreError {
    fn from(error: oxigraph::io::RdfSyntaxError) -> Self {
        let location = error.location();
        Self::RdfSyntax {
            message: error.to_string(),
            // oxrdfio positions are 0-based.
            line: location.as_ref().map(|l| l.start.line + 1),
            column: location.as_ref().map(|l| l.start.column + 1),
        }
    }
}

impl From<oxigraph::io::RdfParseError> for StoreError {
    fn from(error: oxigraph::io::RdfParseError) -> Self {
        match error {
            oxigraph::io::RdfParseError::Syntax(e) => e.into(),
            oxigraph::io::RdfParseError::Io(e) => Self::RdfSyntax {
                message: e.to_string(),
                line: None,
                column: None,
            },
        }
    }
}

impl From<oxigraph::store::LoaderError> for StoreError {
    fn from(error: oxigraph::store::LoaderError) -> Self {
        match error {
            oxigraph::store::LoaderError::Parsing(e) => e.into(),
            oxigraph::store::LoaderError::Storage(e) => e.into(),
            oxigraph::store::LoaderError::InvalidBaseIri { iri, error } => {
                Self::BadRequest(format!("invalid base IRI <{iri}>: {error}"))
            }
        }
    }
}

impl From<oxigraph::sparql::SparqlSyntaxError> for StoreError {
    fn from(error: oxigraph::sparql::SparqlSyntaxError) -> Self {
        let message = error.to_string();
        let (line, column) = peg_location(&message).unzip();
        Self::SparqlSyntax {
            message,
            line,
            column,
        }
    }
}

/// Reads "error at LINE:COLUMN: ..." from the SPARQL parser's message (its only location API).
fn peg_location(message: &str) -> Option<(u64, u64)> {
    let rest = &message[message.find("at ")? + 3..];
    let (line, rest) = rest.split_once(':')?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sparql_parser_location() {
        assert_eq!(
            peg_location("error at 3:17: expected one of ..."),
            Some((3, 17))
        );
        assert_eq!(peg_location("no location here"), None);
    }
}
