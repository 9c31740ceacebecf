//! Partner suggestions from SPARQL: `SERVICE <https://w3id.org/ponte/match>` answers what
//! `/api/match` answers (the same operation is behind both), one solution per suggested
//! partner, so an analyst can join suggestions with any other pattern.
//!
//! ```sparql
//! PREFIX ponte: <https://w3id.org/ponte/ontology#>
//! SELECT ?partner ?score ?rank WHERE {
//!   SERVICE <https://w3id.org/ponte/match> {
//!     ?partner ponte:matchSeed <https://w3id.org/ponte/id/holostem> ;
//!              ponte:searchScore ?score ; ponte:matchRank ?rank ; ponte:searchLimit 20
//!   }
//!   ?partner ponte:participatedIn ?mission .
//! }
//! ```
//!
//! The seed is an actor (`ponte:matchSeed`, an IRI) or a profile (`ponte:matchTopic`, one or
//! more topic IRIs). `ponte:matchCountry "US"` keeps partners of a country or region (as
//! `country=`/`region=` do), `ponte:searchLimit` says how many (default 10). Bound per
//! partner: `ponte:searchScore`, `ponte:matchRank` (1 for the best), `ponte:alreadyConnected`,
//! `ponte:scoreParts` and `ponte:evidence` (JSON, as in the REST answer). Terms are read from
//! the parsed pattern, never pasted into a query.

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

/// The service name that reaches the matchmaking.
pub const MATCH_SERVICE: &str = "https://w3id.org/ponte/match";

const PONTE: &str = "https://w3id.org/ponte/ontology#";
/// Suggestions when the pattern gives no `ponte:searchLimit`.
const DEFAULT_LIMIT: usize = 10;
/// The most suggestions one call returns.
pub const MAX_LIMIT: usize = 1_000;
/// `rdf:JSON`, the datatype of the parts and the evidence.
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";

/// What a `SERVICE` pattern asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchCall {
    /// The actor to suggest partners for; `None` for a profile.
    pub seed: Option<String>,
    /// A profile's topics (when there is no seed).
    pub topics: Vec<String>,
    /// Country or region codes the partners must be in.
    pub places: Vec<String>,
    /// How many partners.
    pub limit: usize,
}

/// One suggested partner, as the REST answer has it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    /// The partner's IRI.
    pub partner: String,
    /// Its score.
    pub score: f64,
    /// Whether it is linked to the seed already.
    pub connected: bool,
    /// The score's parts, as a JSON object.
    pub parts: String,
    /// The evidence paths, as a JSON array.
    pub evidence: String,
}

/// Why a call failed: the pattern names something wrong (the client's mistake), or the
/// operation failed (ours).
#[derive(Debug, Clone, PartialEq)]
pub enum MatchFailure {
    /// A message for the client.
    Request(String),
    /// A failure to log; the client learns only that it happened.
    Internal(String),
}

/// Runs the suggestion behind a call.
pub type MatchService =
    Arc<dyn Fn(&MatchCall) -> Result<Vec<MatchRow>, MatchFailure> + Send + Sync>;

/// A `SERVICE` pattern the match service cannot answer: the client's mistake.
#[derive(Debug, thiserror::Error)]
#[error("SERVICE <{MATCH_SERVICE}>: {0}")]
pub struct MatchPatternError(String);

/// The match service failed (not the client's mistake).
#[derive(Debug, thiserror::Error)]
#[error("SERVICE <{MATCH_SERVICE}> failed: {0}")]
pub struct MatchServiceError(String);

pub(crate) fn register(evaluator: SparqlEvaluator, service: &MatchService) -> SparqlEvaluator {
    evaluator.with_service_handler(
        NamedNode::new_unchecked(MATCH_SERVICE),
        Handler(Arc::clone(service)),
    )
}

struct Handler(MatchService);

/// The variables a pattern binds, in the order of [`BINDABLE`].
#[derive(Debug, Default, PartialEq)]
struct Bindings {
    partner: Option<Variable>,
    score: Option<Variable>,
    rank: Option<Variable>,
    connected: Option<Variable>,
    parts: Option<Variable>,
    evidence: Option<Variable>,
}

/// The predicates that bind a variable.
const BINDABLE: [&str; 5] = [
    "searchScore",
    "matchRank",
    "alreadyConnected",
    "scoreParts",
    "evidence",
];

impl ServiceHandler for Handler {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        _base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let bad =
            |message: String| QueryEvaluationError::Service(Box::new(MatchPatternError(message)));
        let (call, bindings) = read(pattern).map_err(bad)?;
        let rows = (self.0)(&call).map_err(|failure| match failure {
            MatchFailure::Request(message) => bad(message),
            MatchFailure::Internal(message) => {
                QueryEvaluationError::Service(Box::new(MatchServiceError(message)))
            }
        })?;
        let partner = bindings.partner.clone().expect("read checks the subject");
        let mut variables = vec![partner];
        let slots = [
            &bindings.score,
            &bindings.rank,
            &bindings.connected,
            &bindings.parts,
            &bindings.evidence,
        ];
        variables.extend(slots.iter().filter_map(|v| (*v).clone()));
        let variables: Arc<[Variable]> = variables.into();
        let json = NamedNode::new_unchecked(RDF_JSON);
        let solutions: Vec<_> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let mut values = vec![Some(Term::NamedNode(NamedNode::new_unchecked(row.partner)))];
                let all: [Term; 5] = [
                    Literal::new_typed_literal(row.score.to_string(), xsd::DOUBLE).into(),
                    Literal::new_typed_literal((i + 1).to_string(), xsd::INTEGER).into(),
                    Literal::from(row.connected).into(),
                    Literal::new_typed_literal(row.parts, json.clone()).into(),
                    Literal::new_typed_literal(row.evidence, json.clone()).into(),
                ];
                for (slot, value) in slots.iter().zip(all) {
                    if slot.is_some() {
                        values.push(Some(value));
                    }
                }
                Ok(QuerySolution::from((Arc::clone(&variables), values)))
            })
            .collect();
        Ok(QuerySolutionIter::new(variables, solutions))
    }
}

/// Reads a basic graph pattern about one variable (the partner): the seed or topics, the
/// places and the limit as terms, and the variables to bind.
fn read(pattern: &GraphPattern) -> Result<(MatchCall, Bindings), String> {
    let usage = "the pattern must be triples about one variable: ?partner ponte:matchSeed <actor> \
                 (or ponte:matchTopic <topic>, repeatable), with ponte:searchScore ?score, \
                 ponte:matchRank ?rank, ponte:alreadyConnected ?c, ponte:scoreParts ?parts, \
                 ponte:evidence ?why, ponte:matchCountry \"US\" and ponte:searchLimit n optional";
    let GraphPattern::Bgp { patterns } = pattern else {
        return Err(usage.into());
    };
    let mut call = MatchCall {
        limit: DEFAULT_LIMIT,
        ..MatchCall::default()
    };
    let mut bindings = Bindings::default();
    for triple in patterns {
        let TermPattern::Variable(subject) = &triple.subject else {
            return Err(format!(
                "the subject of {triple} must be a variable, bound to the partners suggested"
            ));
        };
        if bindings.partner.as_ref().is_some_and(|p| p != subject) {
            return Err(format!(
                "every triple must have the same subject, ?{}",
                bindings.partner.as_ref().map_or("", |p| p.as_str())
            ));
        }
        bindings.partner = Some(subject.clone());
        let NamedNodePattern::NamedNode(predicate) = &triple.predicate else {
            return Err(format!("the predicate of {triple} must be named: {usage}"));
        };
        let Some(name) = predicate.as_str().strip_prefix(PONTE) else {
            return Err(format!(
                "<{predicate}> is no term of the match service: {usage}"
            ));
        };
        match (name, &triple.object) {
            ("matchSeed", TermPattern::NamedNode(seed)) => {
                if call.seed.replace(seed.as_str().to_owned()).is_some() {
                    return Err("ponte:matchSeed is given twice: one seed per call".into());
                }
            }
            ("matchSeed", _) => return Err("ponte:matchSeed takes an actor's IRI".into()),
            ("matchTopic", TermPattern::NamedNode(topic)) => {
                call.topics.push(topic.as_str().to_owned());
            }
            ("matchTopic", _) => return Err("ponte:matchTopic takes a topic's IRI".into()),
            ("matchCountry", TermPattern::Literal(code)) => call.places.push(code.value().into()),
            ("matchCountry", _) => {
                return Err(
                    "ponte:matchCountry takes a country or region code (\"US\", \"US-MA\")".into(),
                );
            }
            ("searchLimit", TermPattern::Literal(limit)) => {
                call.limit = limit
                    .value()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "ponte:searchLimit is a whole number from 1 to {MAX_LIMIT}, not {limit}"
                        )
                    })?;
            }
            ("searchLimit", _) => return Err("ponte:searchLimit takes a number".into()),
            (name, object) if BINDABLE.contains(&name) => {
                let TermPattern::Variable(variable) = object else {
                    return Err(format!(
                        "ponte:{name} takes a variable, bound for each partner"
                    ));
                };
                if variable == subject {
                    return Err(format!(
                        "ponte:{name} needs a variable other than the partner's"
                    ));
                }
                let slot = match name {
                    "searchScore" => &mut bindings.score,
                    "matchRank" => &mut bindings.rank,
                    "alreadyConnected" => &mut bindings.connected,
                    "scoreParts" => &mut bindings.parts,
                    _ => &mut bindings.evidence,
                };
                *slot = Some(variable.clone());
            }
            (name, _) => {
                return Err(format!(
                    "ponte:{name} is no term of the match service: {usage}"
                ));
            }
        }
    }
    if bindings.partner.is_none() {
        return Err(usage.into());
    }
    match (&call.seed, call.topics.is_empty()) {
        (None, true) => Err(format!("the pattern needs a seed: {usage}")),
        (Some(_), false) => Err(
            "ponte:matchSeed and ponte:matchTopic do not go together: an actor or a profile".into(),
        ),
        _ => Ok((call, bindings)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_pattern(body: &str) -> GraphPattern {
        crate::sparql::service_test::service_pattern(MATCH_SERVICE, body)
    }

    #[test]
    fn reads_the_seed_the_places_the_limit_and_the_variables() {
        let (call, bindings) = read(&service_pattern(
            r#"?p ponte:matchSeed <urn:holostem> ; ponte:matchCountry "US" ;
               ponte:searchLimit 5 ; ponte:searchScore ?s ; ponte:evidence ?why"#,
        ))
        .unwrap();
        assert_eq!(
            call,
            MatchCall {
                seed: Some("urn:holostem".into()),
                topics: vec![],
                places: vec!["US".into()],
                limit: 5,
            }
        );
        assert_eq!(bindings.score, Some(Variable::new_unchecked("s")));
        assert_eq!(bindings.evidence, Some(Variable::new_unchecked("why")));
        assert_eq!(bindings.rank, None);
    }

    #[test]
    fn names_what_is_wrong_with_a_pattern() {
        for (body, expected) in [
            ("?p ponte:searchScore ?s", "needs a seed"),
            ("?p ponte:matchSeed \"holostem\"", "takes an actor's IRI"),
            (
                "?p ponte:matchSeed <urn:a> ; ponte:matchTopic <urn:t>",
                "do not go together",
            ),
            (
                "?p ponte:matchSeed <urn:a> ; ponte:searchLimit 0",
                "from 1 to",
            ),
            (
                "?p ponte:matchSeed <urn:a> . ?q ponte:searchScore ?s",
                "same subject",
            ),
            ("?p ponte:matchSeed <urn:a> ; ponte:other 1", "no term"),
            (
                "?p ponte:matchSeed <urn:a> ; ponte:searchScore 1",
                "takes a variable",
            ),
            ("<urn:x> ponte:matchSeed <urn:a>", "must be a variable"),
        ] {
            let error = read(&service_pattern(body)).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
    }
}
