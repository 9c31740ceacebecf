//! The SPARQL 1.1 Protocol over HTTP, with the quirks of the stores met so far.

use crate::{Backend, RemoteError, Solutions, virtuoso};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Triple};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use spargebra::{Query, Update};
use std::sync::OnceLock;
use std::time::Duration;

/// Environment variable holding the user name for the store (HTTP Basic authentication).
pub const USER_VARIABLE: &str = "PONTE_STORE_USER";
/// Environment variable holding the password for the store.
pub const PASSWORD_VARIABLE: &str = "PONTE_STORE_PASSWORD";

/// Where a remote store answers: `sparql:QUERY_URL,UPDATE_URL[,GSP_URL]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The SPARQL query endpoint.
    pub query: String,
    /// The SPARQL update endpoint.
    pub update: String,
    /// The Graph Store Protocol endpoint, when the store has one: graphs are then read whole
    /// from it (`GET ?graph=`) rather than by a SELECT.
    pub graph_store: Option<String>,
    /// User and password, read from the environment, never from the command line.
    credentials: Option<(String, String)>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password stays out of logs.
        f.debug_struct("Endpoint")
            .field("query", &self.query)
            .field("update", &self.update)
            .field("graph_store", &self.graph_store)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl Endpoint {
    /// Reads `sparql:QUERY_URL,UPDATE_URL[,GSP_URL]`, and the credentials from
    /// [`USER_VARIABLE`] and [`PASSWORD_VARIABLE`] when set.
    pub fn parse(spec: &str) -> Result<Self, RemoteError> {
        let rest = spec.strip_prefix("sparql:").ok_or_else(|| {
            RemoteError::Config(format!(
                "a remote store is given as sparql:QUERY_URL,UPDATE_URL[,GSP_URL], not {spec:?}"
            ))
        })?;
        let urls: Vec<&str> = rest.split(',').map(str::trim).collect();
        if !(2..=3).contains(&urls.len()) {
            return Err(RemoteError::Config(format!(
                "sparql: takes two or three comma-separated URLs (query, update, graph store), got {}",
                urls.len()
            )));
        }
        for url in &urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(RemoteError::Config(format!(
                    "the store URL {url:?} is not an http:// or https:// URL"
                )));
            }
            if url.contains('@') {
                return Err(RemoteError::Config(format!(
                    "the store URL {url:?} carries credentials: set {USER_VARIABLE} and {PASSWORD_VARIABLE} instead"
                )));
            }
        }
        let credentials = match (
            std::env::var(USER_VARIABLE),
            std::env::var(PASSWORD_VARIABLE),
        ) {
            (Ok(user), Ok(password)) => Some((user, password)),
            (Err(_), Err(_)) => None,
            _ => {
                return Err(RemoteError::Config(format!(
                    "set both {USER_VARIABLE} and {PASSWORD_VARIABLE}, or neither"
                )));
            }
        };
        Ok(Self {
            query: urls[0].to_owned(),
            update: urls[1].to_owned(),
            graph_store: urls.get(2).map(|u| (*u).to_owned()),
            credentials,
        })
    }
}

/// The quirks of a store, found from its `Server` header on the first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The SPARQL 1.1 Protocol as written.
    Standard,
    /// OpenLink Virtuoso: keeps typed literals under a datatype of its own
    /// ([`virtuoso::VERBATIM_PREFIX`]), may answer ASK as a one-row table (see
    /// [`virtuoso::ask_answer`]), writes blank nodes in JSON results as `nodeID://…`
    /// ([`virtuoso::json_blank_nodes_fixed`]). Its `timeout` parameter is not used: it makes an
    /// "anytime" query, which answers in part when time is up, and a graph read in part would
    /// silently cut the copy.
    Virtuoso,
}

/// A store reached over the SPARQL 1.1 Protocol.
pub struct HttpBackend {
    endpoint: Endpoint,
    agent: ureq::Agent,
    dialect: OnceLock<Dialect>,
}

impl HttpBackend {
    /// A client of `endpoint` whose every call ends within `timeout`, enforced here: a call
    /// cut there is an error, never a partial answer.
    pub fn new(endpoint: Endpoint, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            endpoint,
            agent,
            dialect: OnceLock::new(),
        }
    }

    /// The store's dialect, once it has answered.
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect.get().copied()
    }

    /// Posts a form (the protocol's `application/x-www-form-urlencoded` binding, which every
    /// store takes; Virtuoso 7.2 never answers a direct `application/sparql-query` POST) and
    /// answers the body of a success.
    fn post_form(
        &self,
        url: &str,
        field: &str,
        text: &str,
        accept: &str,
    ) -> Result<(String, Vec<u8>), RemoteError> {
        let form = [(field, text)];
        let request = self
            .authorized(self.agent.post(url))
            .header("Accept", accept);
        let response = request.send_form(form).map_err(|e| unreachable(url, &e))?;
        self.read(url, response)
    }

    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.endpoint.credentials {
            Some((user, password)) => request.header(
                "Authorization",
                format!("Basic {}", basic_credentials(user, password)),
            ),
            None => request,
        }
    }

    /// Notes the dialect from the first answer; answers the media type and body of a success.
    fn read(
        &self,
        url: &str,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<(String, Vec<u8>), RemoteError> {
        let status = response.status().as_u16();
        // Only the store itself says what it is: a proxy's error page says nothing.
        if (200..300).contains(&status) {
            let server = header(&response, "server");
            self.dialect.get_or_init(|| {
                if server.contains("Virtuoso") {
                    Dialect::Virtuoso
                } else {
                    Dialect::Standard
                }
            });
        }
        let media_type = header(&response, "content-type");
        let body = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| unreachable(url, &e))?;
        if !(200..300).contains(&status) {
            let text = String::from_utf8_lossy(&body);
            return Err(RemoteError::Status {
                url: url.to_owned(),
                status,
                body: text.chars().take(500).collect(),
            });
        }
        Ok((media_type, body))
    }

    fn query(&self, query: &Query) -> Result<SliceAnswer, RemoteError> {
        let url = &self.endpoint.query;
        let (media_type, body) = self.post_form(
            url,
            "query",
            &query.to_string(),
            "application/sparql-results+json, application/sparql-results+xml;q=0.9",
        )?;
        let format = if media_type.contains("xml") {
            QueryResultsFormat::Xml
        } else {
            QueryResultsFormat::Json
        };
        let body =
            if self.dialect() == Some(Dialect::Virtuoso) && format == QueryResultsFormat::Json {
                virtuoso::json_blank_nodes_fixed(body)
            } else {
                body
            };
        let bad = |message: String| RemoteError::BadAnswer {
            url: url.clone(),
            message,
        };
        match QueryResultsParser::from_format(format)
            .for_slice(&body)
            .map_err(|e| bad(e.to_string()))?
        {
            SliceQueryResultsParserOutput::Boolean(answer) => Ok(SliceAnswer::Boolean(answer)),
            SliceQueryResultsParserOutput::Solutions(solutions) => {
                let variables = solutions.variables().to_vec();
                let mut rows = Vec::new();
                let virtuoso = self.dialect() == Some(Dialect::Virtuoso);
                for solution in solutions {
                    let mut row = solution.map_err(|e| bad(e.to_string()))?.values().to_vec();
                    if virtuoso {
                        row = row
                            .into_iter()
                            .map(|value| value.map(virtuoso::decode_term))
                            .collect();
                    }
                    rows.push(row);
                }
                Ok(SliceAnswer::Solutions(Solutions { variables, rows }))
            }
        }
    }
}

/// A parsed answer of either kind.
enum SliceAnswer {
    Boolean(bool),
    Solutions(Solutions),
}

impl Backend for HttpBackend {
    fn describe(&self) -> String {
        format!(
            "SPARQL store at {} (updates at {})",
            self.endpoint.query, self.endpoint.update
        )
    }

    fn select(&self, query: &Query) -> Result<Solutions, RemoteError> {
        match self.query(query)? {
            SliceAnswer::Solutions(solutions) => Ok(solutions),
            SliceAnswer::Boolean(_) => Err(RemoteError::BadAnswer {
                url: self.endpoint.query.clone(),
                message: "a boolean answer to a SELECT query".into(),
            }),
        }
    }

    fn ask(&self, query: &Query) -> Result<bool, RemoteError> {
        match self.query(query)? {
            SliceAnswer::Boolean(answer) => Ok(answer),
            SliceAnswer::Solutions(solutions) => {
                virtuoso::ask_answer(&solutions).ok_or_else(|| RemoteError::BadAnswer {
                    url: self.endpoint.query.clone(),
                    message: "a table, not a boolean, answered an ASK query".into(),
                })
            }
        }
    }

    fn update(&self, update: &Update) -> Result<(), RemoteError> {
        if self.dialect().is_none() {
            // How literals are written depends on the store: ask it first.
            let empty = spargebra::algebra::GraphPattern::Bgp {
                patterns: Vec::new(),
            };
            self.ask(&crate::ops::ask(empty))?;
        }
        let encoded;
        let update = if self.dialect() == Some(Dialect::Virtuoso) {
            encoded = virtuoso::encode_update(update);
            &encoded
        } else {
            update
        };
        self.post_form(
            &self.endpoint.update,
            "update",
            &crate::ops::update_text(update),
            "*/*",
        )
        .map(|_| ())
    }

    fn graph(&self, graph: &NamedNode) -> Result<Vec<Triple>, RemoteError> {
        let Some(url) = &self.endpoint.graph_store else {
            return crate::graph_by_select(self, graph);
        };
        let request = self
            .authorized(self.agent.get(url))
            .query("graph", graph.as_str())
            .header("Accept", "application/n-triples");
        let response = request.call().map_err(|e| unreachable(url, &e))?;
        if response.status().as_u16() == 404 {
            return Ok(Vec::new());
        }
        let (media_type, body) = self.read(url, response)?;
        let format = RdfFormat::from_media_type(&media_type).unwrap_or(RdfFormat::NTriples);
        RdfParser::from_format(format)
            .for_slice(&body)
            .map(|quad| {
                quad.map(|quad| {
                    let mut triple = Triple::from(quad);
                    if self.dialect() == Some(Dialect::Virtuoso) {
                        triple.object = virtuoso::decode_term(triple.object);
                    }
                    triple
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| RemoteError::BadAnswer {
                url: url.clone(),
                message: e.to_string(),
            })
    }
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn unreachable(url: &str, error: &ureq::Error) -> RemoteError {
    RemoteError::Unreachable {
        url: url.to_owned(),
        message: error.to_string(),
    }
}

/// `user:password` in base64, for HTTP Basic authentication.
fn basic_credentials(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_rfc_4648_base64() {
        assert_eq!(
            basic_credentials("Aladdin", "open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_credentials("a", "b"), "YTpi");
        assert_eq!(basic_credentials("ab", "c"), "YWI6Yw==");
    }

    #[test]
    fn a_store_is_two_or_three_http_urls_without_credentials() {
        let endpoint = Endpoint::parse("sparql:http://h/q,http://h/u").unwrap();
        assert_eq!(endpoint.query, "http://h/q");
        assert_eq!(endpoint.update, "http://h/u");
        assert_eq!(endpoint.graph_store, None);
        let endpoint = Endpoint::parse("sparql:http://h/q, http://h/u ,https://h/g").unwrap();
        assert_eq!(endpoint.graph_store.as_deref(), Some("https://h/g"));
        for bad in [
            "http://h/q,http://h/u",
            "sparql:http://h/q",
            "sparql:http://h/q,ftp://h/u",
            "sparql:http://me:pw@h/q,http://h/u",
            "sparql:a,b,c,d",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(RemoteError::Config(_))),
                "{bad} was taken"
            );
        }
    }
}
