//! The mission planner (`POST /api/plan`, `GET /api/plan?mission=…`, `ponte plan`): whom to
//! bring to a foreign ecosystem and whom they should meet, who can introduce them, which gaps
//! the meetings would close; and, for a past mission, the meetings not yet followed by a
//! partnership, each with its best next step. Everything is read from the matchmaking
//! projection, and every reason is a path of real edges.

use crate::ecosystem::{AIMS_AT, Scope, TOPIC_LINKS};
use crate::error::AppError;
use crate::matchmaking::{EvidenceStep, NOT_PARTNERS, NameCache, SuggestionItem};
use crate::request::{EcosystemScope, reference};
use crate::{App, Broker, vocab};
use ponte_match::{ClassId, NodeId, NodeKind, Projection, Seed, Step, TOPIC_DECAY, TOPIC_HOPS};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Actors invited when the request gives no `limit`.
const INVITE_LIMIT: usize = 10;
/// The most any list of a plan holds.
const MAX_LIMIT: usize = 100;
/// Partners proposed to each invited actor.
const MEETINGS_PER_INVITEE: usize = 3;
/// Brokers shown as introducers.
const INTRODUCERS: usize = 5;
/// How the invitation score weighs its four reasons: linked to the mission's topics (or ones
/// above or below), saying it works on them (its words against the topics' labels), earlier
/// activities aimed at or held in the ecosystem, links there already.
const FIT_WEIGHTS: [f64; 4] = [0.4, 0.2, 0.2, 0.2];
/// Links from an activity to a place that make it an activity of that place: aimed at it, or
/// held there (a mission is held where it goes).
const AIMED_OR_HELD: [&str; 2] = [AIMS_AT[0], "http://schema.org/location"];
/// An activity's parts point to it with this (a meeting to its mission stage, a stage to its
/// mission).
const SUPER_EVENT: &str = "http://schema.org/superEvent";
/// What makes a meeting a partnership already: a direct link other than taking part or
/// meeting, or a shared project.
const NOT_PARTNERSHIP: [&str; 4] = [
    "https://w3id.org/ponte/ontology#met",
    "https://w3id.org/ponte/ontology#visited",
    "https://w3id.org/ponte/ontology#hostedBy",
    "https://w3id.org/ponte/ontology#participatedIn",
];
/// The class of calls: a call aimed at the partner's place is the most concrete next step.
const CALL: &str = "https://w3id.org/ponte/ontology#Call";

/// A mission to plan (`POST /api/plan`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlanRequest {
    /// The foreign ecosystem: a country or region code (`KR`, `US-MA`) or a place's slug
    /// (`boston`).
    pub to: String,
    /// The home region or country (`IT-45`, Emilia-Romagna, when not given).
    #[serde(default)]
    pub from: Option<String>,
    /// The mission's topics (slugs such as `digital-health`, or `topic:…`); topics up to two
    /// levels above or below count, half as much a level.
    #[serde(default)]
    pub topics: Vec<String>,
    /// A past mission to follow up (a slug or `id:…`): its meetings not yet followed by a
    /// partnership are listed too, with the best next step for each.
    #[serde(default)]
    pub follow_up: Option<String>,
    /// How many home actors to invite (default 10, at most 100); each gets up to three
    /// partners to meet.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A past mission to follow up (`GET /api/plan?mission=…`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpRequest {
    /// The mission: a slug (`mission-usa-2022`), `id:…` or a whole IRI.
    #[param(example = "mission-usa-2022", required = true, value_type = String)]
    pub mission: Option<String>,
    /// How many meetings to list (default 20, at most 100).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
}

impl crate::params::FromParams for FollowUpRequest {
    const WHAT: &'static str = "the follow-up of a mission";

    fn take(params: &mut crate::params::Params) -> Self {
        Self {
            mission: params.one("mission"),
            limit: params.one("limit"),
        }
    }
}

/// A mission plan: whom to invite, whom they meet, who introduces them, which gaps close.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanAnswer {
    /// The JSON-LD context.
    #[serde(rename = "@context")]
    pub context: String,
    /// Always `MissionPlan`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The home region.
    pub home: String,
    /// The foreign ecosystem, as asked.
    pub ecosystem: String,
    /// The mission's topics, as IRIs.
    pub topics: Vec<String>,
    /// Home actors to invite, best first.
    pub invite: Vec<Invitee>,
    /// Whom each invited actor should meet, best pairs first.
    pub meetings: Vec<PlannedMeeting>,
    /// Who can introduce them: the brokers towards the ecosystem.
    pub introducers: Vec<Broker>,
    /// The gaps (topics the region works on with no partner there yet) the meetings would
    /// close.
    pub gaps_closed: Vec<ClosedGap>,
    /// With `followUp`: the past mission's meetings not yet followed by a partnership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpAnswer>,
}

/// A home actor to invite.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invitee {
    /// The actor's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its names, one per language.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// The sum of 0.4 × how well its topics cover the mission's (1 a topic, 0.5 a level above
    /// or below), 0.2 × how close its words are to the topics' labels, 0.2 × its earlier
    /// activities aimed at or held in the ecosystem (two or more count fully) and 0.2 × its
    /// links there (three or more).
    pub score: f64,
    /// Its topics that match the mission's.
    pub topics: Vec<String>,
    /// The words it shares with the mission's topics' labels, rarest first (up to five).
    #[serde(rename = "sharedTerms")]
    pub shared_terms: Vec<String>,
    /// Its earlier missions, programmes and events aimed at the ecosystem.
    pub activities: Vec<String>,
    /// The actors of the ecosystem it is linked to already.
    pub links: Vec<String>,
    /// Up to three paths for each reason, each step a triple.
    pub evidence: Vec<Vec<EvidenceStep>>,
}

/// A meeting to plan: a home actor and a partner in the ecosystem, as `/api/match` suggests
/// the partner to the home actor (`connected` when they are linked already).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlannedMeeting {
    /// The home actor.
    pub home: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub home_label: Value,
    /// Whether the two met already (linked directly, or at the same activity).
    pub met: bool,
    /// The partner, with its score, parts, evidence and shared words.
    #[serde(flatten)]
    pub partner: SuggestionItem,
}

/// A gap the planned meetings would close.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClosedGap {
    /// The topic's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// The planned meetings on it, as (home actor, partner) IRIs.
    pub meetings: Vec<[String; 2]>,
}

/// A past mission's meetings not yet followed by a partnership.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpAnswer {
    /// The JSON-LD context (only when answered alone, by `GET /api/plan`).
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The mission's IRI.
    pub mission: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// The meetings not followed yet, the best next steps first.
    pub meetings: Vec<OpenMeeting>,
}

/// Two actors who met on a mission and are not partners yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenMeeting {
    /// The home actor's IRI.
    pub home: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub home_label: Value,
    /// The actor met's IRI.
    pub partner: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub partner_label: Value,
    /// How the matcher scores the partner for the home actor.
    pub score: f64,
    /// Where they met: the home actor took part in the activity, the partner was met,
    /// visited or hosted there (or in one of its parts).
    pub met_at: Vec<EvidenceStep>,
    /// What to do next, when the graph suggests something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<NextStep>,
}

/// The best next step for a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextStep {
    /// `call` (a call aimed at the partner's place, on a topic of the home actor's: apply
    /// together), `topic` (the rarest topic both work on: propose joint work on it) or
    /// `introduction` (an actor linked to both: ask it to introduce them).
    pub kind: String,
    /// The call, topic or introducer.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its names.
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// Why: paths of real edges from it to the two.
    pub evidence: Vec<Vec<EvidenceStep>>,
}

impl App {
    /// Plans a mission to an ecosystem: the home actors to invite (by the mission's topics,
    /// their earlier activities aimed there and their links there), the partners each should
    /// meet there (the matcher's suggestions kept to the ecosystem), the brokers who can
    /// introduce them, the gaps the meetings would close, and with `followUp` the past
    /// mission's open meetings.
    pub fn plan(&self, request: &PlanRequest, origin: &str) -> Result<PlanAnswer, AppError> {
        let limit = request.limit.unwrap_or(INVITE_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid(format!(
                "limit: {limit} is not between 1 and {MAX_LIMIT}"
            ))
            .with_field("limit"));
        }
        if request.to.trim().is_empty() {
            return Err(AppError::invalid(
                "to: the ecosystem to plan for, a country or region code (KR, US-MA) or a place (boston)",
            )
            .with_field("to"));
        }
        let scope = Scope::parse(
            &EcosystemScope {
                from: request.from.clone(),
                to: vec![request.to.clone()],
                limit: None,
            },
            INTRODUCERS,
        )
        .map_err(as_body_error)?;
        let geo = self.actor_places()?;
        let projection = geo.projection.clone();
        let geography = self.geography(&geo, &scope).map_err(as_body_error)?;
        let (ecosystem, foreign) = geography
            .foreign
            .iter()
            .next()
            .expect("one ecosystem was asked for");
        let ecosystem_places = &geography.places[ecosystem];
        let topics = mission_topics(&projection, &request.topics)?;
        let not_partners = not_partner_classes(&projection);
        let is_partner_kind = |node: NodeId| is_partner(&projection, &not_partners, node);
        let followed_mission = match &request.follow_up {
            Some(mission) => Some(mission_node(&projection, mission, "followUp")?),
            None => None,
        };

        // Whom to invite.
        let mut names = NameCache::new(&self.store, &projection);
        let mut about = projection.content().about_topics(&topics);
        let mut ranked: Vec<(NodeId, f64, Reasons)> = geography
            .home
            .iter()
            .copied()
            .filter(|node| is_partner_kind(*node))
            .filter_map(|node| {
                let mut reasons =
                    Reasons::of(&projection, node, &topics, ecosystem_places, foreign);
                if let Some((similarity, words)) = about.remove(&node) {
                    reasons.words = similarity;
                    reasons.shared_terms = words;
                }
                let score = reasons.score(topics.len());
                (score > 0.0).then_some((node, score, reasons))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        let mut invite = Vec::new();
        for (node, score, reasons) in &ranked {
            let mut evidence = Vec::new();
            for path in reasons.paths.iter().take(9) {
                evidence.push(names.steps(path)?);
            }
            let iris = |nodes: &[NodeId]| -> Vec<String> {
                nodes
                    .iter()
                    .map(|n| projection.iri(*n).to_owned())
                    .collect()
            };
            invite.push(Invitee {
                id: projection.iri(*node).to_owned(),
                label: names.of(*node)?,
                score: round(*score),
                topics: iris(&reasons.topics),
                shared_terms: reasons
                    .shared_terms
                    .iter()
                    .take(5)
                    .map(|w| projection.content().word(*w).to_owned())
                    .collect(),
                activities: iris(&reasons.activities),
                links: iris(&reasons.links),
                evidence,
            });
        }

        // Whom each meets, kept to the ecosystem: one ranking per invitee, on two threads
        // (each costs a PageRank push, most of a plan's time).
        let mut seeds = Vec::new();
        for (node, _, _) in &ranked {
            let actor = ponte_store::NamedNode::new_unchecked(projection.iri(*node));
            let mut seed = Seed::actor(&projection, *node);
            seed.wanted_classes = self.complementary_classes(&projection, &actor)?;
            seeds.push((*node, seed));
        }
        let keep = |candidate: NodeId| foreign.contains(&candidate) && is_partner_kind(candidate);
        let suggest = |(node, seed): &(NodeId, Seed)| {
            let found = ponte_match::suggest(
                &projection,
                seed,
                &self.weights,
                MEETINGS_PER_INVITEE,
                &keep,
            );
            (*node, found)
        };
        let half = seeds.len().div_ceil(2);
        let (first, second) = seeds.split_at(half);
        let mut per_invitee: Vec<(NodeId, Vec<ponte_match::Suggestion>)> =
            std::thread::scope(|scope| {
                let other = scope.spawn(|| second.iter().map(suggest).collect::<Vec<_>>());
                let mut done: Vec<_> = first.iter().map(suggest).collect();
                done.extend(other.join().expect("a ranking does not panic"));
                done
            });
        per_invitee.sort_by_key(|(node, _)| *node);
        let mut meetings = Vec::new();
        for (node, suggestions) in per_invitee {
            let answer = self.answer(
                &projection,
                Some(projection.iri(node)),
                &suggestions,
                String::new(),
                origin,
            )?;
            for (suggestion, item) in suggestions.iter().zip(answer.items) {
                meetings.push((
                    node,
                    suggestion.node,
                    PlannedMeeting {
                        home: projection.iri(node).to_owned(),
                        home_label: names.of(node)?,
                        met: suggestion.connected || suggestion.shared[2] > 0,
                        partner: item,
                    },
                ));
            }
        }
        meetings.sort_by(|a, b| {
            b.2.partner
                .score
                .total_cmp(&a.2.partner.score)
                .then(a.0.cmp(&b.0))
                .then(a.1.cmp(&b.1))
        });

        // The gaps those meetings close.
        let gaps = ponte_match::ecosystem::gaps(&projection, &geography.home, foreign, &|p| {
            TOPIC_LINKS.contains(&p)
        });
        let near_mission = |topic: NodeId| {
            topics.is_empty()
                || topics.iter().any(|t| {
                    projection
                        .related_topics(*t, TOPIC_HOPS)
                        .iter()
                        .any(|(r, _)| *r == topic)
                })
        };
        let mut gaps_closed = Vec::new();
        for gap in gaps.iter().filter(|g| near_mission(g.topic)) {
            let closing: Vec<[String; 2]> = meetings
                .iter()
                .filter(|(home, partner, _)| {
                    gap.home.contains(home) && gap.abroad.contains(partner)
                })
                .map(|(home, partner, _)| {
                    [
                        projection.iri(*home).to_owned(),
                        projection.iri(*partner).to_owned(),
                    ]
                })
                .collect();
            if !closing.is_empty() {
                gaps_closed.push(ClosedGap {
                    id: projection.iri(gap.topic).to_owned(),
                    label: names.of(gap.topic)?,
                    meetings: closing,
                });
            }
        }

        let introducers = self
            .brokers(
                &EcosystemScope {
                    from: Some(scope.home.clone()),
                    to: vec![request.to.clone()],
                    limit: Some(INTRODUCERS.to_string()),
                },
                origin,
            )?
            .items
            .into_iter()
            .next()
            .map(|e| e.brokers)
            .unwrap_or_default();
        let follow_up = match followed_mission {
            Some(mission) => Some(self.open_meetings(&projection, mission, MAX_LIMIT, None)?),
            None => None,
        };
        Ok(PlanAnswer {
            context: crate::jsonld::context_url(origin),
            kind: "MissionPlan".into(),
            home: scope.home,
            ecosystem: ecosystem.clone(),
            topics: topics
                .iter()
                .map(|t| projection.iri(*t).to_owned())
                .collect(),
            invite,
            meetings: meetings.into_iter().map(|(_, _, m)| m).collect(),
            introducers,
            gaps_closed,
            follow_up,
        })
    }

    /// A past mission's meetings that have not become a partnership yet, each with the best
    /// next step the graph suggests (`GET /api/plan?mission=…`).
    pub fn follow_up(
        &self,
        request: &FollowUpRequest,
        origin: &str,
    ) -> Result<FollowUpAnswer, AppError> {
        let Some(mission) = request.mission.as_deref() else {
            return Err(AppError::parameter(
                "mission",
                "the follow-up needs mission, a past mission (mission-usa-2022 or id:…)",
            ));
        };
        let limit = crate::request::limit(request.limit.as_deref(), 20)?;
        let projection = self.projection()?;
        let mission = mission_node(&projection, mission, "mission")?;
        self.open_meetings(&projection, mission, limit, Some(origin))
    }

    /// The open meetings of `mission`, best next steps first.
    fn open_meetings(
        &self,
        projection: &Projection,
        mission: NodeId,
        limit: usize,
        origin: Option<&str>,
    ) -> Result<FollowUpAnswer, AppError> {
        let mut names = NameCache::new(&self.store, projection);
        let not_partners = not_partner_classes(projection);
        let is_partner_kind = |node: NodeId| is_partner(projection, &not_partners, node);
        // The mission and its parts, each with its chain up to the mission.
        let parts = activity_parts(projection, mission);
        // Who took part where (home side), and who was met where (the other side).
        let mut took_part: Vec<(NodeId, NodeId)> = Vec::new();
        let mut was_met: Vec<(NodeId, NodeId)> = Vec::new();
        // In id order, so that the same graph always gives the same paths.
        let mut activities: Vec<NodeId> = parts.keys().copied().collect();
        activities.sort_unstable();
        for activity in activities {
            for (other, label) in projection
                .neighbours(activity)
                .zip(projection.labels(activity))
            {
                if !is_partner_kind(other) {
                    continue;
                }
                let predicate = projection.predicate(label.predicate);
                if !label.forward && predicate == PARTICIPATED_IN {
                    took_part.push((other, activity));
                } else if label.forward && NOT_PARTNERSHIP[..3].contains(&predicate) {
                    was_met.push((other, activity));
                }
            }
        }
        let mut pairs: BTreeMap<(NodeId, NodeId), Vec<Step>> = BTreeMap::new();
        // The delegation took part; whom it met, visited or was hosted by is the other side.
        for &(home, at) in &took_part {
            for &(partner, met_at) in &was_met {
                if partner == home || took_part.iter().any(|(a, _)| *a == partner) {
                    continue;
                }
                // They met when one activity is the other or contains it.
                let Some(path) = meeting_path(projection, &parts, home, at, partner, met_at) else {
                    continue;
                };
                if is_partnership(projection, home, partner) {
                    continue;
                }
                // The shortest account of how they met.
                let kept = pairs.entry((home, partner)).or_insert_with(|| path.clone());
                if path.len() < kept.len() {
                    *kept = path;
                }
            }
        }
        // Each delegate's partners scored in one ranking (one PageRank push per delegate).
        let mut scores: HashMap<(NodeId, NodeId), f64> = HashMap::new();
        let mut by_home: BTreeMap<NodeId, HashSet<NodeId>> = BTreeMap::new();
        for (home, partner) in pairs.keys() {
            by_home.entry(*home).or_default().insert(*partner);
        }
        for (home, partners) in &by_home {
            let seed = Seed::actor(projection, *home);
            let keep = |c: NodeId| partners.contains(&c);
            for scored in ponte_match::rank(projection, &seed, &self.weights, partners.len(), &keep)
            {
                scores.insert((*home, scored.node), scored.score);
            }
        }
        let mut open = Vec::new();
        for ((home, partner), path) in pairs {
            let score = scores.get(&(home, partner)).copied().unwrap_or(0.0);
            let next_step = self.next_step(projection, &mut names, home, partner)?;
            open.push(OpenMeeting {
                home: projection.iri(home).to_owned(),
                home_label: names.of(home)?,
                partner: projection.iri(partner).to_owned(),
                partner_label: names.of(partner)?,
                score: round(score),
                met_at: names.steps(&path)?,
                next_step,
            });
        }
        // Meetings with a concrete next step first, then by score.
        let rank = |m: &OpenMeeting| match m.next_step.as_ref().map(|s| s.kind.as_str()) {
            Some("call") => 0,
            Some("topic") => 1,
            Some(_) => 2,
            None => 3,
        };
        open.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(b.score.total_cmp(&a.score))
                .then(a.home.cmp(&b.home))
                .then(a.partner.cmp(&b.partner))
        });
        open.truncate(limit);
        Ok(FollowUpAnswer {
            context: origin.map(crate::jsonld::context_url),
            mission: projection.iri(mission).to_owned(),
            label: names.of(mission)?,
            meetings: open,
        })
    }

    /// The best next step for two actors who met: a call aimed at the partner's place on one
    /// of the home actor's topics, else the rarest topic both work on, else an actor linked to
    /// both.
    fn next_step(
        &self,
        projection: &Projection,
        names: &mut NameCache<'_>,
        home: NodeId,
        partner: NodeId,
    ) -> Result<Option<NextStep>, AppError> {
        let step = |a: NodeId, b: NodeId| Step::between(projection, a, b);
        // Ordered sets: the same graph always gives the same next step and paths.
        let topics_of = |actor: NodeId| -> BTreeSet<NodeId> {
            projection
                .neighbours(actor)
                .filter(|n| projection.node(*n).kind == NodeKind::Topic)
                .collect()
        };
        // The home actor's topics, with those up to two levels above or below.
        let home_topics: BTreeSet<NodeId> = topics_of(home)
            .into_iter()
            .flat_map(|t| projection.related_topics(t, TOPIC_HOPS))
            .map(|(t, _)| t)
            .collect();
        let link_to_home = |topic: NodeId| -> Vec<Option<Step>> {
            // The home actor's own topic, then up or down to `topic`.
            let own = topics_of(home);
            let start: Vec<NodeId> = own.into_iter().collect();
            let is_topic = |n: NodeId| n == topic;
            let through = |n: NodeId, _| projection.node(n).kind == NodeKind::Topic;
            let chain =
                ponte_match::shortest_path(projection, &start, &is_topic, &through, TOPIC_HOPS)
                    .unwrap_or_default();
            let mut path: Vec<Option<Step>> =
                chain.iter().rev().map(|s| Some(s.reversed())).collect();
            let first = chain.first().map_or(topic, |s| s.from);
            path.push(step(first, home));
            path
        };
        let partner_places: HashSet<NodeId> =
            crate::ecosystem::containing_places(projection, partner);
        let call_class = projection.class_id(CALL);
        // A call: aimed at a place the partner is in, on a topic of the home actor's.
        let mut calls: Vec<(NodeId, NodeId, NodeId)> = Vec::new();
        for place in &partner_places {
            for call in projection.neighbours(*place) {
                if call_class.is_none() || projection.node(call).class != call_class {
                    continue;
                }
                let aims = projection.edge(call, *place).is_some_and(|l| {
                    l.forward && AIMS_AT.contains(&projection.predicate(l.predicate))
                });
                if !aims {
                    continue;
                }
                if let Some(topic) = projection
                    .neighbours(call)
                    .filter(|t| home_topics.contains(t))
                    .min_by_key(|t| (projection.degree(*t), *t))
                {
                    calls.push((call, *place, topic));
                }
            }
        }
        calls.sort_unstable();
        if let Some((call, place, topic)) = calls.first().copied() {
            let mut to_home = vec![step(call, topic)];
            to_home.extend(link_to_home(topic));
            let evidence = [vec![step(call, place)], to_home];
            return Ok(Some(NextStep {
                kind: "call".into(),
                id: projection.iri(call).to_owned(),
                label: names.of(call)?,
                evidence: steps_of(names, &evidence)?,
            }));
        }
        // A topic both work on (or one above or below the home actor's), the rarest first.
        let mut shared: Vec<NodeId> = topics_of(partner)
            .intersection(&home_topics)
            .copied()
            .collect();
        shared.sort_by_key(|t| (projection.degree(*t), *t));
        if let Some(topic) = shared.first().copied() {
            let mut path: Vec<Option<Step>> = link_to_home(topic)
                .into_iter()
                .rev()
                .map(|s| s.map(Step::reversed))
                .collect();
            path.push(step(topic, partner));
            let evidence = [path];
            return Ok(Some(NextStep {
                kind: "topic".into(),
                id: projection.iri(topic).to_owned(),
                label: names.of(topic)?,
                evidence: steps_of(names, &evidence)?,
            }));
        }
        // An actor linked to both, the least connected first (it knows them best).
        let theirs: HashSet<NodeId> = projection.neighbours(partner).collect();
        let mut introducers: Vec<NodeId> = projection
            .neighbours(home)
            .filter(|n| theirs.contains(n) && projection.node(*n).kind == NodeKind::Actor)
            .collect();
        introducers.sort_by_key(|n| (projection.degree(*n), *n));
        if let Some(introducer) = introducers.first().copied() {
            let evidence = [vec![step(home, introducer), step(introducer, partner)]];
            return Ok(Some(NextStep {
                kind: "introduction".into(),
                id: projection.iri(introducer).to_owned(),
                label: names.of(introducer)?,
                evidence: steps_of(names, &evidence)?,
            }));
        }
        Ok(None)
    }
}

const PARTICIPATED_IN: &str = "https://w3id.org/ponte/ontology#participatedIn";

/// Why a home actor is invited.
#[derive(Default)]
struct Reasons {
    /// How well its topics cover the mission's (0..1 summed over the mission's topics).
    coverage: f64,
    /// How close its words are to the topics' labels (0..1).
    words: f64,
    shared_terms: Vec<ponte_match::WordId>,
    topics: Vec<NodeId>,
    activities: Vec<NodeId>,
    links: Vec<NodeId>,
    paths: Vec<Vec<Step>>,
}

impl Reasons {
    fn of(
        projection: &Projection,
        actor: NodeId,
        mission_topics: &[NodeId],
        places: &HashSet<NodeId>,
        foreign: &HashSet<NodeId>,
    ) -> Self {
        let mut reasons = Self::default();
        let step = |a: NodeId, b: NodeId| Step::between(projection, a, b);
        let own_topics: Vec<NodeId> = projection
            .neighbours(actor)
            .filter(|n| projection.node(*n).kind == NodeKind::Topic)
            .collect();
        for &topic in mission_topics {
            let best = projection
                .related_topics(topic, TOPIC_HOPS)
                .into_iter()
                .filter(|(related, _)| own_topics.contains(related))
                .map(|(related, hops)| {
                    (
                        TOPIC_DECAY.powi(i32::try_from(hops).unwrap_or(i32::MAX)),
                        related,
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            if let Some((similarity, related)) = best {
                reasons.coverage += similarity;
                if !reasons.topics.contains(&related) {
                    reasons.topics.push(related);
                    reasons.paths.extend(step(actor, related).map(|s| vec![s]));
                }
            }
        }
        for activity in projection.neighbours(actor) {
            if projection.node(activity).kind != NodeKind::Activity {
                continue;
            }
            if let Some(path) = aimed_at(projection, activity, places) {
                reasons.activities.push(activity);
                let mut full: Vec<Step> = step(actor, activity).into_iter().collect();
                full.extend(path);
                reasons.paths.push(full);
            }
        }
        for other in projection.neighbours(actor) {
            if foreign.contains(&other) {
                reasons.links.push(other);
                reasons.paths.extend(step(actor, other).map(|s| vec![s]));
            }
        }
        reasons
    }

    fn score(&self, topic_count: usize) -> f64 {
        let [topics, words, activities, links] = FIT_WEIGHTS;
        let coverage = if topic_count == 0 {
            0.0
        } else {
            self.coverage / topic_count as f64
        };
        topics * coverage
            + words * self.words
            + activities * (self.activities.len() as f64 / 2.0).min(1.0)
            + links * (self.links.len() as f64 / 3.0).min(1.0)
    }
}

/// The path from `activity` (or the activity it is part of, up to two levels) to the place of
/// `places` it aims at or is held in, if there is one.
fn aimed_at(
    projection: &Projection,
    activity: NodeId,
    places: &HashSet<NodeId>,
) -> Option<Vec<Step>> {
    let mut chain: Vec<Step> = Vec::new();
    let mut current = activity;
    for _ in 0..3 {
        for (next, label) in projection
            .neighbours(current)
            .zip(projection.labels(current))
        {
            if label.forward
                && places.contains(&next)
                && AIMED_OR_HELD.contains(&projection.predicate(label.predicate))
            {
                chain.extend(Step::between(projection, current, next));
                return Some(chain);
            }
        }
        let parent = projection
            .neighbours(current)
            .zip(projection.labels(current))
            .find(|(_, l)| l.forward && projection.predicate(l.predicate) == SUPER_EVENT)
            .map(|(n, _)| n)?;
        chain.extend(Step::between(projection, current, parent));
        current = parent;
    }
    None
}

/// The mission and every activity part of it (through `schema:superEvent`, any depth), each
/// with the activity it is directly part of.
fn activity_parts(projection: &Projection, mission: NodeId) -> HashMap<NodeId, Option<NodeId>> {
    let mut parts = HashMap::from([(mission, None)]);
    let mut frontier = vec![mission];
    while let Some(current) = frontier.pop() {
        for (part, label) in projection
            .neighbours(current)
            .zip(projection.labels(current))
        {
            if !label.forward
                && projection.predicate(label.predicate) == SUPER_EVENT
                && !parts.contains_key(&part)
            {
                parts.insert(part, Some(current));
                frontier.push(part);
            }
        }
    }
    parts
}

/// The chain from `activity` up to the mission: itself, its parent, …
fn ancestors(parts: &HashMap<NodeId, Option<NodeId>>, activity: NodeId) -> Vec<NodeId> {
    let mut chain = vec![activity];
    while let Some(Some(parent)) = parts.get(chain.last().expect("non-empty")) {
        if chain.contains(parent) {
            break;
        }
        chain.push(*parent);
    }
    chain
}

/// How `home` (who took part in `at`) met `partner` (met at `met_at`): home → its activity →
/// down or up to where the partner was met → partner; none when neither activity contains
/// the other.
fn meeting_path(
    projection: &Projection,
    parts: &HashMap<NodeId, Option<NodeId>>,
    home: NodeId,
    at: NodeId,
    partner: NodeId,
    met_at: NodeId,
) -> Option<Vec<Step>> {
    let up_from_meeting = ancestors(parts, met_at);
    let up_from_home = ancestors(parts, at);
    let mut nodes = vec![home];
    if let Some(i) = up_from_meeting.iter().position(|a| *a == at) {
        // The home actor took part in an activity containing the meeting.
        let mut down: Vec<NodeId> = up_from_meeting[..=i].to_vec();
        down.reverse();
        nodes.extend(down);
    } else if let Some(i) = up_from_home.iter().position(|a| *a == met_at) {
        // The partner was met at an activity containing the home actor's.
        nodes.extend(&up_from_home[..=i]);
    } else {
        return None;
    }
    nodes.push(partner);
    nodes
        .windows(2)
        .map(|pair| Step::between(projection, pair[0], pair[1]))
        .collect()
}

/// Whether two actors are partners already: linked directly other than by taking part or
/// meeting, or in a project together.
fn is_partnership(projection: &Projection, a: NodeId, b: NodeId) -> bool {
    if let Some(label) = projection.edge(a, b)
        && !NOT_PARTNERSHIP.contains(&projection.predicate(label.predicate))
    {
        return true;
    }
    let theirs: HashSet<NodeId> = projection.neighbours(b).collect();
    projection
        .neighbours(a)
        .any(|n| projection.node(n).kind == NodeKind::Project && theirs.contains(&n))
}

/// The mission's topics as topic nodes; one not in the graph is refused, naming it.
fn mission_topics(projection: &Projection, values: &[String]) -> Result<Vec<NodeId>, AppError> {
    let mut topics = Vec::new();
    for value in values {
        let iri = reference("topics", value, vocab::TOPIC_NAMESPACE)
            .map_err(|e| AppError::invalid(e.to_string()).with_field("topics"))?;
        let node = projection
            .id(iri.as_str())
            .filter(|n| projection.node(*n).kind == NodeKind::Topic)
            .ok_or_else(|| {
                AppError::invalid(format!("topics: <{iri}> is no topic of the graph"))
                    .with_field("topics")
            })?;
        if !topics.contains(&node) {
            topics.push(node);
        }
    }
    Ok(topics)
}

/// The activity a mission reference names. One that is malformed or names no activity is not
/// found (`GET`'s `mission`, as an unknown actor is for `/api/match`) or a bad body field
/// (`POST`'s `followUp`).
fn mission_node(projection: &Projection, value: &str, field: &str) -> Result<NodeId, AppError> {
    let in_query = field == "mission";
    let iri = reference(field, value, vocab::ID_NAMESPACE).map_err(|e| {
        if in_query {
            // As for `/api/match?actor=`: what names no mission is not found.
            AppError::NotFound {
                detail: e.to_string(),
                parameter: Some(field.into()),
            }
        } else {
            AppError::invalid(e.to_string()).with_field(field)
        }
    })?;
    projection
        .id(iri.as_str())
        .filter(|n| projection.node(*n).kind == NodeKind::Activity)
        .ok_or_else(|| {
            let detail = format!("{field}: <{iri}> is no mission or activity of the graph");
            if in_query {
                AppError::NotFound {
                    detail,
                    parameter: Some(field.into()),
                }
            } else {
                AppError::invalid(detail).with_field(field)
            }
        })
}

/// Whether `node` is an actor that can be a partner (an organisation: not a person or a
/// delegation).
fn is_partner(projection: &Projection, not_partners: &HashSet<ClassId>, node: NodeId) -> bool {
    projection.node(node).kind == NodeKind::Actor
        && !projection
            .node(node)
            .class
            .is_some_and(|class| not_partners.contains(&class))
}

/// The classes never proposed as partners (people, delegations).
fn not_partner_classes(projection: &Projection) -> HashSet<ClassId> {
    NOT_PARTNERS
        .iter()
        .filter_map(|class| projection.class_id(class))
        .collect()
}

/// A query-string problem of the plan's scope as a problem of its body, naming the field.
fn as_body_error(error: AppError) -> AppError {
    match error {
        AppError::InvalidParameter { parameter, detail } => {
            AppError::invalid(detail).with_field(parameter)
        }
        other => other,
    }
}

fn steps_of(
    names: &mut NameCache<'_>,
    paths: &[Vec<Option<Step>>],
) -> Result<Vec<Vec<EvidenceStep>>, AppError> {
    let mut out = Vec::new();
    for path in paths {
        let steps: Option<Vec<Step>> = path.iter().copied().collect();
        if let Some(steps) = steps {
            out.push(names.steps(&steps)?);
        }
    }
    Ok(out)
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}
