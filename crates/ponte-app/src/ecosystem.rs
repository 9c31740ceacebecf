//! Beyond partner lists: the brokers between the home region and each foreign ecosystem, and
//! the topics the region works on with no foreign partner yet (`/api/brokers`, `/api/gaps`),
//! each with evidence from the matchmaking projection. The graph algorithms are
//! `ponte_match::ecosystem`'s; this module says which actors are home and which foreign.

use crate::error::AppError;
use crate::jsonld::CollectionHead;
use crate::matchmaking::{EvidenceStep, NameCache};
use crate::request::{EcosystemScope, is_place_code, limit, reference};
use crate::{App, vocab};
use ponte_match::{NodeId, NodeKind, Projection, Step};
use ponte_store::NamedNode;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;

/// The home region when the request names none: Emilia-Romagna, Ponte's first users.
const DEFAULT_HOME: &str = "IT-45";
/// Links from an actor to where it is, and from a place to the places it is in.
const PLACE_LINKS: [&str; 2] = [
    "http://schema.org/location",
    "http://schema.org/containedInPlace",
];
/// The class of countries: an activity aimed at a whole country is not aimed at each city.
const COUNTRY: &str = "https://w3id.org/ponte/ontology#Country";
/// Links from an activity to the place it aims at.
pub(crate) const AIMS_AT: [&str; 1] = ["https://w3id.org/ponte/ontology#targetPlace"];
/// Links from an activity to an actor who organised, led or ran it.
const ORGANISED_BY: [&str; 5] = [
    "http://schema.org/organizer",
    "https://w3id.org/ponte/ontology#ledBy",
    "https://w3id.org/ponte/ontology#promotedBy",
    "https://w3id.org/ponte/ontology#operatedBy",
    "https://w3id.org/ponte/ontology#issuedBy",
];
/// Links from an actor to what it works on.
pub(crate) const TOPIC_LINKS: [&str; 3] = [
    vocab::HAS_COMPETENCE,
    vocab::INTERESTED_IN,
    "http://purl.org/dc/terms/subject",
];

/// A scope, checked: the home region, the ecosystems asked about, how many per answer.
pub(crate) struct Scope {
    pub(crate) home: String,
    /// Each `to` as given: a country or region code (upper case), or a place's slug.
    pub(crate) to: Vec<String>,
    pub(crate) limit: usize,
}

impl Scope {
    pub(crate) fn parse(scope: &EcosystemScope, default_limit: usize) -> Result<Self, AppError> {
        let home = match &scope.from {
            Some(from) if is_place_code(from) => from.to_ascii_uppercase(),
            Some(from) => {
                return Err(AppError::parameter(
                    "from",
                    format!("from is an ISO 3166 or NUTS code (IT-45, IT), not {from:?}"),
                ));
            }
            None => DEFAULT_HOME.into(),
        };
        let mut to = Vec::new();
        for value in &scope.to {
            if is_place_code(value) {
                to.push(value.clone());
            } else {
                // A place's slug (new-york-city) or compact IRI; checked against the places.
                reference("to", value, vocab::ID_NAMESPACE)?;
                to.push(value.clone());
            }
        }
        Ok(Self {
            home,
            to,
            limit: limit(scope.limit.as_deref(), default_limit)?,
        })
    }
}

/// A foreign ecosystem asked about, resolved: a code, or a place of the graph.
enum Ecosystem {
    Code(String),
    Place(NodeId),
}

/// Where everything is, for one projection: each actor's place codes, each place's codes, and
/// the places containing each actor and place, read from the store once per generation (not
/// per request: reading every place's codes cost a brokers request most of its time).
pub(crate) struct ActorPlaces {
    /// The projection these were read for: the node ids below are its.
    pub(crate) projection: Arc<Projection>,
    by_actor: HashMap<NodeId, HashSet<String>>,
    codes: BTreeSet<String>,
    /// Each place's codes (its country, its region).
    place_codes: HashMap<NodeId, HashSet<String>>,
    /// The places containing each actor and each place (a place contains itself).
    within: HashMap<NodeId, HashSet<NodeId>>,
}

/// Which actors are home, and the foreign ones by ecosystem.
pub(crate) struct Geography {
    pub(crate) home: HashSet<NodeId>,
    /// Foreign actors by ecosystem: by country (ISO 3166-1 alpha-2) when the request names
    /// none, else by each `to` as given.
    pub(crate) foreign: BTreeMap<String, HashSet<NodeId>>,
    /// The places of each ecosystem (those it contains, itself included).
    pub(crate) places: BTreeMap<String, HashSet<NodeId>>,
}

/// The places `node` is in: through `schema:location`, then `schema:containedInPlace`, all
/// the way up (itself included when it is a place).
pub(crate) fn containing_places(projection: &Projection, node: NodeId) -> HashSet<NodeId> {
    let mut found = places_above(projection, node, &|_| false);
    if projection.node(node).kind == NodeKind::Place {
        found.insert(node);
    }
    found
}

/// The places containing `place` below its country: walking `schema:containedInPlace` up,
/// stopping at a country.
fn areas_around(projection: &Projection, place: NodeId) -> HashSet<NodeId> {
    let is_country = |node: NodeId| {
        projection
            .node(node)
            .class
            .and_then(|class| projection.class_iri(class))
            == Some(COUNTRY)
    };
    places_above(projection, place, &is_country)
}

/// The places reached from `node` by place links read forward, not going into a place `stop`
/// accepts.
fn places_above(
    projection: &Projection,
    node: NodeId,
    stop: &dyn Fn(NodeId) -> bool,
) -> HashSet<NodeId> {
    let mut found = HashSet::new();
    let mut frontier = vec![node];
    while let Some(current) = frontier.pop() {
        for (next, label) in projection
            .neighbours(current)
            .zip(projection.labels(current))
        {
            if label.forward
                && projection.node(next).kind == NodeKind::Place
                && PLACE_LINKS.contains(&projection.predicate(label.predicate))
                && !stop(next)
                && found.insert(next)
            {
                frontier.push(next);
            }
        }
    }
    found
}

impl App {
    /// Every actor's place, split into home and the foreign ecosystems asked about. A `to`
    /// that is the code of no actor's place, or names no place, is refused, naming the
    /// ecosystems there are.
    pub(crate) fn geography(
        &self,
        places: &ActorPlaces,
        scope: &Scope,
    ) -> Result<Geography, AppError> {
        let projection = &*places.projection;
        let home_country: String = scope.home.chars().take(2).collect();
        let known = &places.codes;
        if !known.contains(&scope.home) {
            return Err(AppError::parameter(
                "from",
                format!(
                    "from={} is the code of no actor's place; the codes are: {}",
                    scope.home,
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let mut countries = BTreeSet::new();
        for codes in places.by_actor.values() {
            countries.extend(
                codes
                    .iter()
                    .filter(|c| c.len() == 2 && **c != home_country)
                    .cloned(),
            );
        }
        let mut ecosystems: Vec<(String, Ecosystem)> = Vec::new();
        for to in &scope.to {
            let code = to.to_ascii_uppercase();
            if known.contains(&code) {
                ecosystems.push((code.clone(), Ecosystem::Code(code)));
                continue;
            }
            let iri = reference("to", to, vocab::ID_NAMESPACE)?;
            match projection
                .id(iri.as_str())
                .filter(|n| projection.node(*n).kind == NodeKind::Place)
            {
                Some(place) => ecosystems.push((to.clone(), Ecosystem::Place(place))),
                None => {
                    return Err(AppError::parameter(
                        "to",
                        format!(
                            "to={to} is neither the code of an actor's place nor a place of the graph; \
                             the foreign countries are: {} (a region code such as US-MA, or a place \
                             such as boston, works too)",
                            countries.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
        if ecosystems.is_empty() {
            ecosystems = countries
                .iter()
                .map(|c| (c.clone(), Ecosystem::Code(c.clone())))
                .collect();
        }
        let no_places = HashSet::new();
        let within = |node: NodeId| places.within.get(&node).unwrap_or(&no_places);
        let inside = |ecosystem: &Ecosystem, codes: &HashSet<String>, node: NodeId| match ecosystem
        {
            Ecosystem::Code(code) => codes.contains(code),
            Ecosystem::Place(place) => within(node).contains(place),
        };
        let mut geography = Geography {
            home: HashSet::new(),
            foreign: BTreeMap::new(),
            places: BTreeMap::new(),
        };
        for (label, ecosystem) in &ecosystems {
            let mut places_here: HashSet<NodeId> = places
                .place_codes
                .iter()
                .filter(|(place, codes)| inside(ecosystem, codes, **place))
                .map(|(place, _)| *place)
                .collect();
            // An activity aimed at the area or region around a place (the Boston area for
            // Boston) is aimed at it too; one aimed at its whole country is not.
            if let Ecosystem::Place(place) = ecosystem {
                places_here.extend(areas_around(projection, *place));
            }
            geography.places.insert(label.clone(), places_here);
            geography.foreign.entry(label.clone()).or_default();
        }
        for (&node, codes) in &places.by_actor {
            if codes.contains(&scope.home) {
                geography.home.insert(node);
                continue;
            }
            for (label, ecosystem) in &ecosystems {
                if inside(ecosystem, codes, node) {
                    geography
                        .foreign
                        .get_mut(label)
                        .expect("every ecosystem has an entry")
                        .insert(node);
                }
            }
        }
        Ok(geography)
    }

    /// Every code (country, region) of an actor's place: what `from` and `to` may name.
    pub fn place_codes(&self) -> Result<Vec<String>, AppError> {
        Ok(self.actor_places()?.codes.iter().cloned().collect())
    }

    /// Where everything is, read from the store once per generation (not per request).
    pub(crate) fn actor_places(&self) -> Result<Arc<ActorPlaces>, AppError> {
        self.views.actor_places.get(
            || self.store.generation(),
            || {
                let projection = self.projection()?;
                let memo = ponte_store::PlaceMemo::default();
                let mut by_actor = HashMap::new();
                let mut codes = BTreeSet::new();
                let mut place_codes = HashMap::new();
                let mut within = HashMap::new();
                for node in projection.nodes() {
                    let kind = projection.node(node).kind;
                    if !matches!(kind, NodeKind::Actor | NodeKind::Place) {
                        continue;
                    }
                    let iri = NamedNode::new_unchecked(projection.iri(node));
                    let these = self.store.place_codes_with(&iri, &memo)?;
                    within.insert(node, containing_places(&projection, node));
                    if kind == NodeKind::Actor {
                        codes.extend(these.iter().cloned());
                        by_actor.insert(node, these);
                    } else {
                        place_codes.insert(node, these);
                    }
                }
                Ok(ActorPlaces {
                    projection,
                    by_actor,
                    codes,
                    place_codes,
                    within,
                })
            },
        )
    }

    /// For each foreign ecosystem (a country, a region or a place), its brokers: the actors
    /// on the shortest paths between home actors and that ecosystem's actors, and those who
    /// organised, led or ran an activity aimed at it. A broker's score is its betweenness as
    /// a share of the ecosystem's highest, plus one for each such activity; its evidence, a
    /// bridging path and the activities.
    pub fn brokers(&self, scope: &EcosystemScope, origin: &str) -> Result<BrokersAnswer, AppError> {
        let scope = Scope::parse(scope, 5)?;
        let places = self.actor_places()?;
        let projection = &*places.projection;
        let geography = self.geography(&places, &scope)?;
        let mut names = NameCache::new(&self.store, projection);
        let mut items = Vec::new();
        let no_places = HashSet::new();
        for (ecosystem, foreign) in &geography.foreign {
            let places = geography.places.get(ecosystem).unwrap_or(&no_places);
            let between: HashMap<NodeId, f64> =
                ponte_match::ecosystem::betweenness(projection, &geography.home, foreign)
                    .into_iter()
                    .filter(|(n, b)| *b > 0.0 && projection.node(*n).kind == NodeKind::Actor)
                    .collect();
            let highest = between.values().copied().fold(0.0_f64, f64::max);
            let organisers: HashMap<NodeId, Vec<Vec<Step>>> = ponte_match::ecosystem::organisers(
                projection,
                places,
                &|p| AIMS_AT.contains(&p),
                &|p| ORGANISED_BY.contains(&p),
            )
            .into_iter()
            .map(|o| (o.node, o.paths))
            .collect();
            let mut ranked: Vec<(NodeId, f64)> = between
                .keys()
                .chain(organisers.keys())
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|node| {
                    let share = between.get(&node).map_or(0.0, |b| b / highest);
                    let organised = organisers.get(&node).map_or(0, Vec::len);
                    (node, share + organised as f64)
                })
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut brokers = Vec::new();
            for (node, score) in ranked.into_iter().take(scope.limit) {
                let mut evidence = Vec::new();
                if between.contains_key(&node) {
                    let path =
                        ponte_match::ecosystem::bridge(projection, node, &geography.home, foreign);
                    evidence.push(names.steps(&path)?);
                }
                let activities = organisers.get(&node).map_or(&[][..], Vec::as_slice);
                for path in activities.iter().take(3) {
                    evidence.push(names.steps(path)?);
                }
                brokers.push(Broker {
                    id: projection.iri(node).to_owned(),
                    label: names.of(node)?,
                    score: round(score),
                    betweenness: round(between.get(&node).copied().unwrap_or(0.0)),
                    organised: activities.len(),
                    evidence,
                });
            }
            items.push(EcosystemBrokers {
                ecosystem: ecosystem.clone(),
                brokers,
            });
        }
        Ok(BrokersAnswer {
            head: CollectionHead::new(origin, None, items.len()),
            home: scope.home,
            items,
        })
    }

    /// The topics home actors work on where none of them is linked yet (directly, or through
    /// a shared project or activity) to a foreign actor on the same topic. Each gap names the
    /// home actors, and the foreign actors on the topic who could be partners.
    pub fn gaps(&self, scope: &EcosystemScope, origin: &str) -> Result<GapsAnswer, AppError> {
        let scope = Scope::parse(scope, 20)?;
        let places = self.actor_places()?;
        let projection = &*places.projection;
        let geography = self.geography(&places, &scope)?;
        let foreign: HashSet<NodeId> = geography.foreign.values().flatten().copied().collect();
        let gaps = ponte_match::ecosystem::gaps(projection, &geography.home, &foreign, &|p| {
            TOPIC_LINKS.contains(&p)
        });
        let mut names = NameCache::new(&self.store, projection);
        let mut items = Vec::new();
        for gap in gaps.iter().take(scope.limit) {
            let mut evidence = Vec::new();
            for actor in gap.home.iter().take(3) {
                let link = Step::between(projection, *actor, gap.topic)
                    .expect("an actor working on a topic is its neighbour");
                evidence.push(names.steps(&[link])?);
            }
            let iris = |nodes: &[NodeId]| {
                nodes
                    .iter()
                    .map(|n| projection.iri(*n).to_owned())
                    .collect()
            };
            items.push(Gap {
                id: projection.iri(gap.topic).to_owned(),
                label: names.of(gap.topic)?,
                regional_actors: iris(&gap.home),
                foreign_actors: iris(&gap.abroad),
                evidence,
            });
        }
        Ok(GapsAnswer {
            head: CollectionHead::new(origin, None, gaps.len()),
            home: scope.home,
            items,
        })
    }
}

/// Brokers per foreign ecosystem (a hydra `Collection`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokersAnswer {
    /// The context, URL, type and size of the list.
    #[serde(flatten)]
    pub head: CollectionHead,
    /// The home region.
    pub home: String,
    /// Each foreign ecosystem and its brokers.
    pub items: Vec<EcosystemBrokers>,
}

/// The brokers towards one foreign ecosystem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EcosystemBrokers {
    /// The ecosystem: a country code (ISO 3166-1 alpha-2) when the request names none, else
    /// the `to` as given (`US-MA`, `boston`).
    pub ecosystem: String,
    /// Its brokers, best first.
    pub brokers: Vec<Broker>,
}

/// An actor bridging the home region and a foreign ecosystem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Broker {
    /// The broker's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its names, one per language.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// Its betweenness as a share of the ecosystem's highest, plus one for each activity
    /// aimed at the ecosystem that it organised, led or ran.
    pub score: f64,
    /// Its betweenness between the two sides (0 when it is a broker only as organiser).
    pub betweenness: f64,
    /// How many activities aimed at the ecosystem it organised, led or ran.
    pub organised: usize,
    /// A bridging path from a home actor through it to a foreign actor, when it lies on one;
    /// then up to three of those activities (broker, activity, place aimed at).
    pub evidence: Vec<Vec<EvidenceStep>>,
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// Topics without a foreign partner yet (a hydra `Collection`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapsAnswer {
    /// The context, URL, type and size of the list.
    #[serde(flatten)]
    pub head: CollectionHead,
    /// The home region.
    pub home: String,
    /// The gaps, most home actors first.
    pub items: Vec<Gap>,
}

/// A topic the home region works on with no foreign partner yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    /// The topic's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its names, one per language.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// The home actors working on it.
    pub regional_actors: Vec<String>,
    /// The foreign actors working on it, who could be partners.
    pub foreign_actors: Vec<String>,
    /// Up to three home actors' links to the topic.
    pub evidence: Vec<Vec<EvidenceStep>>,
}
