//! Full-text search from SPARQL: `SERVICE <https://w3id.org/ponte/search>` answers from the
//! search index the REST API uses, so analysts get the same ranked, accent- and stem-aware
//! matches inside a query instead of a `FILTER(CONTAINS(...))` scan.
//!
//! ```sparql
//! PREFIX ponte: <https://w3id.org/ponte/ontology#>
//! SELECT ?entity ?score WHERE {
//!   SERVICE <https://w3id.org/ponte/search> {
//!     ?entity ponte:searchQuery "ospedale" ; ponte:searchScore ?score ; ponte:searchLimit 10
//!   }
//! }
//! ```

use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term};
use oxigraph::sparql::{
    QueryEvaluationError, QuerySolution, QuerySolutionIter, ServiceHandler, SparqlEvaluator,
    Variable,
};
use oxiri::Iri;
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern};
use std::sync::Arc;

/// The service name that reaches the search index.
pub const SEARCH_SERVICE: &str = "https://w3id.org/ponte/search";

const QUERY: &str = "https://w3id.org/ponte/ontology#searchQuery";
const SCORE: &str = "https://w3id.org/ponte/ontology#searchScore";
const LIMIT: &str = "https://w3id.org/ponte/ontology#searchLimit";

/// Hits considered when the pattern gives no `ponte:searchLimit`.
const DEFAULT_LIMIT: usize = 100;
/// The most hits one `SERVICE` call returns.
pub const MAX_LIMIT: usize = 10_000;

/// Runs a text search (`query`, at most `limit` hits) and returns the entities' IRIs with their
/// scores, best first; an `Err` is a message for the client (a query the index refuses).
pub type TextSearch = Arc<dyn Fn(&str, usize) -> Result<Vec<(String, f32)>, String> + Send + Sync>;

/// A `SERVICE` pattern the search service cannot answer: the client's mistake.
#[derive(Debug, thiserror::Error)]
#[error("SERVICE <{SEARCH_SERVICE}>: {0}")]
pub struct SearchPatternError(String);

pub(crate) fn register(evaluator: SparqlEvaluator, search: &TextSearch) -> SparqlEvaluator {
    evaluator.with_service_handler(
        NamedNode::new_unchecked(SEARCH_SERVICE),
        SearchService(Arc::clone(search)),
    )
}

struct SearchService(TextSearch);

/// What the service pattern asks: the text, the variables to bind, how many hits.
#[derive(Debug, PartialEq)]
struct Request {
    text: String,
    entity: Variable,
    score: Option<Variable>,
    limit: usize,
}

impl ServiceHandler for SearchService {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        _base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let bad =
            |message: String| QueryEvaluationError::Service(Box::new(SearchPatternError(message)));
        let request = Request::read(pattern).map_err(bad)?;
        let hits = (self.0)(&request.text, request.limit).map_err(bad)?;
        let mut variables = vec![request.entity];
        variables.extend(request.score);
        let variables: Arc<[Variable]> = variables.into();
        let solutions: Vec<_> = hits
            .into_iter()
            .map(|(iri, score)| {
                let mut values = vec![Some(Term::NamedNode(NamedNode::new_unchecked(iri)))];
                if variables.len() == 2 {
                    let score = f64::from(score).to_string();
                    values.push(Some(Literal::new_typed_literal(score, xsd::DOUBLE).into()));
                }
                Ok(QuerySolution::from((Arc::clone(&variables), values)))
            })
            .collect();
        Ok(QuerySolutionIter::new(variables, solutions))
    }
}

impl Request {
    /// Reads a basic graph pattern about one variable: `ponte:searchQuery` with a literal
    /// (required), `ponte:searchScore` with a variable and `ponte:searchLimit` with a number.
    fn read(pattern: &GraphPattern) -> Result<Self, String> {
        let GraphPattern::Bgp { patterns } = pattern else {
            return Err("the pattern must be triples about one variable: ?entity ponte:searchQuery \"words\" (ponte:searchScore ?score, ponte:searchLimit n optional)".into());
        };
        let mut entity: Option<Variable> = None;
        let mut text = None;
        let mut score = None;
        let mut limit = DEFAULT_LIMIT;
        for triple in patterns {
            let TermPattern::Variable(subject) = &triple.subject else {
                return Err(format!(
                    "the subject of {triple} must be a variable, bound to the entities found"
                ));
            };
            if entity.as_ref().is_some_and(|e| e != subject) {
                return Err(format!(
                    "every triple must have the same subject, ?{}",
                    entity.as_ref().map_or("", |e| e.as_str())
                ));
            }
            entity = Some(subject.clone());
            let NamedNodePattern::NamedNode(predicate) = &triple.predicate else {
                return Err(format!(
                    "the predicate of {triple} must be ponte:searchQuery, ponte:searchScore or ponte:searchLimit"
                ));
            };
            match (predicate.as_str(), &triple.object) {
                (QUERY, TermPattern::Literal(literal)) => text = Some(literal.value().to_owned()),
                (QUERY, _) => {
                    return Err("ponte:searchQuery takes the words to look for as a literal".into());
                }
                (SCORE, TermPattern::Variable(variable)) if variable != subject => {
                    score = Some(variable.clone())
                }
                (SCORE, _) => {
                    return Err(
                        "ponte:searchScore takes a variable, bound to each hit's score".into(),
                    );
                }
                (LIMIT, TermPattern::Literal(literal)) => {
                    limit = literal
                        .value()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| format!("ponte:searchLimit is a whole number from 1 to {MAX_LIMIT}, not {literal}"))?;
                }
                (LIMIT, _) => return Err("ponte:searchLimit takes a number".into()),
                (other, _) => {
                    return Err(format!(
                        "<{other}> is none of ponte:searchQuery, ponte:searchScore, ponte:searchLimit"
                    ));
                }
            }
        }
        match (entity, text) {
            (Some(entity), Some(text)) => Ok(Self {
                text,
                entity,
                score,
                limit,
            }),
            _ => Err("the pattern needs ?entity ponte:searchQuery \"words\"".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_pattern(body: &str) -> GraphPattern {
        crate::sparql::service_test::service_pattern(SEARCH_SERVICE, body)
    }

    #[test]
    fn reads_the_text_the_variables_and_the_limit() {
        let request = Request::read(&service_pattern(
            r#"?e ponte:searchQuery "ospedale \" } ; DROP ALL" ; ponte:searchScore ?s ; ponte:searchLimit 5"#,
        ))
        .unwrap();
        assert_eq!(
            request,
            Request {
                text: r#"ospedale " } ; DROP ALL"#.into(),
                entity: Variable::new_unchecked("e"),
                score: Some(Variable::new_unchecked("s")),
                limit: 5,
            }
        );
    }

    #[test]
    fn names_what_is_wrong_with_a_pattern() {
        for (body, expected) in [
            ("?e ponte:searchScore ?s", "needs ?entity ponte:searchQuery"),
            ("?e ponte:searchQuery ?q", "as a literal"),
            (
                r#"?e ponte:searchQuery "x" ; ponte:searchLimit 0"#,
                "from 1 to",
            ),
            (
                r#"?e ponte:searchQuery "x" . ?f ponte:searchScore ?s"#,
                "same subject",
            ),
            (r#"?e ponte:searchQuery "x" ; ponte:other 1"#, "is none of"),
            (r#"<urn:x> ponte:searchQuery "x""#, "must be a variable"),
        ] {
            let error = Request::read(&service_pattern(body)).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
    }
}
