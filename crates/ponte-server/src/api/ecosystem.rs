//! Beyond partner lists: `GET /api/brokers` (the actors that bridge the home region and each
//! foreign ecosystem, by betweenness) and `GET /api/gaps` (topics the region works on with no
//! foreign partner yet), each with evidence from the matchmaking projection.

use super::matchmaking::{node_names, step_json};
use super::{json_ld, openapi};
use crate::problem::ApiError;
use crate::{AppState, http_util};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use ponte_match::{NodeKind, Projection, Step, shortest_path};
use ponte_store::{NamedNode, PonteStore};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// The home region when the request names none: Emilia-Romagna, Ponte's first users.
const DEFAULT_HOME: &str = "IT-45";
/// The parameters the two endpoints take.
pub(crate) const ECOSYSTEM_PARAMETERS: [&str; 3] = ["from", "to", "limit"];
/// Links from an actor to what it works on.
const TOPIC_LINKS: [&str; 3] = [
    "https://w3id.org/ponte/ontology#hasCompetence",
    "https://w3id.org/ponte/ontology#interestedIn",
    "http://purl.org/dc/terms/subject",
];

/// The request: the home region, the foreign ecosystems asked about, how many per answer.
struct Scope {
    home: String,
    to: Vec<String>,
    limit: usize,
}

impl Scope {
    fn parse(query: &str, default_limit: usize) -> Result<Self, ApiError> {
        let mut scope = Self {
            home: DEFAULT_HOME.into(),
            to: Vec::new(),
            limit: default_limit,
        };
        let code = |key: &str, value: &str| -> Result<String, ApiError> {
            if (2..=10).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                Ok(value.to_ascii_uppercase())
            } else {
                Err(ApiError::bad_request(format!(
                    "{key} is an ISO 3166 or NUTS code (IT-45, US, KR), not {value:?}"
                ))
                .with("parameter", key))
            }
        };
        for (key, value) in http_util::parse_params(query.as_bytes()) {
            match key.as_str() {
                "from" => scope.home = code(&key, &value)?,
                "to" => scope.to.push(code(&key, &value)?),
                "limit" => scope.limit = super::parse_limit(&value)?,
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown parameter {other:?}; this takes {}",
                        ECOSYSTEM_PARAMETERS.join(", ")
                    ))
                    .with("parameter", other));
                }
            }
        }
        Ok(scope)
    }
}

/// Every actor's country, and whether it is in the home region.
struct Geography {
    home: HashSet<u32>,
    /// Foreign actors by country (ISO 3166-1 alpha-2).
    foreign: BTreeMap<String, HashSet<u32>>,
}

fn geography(
    store: &PonteStore,
    projection: &Projection,
    scope: &Scope,
) -> Result<Geography, ApiError> {
    let home_country: String = scope.home.chars().take(2).collect();
    let mut geography = Geography {
        home: HashSet::new(),
        foreign: BTreeMap::new(),
    };
    for node in projection.nodes() {
        if projection.node(node).kind != NodeKind::Actor {
            continue;
        }
        let codes = store.place_codes(&NamedNode::new_unchecked(projection.iri(node)))?;
        if codes.contains(&scope.home) {
            geography.home.insert(node);
            continue;
        }
        for country in codes.iter().filter(|c| c.len() == 2 && **c != home_country) {
            if scope.to.is_empty() || scope.to.iter().any(|t| t == country || codes.contains(t)) {
                geography
                    .foreign
                    .entry(country.clone())
                    .or_default()
                    .insert(node);
            }
        }
    }
    Ok(geography)
}

/// `GET /api/brokers`: for each foreign ecosystem (country), the actors most often on the
/// shortest paths between home actors and that ecosystem's actors (betweenness restricted to
/// those pairs; places are not walked through), each with one such path as evidence.
#[utoipa::path(
    get,
    path = "/api/brokers",
    params(openapi::EcosystemScope),
    responses(
        (status = 200, description = "Brokers per foreign ecosystem, best first", body = Object, content_type = "application/ld+json"),
        (status = 400, description = "A parameter is malformed; `parameter` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn brokers(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(
        state,
        query,
        headers,
        5,
        |store, projection, geography, scope| {
            let mut items = Vec::new();
            for (country, foreign) in &geography.foreign {
                let scores = betweenness(projection, &geography.home, foreign);
                let mut ranked: Vec<(u32, f64)> = scores
                    .into_iter()
                    .filter(|(n, s)| *s > 0.0 && projection.node(*n).kind == NodeKind::Actor)
                    .collect();
                ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let mut brokers = Vec::new();
                for (node, score) in ranked.into_iter().take(scope.limit) {
                    let path = bridge(projection, node, &geography.home, foreign);
                    brokers.push(json!({
                        "@id": projection.iri(node),
                        "label": node_names(store, projection, node)?,
                        "betweenness": (score * 1e4).round() / 1e4,
                        "evidence": [steps(store, projection, &path)?],
                    }));
                }
                items.push(json!({"ecosystem": country, "brokers": brokers}));
            }
            let total = items.len();
            Ok((items, total))
        },
    )
    .await
}

/// `GET /api/gaps`: the topics home actors work on where none of them is linked yet (directly,
/// or through a shared project or activity) to a foreign actor on the same topic. Each gap
/// names the home actors, and the foreign actors on the topic who could be partners.
#[utoipa::path(
    get,
    path = "/api/gaps",
    params(openapi::EcosystemScope),
    responses(
        (status = 200, description = "Topics without a foreign partner yet, most home actors first", body = Object, content_type = "application/ld+json"),
        (status = 400, description = "A parameter is malformed; `parameter` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn gaps(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(
        state,
        query,
        headers,
        20,
        |store, projection, geography, scope| {
            let foreign: HashSet<u32> = geography.foreign.values().flatten().copied().collect();
            let mut gaps = Vec::new();
            for topic in projection
                .nodes()
                .filter(|n| projection.node(*n).kind == NodeKind::Topic)
            {
                let working_on = |actors: &HashSet<u32>| -> Vec<u32> {
                    let mut found: Vec<u32> = projection
                        .neighbours(topic)
                        .iter()
                        .copied()
                        .filter(|a| actors.contains(a) && works_on(projection, *a, topic))
                        .collect();
                    found.sort_unstable();
                    found
                };
                let home = working_on(&geography.home);
                if home.is_empty() {
                    continue;
                }
                let abroad = working_on(&foreign);
                let linked = home
                    .iter()
                    .any(|h| abroad.iter().any(|f| related(projection, *h, *f)));
                if !linked {
                    gaps.push((topic, home, abroad));
                }
            }
            gaps.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
            let mut items = Vec::new();
            for (topic, home, abroad) in gaps.iter().take(scope.limit) {
                let evidence: Vec<Value> = home
                    .iter()
                    .take(3)
                    .map(|actor| {
                        let link = Step::between(projection, *actor, *topic).expect("a neighbour");
                        steps(store, projection, &[link])
                    })
                    .collect::<Result<_, _>>()?;
                items.push(json!({
                    "@id": projection.iri(*topic),
                    "label": node_names(store, projection, *topic)?,
                    "regionalActors": home.iter().map(|n| projection.iri(*n)).collect::<Vec<_>>(),
                    "foreignActors": abroad.iter().map(|n| projection.iri(*n)).collect::<Vec<_>>(),
                    "evidence": evidence,
                }));
            }
            Ok((items, gaps.len()))
        },
    )
    .await
}

/// Parses the scope, then answers with `items` (and their total) computed on the current
/// projection and the actors' geography, as a `Collection` naming the home region.
async fn answer(
    state: AppState,
    query: Option<String>,
    headers: HeaderMap,
    default_limit: usize,
    items: impl FnOnce(
        &PonteStore,
        &Projection,
        &Geography,
        &Scope,
    ) -> Result<(Vec<Value>, usize), ApiError>
    + Send
    + 'static,
) -> Result<Response, ApiError> {
    let scope = Scope::parse(query.as_deref().unwrap_or_default(), default_limit)?;
    let origin = http_util::origin(&headers, &state.config);
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let document = state
        .executor
        .run(move |_token| {
            let projection = views.matching.projection(&store)?;
            let geography = geography(&store, &projection, &scope)?;
            let (items, total) = items(&store, &projection, &geography, &scope)?;
            let mut document = Map::new();
            document.insert("type".into(), json!("Collection"));
            document.insert("home".into(), json!(scope.home));
            document.insert("totalItems".into(), json!(total));
            document.insert("items".into(), Value::Array(items));
            Ok(document)
        })
        .await?;
    Ok(json_ld(&origin, document))
}

/// Whether the link from `actor` to `topic` says the actor works on it.
fn works_on(projection: &Projection, actor: u32, topic: u32) -> bool {
    projection.edge(actor, topic).is_some_and(|label| {
        label.forward && TOPIC_LINKS.contains(&projection.predicate(label.predicate))
    })
}

/// Whether two actors are linked directly or share a project or an activity.
fn related(projection: &Projection, a: u32, b: u32) -> bool {
    if projection.edge(a, b).is_some() {
        return true;
    }
    let shared_kinds = [NodeKind::Project, NodeKind::Activity];
    projection.neighbours(a).iter().any(|n| {
        shared_kinds.contains(&projection.node(*n).kind) && projection.edge(*n, b).is_some()
    })
}

/// Betweenness on shortest paths from `sources` to `targets` only (Brandes' accumulation with
/// the dependency counted at targets), not walking through places: sharing a city or a country
/// bridges nothing.
fn betweenness(
    projection: &Projection,
    sources: &HashSet<u32>,
    targets: &HashSet<u32>,
) -> HashMap<u32, f64> {
    let walkable = |n: u32| projection.node(n).kind != NodeKind::Place;
    let mut score: HashMap<u32, f64> = HashMap::new();
    let mut ordered_sources: Vec<u32> = sources.iter().copied().collect();
    ordered_sources.sort_unstable();
    for source in ordered_sources {
        let mut order = Vec::new();
        let mut paths: HashMap<u32, f64> = HashMap::from([(source, 1.0)]);
        let mut distance: HashMap<u32, u32> = HashMap::from([(source, 0)]);
        let mut predecessors: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            let d = distance[&v];
            for &w in projection.neighbours(v) {
                if !walkable(w) {
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
        let mut dependency: HashMap<u32, f64> = HashMap::new();
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
fn bridge(
    projection: &Projection,
    broker: u32,
    home: &HashSet<u32>,
    foreign: &HashSet<u32>,
) -> Vec<Step> {
    let nearest = |goal: &HashSet<u32>| {
        let is_goal = |node: u32| goal.contains(&node);
        let not_place = |node: u32, _| projection.node(node).kind != NodeKind::Place;
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

/// Steps as triples with the names of both ends, as `/api/match` shows them.
fn steps(store: &PonteStore, projection: &Projection, path: &[Step]) -> Result<Value, ApiError> {
    let mut name_of = |node: u32| node_names(store, projection, node);
    let mut out = Vec::new();
    for step in path {
        out.push(step_json(projection, step, &mut name_of)?);
    }
    Ok(Value::Array(out))
}
