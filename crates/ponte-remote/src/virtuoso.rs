//! OpenLink Virtuoso's departures from the protocol, and a throw-away Virtuoso server for tests
//! and benchmarks (`scripts/virtuoso`).

use crate::{Endpoint, RemoteError, Solutions};
use oxigraph::model::{Literal, NamedNode, Term};
use spargebra::term::{GroundTerm, GroundTermPattern, TermPattern};
use spargebra::{GraphUpdateOperation, Update};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The answer to an ASK query given, as Virtuoso does in some configurations, as a one-row
/// table with the variable `__ASK_RETVAL` (or `bool`, in CSV and TSV) holding 1 or 0.
pub fn ask_answer(solutions: &Solutions) -> Option<bool> {
    let [row] = solutions.rows.as_slice() else {
        return None;
    };
    let [Some(Term::Literal(value))] = row.as_slice() else {
        return None;
    };
    let name = solutions.variables.first()?.as_str();
    if name != "__ASK_RETVAL" && name != "bool" {
        return None;
    }
    match value.value() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// A JSON result with Virtuoso's blank nodes (`"value": "nodeID://b10000"`, not a blank node
/// label) made readable: the `nodeID://` prefix dropped. Only the structural sequence is
/// matched: inside a JSON string its quotes would be escaped.
pub fn json_blank_nodes_fixed(body: Vec<u8>) -> Vec<u8> {
    const VIRTUOSO: &[u8] = br#""type": "bnode", "value": "nodeID://"#;
    const FIXED: &[u8] = br#""type": "bnode", "value": ""#;
    if !body.windows(VIRTUOSO.len()).any(|w| w == VIRTUOSO) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body.as_slice();
    while let Some(at) = rest.windows(VIRTUOSO.len()).position(|w| w == VIRTUOSO) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(FIXED);
        rest = &rest[at + VIRTUOSO.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Typed literals travel to Virtuoso under a datatype of this prefix followed by their own
/// (`"P3D"^^<https://w3id.org/ponte/verbatim/http://www.w3.org/2001/XMLSchema#duration>`):
/// Virtuoso 7.2 refuses `xsd:duration` and rewrites other lexical forms (`"1.50"` decimal as
/// `1.5`, `true` as `1`, nanoseconds cut to microseconds, `+00:00` as `Z`), which would break
/// Ponte's deletes (they name exact terms) and content hashes. A datatype it does not know it
/// keeps verbatim. Plain strings, language strings and canonical integers go as they are.
pub const VERBATIM_PREFIX: &str = "https://w3id.org/ponte/verbatim/";

/// A term as it is kept in Virtuoso (see [`VERBATIM_PREFIX`]).
pub fn encode_term(term: Term) -> Term {
    let Term::Literal(literal) = &term else {
        return term;
    };
    let datatype = literal.datatype().as_str();
    let kept = literal.language().is_some()
        || datatype == "http://www.w3.org/2001/XMLSchema#string"
        || (datatype == "http://www.w3.org/2001/XMLSchema#integer"
            && literal
                .value()
                .parse::<i64>()
                .is_ok_and(|n| n.to_string() == literal.value()));
    if kept {
        return term;
    }
    Literal::new_typed_literal(
        literal.value(),
        NamedNode::new_unchecked(format!("{VERBATIM_PREFIX}{datatype}")),
    )
    .into()
}

/// A term read from Virtuoso as Ponte wrote it.
pub fn decode_term(term: Term) -> Term {
    let Term::Literal(literal) = &term else {
        return term;
    };
    match literal.datatype().as_str().strip_prefix(VERBATIM_PREFIX) {
        Some(datatype) => match NamedNode::new(datatype) {
            Ok(datatype) => Literal::new_typed_literal(literal.value(), datatype).into(),
            Err(_) => term,
        },
        None => term,
    }
}

/// `update` with every literal of its data and templates encoded (its `WHERE` patterns are
/// Ponte's own and hold IRIs only).
pub fn encode_update(update: &Update) -> Update {
    let mut update = update.clone();
    for operation in &mut update.operations {
        match operation {
            GraphUpdateOperation::InsertData { data } => {
                for quad in data {
                    quad.object = encode_term(quad.object.clone());
                }
            }
            GraphUpdateOperation::DeleteData { data } => {
                for quad in data {
                    if let GroundTerm::Literal(l) = &quad.object
                        && let Term::Literal(encoded) = encode_term(l.clone().into())
                    {
                        quad.object = GroundTerm::Literal(encoded);
                    }
                }
            }
            GraphUpdateOperation::DeleteInsert { delete, insert, .. } => {
                for quad in delete {
                    if let GroundTermPattern::Literal(l) = &quad.object
                        && let Term::Literal(encoded) = encode_term(l.clone().into())
                    {
                        quad.object = GroundTermPattern::Literal(encoded);
                    }
                }
                for quad in insert {
                    if let TermPattern::Literal(l) = &quad.object
                        && let Term::Literal(encoded) = encode_term(l.clone().into())
                    {
                        quad.object = TermPattern::Literal(encoded);
                    }
                }
            }
            _ => {}
        }
    }
    update
}

/// A Virtuoso server on loopback with its data in a temporary directory, stopped and removed
/// when dropped. Needs `scripts/virtuoso install` first (the README's test command runs it).
pub struct TestServer {
    child: Child,
    /// The HTTP port: `/sparql` answers queries and updates, `/sparql-graph-crud` the Graph
    /// Store Protocol.
    pub http_port: u16,
    /// The SQL port `isql-vt` administers it on.
    pub sql_port: u16,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a fresh server and lets SPARQL updates through; answers once it takes queries.
    pub fn start() -> Result<Self, RemoteError> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/virtuoso");
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            RemoteError::Config(format!(
                "cannot {what} Virtuoso ({e}); `scripts/virtuoso install` installs it"
            ))
        };
        let dir = tempfile::tempdir().map_err(|e| failed("make a directory for", &e))?;
        let (sql_port, http_port) = (free_port()?, free_port()?);
        let child = Command::new(&script)
            .arg("run")
            .arg(dir.path())
            .arg(sql_port.to_string())
            .arg(http_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed("start", &e))?;
        let mut server = Self {
            child,
            http_port,
            sql_port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().map_err(|e| failed("watch", &e))? {
                return Err(failed("start", &format!("it exited with {status}")));
            }
            let granted = Command::new(&script)
                .arg("grant")
                .arg(sql_port.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| failed("administer", &e))?;
            if granted.success() && server.answers() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(failed("start", &"it did not answer within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT/sparql`.
    pub fn sparql_url(&self) -> String {
        format!("http://127.0.0.1:{}/sparql", self.http_port)
    }

    /// The `--store` argument for Ponte: query and update at `/sparql`, graphs at
    /// `/sparql-graph-crud`.
    pub fn store_argument(&self) -> String {
        let sparql = self.sparql_url();
        format!(
            "sparql:{sparql},{sparql},http://127.0.0.1:{}/sparql-graph-crud",
            self.http_port
        )
    }

    /// The endpoint of [`Self::store_argument`].
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::parse(&self.store_argument()).expect("a well-formed store argument")
    }

    fn answers(&self) -> bool {
        std::net::TcpStream::connect(("127.0.0.1", self.http_port)).is_ok()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, RemoteError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| RemoteError::Config(format!("no free port on loopback: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, Variable};

    fn table(variable: &str, value: &str) -> Solutions {
        Solutions {
            variables: vec![Variable::new_unchecked(variable)],
            rows: vec![vec![Some(Literal::new_simple_literal(value).into())]],
        }
    }

    #[test]
    fn virtuoso_blank_nodes_become_labels_and_nothing_else_changes() {
        let body = br#"{"o": { "type": "bnode", "value": "nodeID://b10000" }, "l": { "type": "literal", "value": "\"type\": \"bnode\", \"value\": \"nodeID://x" }}"#;
        let fixed = String::from_utf8(json_blank_nodes_fixed(body.to_vec())).unwrap();
        assert!(
            fixed.starts_with(r#"{"o": { "type": "bnode", "value": "b10000" }"#),
            "{fixed}"
        );
        assert!(fixed.contains(r#"\"nodeID://x"#), "{fixed}");
    }

    #[test]
    fn literals_virtuoso_would_rewrite_travel_verbatim_and_come_back() {
        let xsd = |local: &str| {
            NamedNode::new_unchecked(format!("http://www.w3.org/2001/XMLSchema#{local}"))
        };
        for literal in [
            Literal::new_typed_literal("P3D", xsd("duration")),
            Literal::new_typed_literal("1.50", xsd("decimal")),
            Literal::new_typed_literal("007", xsd("integer")),
            Literal::new_typed_literal("2026-12-04T22:31:07.123456789+00:00", xsd("dateTime")),
        ] {
            let encoded = encode_term(literal.clone().into());
            assert_ne!(encoded, Term::from(literal.clone()));
            assert_eq!(decode_term(encoded), Term::from(literal));
        }
        for kept in [
            Literal::new_simple_literal("plain"),
            Literal::new_language_tagged_literal_unchecked("ciao", "it"),
            Literal::new_typed_literal("42", xsd("integer")),
        ] {
            assert_eq!(encode_term(kept.clone().into()), Term::from(kept));
        }
    }

    #[test]
    fn an_ask_answered_as_a_table_is_read_as_the_boolean_it_means() {
        assert_eq!(ask_answer(&table("__ASK_RETVAL", "1")), Some(true));
        assert_eq!(ask_answer(&table("__ASK_RETVAL", "0")), Some(false));
        assert_eq!(ask_answer(&table("bool", "1")), Some(true));
        assert_eq!(ask_answer(&table("x", "1")), None);
        assert_eq!(ask_answer(&table("__ASK_RETVAL", "maybe")), None);
        assert_eq!(ask_answer(&Solutions::default()), None);
    }
}
