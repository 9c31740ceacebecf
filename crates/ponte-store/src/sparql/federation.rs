//! Federated queries: `SERVICE` calls go only to the endpoints an operator allowed, through a
//! transport the caller provides (the store crate does no networking of its own).

use crate::StoreError;
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{QueryEvaluationError, QuerySolutionIter, ServiceHandler, SparqlEvaluator};
use oxiri::Iri;
use spargebra::algebra::GraphPattern;
use std::io::Cursor;
use std::sync::Arc;

/// Sends a SPARQL query (`endpoint`, `query`) and returns the response's media type and body.
pub type Fetch = Arc<dyn Fn(&str, &str) -> Result<(String, Vec<u8>), String> + Send + Sync>;

/// The remote SPARQL endpoints `SERVICE` may call, and how to call them.
#[derive(Clone)]
pub struct Federation {
    allowed: Vec<NamedNode>,
    fetch: Fetch,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

impl Federation {
    /// Allows exactly the endpoint IRIs in `allowed`, called through `fetch`.
    pub fn new(allowed: &[String], fetch: Fetch) -> Result<Self, StoreError> {
        let allowed = allowed
            .iter()
            .map(|iri| {
                NamedNode::new(iri).map_err(|e| {
                    StoreError::BadRequest(format!("invalid federation endpoint <{iri}>: {e}"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { allowed, fetch })
    }

    /// Registers one handler per allowed endpoint; any other service name stays unsupported,
    /// whether written in the query or bound to a variable at run time.
    pub(crate) fn register(&self, mut evaluator: SparqlEvaluator) -> SparqlEvaluator {
        for endpoint in &self.allowed {
            evaluator = evaluator.with_service_handler(
                endpoint.clone(),
                AllowedService {
                    endpoint: endpoint.clone(),
                    fetch: Arc::clone(&self.fetch),
                },
            );
        }
        evaluator
    }
}

struct AllowedService {
    endpoint: NamedNode,
    fetch: Fetch,
}

impl ServiceHandler for AllowedService {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let service_error = |message: String| QueryEvaluationError::Service(message.into());
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        }
        .to_string();
        let (media_type, body) = (self.fetch)(self.endpoint.as_str(), &query)
            .map_err(|e| service_error(format!("SERVICE {}: {e}", self.endpoint)))?;
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        let format = QueryResultsFormat::from_media_type(essence).ok_or_else(|| {
            service_error(format!(
                "SERVICE {} answered {media_type}, not SPARQL results",
                self.endpoint
            ))
        })?;
        match QueryResultsParser::from_format(format)
            .for_reader(Cursor::new(body))
            .map_err(|e| service_error(format!("SERVICE {}: {e}", self.endpoint)))?
        {
            ReaderQueryResultsParserOutput::Solutions(solutions) => Ok(QuerySolutionIter::new(
                solutions.variables().into(),
                solutions.map(|solution| {
                    solution.map_err(|e| QueryEvaluationError::Service(Box::new(e)))
                }),
            )),
            ReaderQueryResultsParserOutput::Boolean(_) => Err(service_error(format!(
                "SERVICE {} answered a boolean to a SELECT",
                self.endpoint
            ))),
        }
    }
}
