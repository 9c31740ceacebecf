//! Link prediction, to measure suggestion quality on real links: hide a share of the
//! partnerships, rebuild the projection without them, ask for partners of one end of each
//! hidden link, and see where the other end ranks; beside three baselines in the same run.

use crate::input::GraphInput;
use crate::matcher::{Parts, Seed, Weights, rank};
use crate::projection::{NodeId, NodeKind, Projection};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

/// How far down a ranking is read for the reciprocal rank.
const DEPTH: usize = 1_000;

/// hits@10 and MRR of one method.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Share of hidden partners ranked in the first ten.
    pub hits_at_10: f64,
    /// Mean reciprocal rank of the hidden partner (0 when not ranked).
    pub mrr: f64,
}

/// What an evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Partnerships in the data.
    pub partnerships: usize,
    /// Partnerships hidden and asked about.
    pub hidden: usize,
    /// Ponte's matcher.
    pub matcher: Scores,
    /// A random ordering of the actors.
    pub random: Scores,
    /// The most connected actors first.
    pub most_connected: Scores,
    /// Jaccard similarity of neighbourhoods.
    pub jaccard: Scores,
    /// Adamic-Adar alone (the matcher's candidates, ranked by that part only).
    pub adamic_adar: Scores,
    /// Personalized PageRank alone (over degree, the matcher's candidates).
    pub pagerank: Scores,
    /// Content similarity alone (BM25 between what the two say they do).
    pub content: Scores,
    /// The actors in the same place as the seed, most connected first.
    pub same_place: Scores,
}

/// Hides `share` of the partnerships (links between two actors whose predicate `is_partnership`
/// accepts; at most `max_queries`), with the random `seed`, and scores each method.
pub fn evaluate(
    input: &GraphInput,
    is_partnership: &dyn Fn(&str) -> bool,
    share: f64,
    max_queries: usize,
    seed: u64,
) -> Evaluation {
    evaluate_with(
        input,
        is_partnership,
        share,
        max_queries,
        seed,
        &Weights::default(),
    )
}

/// [`evaluate`] with other weights than the documented ones (to tune them).
pub fn evaluate_with(
    input: &GraphInput,
    is_partnership: &dyn Fn(&str) -> bool,
    share: f64,
    max_queries: usize,
    seed: u64,
    weights: &Weights,
) -> Evaluation {
    let actors: HashSet<&str> = input
        .nodes
        .iter()
        .filter(|(_, kind, _)| *kind == NodeKind::Actor)
        .map(|(iri, _, _)| iri.as_str())
        .collect();
    // Unordered pairs, each once, in a stable order.
    let mut pairs: Vec<(String, String)> = input
        .links
        .iter()
        .filter(|(s, p, o)| {
            is_partnership(p)
                && s != o
                && actors.contains(s.as_str())
                && actors.contains(o.as_str())
        })
        .map(|(s, _, o)| {
            if s < o {
                (s.clone(), o.clone())
            } else {
                (o.clone(), s.clone())
            }
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    let partnerships = pairs.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pairs.shuffle(&mut rng);
    let count = ((partnerships as f64 * share).round() as usize)
        .clamp(1, max_queries)
        .min(partnerships);
    pairs.truncate(count);
    let hidden: HashSet<(String, String)> = pairs.iter().cloned().collect();
    // Every link between a hidden pair goes, whatever its predicate.
    let projection = input.project_without(&|(s, _, o)| {
        let key = if s < o {
            (s.clone(), o.clone())
        } else {
            (o.clone(), s.clone())
        };
        hidden.contains(&key)
    });
    let actor_ids: Vec<NodeId> = projection
        .nodes()
        .filter(|n| projection.node(*n).kind == NodeKind::Actor)
        .collect();
    let mut by_degree = actor_ids.clone();
    by_degree.sort_by(|a, b| {
        projection
            .degree(*b)
            .cmp(&projection.degree(*a))
            .then(a.cmp(b))
    });
    let degree_rank: HashMap<NodeId, usize> =
        by_degree.iter().enumerate().map(|(i, n)| (*n, i)).collect();

    let (mut matcher, mut random, mut most_connected, mut jaccard) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut adamic_adar, mut pagerank, mut content, mut same_place) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let only = |part: fn(&mut Parts) -> &mut f64| {
        let mut parts = Parts::default();
        *part(&mut parts) = 1.0;
        Weights(parts)
    };
    let adamic_adar_only = only(|p| &mut p.adamic_adar);
    let pagerank_only = only(|p| &mut p.pagerank);
    let content_only = only(|p| &mut p.content);
    for (a, b) in &pairs {
        let (Some(a), Some(b)) = (projection.id(a), projection.id(b)) else {
            continue;
        };
        let neighbours: HashSet<NodeId> = projection.neighbours(a).collect();
        // Partners already linked are known: every method ranks the others.
        let eligible = |c: NodeId| c != a && !neighbours.contains(&c);
        let ranked_by = |weights: &Weights| {
            rank(
                &projection,
                &Seed::actor(&projection, a),
                weights,
                DEPTH,
                &eligible,
            )
        };
        let ranked = ranked_by(weights);
        matcher.push(ranked.iter().position(|s| s.node == b).map(|p| p + 1));
        for (ranks, weights) in [
            (&mut adamic_adar, &adamic_adar_only),
            (&mut pagerank, &pagerank_only),
            (&mut content, &content_only),
        ] {
            let ranked = ranked_by(weights);
            // Candidates the part scores 0 are not ranked by it.
            ranks.push(
                ranked
                    .iter()
                    .take_while(|s| s.score > 0.0)
                    .position(|s| s.node == b)
                    .map(|p| p + 1),
            );
        }
        same_place.push(same_place_rank(&projection, a, b, &eligible, &degree_rank));
        let eligible_count = actor_ids.iter().filter(|c| eligible(**c)).count();
        random.push(Some(rng.random_range(1..=eligible_count.max(1))));
        let ahead = by_degree[..degree_rank[&b]]
            .iter()
            .filter(|c| eligible(**c))
            .count();
        most_connected.push(Some(ahead + 1));
        jaccard.push(jaccard_rank(&projection, a, b, &eligible));
    }
    Evaluation {
        partnerships,
        hidden: matcher.len(),
        matcher: scores(&matcher),
        random: scores(&random),
        most_connected: scores(&most_connected),
        jaccard: scores(&jaccard),
        adamic_adar: scores(&adamic_adar),
        pagerank: scores(&pagerank),
        content: scores(&content),
        same_place: scores(&same_place),
    }
}

/// Where `b` ranks among the actors sharing a place with `a` (a city, a region: a place node
/// linked to both), most connected first.
fn same_place_rank(
    projection: &Projection,
    a: NodeId,
    b: NodeId,
    eligible: &dyn Fn(NodeId) -> bool,
    degree_rank: &HashMap<NodeId, usize>,
) -> Option<usize> {
    let mut candidates: HashSet<NodeId> = HashSet::new();
    for place in projection.neighbours(a) {
        if projection.node(place).kind != NodeKind::Place {
            continue;
        }
        candidates.extend(
            projection
                .neighbours(place)
                .filter(|c| eligible(*c) && projection.node(*c).kind == NodeKind::Actor),
        );
    }
    if !candidates.contains(&b) {
        return None;
    }
    let ahead = candidates
        .iter()
        .filter(|c| degree_rank[*c] < degree_rank[&b])
        .count();
    Some(ahead + 1)
}

/// Where `b` ranks among the actors two hops from `a`, by Jaccard similarity of neighbourhoods.
fn jaccard_rank(
    projection: &Projection,
    a: NodeId,
    b: NodeId,
    eligible: &dyn Fn(NodeId) -> bool,
) -> Option<usize> {
    let own: HashSet<NodeId> = projection.neighbours(a).collect();
    let mut candidates: HashSet<NodeId> = HashSet::new();
    for n in &own {
        for c in projection.neighbours(*n) {
            if eligible(c) && projection.node(c).kind == NodeKind::Actor {
                candidates.insert(c);
            }
        }
    }
    let similarity = |c: NodeId| {
        let theirs = projection.neighbours(c);
        let degree = theirs.len();
        let shared = theirs.filter(|n| own.contains(n)).count();
        shared as f64 / (own.len() + degree - shared).max(1) as f64
    };
    if !candidates.contains(&b) {
        return None;
    }
    let target = similarity(b);
    let ahead = candidates
        .iter()
        .filter(|c| {
            let s = similarity(**c);
            s > target || (s == target && **c < b)
        })
        .count();
    Some(ahead + 1)
}

fn scores(ranks: &[Option<usize>]) -> Scores {
    if ranks.is_empty() {
        return Scores::default();
    }
    let n = ranks.len() as f64;
    Scores {
        hits_at_10: ranks.iter().filter(|r| r.is_some_and(|r| r <= 10)).count() as f64 / n,
        mrr: ranks
            .iter()
            .map(|r| r.map_or(0.0, |r| 1.0 / r as f64))
            .sum::<f64>()
            / n,
    }
}

/// What fitting the weights found: the weights, and both sets of weights measured on
/// partnerships hidden with another seed than the one they were fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The documented weights.
    pub defaults: Weights,
    /// The weights fitted on the training partnerships.
    pub fitted: Weights,
    /// The defaults on the held-out partnerships.
    pub default_scores: Scores,
    /// The fitted weights on the held-out partnerships.
    pub fitted_scores: Scores,
    /// Evaluations run while fitting.
    pub rounds: usize,
}

/// Fits the weights by coordinate ascent on hits@10 (then MRR) over the partnerships hidden
/// with `seed + 1`: each part in turn is tried at 0, half and double its weight, the best kept,
/// for two passes. Both weight sets are then measured on the partnerships hidden with `seed`,
/// which the fit never saw (a pair hidden by both seeds can occur: the split is random).
pub fn fit(
    input: &GraphInput,
    is_partnership: &dyn Fn(&str) -> bool,
    share: f64,
    max_queries: usize,
    seed: u64,
) -> Fit {
    let train_seed = seed.wrapping_add(1);
    let objective = |weights: &Weights| {
        let result = evaluate_with(
            input,
            is_partnership,
            share,
            max_queries,
            train_seed,
            weights,
        );
        (result.matcher.hits_at_10, result.matcher.mrr)
    };
    let defaults = Weights::default();
    let mut best = defaults;
    let mut best_score = objective(&best);
    let mut rounds = 1;
    for _pass in 0..2 {
        for part in 0..PART_COUNT {
            for factor in [0.0, 0.5, 2.0] {
                let mut values = best.values();
                let tried = if values[part] == 0.0 && factor > 1.0 {
                    0.05
                } else {
                    values[part] * factor
                };
                if tried == values[part] {
                    continue;
                }
                values[part] = tried;
                let candidate = Weights(Parts::from_values(values));
                let score = objective(&candidate);
                rounds += 1;
                if score.0 > best_score.0 || (score.0 == best_score.0 && score.1 > best_score.1) {
                    best = candidate;
                    best_score = score;
                }
            }
        }
    }
    let held_out = |weights: &Weights| {
        evaluate_with(input, is_partnership, share, max_queries, seed, weights).matcher
    };
    Fit {
        defaults,
        fitted: best,
        default_scores: held_out(&defaults),
        fitted_scores: held_out(&best),
        rounds,
    }
}

/// How many parts a score has.
const PART_COUNT: usize = crate::matcher::PART_NAMES.len();
