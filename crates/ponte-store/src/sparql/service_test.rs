//! What the local services' tests share: the pattern a query hands a `SERVICE`.

use spargebra::SparqlParser;
use spargebra::algebra::GraphPattern;

/// The pattern inside `SERVICE <service> { body }` (with the `ponte:` prefix), as the
/// evaluator hands it to the service's handler.
pub(crate) fn service_pattern(service: &str, body: &str) -> GraphPattern {
    let query = SparqlParser::new()
        .parse_query(&format!(
            "PREFIX ponte: <https://w3id.org/ponte/ontology#> SELECT * {{ SERVICE <{service}> {{ {body} }} }}"
        ))
        .unwrap();
    let spargebra::Query::Select { pattern, .. } = query else {
        unreachable!()
    };
    let GraphPattern::Project { inner, .. } = pattern else {
        panic!("{pattern:?}")
    };
    let GraphPattern::Service { inner, .. } = *inner else {
        panic!("{inner:?}")
    };
    *inner
}
