//! Keeps cross joins cancellable. oxigraph checks its cancellation token on every quad it
//! reads, but evaluates a cross join by materialising one side and combining it with each row of
//! the other without reading the store: a cross join of a few large patterns then runs (and
//! allocates) for hours without ever seeing the token. Evaluated as a nested loop (SPARQL
//! `LATERAL`, which equals a join when the two sides share no variable), each row of the outer
//! side re-reads the inner side, so the token is checked all the time and nothing is
//! materialised. The cost stays proportional to the size of the answer, which for a cross join
//! is the product anyway.
//!
//! Patterns are connected by a shared variable or blank node, and also by a shared constant
//! subject (`<x> ?p ?o . <x> ?q ?r`): such a group is small, and oxigraph's own join planning
//! stays in charge of it.

use crate::StoreError;
use spargebra::Query;
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use std::collections::HashMap;

/// Most unrelated parts one basic graph pattern may have: a cross product of more is never an
/// analyst's question.
pub const MAX_PARTS: usize = 32;

/// Rewrites every basic graph pattern made of several unrelated parts into a nested loop over
/// those parts; refuses more than [`MAX_PARTS`] parts.
pub fn split_cross_joins(query: &mut Query) -> Result<(), StoreError> {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    rewrite(pattern)
}

/// [`split_cross_joins`] on one graph pattern (e.g. an update's WHERE clause).
pub fn rewrite(pattern: &mut GraphPattern) -> Result<(), StoreError> {
    match pattern {
        GraphPattern::Bgp { patterns } => {
            let mut parts = connected_components(std::mem::take(patterns)).into_iter();
            if parts.len() > MAX_PARTS {
                return Err(StoreError::BadRequest(format!(
                    "a group of the query has {} unrelated parts (patterns sharing no variable); at most {MAX_PARTS} are accepted",
                    parts.len()
                )));
            }
            let first = parts.next().unwrap_or_default();
            *pattern = parts.fold(GraphPattern::Bgp { patterns: first }, |left, next| {
                GraphPattern::Lateral {
                    left: Box::new(left),
                    right: Box::new(GraphPattern::Bgp { patterns: next }),
                }
            });
        }
        // A SERVICE body is sent to the remote endpoint as written.
        GraphPattern::Path { .. } | GraphPattern::Values { .. } | GraphPattern::Service { .. } => {}
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            rewrite(left)?;
            rewrite(right)?;
        }
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Group { inner, .. } => rewrite(inner)?,
    }
    Ok(())
}

/// Groups triple patterns that share a variable, a blank node or a constant subject (union-find),
/// keeping the order in which each group first appears.
fn connected_components(patterns: Vec<TriplePattern>) -> Vec<Vec<TriplePattern>> {
    let mut parent: Vec<usize> = (0..patterns.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (index, pattern) in patterns.iter().enumerate() {
        for key in keys(pattern) {
            match first_seen.get(&key) {
                Some(&other) => {
                    let (a, b) = (find(&mut parent, index), find(&mut parent, other));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_seen.insert(key, index);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<TriplePattern>)> = Vec::new();
    for (index, pattern) in patterns.into_iter().enumerate() {
        let root = find(&mut parent, index);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, members)) => members.push(pattern),
            None => groups.push((root, vec![pattern])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// What connects a pattern to others: its variables, blank nodes and constant subject.
fn keys(pattern: &TriplePattern) -> Vec<String> {
    let mut keys = Vec::new();
    let mut term = |term: &TermPattern, is_subject: bool| match term {
        TermPattern::Variable(v) => keys.push(format!("?{}", v.as_str())),
        TermPattern::BlankNode(b) => keys.push(format!("_:{}", b.as_str())),
        other if is_subject => keys.push(other.to_string()),
        _ => {}
    };
    term(&pattern.subject, true);
    term(&pattern.object, false);
    if let NamedNodePattern::Variable(v) = &pattern.predicate {
        keys.push(format!("?{}", v.as_str()));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use spargebra::SparqlParser;

    fn rewritten(query: &str) -> Result<String, StoreError> {
        let mut query = SparqlParser::new().parse_query(query).unwrap();
        split_cross_joins(&mut query)?;
        Ok(query.to_sse())
    }

    #[test]
    fn unrelated_patterns_become_a_nested_loop() {
        let sse = rewritten("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?c ?x ?y }").unwrap();
        assert_eq!(sse.matches("lateral").count(), 1, "{sse}");
        let sse =
            rewritten("SELECT * WHERE { ?a a <urn:C> . ?b a <urn:C> . ?c a <urn:C> }").unwrap();
        assert_eq!(sse.matches("lateral").count(), 2, "{sse}");
    }

    #[test]
    fn connected_patterns_are_left_to_the_optimizer() {
        for query in [
            "SELECT * WHERE { ?a ?b ?c . ?c ?e ?f . ?f ?x _:b . _:b ?y 1 }",
            "SELECT * WHERE { <urn:x> ?p ?o . <urn:x> ?q ?r . <urn:x> <urn:s> ?t }",
        ] {
            let sse = rewritten(query).unwrap();
            assert!(!sse.contains("lateral"), "{sse}");
        }
    }

    #[test]
    fn service_bodies_are_sent_as_written() {
        let sse =
            rewritten("SELECT * WHERE { SERVICE <http://example.com/s> { ?a ?b ?c . ?d ?e ?f } }")
                .unwrap();
        assert!(!sse.contains("lateral"), "{sse}");
    }

    #[test]
    fn too_many_unrelated_parts_are_refused() {
        let patterns: String = (0..=MAX_PARTS)
            .map(|i| format!("?a{i} ?b{i} ?c{i} . "))
            .collect();
        assert!(rewritten(&format!("SELECT * WHERE {{ {patterns} }}")).is_err());
    }
}
