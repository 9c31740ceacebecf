//! Beyond partner lists: the brokers between the home region and each foreign ecosystem, and
//! the topics the region works on with no foreign partner yet (`/api/brokers`, `/api/gaps`),
//! each with evidence from the matchmaking projection. The graph algorithms are
//! `ponte_match::ecosystem`'s; this module says which actors are home and which foreign.

use crate::error::AppError;
use crate::jsonld::CollectionHead;
use crate::matchmaking::{EvidenceStep, NameCache};
use crate::request::{EcosystemScope, is_place_code, limit};
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
/// Links from an actor to what it works on.
const TOPIC_LINKS: [&str; 3] = [
    vocab::HAS_COMPETENCE,
    vocab::INTERESTED_IN,
    "http://purl.org/dc/terms/subject",
];

/// A scope, checked: the home region, the ecosystems asked about, how many per answer.
struct Scope {
    home: String,
    to: Vec<String>,
    limit: usize,
}

impl Scope {
    fn parse(scope: &EcosystemScope, default_limit: usize) -> Result<Self, AppError> {
        let code = |key: &str, value: &str| -> Result<String, AppError> {
            if is_place_code(value) {
                Ok(value.to_ascii_uppercase())
            } else {
                Err(AppError::parameter(
                    key,
                    format!("{key} is an ISO 3166 or NUTS code (IT-45, US, KR), not {value:?}"),
                ))
            }
        };
        Ok(Self {
            home: match &scope.from {
                Some(from) => code("from", from)?,
                None => DEFAULT_HOME.into(),
            },
            to: scope
                .to
                .iter()
                .map(|to| code("to", to))
                .collect::<Result<_, _>>()?,
            limit: limit(scope.limit.as_deref(), default_limit)?,
        })
    }
}

/// Where every actor is: its place codes by IRI (so a projection of any generation can look
/// them up), and all the codes there are.
#[derive(Default)]
pub(crate) struct ActorPlaces {
    by_actor: HashMap<String, HashSet<String>>,
    codes: BTreeSet<String>,
}

/// Which actors are home, and the foreign ones by country.
struct Geography {
    home: HashSet<NodeId>,
    /// Foreign actors by country (ISO 3166-1 alpha-2).
    foreign: BTreeMap<String, HashSet<NodeId>>,
}

impl App {
    /// Every actor's place, split into home and the foreign ecosystems asked about. A `to`
    /// that is the code of no actor's place is refused, naming the ecosystems there are.
    fn geography(&self, projection: &Projection, scope: &Scope) -> Result<Geography, AppError> {
        let home_country: String = scope.home.chars().take(2).collect();
        let mut geography = Geography {
            home: HashSet::new(),
            foreign: BTreeMap::new(),
        };
        let places = self.actor_places()?;
        let known = &places.codes;
        let mut countries = BTreeSet::new();
        let no_place = HashSet::new();
        for node in projection.nodes() {
            if projection.node(node).kind != NodeKind::Actor {
                continue;
            }
            let codes = places
                .by_actor
                .get(projection.iri(node))
                .unwrap_or(&no_place);
            if codes.contains(&scope.home) {
                geography.home.insert(node);
                continue;
            }
            for country in codes.iter().filter(|c| c.len() == 2 && **c != home_country) {
                countries.insert(country.clone());
                if scope.to.is_empty() || scope.to.iter().any(|t| t == country || codes.contains(t))
                {
                    geography
                        .foreign
                        .entry(country.clone())
                        .or_default()
                        .insert(node);
                }
            }
        }
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
        if let Some(unknown) = scope.to.iter().find(|t| !known.contains(*t)) {
            return Err(AppError::parameter(
                "to",
                format!(
                    "to={unknown} is the code of no actor's place; the foreign ecosystems are: {}",
                    countries.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(geography)
    }

    /// Every code (country, region) of an actor's place: what `from` and `to` may name.
    pub fn place_codes(&self) -> Result<Vec<String>, AppError> {
        Ok(self.actor_places()?.codes.iter().cloned().collect())
    }

    /// Each actor's place codes, read from the store once per generation (not per request).
    fn actor_places(&self) -> Result<Arc<ActorPlaces>, AppError> {
        self.views.actor_places.get(
            || self.store.generation(),
            || {
                let projection = self.projection()?;
                let mut places = ActorPlaces::default();
                let memo = ponte_store::PlaceMemo::default();
                for node in projection.nodes() {
                    if projection.node(node).kind == NodeKind::Actor {
                        let iri = projection.iri(node);
                        let actor = NamedNode::new_unchecked(iri);
                        let codes = self.store.place_codes_with(&actor, &memo)?;
                        places.codes.extend(codes.iter().cloned());
                        places.by_actor.insert(iri.to_owned(), codes);
                    }
                }
                Ok(places)
            },
        )
    }

    /// For each foreign ecosystem (country), the actors most often on the shortest paths
    /// between home actors and that ecosystem's actors, each with one such path as evidence.
    pub fn brokers(&self, scope: &EcosystemScope, origin: &str) -> Result<BrokersAnswer, AppError> {
        let scope = Scope::parse(scope, 5)?;
        let projection = self.projection()?;
        let geography = self.geography(&projection, &scope)?;
        let mut names = NameCache::new(&self.store, &projection);
        let mut items = Vec::new();
        for (country, foreign) in &geography.foreign {
            let mut brokers = Vec::new();
            for broker in
                ponte_match::ecosystem::brokers(&projection, &geography.home, foreign, scope.limit)
            {
                brokers.push(Broker {
                    id: projection.iri(broker.node).to_owned(),
                    label: names.of(broker.node)?,
                    betweenness: (broker.betweenness * 1e4).round() / 1e4,
                    evidence: vec![names.steps(&broker.path)?],
                });
            }
            items.push(EcosystemBrokers {
                ecosystem: country.clone(),
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
        let projection = self.projection()?;
        let geography = self.geography(&projection, &scope)?;
        let foreign: HashSet<NodeId> = geography.foreign.values().flatten().copied().collect();
        let gaps = ponte_match::ecosystem::gaps(&projection, &geography.home, &foreign, &|p| {
            TOPIC_LINKS.contains(&p)
        });
        let mut names = NameCache::new(&self.store, &projection);
        let mut items = Vec::new();
        for gap in gaps.iter().take(scope.limit) {
            let mut evidence = Vec::new();
            for actor in gap.home.iter().take(3) {
                let link = Step::between(&projection, *actor, gap.topic)
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
    /// The ecosystem's country (ISO 3166-1 alpha-2).
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
    /// Its betweenness between the two sides.
    pub betweenness: f64,
    /// One bridging path, from a home actor through it to a foreign actor.
    pub evidence: Vec<Vec<EvidenceStep>>,
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
