//! Beyond partner lists: the brokers between a home region and a foreign ecosystem
//! (betweenness restricted to paths between the two, places not walked through), and the
//! topics the region works on with no foreign partner yet (gaps).

use crate::{NodeId, NodeKind, Projection, Step, TOPIC_HOPS, shortest_path};
use std::collections::{HashMap, HashSet, VecDeque};

/// A broker: an actor on the shortest paths between home and foreign actors, its
/// betweenness, and one such path through it as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Broker {
    /// The broker.
    pub node: NodeId,
    /// Its betweenness between the two sides.
    pub betweenness: f64,
    /// A shortest path from the nearest home actor through it to the nearest foreign actor.
    pub path: Vec<Step>,
}

/// The `limit` best brokers between `home` and `foreign` actors, best first (ties by node).
pub fn brokers(
    projection: &Projection,
    home: &HashSet<NodeId>,
    foreign: &HashSet<NodeId>,
    limit: usize,
) -> Vec<Broker> {
    let mut ranked: Vec<(NodeId, f64)> = betweenness(projection, home, foreign)
        .into_iter()
        .filter(|(n, s)| *s > 0.0 && projection.node(*n).kind == NodeKind::Actor)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(limit)
        .map(|(node, betweenness)| Broker {
            node,
            betweenness,
            path: bridge(projection, node, home, foreign),
        })
        .collect()
}

/// An actor who organised, led or ran activities aimed at an ecosystem: a broker whether or
/// not it lies on the shortest paths between the two sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Organiser {
    /// The actor.
    pub node: NodeId,
    /// For each such activity, the path actor, activity, the ecosystem's place it aims at.
    pub paths: Vec<Vec<Step>>,
}

/// The actors linked by a predicate `organises` accepts (read from the activity: `schema:organizer`,
/// `ponte:ledBy`…) to an activity linked by a predicate `aims_at` accepts to one of `places`;
/// each with those activities, by node.
pub fn organisers(
    projection: &Projection,
    places: &HashSet<NodeId>,
    aims_at: &dyn Fn(&str) -> bool,
    organises: &dyn Fn(&str) -> bool,
) -> Vec<Organiser> {
    let reads = |from: NodeId, to: NodeId, accepts: &dyn Fn(&str) -> bool| {
        projection
            .edge(from, to)
            .is_some_and(|label| label.forward && accepts(projection.predicate(label.predicate)))
    };
    let mut found: HashMap<NodeId, Vec<Vec<Step>>> = HashMap::new();
    let mut ordered_places: Vec<NodeId> = places.iter().copied().collect();
    ordered_places.sort_unstable();
    let mut seen: HashSet<(NodeId, NodeId)> = HashSet::new();
    for place in ordered_places {
        for activity in projection.neighbours(place) {
            if projection.node(activity).kind != NodeKind::Activity
                || !reads(activity, place, aims_at)
            {
                continue;
            }
            for actor in projection.neighbours(activity) {
                if projection.node(actor).kind != NodeKind::Actor
                    || !reads(activity, actor, organises)
                    || !seen.insert((actor, activity))
                {
                    continue;
                }
                let path: Option<Vec<Step>> = [
                    Step::between(projection, actor, activity),
                    Step::between(projection, activity, place),
                ]
                .into_iter()
                .collect();
                found.entry(actor).or_default().extend(path);
            }
        }
    }
    let mut organisers: Vec<Organiser> = found
        .into_iter()
        .map(|(node, paths)| Organiser { node, paths })
        .collect();
    organisers.sort_by_key(|o| o.node);
    organisers
}

/// Whether a node may be walked through: sharing a city or a country bridges nothing.
fn walkable(projection: &Projection, node: NodeId) -> bool {
    projection.node(node).kind != NodeKind::Place
}

/// Betweenness on shortest paths from `sources` to `targets` only (Brandes' accumulation with
/// the dependency counted at targets), not walking through places.
pub fn betweenness(
    projection: &Projection,
    sources: &HashSet<NodeId>,
    targets: &HashSet<NodeId>,
) -> HashMap<NodeId, f64> {
    let mut score: HashMap<NodeId, f64> = HashMap::new();
    let mut ordered_sources: Vec<NodeId> = sources.iter().copied().collect();
    ordered_sources.sort_unstable();
    for source in ordered_sources {
        let mut order = Vec::new();
        let mut paths: HashMap<NodeId, f64> = HashMap::from([(source, 1.0)]);
        let mut distance: HashMap<NodeId, u32> = HashMap::from([(source, 0)]);
        let mut predecessors: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            let d = distance[&v];
            for w in projection.neighbours(v) {
                if !walkable(projection, w) {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(entry) = distance.entry(w) {
                    entry.insert(d + 1);
                    queue.push_back(w);
                }
                if distance[&w] == d + 1 {
                    *paths.entry(w).or_default() += paths[&v];
                    predecessors.entry(w).or_default().push(v);
                }
            }
        }
        let mut dependency: HashMap<NodeId, f64> = HashMap::new();
        for &w in order.iter().rev() {
            let reaches = if targets.contains(&w) { 1.0 } else { 0.0 }
                + dependency.get(&w).copied().unwrap_or(0.0);
            for &v in predecessors.get(&w).map_or(&[][..], Vec::as_slice) {
                *dependency.entry(v).or_default() += paths[&v] / paths[&w] * reaches;
            }
            if w != source && !targets.contains(&w) {
                *score.entry(w).or_default() += dependency.get(&w).copied().unwrap_or(0.0);
            }
        }
    }
    score
}

/// A shortest path from the nearest home actor through `broker` to the nearest actor of the
/// ecosystem (places not walked through).
pub fn bridge(
    projection: &Projection,
    broker: NodeId,
    home: &HashSet<NodeId>,
    foreign: &HashSet<NodeId>,
) -> Vec<Step> {
    let nearest = |goal: &HashSet<NodeId>| {
        let is_goal = |node: NodeId| goal.contains(&node);
        let not_place = |node: NodeId, _| walkable(projection, node);
        shortest_path(projection, &[broker], &is_goal, &not_place, usize::MAX).unwrap_or_default()
    };
    let mut path: Vec<Step> = nearest(home)
        .into_iter()
        .rev()
        .map(Step::reversed)
        .collect();
    path.extend(nearest(foreign));
    path
}

/// A topic home actors work on where none of them is linked yet to a foreign actor on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The topic.
    pub topic: NodeId,
    /// The home actors working on it, by node.
    pub home: Vec<NodeId>,
    /// The foreign actors working on it, who could be partners, by node.
    pub abroad: Vec<NodeId>,
}

/// The gaps, most home actors first (ties by topic). An actor works on a topic when an edge
/// from it to the topic has a predicate `works_on` accepts; two actors are linked when an edge
/// joins them or they share a project or an activity.
pub fn gaps(
    projection: &Projection,
    home: &HashSet<NodeId>,
    foreign: &HashSet<NodeId>,
    works_on: &dyn Fn(&str) -> bool,
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    for topic in projection
        .nodes()
        .filter(|n| projection.node(*n).kind == NodeKind::Topic)
    {
        let working_on = |actors: &HashSet<NodeId>| -> Vec<NodeId> {
            let mut found: Vec<NodeId> = projection
                .neighbours(topic)
                .filter(|a| {
                    actors.contains(a)
                        && projection.edge(*a, topic).is_some_and(|label| {
                            label.forward && works_on(projection.predicate(label.predicate))
                        })
                })
                .collect();
            found.sort_unstable();
            found
        };
        let home = working_on(home);
        if home.is_empty() {
            continue;
        }
        // Abroad, the actors on this topic or on one above or below it in the hierarchy (a
        // gene-therapy company answers an advanced-therapies gap).
        let mut abroad: Vec<NodeId> = projection
            .related_topics(topic, TOPIC_HOPS)
            .into_iter()
            .flat_map(|(related, _)| {
                projection.neighbours(related).filter(move |a| {
                    foreign.contains(a)
                        && projection.edge(*a, related).is_some_and(|label| {
                            label.forward && works_on(projection.predicate(label.predicate))
                        })
                })
            })
            .collect();
        abroad.sort_unstable();
        abroad.dedup();
        let linked = home
            .iter()
            .any(|h| abroad.iter().any(|f| related(projection, *h, *f)));
        if !linked {
            gaps.push(Gap {
                topic,
                home,
                abroad,
            });
        }
    }
    gaps.sort_by(|a, b| b.home.len().cmp(&a.home.len()).then(a.topic.cmp(&b.topic)));
    gaps
}

/// Whether two actors are linked directly or share a project or an activity.
fn related(projection: &Projection, a: NodeId, b: NodeId) -> bool {
    if projection.edge(a, b).is_some() {
        return true;
    }
    let shared_kinds = [NodeKind::Project, NodeKind::Activity];
    projection
        .neighbours(a)
        .any(|n| shared_kinds.contains(&projection.node(n).kind) && projection.edge(n, b).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProjectionBuilder;

    const WORKS_ON: &str = "urn:worksOn";
    const MEMBER: &str = "urn:memberOf";
    const IN: &str = "urn:locatedIn";

    /// Home: h1, h2 (members of a cluster c), foreign: f1, f2. The cluster is a member of a
    /// network n that f1 is in; f2 is linked only through the shared city `place`.
    fn graph() -> (Projection, HashSet<NodeId>, HashSet<NodeId>) {
        let mut b = ProjectionBuilder::new();
        for iri in ["h1", "h2", "c", "n", "f1", "f2"] {
            b.node(iri, NodeKind::Actor, None);
        }
        b.node("place", NodeKind::Place, None);
        b.node("gene", NodeKind::Topic, None);
        b.node("ai", NodeKind::Topic, None);
        b.node("mission", NodeKind::Activity, None);
        for (s, p, o) in [
            ("h1", MEMBER, "c"),
            ("h2", MEMBER, "c"),
            ("c", MEMBER, "n"),
            ("f1", MEMBER, "n"),
            ("h1", IN, "place"),
            ("f2", IN, "place"),
            ("h1", WORKS_ON, "gene"),
            ("h2", WORKS_ON, "gene"),
            ("f2", WORKS_ON, "gene"),
            ("h2", WORKS_ON, "ai"),
            ("f1", WORKS_ON, "ai"),
            ("h2", "urn:took", "mission"),
            ("f1", "urn:took", "mission"),
        ] {
            b.edge(s, p, o);
        }
        let p = b.build();
        let set = |names: &[&str]| names.iter().map(|n| p.id(n).unwrap()).collect();
        let (home, foreign) = (set(&["h1", "h2"]), set(&["f1", "f2"]));
        (p, home, foreign)
    }

    #[test]
    fn brokers_sit_between_the_sides_and_places_bridge_nothing() {
        let (p, home, foreign) = graph();
        let found = brokers(&p, &home, &foreign, 5);
        let names: Vec<&str> = found.iter().map(|b| p.iri(b.node)).collect();
        // h1 reaches f1 through c and n (or h2's mission); the shared city is not a path.
        assert!(names.contains(&"c") && names.contains(&"n"), "{names:?}");
        assert!(!names.contains(&"place"), "{names:?}");
        for broker in &found {
            let path = &broker.path;
            assert!(
                home.contains(&path[0].from),
                "a path starts at home: {path:?}"
            );
            let last = path.last().unwrap().to;
            assert!(foreign.contains(&last), "and ends abroad: {path:?}");
            assert!(
                path.iter().any(|s| s.to == broker.node),
                "through the broker"
            );
            for pair in path.windows(2) {
                assert_eq!(pair[0].to, pair[1].from, "the steps join");
            }
        }
        // f2 shares a topic with home actors and a city with h1: neither is an actor, so
        // nobody brokers towards it alone.
        let only_f2: HashSet<NodeId> = [p.id("f2").unwrap()].into();
        assert!(brokers(&p, &home, &only_f2, 5).is_empty());
    }

    #[test]
    fn betweenness_counts_each_shortest_path_share() {
        let (p, home, foreign) = graph();
        let scores = betweenness(&p, &home, &foreign);
        // h1 reaches f1 only by h1-c-n-f1, and f2 by the shared topic; h2 reaches f1 by two
        // paths of two steps (the mission, the topic ai), each counting half, and f2 by gene.
        let score = |n: &str| scores.get(&p.id(n).unwrap()).copied();
        assert_eq!(score("c"), Some(1.0));
        assert_eq!(score("n"), Some(1.0));
        assert_eq!(score("mission"), Some(0.5));
        assert_eq!(score("ai"), Some(0.5));
        assert_eq!(score("gene"), Some(2.0));
        assert_eq!(score("place"), None, "places are not walked through");
    }

    #[test]
    fn a_gap_is_a_home_topic_without_a_linked_foreign_actor() {
        let (p, home, foreign) = graph();
        let found = gaps(&p, &home, &foreign, &|predicate| predicate == WORKS_ON);
        // gene: h1 and h2 work on it, f2 too but is not linked to either (the city does not
        // count). ai: h2 and f1 took part in the same mission: no gap.
        assert_eq!(
            found,
            vec![Gap {
                topic: p.id("gene").unwrap(),
                home: vec![p.id("h1").unwrap(), p.id("h2").unwrap()],
                abroad: vec![p.id("f2").unwrap()],
            }]
        );
        // Other predicates do not count as working on a topic.
        assert!(gaps(&p, &home, &foreign, &|_| false).is_empty());
    }
}
