//! A deterministic synthetic ecosystem with a realistic shape: regions in countries, actors in
//! communities that share topics, heavy-tailed participation in activities and projects, and
//! few links across regions. The same `(actors, seed)` always gives the same graph.

use crate::input::GraphInput;
use crate::projection::NodeKind;
use crate::projection::{Projection, ProjectionBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Ponte's vocabulary, so generated data loads into the store like real data.
use ponte_vocab::PONTE;
const ID: &str = "https://w3id.org/ponte/gen/";
/// Actors per community, on average.
const COMMUNITY_SIZE: usize = 40;
/// Regions, in `COUNTRIES` countries.
const REGIONS: usize = 24;
const COUNTRIES: usize = 6;
/// The predicate of a direct partnership between two actors: what the evaluation hides.
pub const PARTNERSHIP: &str = ponte_vocab::COLLABORATES_WITH;

/// The IRI of the `k`-th generated actor.
pub fn actor_iri(k: usize) -> String {
    format!("{ID}actor-{k}")
}

/// The `i`-th actor a benchmark asks about, among `actors`: a fixed stride, so every tool
/// (Ponte, networkx, igraph, SPARQL) asks about the same ones.
pub fn benchmark_actor(i: usize, actors: usize, seed: u64) -> usize {
    (i * 7919 + seed as usize) % actors.max(1)
}

/// A Zipf-like pick in `0..n`: low indexes are chosen far more often (heavy-tailed degrees).
fn skewed(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((n as f64).powf(u) - 1.0)
        .floor()
        .clamp(0.0, (n - 1) as f64) as usize
}

/// Where generated nodes and links go: lists, or straight into a projection.
pub trait Sink {
    /// A node, its kind and class.
    fn node(&mut self, iri: String, kind: NodeKind, class: Option<String>);
    /// A link.
    fn link(&mut self, subject: String, predicate: String, object: String);
}

impl Sink for GraphInput {
    fn node(&mut self, iri: String, kind: NodeKind, class: Option<String>) {
        self.nodes.push((iri, kind, class));
    }

    fn link(&mut self, subject: String, predicate: String, object: String) {
        self.links.push((subject, predicate, object));
    }
}

impl Sink for ProjectionBuilder {
    fn node(&mut self, iri: String, kind: NodeKind, class: Option<String>) {
        ProjectionBuilder::node(self, &iri, kind, class.as_deref());
    }

    fn link(&mut self, subject: String, predicate: String, object: String) {
        self.edge(&subject, &predicate, &object);
    }
}

/// An ecosystem of `actors` actors from `seed`, as lists (to hide links, or write them out).
pub fn ecosystem(actors: usize, seed: u64) -> GraphInput {
    let mut input = GraphInput::default();
    emit(actors, seed, &mut input);
    input
}

/// An ecosystem of `actors` actors from `seed`, projected as it is generated: no list of
/// strings is held, so a million actors fit in the projection's own memory.
pub fn projection(actors: usize, seed: u64) -> Projection {
    let mut builder = ProjectionBuilder::new();
    emit(actors, seed, &mut builder);
    builder.build()
}

/// Generates the ecosystem into `input`. Every node is emitted before the links that use it.
pub fn emit(actors: usize, seed: u64, input: &mut impl Sink) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The predicates real data uses for the same relations.
    let link = |input: &mut dyn Sink, s: String, p: &str, o: String| {
        let predicate = match p {
            "location" => "http://schema.org/location".to_owned(),
            "memberOf" => "http://www.w3.org/ns/org#memberOf".to_owned(),
            "partOf" => "http://purl.org/dc/terms/isPartOf".to_owned(),
            other => format!("{PONTE}{other}"),
        };
        input.link(s, predicate, o);
    };
    let communities = actors.div_ceil(COMMUNITY_SIZE).max(1);
    let topics = (communities / 2).max(8);
    let activities = (actors / 25).max(4);
    let projects = (actors / 8).max(4);
    let clusters = (REGIONS * 3).min(actors.max(1));
    let classes = [
        "Company",
        "Startup",
        "University",
        "ResearchCentre",
        "Hospital",
        "Accelerator",
    ];

    for country in 0..COUNTRIES {
        input.node(
            format!("{ID}country-{country}"),
            NodeKind::Place,
            Some(format!("{PONTE}Country")),
        );
    }
    for region in 0..REGIONS {
        let iri = format!("{ID}region-{region}");
        input.node(iri.clone(), NodeKind::Place, Some(format!("{PONTE}Region")));
        link(
            input,
            iri,
            "partOf",
            format!("{ID}country-{}", region % COUNTRIES),
        );
    }
    for topic in 0..topics {
        input.node(
            format!("{ID}topic-{topic}"),
            NodeKind::Topic,
            Some("http://www.w3.org/2004/02/skos/core#Concept".into()),
        );
    }
    for activity in 0..activities {
        let iri = format!("{ID}activity-{activity}");
        input.node(
            iri.clone(),
            NodeKind::Activity,
            Some(format!("{PONTE}Event")),
        );
        link(
            input,
            iri,
            "location",
            format!("{ID}region-{}", activity % REGIONS),
        );
    }
    for project in 0..projects {
        input.node(
            format!("{ID}project-{project}"),
            NodeKind::Project,
            Some(format!("{PONTE}Project")),
        );
    }
    for cluster in 0..clusters {
        let iri = format!("{ID}cluster-{cluster}");
        input.node(
            iri.clone(),
            NodeKind::Actor,
            Some(format!("{PONTE}ClusterOrganisation")),
        );
        link(
            input,
            iri,
            "location",
            format!("{ID}region-{}", cluster % REGIONS),
        );
    }
    // Each community: a home region, a few topics, a few projects of its own.
    let community_region: Vec<usize> = (0..communities)
        .map(|_| rng.random_range(0..REGIONS))
        .collect();
    let community_topics: Vec<Vec<usize>> = (0..communities)
        .map(|_| (0..3).map(|_| rng.random_range(0..topics)).collect())
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); communities];
    for actor in 0..actors {
        let community = skewed(&mut rng, communities);
        members[community].push(actor);
        let iri = format!("{ID}actor-{actor}");
        let class = classes[skewed(&mut rng, classes.len())];
        input.node(
            iri.clone(),
            NodeKind::Actor,
            Some(format!("{PONTE}{class}")),
        );
        // Mostly in the community's region.
        let region = if rng.random_bool(0.9) {
            community_region[community]
        } else {
            rng.random_range(0..REGIONS)
        };
        link(
            input,
            iri.clone(),
            "location",
            format!("{ID}region-{region}"),
        );
        for _ in 0..rng.random_range(1..=3) {
            let topic = if rng.random_bool(0.8) {
                community_topics[community][rng.random_range(0..3)]
            } else {
                skewed(&mut rng, topics)
            };
            link(
                input,
                iri.clone(),
                "hasCompetence",
                format!("{ID}topic-{topic}"),
            );
        }
        if rng.random_bool(0.5) {
            let cluster = (region * 3 + rng.random_range(0..3)) % clusters;
            link(
                input,
                iri.clone(),
                "memberOf",
                format!("{ID}cluster-{cluster}"),
            );
        }
        for _ in 0..skewed(&mut rng, 6) {
            let activity = skewed(&mut rng, activities);
            link(
                input,
                iri.clone(),
                "participatedIn",
                format!("{ID}activity-{activity}"),
            );
        }
    }
    // Projects and partnerships, mostly within communities.
    for (community, people) in members.iter().enumerate() {
        if people.len() < 2 {
            continue;
        }
        let pick = |rng: &mut ChaCha8Rng| -> usize {
            if rng.random_bool(0.9) {
                people[rng.random_range(0..people.len())]
            } else {
                rng.random_range(0..actors)
            }
        };
        for _ in 0..(people.len() / 8).max(1) {
            let project = (community * 7 + rng.random_range(0..7)) % projects;
            let partners: Vec<usize> = (0..rng.random_range(2..=6))
                .map(|_| pick(&mut rng))
                .collect();
            for actor in &partners {
                link(
                    input,
                    format!("{ID}actor-{actor}"),
                    "partnerIn",
                    format!("{ID}project-{project}"),
                );
            }
            // Project partners often go on working together.
            for (i, a) in partners.iter().enumerate() {
                for b in &partners[i + 1..] {
                    if a != b && rng.random_bool(0.3) {
                        input.link(
                            format!("{ID}actor-{a}"),
                            PARTNERSHIP.to_owned(),
                            format!("{ID}actor-{b}"),
                        );
                    }
                }
            }
        }
        // And some partnerships come from the community alone.
        for _ in 0..people.len() / 4 {
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            if a != b {
                input.link(
                    format!("{ID}actor-{a}"),
                    PARTNERSHIP.to_owned(),
                    format!("{ID}actor-{b}"),
                );
            }
        }
    }
}

/// The ecosystem as N-Triples, for `ponte load` and the other tools of the benchmark.
pub fn to_ntriples(input: &GraphInput, out: &mut impl std::io::Write) -> std::io::Result<()> {
    for (iri, _, class) in &input.nodes {
        if let Some(class) = class {
            writeln!(
                out,
                "<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{class}> ."
            )?;
        }
        let name = iri.rsplit('/').next().unwrap_or(iri);
        let naming = if class
            .as_deref()
            .is_some_and(|c| c.ends_with("skos/core#Concept"))
        {
            "http://www.w3.org/2004/02/skos/core#prefLabel"
        } else {
            "http://www.w3.org/2000/01/rdf-schema#label"
        };
        writeln!(out, "<{iri}> <{naming}> \"{name}\"@en .")?;
    }
    for (s, p, o) in &input.links {
        writeln!(out, "<{s}> <{p}> <{o}> .")?;
    }
    Ok(())
}
