//! SPARQL evaluation with the guards a public endpoint needs: a nesting limit checked before the
//! parser runs, no federation, a cancellation token that stops evaluation, and a cap on the
//! size of the serialized result, which is fully built before anything is sent.

use crate::{PonteStore, QueryResultsFormat, RdfFormat, StoreError};
use oxigraph::io::RdfSerializer;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, PreparedSparqlUpdate, QueryDataset,
    QueryEvaluationError, QueryResults, SparqlEvaluator, UpdateEvaluationError,
};
use spargebra::{GraphUpdateOperation, SparqlParser};
use std::io::{self, Write};

mod cartesian;
mod federation;

pub use federation::{Federation, Fetch};

/// Deepest bracket nesting accepted; oxigraph's recursive parser and evaluator would overflow
/// their stack a few thousand levels down, and no analyst's query comes near this.
pub const MAX_NESTING: usize = 128;

/// The shape of a query's answer, which decides the formats it can be served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// SELECT: a table of solutions.
    Solutions,
    /// ASK: a boolean.
    Boolean,
    /// CONSTRUCT or DESCRIBE: a graph.
    Graph,
}

/// The serialization of a query answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A SPARQL results format (for SELECT and ASK).
    Results(QueryResultsFormat),
    /// An RDF format (for CONSTRUCT and DESCRIBE).
    Rdf(RdfFormat),
}

/// The RDF dataset a request names through the protocol (`default-graph-uri`,
/// `named-graph-uri`, or the `using-` forms for updates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolDataset {
    /// Graphs merged into the default graph.
    pub default_graphs: Vec<String>,
    /// Graphs available as named graphs.
    pub named_graphs: Vec<String>,
}

impl ProtocolDataset {
    fn is_empty(&self) -> bool {
        self.default_graphs.is_empty() && self.named_graphs.is_empty()
    }

    fn apply(&self, dataset: &mut QueryDataset) -> Result<(), StoreError> {
        dataset.set_default_graph(
            self.default_graphs
                .iter()
                .map(|iri| named_node(iri).map(GraphName::from))
                .collect::<Result<_, _>>()?,
        );
        dataset.set_available_named_graphs(
            self.named_graphs
                .iter()
                .map(|iri| named_node(iri).map(NamedOrBlankNode::from))
                .collect::<Result<_, _>>()?,
        );
        Ok(())
    }
}

fn named_node(iri: &str) -> Result<NamedNode, StoreError> {
    NamedNode::new(iri)
        .map_err(|e| StoreError::BadRequest(format!("invalid graph IRI <{iri}>: {e}")))
}

/// A parsed query, ready to evaluate.
pub struct ParsedQuery {
    kind: QueryKind,
    prepared: PreparedSparqlQuery,
    token: CancellationToken,
}

impl ParsedQuery {
    /// Whether the answer is solutions, a boolean or a graph.
    pub fn kind(&self) -> QueryKind {
        self.kind
    }
}

/// A parsed update, ready to execute.
pub struct ParsedUpdate {
    prepared: PreparedSparqlUpdate,
    token: CancellationToken,
}

/// Parses a query, checking nesting first. `SERVICE` is refused unless `federation` allows
/// its endpoint. Protocol dataset parameters override the query's FROM clauses; with none and
/// `union_default_graph`, the default graph is the union of all graphs (Ponte keeps every fact
/// in the named graph of its source).
pub fn parse_query(
    text: &str,
    base_iri: Option<&str>,
    dataset: &ProtocolDataset,
    union_default_graph: bool,
    federation: Option<&Federation>,
    token: CancellationToken,
) -> Result<ParsedQuery, StoreError> {
    guard(text, federation.is_some())?;
    let mut query = parser(base_iri)?.parse_query(text)?;
    cartesian::split_cross_joins(&mut query);
    let kind = match &query {
        spargebra::Query::Select { .. } => QueryKind::Solutions,
        spargebra::Query::Ask { .. } => QueryKind::Boolean,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => QueryKind::Graph,
    };
    let mut prepared = evaluator(federation, &token).for_query(query);
    if !dataset.is_empty() {
        dataset.apply(prepared.dataset_mut())?;
    } else if union_default_graph && prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(ParsedQuery {
        kind,
        prepared,
        token,
    })
}

/// Parses an update, checking nesting and refusing `LOAD` (no remote fetches), `SERVICE` to
/// endpoints `federation` does not allow, and a protocol dataset given together with
/// `USING`/`WITH` in the update.
pub fn parse_update(
    text: &str,
    base_iri: Option<&str>,
    dataset: &ProtocolDataset,
    federation: Option<&Federation>,
    token: CancellationToken,
) -> Result<ParsedUpdate, StoreError> {
    guard(text, federation.is_some())?;
    let mut update = parser(base_iri)?.parse_update(text)?;
    for operation in &mut update.operations {
        if let GraphUpdateOperation::DeleteInsert { pattern, .. } = operation {
            cartesian::split_cross_joins_in(pattern);
        }
    }
    for operation in &update.operations {
        match operation {
            GraphUpdateOperation::Load { source, .. } => {
                return Err(StoreError::Refused(format!(
                    "LOAD <{}> refused: this server fetches nothing from remote addresses",
                    source.as_str()
                )));
            }
            GraphUpdateOperation::DeleteInsert { using: Some(_), .. } if !dataset.is_empty() => {
                return Err(StoreError::BadRequest(
                    "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH in the update".into(),
                ));
            }
            _ => {}
        }
    }
    let mut prepared = evaluator(federation, &token).for_update(update);
    if !dataset.is_empty() {
        for using in prepared.using_datasets_mut() {
            dataset.apply(using)?;
        }
    }
    Ok(ParsedUpdate { prepared, token })
}

fn evaluator(federation: Option<&Federation>, token: &CancellationToken) -> SparqlEvaluator {
    let evaluator = SparqlEvaluator::new().with_cancellation_token(token.clone());
    match federation {
        Some(federation) => federation.register(evaluator),
        None => evaluator,
    }
}

fn parser(base_iri: Option<&str>) -> Result<SparqlParser, StoreError> {
    let parser = SparqlParser::new();
    match base_iri {
        Some(base) => parser
            .with_base_iri(base)
            .map_err(|e| StoreError::BadRequest(format!("invalid base IRI <{base}>: {e}"))),
        None => Ok(parser),
    }
}

impl PonteStore {
    /// Evaluates `query` and serializes its whole answer in `format` into memory, failing with
    /// [`StoreError::ResultTooLarge`] past `max_bytes` and [`StoreError::Cancelled`] once the
    /// query's token is cancelled.
    pub fn evaluate_query(
        &self,
        query: ParsedQuery,
        format: OutputFormat,
        max_bytes: usize,
    ) -> Result<Vec<u8>, StoreError> {
        let ParsedQuery {
            prepared, token, ..
        } = query;
        let map = |e: QueryEvaluationError| query_error(e, &token);
        let io = |e: io::Error| io_error(e, max_bytes, &token);
        let writer = CappedWriter::new(max_bytes);
        let writer = match (
            prepared.on_store(&self.store).execute().map_err(map)?,
            format,
        ) {
            (QueryResults::Solutions(solutions), OutputFormat::Results(format)) => {
                let mut serializer = QueryResultsSerializer::from_format(format)
                    .serialize_solutions_to_writer(writer, solutions.variables().to_vec())
                    .map_err(io)?;
                for solution in solutions {
                    ensure_alive(&token)?;
                    serializer.serialize(&solution.map_err(map)?).map_err(io)?;
                }
                serializer.finish().map_err(io)?
            }
            (QueryResults::Boolean(value), OutputFormat::Results(format)) => {
                QueryResultsSerializer::from_format(format)
                    .serialize_boolean_to_writer(writer, value)
                    .map_err(io)?
            }
            (QueryResults::Graph(triples), OutputFormat::Rdf(format)) => {
                let mut serializer = RdfSerializer::from_format(format).for_writer(writer);
                for triple in triples {
                    ensure_alive(&token)?;
                    serializer
                        .serialize_triple(&triple.map_err(map)?)
                        .map_err(io)?;
                }
                serializer.finish().map_err(io)?
            }
            _ => {
                return Err(StoreError::BadRequest(
                    "the requested format does not fit this kind of query".into(),
                ));
            }
        };
        Ok(writer.into_inner())
    }

    /// Executes `update` in one transaction: on any error, including cancellation, nothing
    /// changes.
    pub fn execute_update(&self, update: ParsedUpdate) -> Result<(), StoreError> {
        let _writing = self.lock_for_writing()?;
        let ParsedUpdate { prepared, token } = update;
        prepared.on_store(&self.store).execute().map_err(|e| {
            if token.is_cancelled() {
                return StoreError::Cancelled;
            }
            match e {
                UpdateEvaluationError::Storage(e) => StoreError::Storage(e),
                UpdateEvaluationError::Unexpected(e) => StoreError::Internal(e.to_string()),
                UpdateEvaluationError::UnsupportedService(name) => refused_service(&name),
                UpdateEvaluationError::Service(e) => StoreError::Remote(e.to_string()),
                other => StoreError::BadRequest(other.to_string()),
            }
        })
    }
}

fn ensure_alive(token: &CancellationToken) -> Result<(), StoreError> {
    if token.is_cancelled() {
        Err(StoreError::Cancelled)
    } else {
        Ok(())
    }
}

fn query_error(error: QueryEvaluationError, token: &CancellationToken) -> StoreError {
    if token.is_cancelled() {
        return StoreError::Cancelled;
    }
    match error {
        QueryEvaluationError::Cancelled => StoreError::Cancelled,
        QueryEvaluationError::Dataset(e) | QueryEvaluationError::Unexpected(e) => {
            StoreError::Internal(e.to_string())
        }
        QueryEvaluationError::UnsupportedService(name) => refused_service(&name),
        QueryEvaluationError::Service(e) => StoreError::Remote(e.to_string()),
        other => StoreError::BadRequest(other.to_string()),
    }
}

fn refused_service(name: &NamedNode) -> StoreError {
    StoreError::Refused(format!(
        "SERVICE {name} refused: it is not an endpoint this server's federation allow-list names"
    ))
}

fn io_error(error: io::Error, max_bytes: usize, token: &CancellationToken) -> StoreError {
    if token.is_cancelled() {
        return StoreError::Cancelled;
    }
    CappedWriter::error(error, max_bytes)
}

/// An in-memory writer that refuses to grow past a cap.
pub(crate) struct CappedWriter {
    buffer: Vec<u8>,
    max_bytes: usize,
}

/// Marks the io error a [`CappedWriter`] raises, to tell it from a real one.
#[derive(Debug, thiserror::Error)]
#[error("result size cap reached")]
struct CapReached;

impl CappedWriter {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            buffer: Vec::new(),
            max_bytes,
        }
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.buffer
    }

    /// Converts a serializer's io error, recognising the cap.
    pub(crate) fn error(error: io::Error, max_bytes: usize) -> StoreError {
        if error.get_ref().is_some_and(|e| e.is::<CapReached>()) {
            StoreError::ResultTooLarge(max_bytes)
        } else {
            StoreError::Internal(error.to_string())
        }
    }
}

impl Write for CappedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buffer.len() + data.len() > self.max_bytes {
            return Err(io::Error::other(CapReached));
        }
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Scans the request text (skipping strings, IRIs and comments) before the recursive parser
/// sees it: refuses bracket nesting deeper than [`MAX_NESTING`] and, without federation,
/// `SERVICE`.
fn guard(text: &str, allow_service: bool) -> Result<(), StoreError> {
    let bytes = text.as_bytes();
    let mut depth = 0_usize;
    let mut line = 1_u64;
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i, &mut line, &mut line_start);
                continue;
            }
            b'<' => {
                if let Some(end) = iri_end(bytes, i) {
                    i = end + 1;
                    continue;
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let column =
                        u64::try_from(text[line_start..i].chars().count() + 1).unwrap_or(0);
                    return Err(StoreError::SparqlSyntax {
                        message: format!(
                            "nesting deeper than {MAX_NESTING} levels at line {line}, column {column}; simplify the query"
                        ),
                        line: Some(line),
                        column: Some(column),
                    });
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b's' | b'S' if !allow_service && is_keyword(bytes, i, b"service") => {
                return Err(StoreError::Refused(format!(
                    "SERVICE (line {line}) refused: federated queries to remote endpoints are disabled on this server"
                )));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Whether the word at `i` is `keyword` (ASCII, case-insensitive), not part of a longer name,
/// a variable or a prefixed name.
fn is_keyword(bytes: &[u8], i: usize, keyword: &[u8]) -> bool {
    let end = i + keyword.len();
    if end > bytes.len() || !bytes[i..end].eq_ignore_ascii_case(keyword) {
        return false;
    }
    let name_char =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'?' | b'$');
    (i == 0 || !name_char(bytes[i - 1])) && (end == bytes.len() || !name_char(bytes[end]))
}

/// Index of the `>` closing an IRI opened at `start`, if the text there is an IRI and not a
/// less-than operator.
fn iri_end(bytes: &[u8], start: usize) -> Option<usize> {
    for (offset, &b) in bytes[start + 1..].iter().enumerate() {
        match b {
            b'>' => return Some(start + 1 + offset),
            b' ' | b'\t' | b'\n' | b'\r' | b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' => {
                return None;
            }
            _ => {}
        }
    }
    None
}

/// Index just past the string literal opened at `start` (short or long form, with escapes).
fn skip_string(bytes: &[u8], start: usize, line: &mut u64, line_start: &mut usize) -> usize {
    let quote = bytes[start];
    let long = bytes.len() >= start + 3 && bytes[start + 1] == quote && bytes[start + 2] == quote;
    let mut i = start + if long { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\n' => {
                *line += 1;
                *line_start = i + 1;
                if !long {
                    return i;
                }
            }
            b if b == quote => {
                if !long {
                    return i + 1;
                }
                if bytes.len() >= i + 3 && bytes[i + 1] == quote && bytes[i + 2] == quote {
                    return i + 3;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedQuery, StoreError> {
        parse_query(
            text,
            None,
            &ProtocolDataset::default(),
            true,
            None,
            CancellationToken::new(),
        )
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        for (open, close) in [
            ("{", "}"),
            ("{ OPTIONAL {", "}}"),
            ("{ {} UNION {", "}}"),
            ("(", ")"),
        ] {
            let query = format!(
                "SELECT * WHERE {}{} ",
                open.repeat(10_000),
                close.repeat(10_000)
            );
            let error = parse(&query).err().expect("refused");
            assert!(
                matches!(error, StoreError::SparqlSyntax { line: Some(1), .. }),
                "{error}"
            );
        }
    }

    #[test]
    fn brackets_in_strings_iris_and_comments_do_not_count() {
        let noise = "{".repeat(MAX_NESTING + 10);
        let query = format!(
            "SELECT * WHERE {{ ?s ?p \"{noise}\" . ?s ?p '''{noise}''' . ?s ?p <urn:x> }} # {noise}\n"
        );
        assert!(parse(&query).is_ok());
        assert!(parse("SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }").is_ok());
    }

    #[test]
    fn service_is_refused_but_names_containing_service_are_not() {
        assert!(matches!(
            parse("SELECT * WHERE { SERVICE <http://example.com/sparql> { ?s ?p ?o } }"),
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            parse("SELECT * WHERE { service ?x { ?s ?p ?o } }"),
            Err(StoreError::Refused(_))
        ));
        assert!(
            parse("PREFIX ex: <urn:> SELECT ?service WHERE { ?service ex:service ex:service }")
                .is_ok()
        );
        assert!(parse("SELECT * WHERE { ?s ?p \"SERVICE\" }").is_ok());
    }

    #[test]
    fn load_is_refused() {
        let error = parse_update(
            "LOAD <http://127.0.0.1:1/data.ttl>",
            None,
            &ProtocolDataset::default(),
            None,
            CancellationToken::new(),
        )
        .err()
        .expect("refused");
        assert!(matches!(error, StoreError::Refused(_)));
    }

    #[test]
    fn syntax_errors_carry_their_location() {
        let error = parse("SELECT * WHERE {\n  ?s ?p \n}}")
            .err()
            .expect("error");
        assert!(
            matches!(
                error,
                StoreError::SparqlSyntax {
                    line: Some(_),
                    column: Some(_),
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn a_cancelled_query_stops() {
        let store = PonteStore::in_memory().unwrap();
        let data: String = (0..200)
            .map(|i| format!("<urn:s{i}> <urn:p> <urn:o{i}> .\n"))
            .collect();
        store
            .write_graph(
                &crate::GraphTarget::Default,
                false,
                &[(RdfFormat::NTriples, data.as_bytes())],
                None,
            )
            .unwrap();
        let token = CancellationToken::new();
        let query = parse_query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
            None,
            &ProtocolDataset::default(),
            true,
            None,
            token.clone(),
        )
        .unwrap();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            token.cancel();
        });
        let started = std::time::Instant::now();
        let result = store.evaluate_query(
            query,
            OutputFormat::Results(QueryResultsFormat::Json),
            1 << 20,
        );
        canceller.join().unwrap();
        assert!(
            matches!(result, Err(StoreError::Cancelled)),
            "{:?}",
            result.err()
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn answers_are_capped() {
        let store = PonteStore::in_memory().unwrap();
        let query = parse("SELECT ?x WHERE { VALUES ?x { 1 2 3 4 5 6 7 8 9 10 } }").unwrap();
        assert!(matches!(
            store.evaluate_query(query, OutputFormat::Results(QueryResultsFormat::Json), 50),
            Err(StoreError::ResultTooLarge(50))
        ));
    }
}
