//! SPARQL evaluation with the guards a public endpoint needs: nesting and size limits checked
//! before the parser runs, federation only to allowed endpoints, a cancellation token that stops evaluation, and a cap on the
//! size of the serialized result, which is fully built before anything is sent.

use crate::validation::Scope;
use crate::{PonteStore, QueryResultsFormat, RdfFormat, StoreError};
use oxigraph::io::RdfSerializer;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, PreparedSparqlUpdate, QueryDataset,
    QueryEvaluationError, QueryResults, SparqlEvaluator, UpdateEvaluationError,
};
use spargebra::{GraphUpdateOperation, SparqlParser};
use std::io;

mod answer;
mod cartesian;
mod federation;
mod match_service;
mod parse_cache;
#[cfg(test)]
mod service_test;
mod text_search;

pub use answer::{Answer, SpillPolicy};
pub(crate) use answer::{SpillWriter, write_error};
pub use federation::{Federation, Fetch};
pub use match_service::{
    MATCH_SERVICE, MatchCall, MatchFailure, MatchPatternError, MatchRow, MatchService,
    MatchServiceError,
};
pub use text_search::{SEARCH_SERVICE, SearchPatternError, TextSearch};

/// The `SERVICE`s a query may call: remote endpoints an operator allowed, the local full-text
/// search (`SERVICE <https://w3id.org/ponte/search>`) and the matchmaking
/// (`SERVICE <https://w3id.org/ponte/match>`).
#[derive(Clone, Default)]
pub struct Services {
    /// Remote SPARQL endpoints; `None` refuses every remote `SERVICE`.
    pub remote: Option<Federation>,
    /// The search index; `None` leaves the search service unknown.
    pub search: Option<TextSearch>,
    /// The matchmaking; `None` leaves the match service unknown.
    pub matchmaking: Option<MatchService>,
}

impl Services {
    fn any(&self) -> bool {
        self.remote.is_some() || self.search.is_some() || self.matchmaking.is_some()
    }
}

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
    /// The graphs it writes to, where its changes are validated.
    scope: Scope,
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
    services: &Services,
    token: CancellationToken,
) -> Result<ParsedQuery, StoreError> {
    let query = parse_cache::parsed(text, base_iri, services.any(), || {
        guard(text, services.any(), true)?;
        let mut query = parser(base_iri)?.parse_query(text)?;
        cartesian::split_cross_joins(&mut query)?;
        Ok::<_, StoreError>(query)
    })?;
    let kind = match &query {
        spargebra::Query::Select { .. } => QueryKind::Solutions,
        spargebra::Query::Ask { .. } => QueryKind::Boolean,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => QueryKind::Graph,
    };
    let mut prepared = evaluator(services, &token).for_query(query);
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
    services: &Services,
    token: CancellationToken,
) -> Result<ParsedUpdate, StoreError> {
    guard(text, services.any(), false)?;
    let mut update = parser(base_iri)?.parse_update(text)?;
    for operation in &mut update.operations {
        if let GraphUpdateOperation::DeleteInsert { pattern, .. } = operation {
            cartesian::rewrite(pattern)?;
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
    let scope = Scope::of_update(&update);
    let mut prepared = evaluator(services, &token).for_update(update);
    if !dataset.is_empty() {
        for using in prepared.using_datasets_mut() {
            dataset.apply(using)?;
        }
    }
    Ok(ParsedUpdate {
        prepared,
        token,
        scope,
    })
}

fn evaluator(services: &Services, token: &CancellationToken) -> SparqlEvaluator {
    // oxigraph's HTTP client is compiled in (the SHACL engine needs it): without this, a
    // SERVICE off the allow-list would be fetched by its default handler.
    let mut evaluator = SparqlEvaluator::new()
        .without_default_http_service_handler()
        .with_cancellation_token(token.clone());
    if let Some(federation) = &services.remote {
        evaluator = federation.register(evaluator);
    }
    if let Some(search) = &services.search {
        evaluator = text_search::register(evaluator, search);
    }
    if let Some(matchmaking) = &services.matchmaking {
        evaluator = match_service::register(evaluator, matchmaking);
    }
    evaluator
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
    /// Parses and evaluates `text` as the SPARQL endpoint does with no dataset parameters
    /// (union default graph, no federation) and serializes the whole answer in the format
    /// `format` picks for the query's kind; used by the command line and the tests.
    pub fn query(
        &self,
        text: &str,
        format: impl FnOnce(QueryKind) -> OutputFormat,
        token: CancellationToken,
    ) -> Result<Vec<u8>, StoreError> {
        let parsed = parse_query(
            text,
            None,
            &ProtocolDataset::default(),
            true,
            &Services::default(),
            token,
        )?;
        let format = format(parsed.kind());
        self.evaluate_query(parsed, format, usize::MAX)
    }

    /// Evaluates `query` and serializes its whole answer in `format` into memory, failing with
    /// [`StoreError::ResultTooLarge`] past `max_bytes` and [`StoreError::Cancelled`] once the
    /// query's token is cancelled.
    pub fn evaluate_query(
        &self,
        query: ParsedQuery,
        format: OutputFormat,
        max_bytes: usize,
    ) -> Result<Vec<u8>, StoreError> {
        self.evaluate_query_to(query, format, SpillPolicy::in_memory(max_bytes))?
            .into_bytes()
            .map_err(|e| StoreError::Internal(format!("reading a spilled answer back: {e}")))
    }

    /// Evaluates `query` and serializes its whole answer in `format`, in memory up to
    /// `policy.memory_bytes` and in a temporary file beyond, failing with
    /// [`StoreError::ResultTooLarge`] past `policy.max_bytes` and [`StoreError::Cancelled`] once
    /// the query's token is cancelled.
    pub fn evaluate_query_to(
        &self,
        query: ParsedQuery,
        format: OutputFormat,
        policy: SpillPolicy,
    ) -> Result<Answer, StoreError> {
        let ParsedQuery {
            prepared, token, ..
        } = query;
        let max_bytes = policy.max_bytes;
        let map = |e: QueryEvaluationError| query_error(e, &token);
        let io = |e: io::Error| io_error(e, max_bytes, &token);
        // The serializers write token by token; the spill writer sees whole chunks.
        let writer =
            io::BufWriter::with_capacity(SERIALIZER_BUFFER_BYTES, SpillWriter::new(policy));
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
        writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .map_err(io)?
            .finish()
            .map_err(io)
    }

    /// Executes `update` in one transaction: on any error, including cancellation, nothing
    /// changes.
    pub fn execute_update(&self, update: ParsedUpdate) -> Result<(), StoreError> {
        let _writing = self.lock_for_writing()?;
        let ParsedUpdate {
            prepared,
            token,
            scope,
        } = update;
        // The request may have timed out while waiting for the lock: then it must not apply.
        ensure_alive(&token)?;
        let mut transaction = self.store.start_transaction()?;
        prepared
            .on_transaction(&mut transaction)
            .execute()
            .map_err(|e| {
                if token.is_cancelled() {
                    return StoreError::Cancelled;
                }
                match e {
                    UpdateEvaluationError::Storage(e) => StoreError::Storage(e),
                    UpdateEvaluationError::Unexpected(e) => StoreError::Internal(e.to_string()),
                    UpdateEvaluationError::UnsupportedService(name) => refused_service(&name),
                    UpdateEvaluationError::Service(e) => service_error(&*e),
                    other => StoreError::BadRequest(other.to_string()),
                }
            })?;
        // Dropping the transaction on a violation or a timeout writes nothing.
        self.commit_validated(transaction, &scope, Some(&token))?;
        Ok(())
    }
}

/// Quads a write handles between two checks of its cancellation token.
pub(crate) const CHECK_EVERY: usize = 4096;

/// Fails with [`StoreError::Cancelled`] once `token` is cancelled.
pub(crate) fn ensure_alive(token: &CancellationToken) -> Result<(), StoreError> {
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
        QueryEvaluationError::Service(e) => service_error(&*e),
        other => StoreError::BadRequest(other.to_string()),
    }
}

/// A failed `SERVICE`: the client's mistake when it is a pattern a local service (search,
/// match) cannot answer; ours when the match service failed; otherwise the remote endpoint's
/// failure.
fn service_error(error: &(dyn std::error::Error + Send + Sync + 'static)) -> StoreError {
    if error.is::<SearchPatternError>() || error.is::<MatchPatternError>() {
        StoreError::BadRequest(error.to_string())
    } else if error.is::<MatchServiceError>() {
        StoreError::Internal(error.to_string())
    } else {
        StoreError::Remote(error.to_string())
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
    write_error(error, max_bytes)
}

/// Bytes the serializers' small writes are gathered into before they reach the answer.
const SERIALIZER_BUFFER_BYTES: usize = 16 << 10;

/// Most structural tokens (groups, `UNION`, `OPTIONAL`, `MINUS`, operators) accepted in one
/// request: even a flat chain of them becomes a deep tree that oxigraph walks recursively.
pub const MAX_STRUCTURE: usize = 10_000;

/// Most patterns one group of a query may join (triple patterns, sub-groups, OPTIONAL, MINUS,
/// path steps). oxigraph plans a join in time growing with the fourth power of its width,
/// before it reads any quad and so beyond the reach of cancellation: 64 take 0.1 s, 128 take
/// 1.4 s, 256 take 22 s on a 2-core machine. `UNION` branches are not joined and do not count.
pub const MAX_JOIN_WIDTH: usize = 100;

/// Scans the request text (skipping strings, IRIs, comments and escapes) before the recursive
/// parser sees it: refuses bracket nesting deeper than [`MAX_NESTING`], runs of unary operators
/// longer than that, more than [`MAX_STRUCTURE`] structural tokens, in queries groups wider
/// than [`MAX_JOIN_WIDTH`] and, without federation, `SERVICE`.
fn guard(text: &str, allow_service: bool, is_query: bool) -> Result<(), StoreError> {
    let bytes = text.as_bytes();
    let mut depth = 0_usize;
    // Join width of each open `{` group, innermost last.
    let mut widths: Vec<usize> = Vec::new();
    let widen = |widths: &mut Vec<usize>, line: u64| -> Result<(), StoreError> {
        if let Some(width) = widths.last_mut() {
            *width += 1;
            if is_query && *width > MAX_JOIN_WIDTH {
                return Err(StoreError::BadRequest(format!(
                    "a group of the query (ending after line {line}) joins more than {MAX_JOIN_WIDTH} patterns; split the query"
                )));
            }
        }
        Ok(())
    };
    let mut structure = 0_usize;
    let mut unary_run = 0_usize;
    let mut line = 1_u64;
    let mut line_start = 0;
    let mut i = 0;
    let too_deep = |line: u64, line_start: usize, i: usize, what: &str| {
        let column = u64::try_from(
            String::from_utf8_lossy(&bytes[line_start..i])
                .chars()
                .count()
                + 1,
        )
        .unwrap_or(0);
        StoreError::SparqlSyntax {
            message: format!(
                "{what} deeper than {MAX_NESTING} levels at line {line}, column {column}; simplify the query"
            ),
            line: Some(line),
            column: Some(column),
        }
    };
    while i < bytes.len() {
        let byte = bytes[i];
        if !matches!(byte, b'!' | b'+' | b'-' | b' ' | b'\t' | b'\n' | b'\r') {
            unary_run = 0;
        }
        match byte {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            b'#' => {
                // The parser ends a comment at either line break.
                while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i, &mut line, &mut line_start);
                continue;
            }
            // An escape in a prefixed name (`ex:a\#`, `ex:a\)`): the next byte is plain text.
            b'\\' => {
                i += 2;
                continue;
            }
            // An RDF 1.2 triple term (`<<`, `<<(`) nests like a bracket: the parser recurses
            // into it, and so do the store and the serializers once it is written.
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                structure += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(line, line_start, i, "nesting"));
                }
                i += 2;
                continue;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                structure += 1;
                i += 2;
                continue;
            }
            b'<' => {
                if let Some(end) = iri_end(bytes, i) {
                    // `<` may be less-than after all: count what the span opens, as the parser
                    // may see it, but never what it closes.
                    depth += bytes[i..end]
                        .iter()
                        .filter(|b| matches!(b, b'{' | b'(' | b'['))
                        .count();
                    if depth > MAX_NESTING {
                        return Err(too_deep(line, line_start, i, "nesting"));
                    }
                    i = end + 1;
                    continue;
                }
                structure += 1;
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if byte == b'{' {
                    structure += 1;
                    widen(&mut widths, line)?;
                    widths.push(0);
                }
                if depth > MAX_NESTING {
                    return Err(too_deep(line, line_start, i, "nesting"));
                }
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if byte == b'}' {
                    widths.pop();
                }
            }
            // Triple pattern separators (not the dot of a decimal).
            b'.' | b';' | b',' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                widen(&mut widths, line)?;
            }
            b'!' | b'+' | b'-' => {
                structure += 1;
                unary_run += 1;
                if unary_run > MAX_NESTING {
                    return Err(too_deep(line, line_start, i, "a chain of unary operators"));
                }
            }
            // Path steps become joins.
            b'/' | b'|' => {
                structure += 1;
                widen(&mut widths, line)?;
            }
            b'*' | b'&' | b'^' | b'=' | b'>' => structure += 1,
            b'u' | b'U' if is_keyword(bytes, i, b"union") => {
                structure += 1;
                if let Some(width) = widths.last_mut() {
                    *width = 0;
                }
            }
            b'o' | b'O' if is_keyword(bytes, i, b"optional") => {
                structure += 1;
                widen(&mut widths, line)?;
            }
            b'm' | b'M' if is_keyword(bytes, i, b"minus") => {
                structure += 1;
                widen(&mut widths, line)?;
            }
            b's' | b'S' if !allow_service && is_keyword(bytes, i, b"service") => {
                return Err(StoreError::Refused(format!(
                    "SERVICE (line {line}) refused: federated queries to remote endpoints are disabled on this server"
                )));
            }
            _ => {}
        }
        i += 1;
    }
    if structure > MAX_STRUCTURE {
        return Err(StoreError::BadRequest(format!(
            "the request has {structure} groups, operators and UNION/OPTIONAL/MINUS keywords; at most {MAX_STRUCTURE} are accepted"
        )));
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
            b'\n' | b'\r' if !long => return i, // unterminated: the main loop counts the line
            b'\n' => {
                *line += 1;
                *line_start = i + 1;
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
            &Services::default(),
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
                open.repeat(2_000),
                close.repeat(2_000)
            );
            let error = parse(&query).err().expect("refused");
            assert!(
                matches!(error, StoreError::SparqlSyntax { line: Some(1), .. }),
                "{error}"
            );
        }
    }

    #[test]
    fn deep_triple_terms_are_refused_before_parsing() {
        for (open, close) in [
            ("<< <urn:a> <urn:b> ", " >>"),
            ("<<( <urn:a> <urn:b> ", " )>>"),
        ] {
            let query = format!(
                "SELECT * WHERE {{ ?s ?p {}?o{} }}",
                open.repeat(200),
                close.repeat(200)
            );
            let error = parse(&query).err().expect("refused");
            assert!(error.to_string().contains("nesting"), "{error}");
        }
        // A few levels are data.
        parse("SELECT * WHERE { ?s ?p << <urn:a> <urn:b> << ?x ?y ?z >> >> }").unwrap();
    }

    #[test]
    fn the_parser_s_other_recursions_are_refused_too() {
        let n = 100_000;
        for query in [
            format!("ASK {{ FILTER({}true) }}", "!".repeat(n)),
            format!("ASK {{ FILTER({}1 = 1) }}", "- ".repeat(n)),
            format!(
                "ASK {{ FILTER(1 <{}1{}> 0) }}",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!("ASK #\r{}{}", "{".repeat(n), "}".repeat(n)),
            format!("PREFIX ex: <urn:> ASK {{ ?s ex:a\\# {} }}", "{".repeat(n)),
            format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; n].join(" UNION ")),
            format!("ASK {{ FILTER({}) }}", vec!["true"; n].join(" || ")),
            format!("ASK {{ ?s {} ?o }}", vec!["<urn:p>"; n].join("/")),
        ] {
            let error = parse(&query).err().expect("refused");
            assert!(
                matches!(
                    error,
                    StoreError::SparqlSyntax { .. } | StoreError::BadRequest(_)
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn groups_too_wide_to_plan_are_refused_but_union_branches_and_data_are_not() {
        let wide = MAX_JOIN_WIDTH + 2;
        for query in [
            format!("ASK {{ {} }}", vec!["?s ?p ?o"; wide].join(" . ")),
            format!("ASK {{ {} }}", "{ ?s ?p ?o } ".repeat(wide)),
            format!(
                "ASK {{ ?s ?p ?o {} }}",
                "OPTIONAL { ?s ?p ?o } ".repeat(wide)
            ),
            format!("ASK {{ ?s {} ?o }}", vec!["<urn:p>"; wide].join("/")),
        ] {
            assert!(
                matches!(parse(&query), Err(StoreError::BadRequest(_))),
                "{query}"
            );
        }
        let unions = format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; 1000].join(" UNION "));
        assert!(parse(&unions).is_ok());
        let values: String = (0..1000).map(|i| format!("{i}.5 ")).collect();
        assert!(parse(&format!("SELECT * WHERE {{ VALUES ?x {{ {values} }} }}")).is_ok());
        let data: String = (0..1000)
            .map(|i| format!("<urn:s{i}> <urn:p> {i} . "))
            .collect();
        assert!(
            parse_update(
                &format!("INSERT DATA {{ {data} }}"),
                None,
                &ProtocolDataset::default(),
                &Services::default(),
                CancellationToken::new()
            )
            .is_ok()
        );
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
            &Services::default(),
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
                &CancellationToken::new(),
            )
            .unwrap();
        let token = CancellationToken::new();
        let query = parse_query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
            None,
            &ProtocolDataset::default(),
            true,
            &Services::default(),
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
