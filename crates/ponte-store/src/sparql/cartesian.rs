//! Keeps cross joins cancellable. oxigraph checks its cancellation token on every quad it
//! reads, but evaluates a cross join by materialising one side and combining it with each row of
//! the other without reading the store: a cross join of a few large patterns then runs (and
//! allocates) for hours without ever seeing the token. Evaluated as a nested loop (SPARQL
//! `LATERAL`, which equals a join when the two sides share no variable), each row of the outer
//! side re-reads the inner side, so the token is checked all the time and nothing is
//! materialised. The cost stays proportional to the size of the answer, which for a cross join
//! is the product anyway.
//!
//! Only parts with no constant subject or object ("unanchored", like `?s ?p ?o`) can be large
//! enough to matter; anchored parts (`<x> ?p ?o`, `?s a :Startup`) stay in one pattern with the
//! first unanchored part, so ordinary queries keep oxigraph's own join planning.

use spargebra::Query;
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};

/// Rewrites every basic graph pattern with several disconnected unanchored parts (no variable
/// or blank node in common) into a nested loop over those parts.
pub fn split_cross_joins(query: &mut Query) {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    split_cross_joins_in(pattern);
}

/// [`split_cross_joins`] on one graph pattern (e.g. an update's WHERE clause).
pub fn split_cross_joins_in(pattern: &mut GraphPattern) {
    rewrite(pattern);
}

fn rewrite(pattern: &mut GraphPattern) {
    match pattern {
        GraphPattern::Bgp { patterns } => {
            let (anchored, mut unanchored): (Vec<_>, Vec<_>) =
                connected_components(std::mem::take(patterns))
                    .into_iter()
                    .partition(|component| component.iter().any(is_anchored));
            let mut first: Vec<TriplePattern> = anchored.into_iter().flatten().collect();
            if !unanchored.is_empty() {
                first.extend(unanchored.remove(0));
            }
            *pattern =
                unanchored
                    .into_iter()
                    .fold(GraphPattern::Bgp { patterns: first }, |left, next| {
                        GraphPattern::Lateral {
                            left: Box::new(left),
                            right: Box::new(GraphPattern::Bgp { patterns: next }),
                        }
                    });
        }
        GraphPattern::Path { .. } | GraphPattern::Values { .. } => {}
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            rewrite(left);
            rewrite(right);
        }
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Group { inner, .. }
        | GraphPattern::Service { inner, .. } => rewrite(inner),
    }
}

/// Groups triple patterns that share a variable or blank node, keeping their order.
fn connected_components(patterns: Vec<TriplePattern>) -> Vec<Vec<TriplePattern>> {
    let mut components: Vec<(Vec<String>, Vec<TriplePattern>)> = Vec::new();
    for pattern in patterns {
        let names = names(&pattern);
        let (mut touching, rest): (Vec<_>, Vec<_>) = components
            .into_iter()
            .partition(|(seen, _)| seen.iter().any(|n| names.contains(n)));
        components = rest;
        let mut merged = (names, Vec::new());
        for (seen, members) in touching.drain(..) {
            merged.0.extend(seen);
            merged.1.extend(members);
        }
        merged.1.push(pattern);
        components.push(merged);
    }
    // Order components by where their first pattern appeared, as the user wrote them.
    components.into_iter().map(|(_, members)| members).collect()
}

/// Whether the pattern has a constant subject or object, which bounds what it matches.
fn is_anchored(pattern: &TriplePattern) -> bool {
    let constant =
        |term: &TermPattern| !matches!(term, TermPattern::Variable(_) | TermPattern::BlankNode(_));
    constant(&pattern.subject) || constant(&pattern.object)
}

/// The variables and blank nodes of a triple pattern, the only things that connect patterns.
fn names(pattern: &TriplePattern) -> Vec<String> {
    let mut names = Vec::new();
    let mut term = |term: &TermPattern| match term {
        TermPattern::Variable(v) => names.push(format!("?{}", v.as_str())),
        TermPattern::BlankNode(b) => names.push(format!("_:{}", b.as_str())),
        _ => {}
    };
    term(&pattern.subject);
    term(&pattern.object);
    if let NamedNodePattern::Variable(v) = &pattern.predicate {
        names.push(format!("?{}", v.as_str()));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use spargebra::SparqlParser;

    fn rewritten(query: &str) -> String {
        let mut query = SparqlParser::new().parse_query(query).unwrap();
        split_cross_joins(&mut query);
        query.to_sse()
    }

    #[test]
    fn disconnected_patterns_become_a_nested_loop() {
        let sse = rewritten("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?c ?x ?y }");
        assert!(sse.contains("lateral"), "{sse}");
    }

    #[test]
    fn anchored_parts_are_left_to_the_optimizer() {
        let sse =
            rewritten("SELECT * WHERE { <urn:x> ?p ?o . <urn:x> ?q ?r . ?s a <urn:T> . ?a ?b ?c }");
        assert!(!sse.contains("lateral"), "{sse}");
        let sse = rewritten("SELECT * WHERE { <urn:x> ?p ?o . ?a ?b ?c . ?d ?e ?f }");
        assert_eq!(sse.matches("lateral").count(), 1, "{sse}");
    }

    #[test]
    fn connected_patterns_are_left_alone() {
        let sse = rewritten("SELECT * WHERE { ?a ?b ?c . ?c ?e ?f . ?f ?x _:b . _:b ?y 1 }");
        assert!(!sse.contains("lateral"), "{sse}");
    }
}
