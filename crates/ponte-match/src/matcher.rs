//! Partner suggestions: candidates from shared neighbours and from personalized PageRank,
//! scored by typed meta-path similarity, Adamic-Adar, PageRank proximity and complementarity,
//! each with the evidence paths that explain it.

use crate::content::{self, Document, WordId};
use crate::ppr;
use crate::projection::{
    ClassId, META_PATH_KINDS, MetaPaths, NodeId, NodeKind, Projection, meta_path_slot,
};
use std::collections::{HashMap, HashSet, VecDeque};

/// How much each part counts in a suggestion's score (each part is scaled to 0..1 first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights(pub Parts);

impl Default for Weights {
    /// The documented weights (docs/MATCHMAKING.md): what the two say they do weighs most
    /// (its part is rarely near 1: two actors seldom share most of their rare words), then
    /// shared projects, closeness (Adamic-Adar, personalized PageRank) and shared topics,
    /// then missions and clusters. Chosen on held-out partnerships of ROR and of generated
    /// ecosystems (where actors say nothing, so the graph parts decide alone).
    fn default() -> Self {
        Self(Parts {
            topics: 0.20,
            projects: 0.30,
            activities: 0.15,
            actors: 0.10,
            adamic_adar: 0.30,
            pagerank: 0.30,
            complement: 0.15,
            content: 1.00,
            // Only when partners are sought near the seed (`Seed::near`).
            place: 0.075,
        })
    }
}

impl std::ops::Deref for Weights {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// Shared neighbours with more links than this are skipped when gathering candidates: a hub
/// (the region, a country) relates everyone and explains nothing.
pub const HUB_DEGREE: usize = 1_000;
/// The push precision: each candidate's PageRank over degree is within this of the exact
/// value (`ponte bench-match` measures the top-10 overlap).
pub const PUSH_EPSILON: f64 = 1e-5;
/// PageRank candidates considered beside the shared-neighbour ones.
const PAGERANK_CANDIDATES: usize = 200;
/// Candidates by content similarity considered beside those.
const CONTENT_CANDIDATES: usize = 200;
/// Shared words shown as evidence, the rarest first.
const SHARED_TERMS_SHOWN: usize = 5;
/// Longest explanation path searched when a candidate shares no neighbour with the seed.
const MAX_PATH_HOPS: usize = 4;
/// How far up or down the topic hierarchy two topics still count as related.
pub const TOPIC_HOPS: usize = 2;
/// What a related topic is worth per level between the two (a shared topic is worth 1).
pub const TOPIC_DECAY: f64 = 0.5;

/// Whom suggestions are for: an actor of the graph, or a profile.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// The actor, when the seed is one.
    pub actor: Option<NodeId>,
    /// The nodes the seed is linked to (for an actor, its neighbours; for a profile, its
    /// topics and the actors or activities it names).
    pub links: Vec<NodeId>,
    /// Classes of partner wanted (indexes into the projection's classes, subclasses included).
    pub wanted_classes: HashSet<ClassId>,
    /// Whether partners are sought near the seed (the request keeps to its own country or
    /// region): then being in the same place or region counts, as the place part. Searching
    /// the whole field, it does not, so that locals do not crowd out the best partners abroad.
    pub near: bool,
}

impl Seed {
    /// The seed for an actor of the projection.
    pub fn actor(projection: &Projection, actor: NodeId) -> Self {
        Self {
            actor: Some(actor),
            links: projection.neighbours(actor).collect(),
            wanted_classes: HashSet::new(),
            near: false,
        }
    }
}

/// One number for each part a score is made of: a candidate's parts (each already multiplied
/// by its weight), or the weights themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Parts {
    /// Meta-path similarity (PathSim) through shared topics.
    pub topics: f64,
    /// PathSim through shared projects.
    pub projects: f64,
    /// PathSim through shared missions, events and programmes.
    pub activities: f64,
    /// PathSim through shared actors (a cluster both belong to, a partner both work with).
    pub actors: f64,
    /// Adamic-Adar over all shared neighbours: a rare shared neighbour counts more than a hub.
    pub adamic_adar: f64,
    /// Personalized PageRank from the seed, relative to the best candidate.
    pub pagerank: f64,
    /// The candidate is of a kind the seed wants (a profile's `wants`, or the kinds that
    /// complement an actor's own).
    pub complement: f64,
    /// What the candidate says it does, beside what the seed says (BM25 between their
    /// names, descriptions and topic labels, over what the seed's words give against
    /// themselves).
    pub content: f64,
    /// Where the candidate is, seen from the seed: the same place (1), or two places in the
    /// same region or area (0.5).
    pub place: f64,
}

/// The parts' names, in the order of [`Parts::values`]: what a weights file and `ponte eval
/// --fit` call them.
pub const PART_NAMES: [&str; 9] = [
    "topics",
    "projects",
    "activities",
    "actors",
    "adamic_adar",
    "pagerank",
    "complement",
    "content",
    "place",
];

impl Parts {
    /// Each part, in the order of [`PART_NAMES`].
    pub fn values(&self) -> [f64; 9] {
        [
            self.topics,
            self.projects,
            self.activities,
            self.actors,
            self.adamic_adar,
            self.pagerank,
            self.complement,
            self.content,
            self.place,
        ]
    }

    /// The parts from values in the order of [`PART_NAMES`].
    pub fn from_values(values: [f64; 9]) -> Self {
        let [
            topics,
            projects,
            activities,
            actors,
            adamic_adar,
            pagerank,
            complement,
            content,
            place,
        ] = values;
        Self {
            topics,
            projects,
            activities,
            actors,
            adamic_adar,
            pagerank,
            complement,
            content,
            place,
        }
    }

    /// The score: the sum of the parts.
    pub fn total(&self) -> f64 {
        self.values().iter().sum()
    }
}

/// One step of an evidence path: a real edge of the projection (one triple of the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Where the step starts.
    pub from: NodeId,
    /// The predicate (index into the projection's predicates).
    pub predicate: u32,
    /// True when the triple is `from predicate to`; false when it is `to predicate from`.
    pub forward: bool,
    /// Where the step ends.
    pub to: NodeId,
}

impl Step {
    /// The step from `from` to `to`, if they are linked.
    pub fn between(projection: &Projection, from: NodeId, to: NodeId) -> Option<Self> {
        projection.edge(from, to).map(|label| Self {
            from,
            predicate: label.predicate,
            forward: label.forward,
            to,
        })
    }

    /// The same edge walked the other way.
    pub fn reversed(self) -> Self {
        Self {
            from: self.to,
            predicate: self.predicate,
            forward: !self.forward,
            to: self.from,
        }
    }
}

/// A shortest path (breadth first) from any of `starts` to the first node `is_goal` accepts,
/// through nodes `walk` accepts (given the node and the hops taken to reach it), of at most
/// `max_hops` edges. An empty path when a start is a goal.
pub fn shortest_path(
    projection: &Projection,
    starts: &[NodeId],
    is_goal: &dyn Fn(NodeId) -> bool,
    walk: &dyn Fn(NodeId, usize) -> bool,
    max_hops: usize,
) -> Option<Vec<Step>> {
    let mut parent: HashMap<NodeId, Option<NodeId>> = starts.iter().map(|s| (*s, None)).collect();
    let mut frontier: VecDeque<(NodeId, usize)> = starts.iter().map(|s| (*s, 0)).collect();
    while let Some((node, hops)) = frontier.pop_front() {
        if is_goal(node) {
            let mut nodes = vec![node];
            while let Some(Some(previous)) = parent.get(nodes.last().expect("non-empty")) {
                nodes.push(*previous);
            }
            nodes.reverse();
            return nodes
                .windows(2)
                .map(|pair| Step::between(projection, pair[0], pair[1]))
                .collect();
        }
        if hops == max_hops || (hops > 0 && !walk(node, hops)) {
            continue;
        }
        for neighbour in projection.neighbours(node) {
            if let std::collections::hash_map::Entry::Vacant(entry) = parent.entry(neighbour) {
                entry.insert(Some(node));
                frontier.push_back((neighbour, hops + 1));
            }
        }
    }
    None
}

/// A suggested partner.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The partner.
    pub node: NodeId,
    /// Its score, the sum of `parts`.
    pub score: f64,
    /// What the score is made of.
    pub parts: Parts,
    /// Whether the seed is already directly linked to it.
    pub connected: bool,
    /// Shared neighbours per meta-path kind (topics, projects, activities, actors).
    pub shared: MetaPaths,
    /// One to three paths from the seed to the partner, rarest shared neighbours first.
    pub evidence: Vec<Vec<Step>>,
    /// The words the seed and the partner both use (names, descriptions, topic labels), the
    /// rarest first: the evidence of the content part.
    pub shared_terms: Vec<WordId>,
}

/// Ranks partners for `seed` and explains each: the best `limit` that `keep` accepts, best
/// first; ties go to the lower node id, so the same graph always gives the same answer.
pub fn suggest(
    projection: &Projection,
    seed: &Seed,
    weights: &Weights,
    limit: usize,
    keep: &dyn Fn(NodeId) -> bool,
) -> Vec<Suggestion> {
    let mut ranked = rank(projection, seed, weights, limit, keep);
    let query = content_query(projection, seed);
    for suggestion in &mut ranked {
        suggestion.evidence = evidence(projection, seed, suggestion.node);
        if suggestion.parts.content > 0.0 {
            suggestion.shared_terms = projection.content().shared(&query, suggestion.node);
            suggestion.shared_terms.truncate(SHARED_TERMS_SHOWN);
        }
    }
    ranked
}

/// What the seed says about itself: an actor's words, or a profile's topics' labels.
fn content_query(projection: &Projection, seed: &Seed) -> Document {
    let topics: Vec<NodeId> = seed
        .links
        .iter()
        .copied()
        .filter(|l| projection.node(*l).kind == NodeKind::Topic)
        .collect();
    content::query_of(projection.content(), seed.actor, &topics)
}

/// [`suggest`] without the evidence paths (for evaluations that read deep rankings).
pub fn rank(
    projection: &Projection,
    seed: &Seed,
    weights: &Weights,
    limit: usize,
    keep: &dyn Fn(NodeId) -> bool,
) -> Vec<Suggestion> {
    // Shared neighbours: for each candidate actor, paths through each kind, and Adamic-Adar.
    let mut shared: HashMap<NodeId, (MetaPaths, f64)> = HashMap::new();
    let mut seed_paths = MetaPaths::default();
    // The scale of the Adamic-Adar part: what sharing the seed's rarest link alone gives.
    let mut rarest = 0.0_f64;
    for &link in &seed.links {
        let kind = projection.node(link).kind;
        let slot = meta_path_slot(kind);
        if let Some(slot) = slot {
            seed_paths[slot] += 1;
        }
        let degree = projection.degree(link);
        if !(2..=HUB_DEGREE).contains(&degree) {
            continue;
        }
        let rarity = 1.0 / (degree as f64).ln().max(f64::MIN_POSITIVE);
        rarest = rarest.max(rarity);
        for candidate in projection.neighbours(link) {
            if Some(candidate) == seed.actor || projection.node(candidate).kind != NodeKind::Actor {
                continue;
            }
            let entry = shared.entry(candidate).or_default();
            if let Some(slot) = slot {
                entry.0[slot] += 1;
            }
            entry.1 += rarity;
        }
    }
    let topic_match = topic_matches(projection, seed);
    let seed_places = SeedPlaces::of(projection, seed);
    // Proximity beyond two hops.
    let mut pagerank_seeds: Vec<NodeId> = seed.actor.into_iter().collect();
    if pagerank_seeds.is_empty() {
        pagerank_seeds.extend(&seed.links);
    }
    let reached = ppr::push_sparse(projection, &pagerank_seeds, PUSH_EPSILON);
    let normalised = |node: NodeId, value: f64| value / projection.degree(node).max(1) as f64;
    // The scale of the PageRank part: the highest PageRank over degree of any actor the seed
    // reaches but is not linked to, before any filter (its direct partners, always close,
    // would flatten everyone else). Like the Adamic-Adar scale, a property of the seed alone,
    // so a pair scores the same in every request, whatever the filters and the limit.
    let mut linked = seed.links.clone();
    linked.sort_unstable();
    let seed_rank = reached
        .iter()
        .filter(|(node, _)| {
            Some(*node) != seed.actor
                && projection.node(*node).kind == NodeKind::Actor
                && linked.binary_search(node).is_err()
        })
        .map(|(node, value)| normalised(*node, *value))
        .fold(0.0_f64, f64::max);
    let mut by_rank: Vec<(NodeId, f64)> = reached
        .iter()
        .filter(|(node, _)| {
            Some(*node) != seed.actor && projection.node(*node).kind == NodeKind::Actor
        })
        .map(|(node, value)| (*node, normalised(*node, *value)))
        .collect();
    let order = |a: &(NodeId, f64), b: &(NodeId, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    // Only the best few are candidates: select them, sort only them.
    if by_rank.len() > PAGERANK_CANDIDATES {
        by_rank.select_nth_unstable_by(PAGERANK_CANDIDATES, order);
        by_rank.truncate(PAGERANK_CANDIDATES);
    }
    // Content similarity: the seed's words against every actor's, on the seed's own scale.
    let query = content_query(projection, seed);
    let content_scale = projection.content().self_score(&query);
    let content_scores = if content_scale > 0.0 && weights.content > 0.0 {
        projection.content().scores(&query)
    } else {
        HashMap::new()
    };
    let mut by_content: Vec<(NodeId, f64)> = content_scores
        .iter()
        .filter(|(node, _)| Some(**node) != seed.actor)
        .map(|(node, score)| (*node, *score))
        .collect();
    if by_content.len() > CONTENT_CANDIDATES {
        by_content.select_nth_unstable_by(CONTENT_CANDIDATES, order);
        by_content.truncate(CONTENT_CANDIDATES);
    }
    let mut candidates: Vec<NodeId> = shared.keys().copied().collect();
    candidates.extend(topic_match.keys().copied());
    candidates.extend(by_rank.iter().map(|(n, _)| *n));
    candidates.extend(by_content.iter().map(|(n, _)| *n));
    candidates.sort_unstable();
    candidates.dedup();
    candidates.retain(|c| keep(*c));
    // PageRank of the candidates only, looked up in the sorted candidate list.
    let mut candidate_rank = vec![0.0; candidates.len()];
    for (node, value) in &reached {
        if let Ok(i) = candidates.binary_search(node) {
            candidate_rank[i] = normalised(*node, *value);
        }
    }
    let degree_normalised = |node: NodeId| {
        candidates
            .binary_search(&node)
            .map_or(0.0, |i| candidate_rank[i])
    };
    let weight_of = [
        weights.topics,
        weights.projects,
        weights.activities,
        weights.actors,
    ];
    let mut scored: Vec<Suggestion> = candidates
        .iter()
        .copied()
        .map(|candidate| {
            let (paths, adamic_adar) = shared.get(&candidate).copied().unwrap_or_default();
            let own = projection.meta_degree(candidate);
            let mut pathsim = [0.0; 4];
            for slot in 0..META_PATH_KINDS.len() {
                let denominator = f64::from(seed_paths[slot]) + f64::from(own[slot]);
                // Topics count what is shared through the hierarchy too.
                let mut shared_here = f64::from(paths[slot]);
                if slot == 0 {
                    shared_here += topic_match.get(&candidate).copied().unwrap_or(0.0);
                }
                if denominator > 0.0 {
                    pathsim[slot] = (2.0 * shared_here / denominator).min(1.0) * weight_of[slot];
                }
            }
            let class = projection.node(candidate).class;
            let parts = Parts {
                topics: pathsim[0],
                projects: pathsim[1],
                activities: pathsim[2],
                actors: pathsim[3],
                // Both parts are on scales of the seed's, never of this request's best
                // candidate.
                adamic_adar: if rarest > 0.0 {
                    weights.adamic_adar * (adamic_adar / rarest).min(1.0)
                } else {
                    0.0
                },
                pagerank: if seed_rank > 0.0 {
                    weights.pagerank * (degree_normalised(candidate) / seed_rank).min(1.0)
                } else {
                    0.0
                },
                complement: if class.is_some_and(|class| seed.wanted_classes.contains(&class)) {
                    weights.complement
                } else {
                    0.0
                },
                content: content_scores.get(&candidate).map_or(0.0, |score| {
                    weights.content * (score / content_scale).min(1.0)
                }),
                place: if seed.near {
                    weights.place * seed_places.proximity(projection, candidate)
                } else {
                    0.0
                },
            };
            Suggestion {
                node: candidate,
                score: parts.total(),
                parts,
                connected: seed
                    .actor
                    .is_some_and(|a| projection.edge(a, candidate).is_some()),
                shared: paths,
                evidence: Vec::new(),
                shared_terms: Vec::new(),
            }
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.node.cmp(&b.node)));
    scored.truncate(limit);
    scored
}

/// Where the seed is: its own places, and the places (regions, areas) those are in.
struct SeedPlaces {
    own: Vec<NodeId>,
    around: Vec<NodeId>,
}

/// The places a node links to, read forward (an actor's location, a place's containing place).
fn places_of(projection: &Projection, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    projection
        .neighbours(node)
        .zip(projection.labels(node))
        .filter(|(next, label)| label.forward && projection.node(*next).kind == NodeKind::Place)
        .map(|(next, _)| next)
}

impl SeedPlaces {
    /// An actor's places, or the places a profile names.
    fn of(projection: &Projection, seed: &Seed) -> Self {
        let own: Vec<NodeId> = match seed.actor {
            Some(actor) => places_of(projection, actor).collect(),
            None => seed
                .links
                .iter()
                .copied()
                .filter(|l| projection.node(*l).kind == NodeKind::Place)
                .collect(),
        };
        let around = own.iter().flat_map(|p| places_of(projection, *p)).collect();
        Self { own, around }
    }

    /// 1 when `candidate` is in one of the seed's own places; 0.5 when one of its places and
    /// one of the seed's are in the same region or area (or one is in the other); else 0.
    fn proximity(&self, projection: &Projection, candidate: NodeId) -> f64 {
        if self.own.is_empty() {
            return 0.0;
        }
        let theirs: Vec<NodeId> = places_of(projection, candidate).collect();
        if theirs.iter().any(|p| self.own.contains(p)) {
            return 1.0;
        }
        let near = theirs.iter().any(|p| {
            self.around.contains(p)
                || places_of(projection, *p)
                    .any(|q| self.own.contains(&q) || self.around.contains(&q))
        });
        if near { 0.5 } else { 0.0 }
    }
}

/// For each actor related to the seed through the topic hierarchy: the sum, over the seed's
/// topics the actor does not share, of the best match among the actor's topics
/// ([`TOPIC_DECAY`] per level above or below, up to [`TOPIC_HOPS`] levels). Shared topics
/// count 1 each, with the other shared neighbours.
fn topic_matches(projection: &Projection, seed: &Seed) -> HashMap<NodeId, f64> {
    let mut matches: HashMap<NodeId, f64> = HashMap::new();
    for &topic in &seed.links {
        if projection.node(topic).kind != NodeKind::Topic {
            continue;
        }
        let mut best: HashMap<NodeId, f64> = HashMap::new();
        // The topic itself (hops 0) is counted with the other shared neighbours.
        for (related, hops) in projection.related_topics(topic, TOPIC_HOPS) {
            if hops == 0 || projection.degree(related) > HUB_DEGREE {
                continue;
            }
            let similarity = TOPIC_DECAY.powi(i32::try_from(hops).unwrap_or(i32::MAX));
            for candidate in projection.neighbours(related) {
                if Some(candidate) == seed.actor
                    || projection.node(candidate).kind != NodeKind::Actor
                    || projection.edge(candidate, topic).is_some()
                {
                    continue;
                }
                let entry = best.entry(candidate).or_default();
                *entry = entry.max(similarity);
            }
        }
        for (candidate, similarity) in best {
            *matches.entry(candidate).or_default() += similarity;
        }
    }
    matches
}

/// Up to three paths from the seed to `candidate`: through the rarest shared neighbours
/// (meta-path kinds first), else the shortest path of at most [`MAX_PATH_HOPS`] edges.
pub fn evidence(projection: &Projection, seed: &Seed, candidate: NodeId) -> Vec<Vec<Step>> {
    let step = |from: NodeId, to: NodeId| Step::between(projection, from, to);
    let mut via: Vec<NodeId> = seed
        .links
        .iter()
        .copied()
        .filter(|link| *link != candidate && projection.edge(*link, candidate).is_some())
        .collect();
    via.sort_by_key(|link| {
        (
            meta_path_slot(projection.node(*link).kind).is_none(),
            projection.degree(*link),
            *link,
        )
    });
    let mut paths: Vec<Vec<Step>> = Vec::new();
    for link in via.into_iter().take(3) {
        let mut path = Vec::new();
        if let Some(actor) = seed.actor {
            path.extend(step(actor, link));
        }
        path.extend(step(link, candidate));
        paths.push(path);
    }
    if paths.len() < 3 {
        paths.extend(related_topic_paths(
            projection,
            seed,
            candidate,
            3 - paths.len(),
        ));
    }
    if paths.is_empty() {
        if let Some(actor) = seed.actor
            && let Some(direct) = step(actor, candidate)
        {
            paths.push(vec![direct]);
        } else {
            // Beyond shared neighbours: the shortest path, not through hubs.
            let starts = match seed.actor {
                Some(actor) => vec![actor],
                None => seed.links.clone(),
            };
            let is_candidate = |node: NodeId| node == candidate;
            let not_hub = |node: NodeId, _| projection.degree(node) <= HUB_DEGREE;
            paths.extend(shortest_path(
                projection,
                &starts,
                &is_candidate,
                &not_hub,
                MAX_PATH_HOPS,
            ));
        }
    }
    paths
}

/// Up to `limit` paths from the seed through one of its topics, up or down the hierarchy, to a
/// topic of `candidate` (closest first): seed, topic, each level, candidate.
fn related_topic_paths(
    projection: &Projection,
    seed: &Seed,
    candidate: NodeId,
    limit: usize,
) -> Vec<Vec<Step>> {
    let mut found: Vec<(usize, NodeId, NodeId)> = Vec::new();
    for &topic in &seed.links {
        if projection.node(topic).kind != NodeKind::Topic {
            continue;
        }
        for (related, hops) in projection.related_topics(topic, TOPIC_HOPS) {
            if hops > 0 && projection.edge(related, candidate).is_some() {
                found.push((hops, topic, related));
            }
        }
    }
    found.sort_unstable();
    let mut paths = Vec::new();
    for (hops, topic, related) in found {
        if paths.len() == limit {
            break;
        }
        let is_related = |node: NodeId| node == related;
        let through_topics = |node: NodeId, _| projection.node(node).kind == NodeKind::Topic;
        let Some(chain) = shortest_path(projection, &[topic], &is_related, &through_topics, hops)
        else {
            continue;
        };
        let mut path = Vec::new();
        if let Some(actor) = seed.actor {
            path.extend(Step::between(projection, actor, topic));
        }
        path.extend(chain);
        path.extend(Step::between(projection, related, candidate));
        paths.push(path);
    }
    paths
}
