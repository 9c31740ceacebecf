//! `GET /api/match?actor=…`: explained partner suggestions from the matchmaking projection,
//! as JSON-LD. The projection is rebuilt aside when the store has moved on, then swapped in:
//! readers keep the one they hold, and a write shows up in the next suggestions.

use super::{Collection, ListParams, entity_iri, json_ld, kind_iri, openapi};
use crate::problem::ApiError;
use crate::{AppState, http_util};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use ponte_match::{
    GraphInput, NodeKind, Projection, ProjectionBuilder, Seed, Step, Suggestion, Weights,
};
use ponte_store::{NamedNode, NamedNodeRef, PonteStore, StoreError, Term};
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// Suggestions per answer when the request gives no `limit`.
const MATCH_LIMIT: usize = 10;

/// The parameters `/api/match` takes beside the collection filters.
pub(crate) const MATCH_PARAMETERS: [&str; 2] = ["actor", "exclude"];

/// Kinds of actor that are not suggested unless `kind` asks for them: a partner is an
/// organisation, not a person or a delegation.
const NOT_PARTNERS: [&str; 2] = [
    "https://w3id.org/ponte/ontology#Person",
    "https://w3id.org/ponte/ontology#ActorGroup",
];

/// The classes whose instances become each kind of node, in the order they are tried.
const KINDS: [(NodeKind, &str); 6] = [
    (NodeKind::Actor, "https://w3id.org/ponte/ontology#Actor"),
    (
        NodeKind::Topic,
        "http://www.w3.org/2004/02/skos/core#Concept",
    ),
    (NodeKind::Project, "https://w3id.org/ponte/ontology#Project"),
    (NodeKind::Activity, "http://www.w3.org/ns/prov#Activity"),
    (NodeKind::Activity, "https://w3id.org/ponte/ontology#Call"),
    (NodeKind::Place, "https://w3id.org/ponte/ontology#Place"),
];

/// The projection and the store generation it was built from.
#[derive(Default)]
pub struct MatchService {
    current: RwLock<Option<(u64, Arc<Projection>)>>,
    building: Mutex<()>,
}

impl MatchService {
    /// The projection of the store as it is now, rebuilt first if a write came since.
    pub fn projection(&self, store: &PonteStore) -> Result<Arc<Projection>, StoreError> {
        let current = || {
            let generation = store.generation();
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .filter(|(built, _)| *built == generation)
                .map(|(_, projection)| Arc::clone(projection))
        };
        if let Some(projection) = current() {
            return Ok(projection);
        }
        // One build at a time; whoever waited finds it done.
        let _building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(projection) = current() {
            return Ok(projection);
        }
        let generation = store.generation();
        let projection = Arc::new(build(store)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Some((generation, Arc::clone(&projection)));
        Ok(projection)
    }
}

/// Projects the store: typed entities become nodes of their kind (with their most specific
/// class), links between them become edges. Streams into the projection's builder, so no list
/// of every link is held on the way.
pub fn build(store: &PonteStore) -> Result<Projection, StoreError> {
    let builder = RefCell::new(ProjectionBuilder::new());
    visit(
        store,
        |iri, kind, class| {
            builder.borrow_mut().node(iri, kind, class);
        },
        |subject, predicate, object| {
            let mut builder = builder.borrow_mut();
            if builder.contains(subject) && builder.contains(object) {
                builder.edge(subject, predicate, object);
            }
        },
    )?;
    Ok(builder.into_inner().build())
}

/// The store's entities and links as lists, for the evaluation (which hides some links).
pub fn graph_input(store: &PonteStore) -> Result<GraphInput, StoreError> {
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    visit(
        store,
        |iri, kind, class| nodes.push((iri.to_owned(), kind, class.map(str::to_owned))),
        |s, p, o| links.push((s.to_owned(), p.to_owned(), o.to_owned())),
    )?;
    Ok(GraphInput { nodes, links })
}

/// Calls `node` for each typed entity (its kind and most specific class), then `link` for
/// each link between IRIs.
fn visit(
    store: &PonteStore,
    mut node: impl FnMut(&str, NodeKind, Option<&str>),
    link: impl FnMut(&str, &str, &str),
) -> Result<(), StoreError> {
    let mut sets = Vec::new();
    for (kind, root) in KINDS {
        sets.push((kind, store.subclasses(NamedNodeRef::new_unchecked(root))?));
    }
    // The most specific class is the one with the fewest subclasses.
    let mut specificity: HashMap<NamedNode, usize> = HashMap::new();
    for (entity, classes) in store.typed_entities()? {
        let kind = sets
            .iter()
            .find(|(_, set)| classes.iter().any(|c| set.contains(c)))
            .map_or(NodeKind::Other, |(kind, _)| *kind);
        let mut best: Option<(usize, &NamedNode)> = None;
        for class in &classes {
            let size = match specificity.get(class) {
                Some(size) => *size,
                None => {
                    let size = store.subclasses(class.as_ref())?.len();
                    specificity.insert(class.clone(), size);
                    size
                }
            };
            if best.is_none_or(|(s, c)| (size, class.as_str()) < (s, c.as_str())) {
                best = Some((size, class));
            }
        }
        node(entity.as_str(), kind, best.map(|(_, c)| c.as_str()));
    }
    store.for_each_link(link)
}

/// `GET /api/match?actor=…`: the partners the actor should meet next, best first, each with its
/// score, the parts of the score and one to three evidence paths of real edges. Filters as on
/// collections (`country`, `region`, `kind`, `topic`, `mission`, `programme`), `limit` (default
/// 10), and `exclude=connected` to leave out actors already linked to it. People and
/// delegations are suggested only when `kind` asks for them.
#[utoipa::path(
    get,
    path = "/api/match",
    params(openapi::MatchTarget, openapi::MatchOptions, openapi::Filters),
    responses(
        (status = 200, description = "Suggestions, best first", body = openapi::MatchPage, content_type = "application/ld+json"),
        (status = 400, description = "A parameter is malformed; `parameter` names it", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such actor", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn suggestions(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let origin = http_util::origin(&headers, &state.config);
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let request_origin = origin.clone();
    let document = state
        .executor
        .run(move |_token| {
            answer_query(
                &store,
                &views.matching,
                query.as_deref().unwrap_or_default(),
                &request_origin,
            )
        })
        .await?;
    Ok(json_ld(&origin, document))
}

/// The answer to a match query string (`actor=…&country=…`), as `/api/match` and `ponte
/// match` give it; `origin` is the base of the answer's own URL.
pub fn answer_query(
    store: &PonteStore,
    matching: &MatchService,
    query: &str,
    origin: &str,
) -> Result<Map<String, Value>, ApiError> {
    let mut actor = None;
    let mut exclude_connected = false;
    // The collection filters, re-encoded for their parser.
    let mut rest: Vec<(String, String)> = Vec::new();
    for (key, value) in http_util::parse_params(query.as_bytes()) {
        match key.as_str() {
            "actor" => actor = Some(value),
            "exclude" if value == "connected" => exclude_connected = true,
            "exclude" => {
                return Err(ApiError::bad_request(format!(
                    "exclude takes connected, not {value:?}"
                ))
                .with("parameter", "exclude"));
            }
            "q" | "cursor" => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {key:?}; /api/match takes {} and the filters kind, country, region, topic, mission, programme, limit",
                    MATCH_PARAMETERS.join(", ")
                ))
                .with("parameter", key.as_str()));
            }
            _ => rest.push((key, value)),
        }
    }
    let rest: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&rest)
        .finish();
    let params = ListParams::parse_with_limit(&rest, MATCH_LIMIT)?;
    let Some(actor) = actor else {
        return Err(
            ApiError::bad_request("match needs actor, the one to find partners for")
                .with("parameter", "actor"),
        );
    };
    let actors = Collection::named("actors")?;
    let actor = entity_iri(actors, &actor).map_err(|_| {
        ApiError::not_found(format!("{actor:?} names no actor")).with("parameter", "actor")
    })?;
    let self_url = format!(
        "{origin}/api/match?{}",
        query_text(&actor, exclude_connected, &params)
    );
    let projection = matching.projection(store)?;
    let Some(node) = projection
        .id(actor.as_str())
        .filter(|n| projection.node(*n).kind == NodeKind::Actor)
    else {
        return Err(ApiError::not_found(format!("no actor <{actor}>")).with("parameter", "actor"));
    };
    let seed = Seed::actor(&projection, node);
    let suggestions = run_match(store, &projection, &seed, exclude_connected, &params)?;
    answer(store, &projection, Some(&actor), &suggestions, self_url)
}

/// A profile to find partners for, when the one looking is not (yet) in the graph.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// Topics it works on or looks for (slugs such as `gene-therapy`, or `topic:…`).
    #[serde(default)]
    topics: Vec<String>,
    /// Entities it is linked to: missions, programmes, clusters, partners (slugs or `id:…`).
    #[serde(default)]
    linked_to: Vec<String>,
    /// Kinds of partner wanted (class names such as `Accelerator`, `Hospital`).
    #[serde(default)]
    wants: Vec<String>,
}

/// `POST /api/match`: partners for a profile (topics, links, kinds wanted) rather than for an
/// actor of the graph; the same filters and answer as `GET`.
#[utoipa::path(
    post,
    path = "/api/match",
    params(openapi::MatchOptions, openapi::Filters),
    request_body(content = openapi::MatchProfile, content_type = "application/json"),
    responses(
        (status = 200, description = "Suggestions, best first", body = openapi::MatchPage, content_type = "application/ld+json"),
        (status = 400, description = "The profile or a parameter is malformed, or names nothing in the graph; `field` or `parameter` says which", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Busy or over the time limit", body = openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn profile_suggestions(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    match http_util::content_type(&headers)?.as_deref() {
        Some("application/json") => {}
        other => {
            return Err(ApiError::unsupported_media_type(format!(
                "a profile is application/json, not {}",
                other.unwrap_or("untyped")
            )));
        }
    }
    let body = http_util::read_body(body, state.config.max_body_bytes).await?;
    let profile: Profile = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!("invalid profile: {e}"))
            .with("line", e.line())
            .with("column", e.column())
    })?;
    let query = query.unwrap_or_default();
    let given = http_util::parse_params(query.as_bytes());
    if let Some((key, _)) = given
        .iter()
        .find(|(k, _)| matches!(k.as_str(), "q" | "cursor" | "actor" | "exclude"))
    {
        return Err(ApiError::bad_request(format!(
            "{key} does not apply to a profile; POST /api/match takes the filters kind, country, region, topic, mission, programme, limit"
        ))
        .with("parameter", key.as_str()));
    }
    let params = ListParams::parse_with_limit(&query, MATCH_LIMIT)?;
    let origin = http_util::origin(&headers, &state.config);
    let store = state.store.clone();
    let views = Arc::clone(&state.views);
    let self_url = format!("{origin}/api/match");
    let document = state
        .executor
        .run(move |_token| {
            let projection = views.matching.projection(&store)?;
            let seed = profile_seed(&store, &projection, &profile)?;
            let suggestions = run_match(&store, &projection, &seed, false, &params)?;
            answer(&store, &projection, None, &suggestions, self_url)
        })
        .await?;
    Ok(json_ld(&origin, document))
}

/// The seed a profile stands for: its topics and links as nodes, its wanted kinds as classes.
fn profile_seed(
    store: &PonteStore,
    projection: &Projection,
    profile: &Profile,
) -> Result<Seed, ApiError> {
    let mut links = Vec::new();
    for (field, values, namespace) in [
        ("topics", &profile.topics, super::TOPIC_NAMESPACE),
        ("linkedTo", &profile.linked_to, super::ID_NAMESPACE),
    ] {
        for value in values {
            let iri =
                super::reference(field, value, namespace).map_err(|e| e.with("field", field))?;
            let node = projection.id(iri.as_str()).ok_or_else(|| {
                ApiError::bad_request(format!("{field}: <{iri}> is not in the graph"))
                    .with("field", field)
            })?;
            links.push(node);
        }
    }
    if links.is_empty() {
        return Err(ApiError::bad_request(
            "a profile needs topics or linkedTo: what it works on, or what it is linked to",
        )
        .with("field", "topics"));
    }
    let mut wanted_classes = HashSet::new();
    for kind in &profile.wants {
        let class = kind_iri(kind).ok_or_else(|| {
            ApiError::bad_request(format!("wants: {kind:?} is no class name"))
                .with("field", "wants")
        })?;
        for class in store.subclasses(class.as_ref())? {
            if let Some(id) = projection.class_id(class.as_str()) {
                wanted_classes.insert(id);
            }
        }
    }
    Ok(Seed {
        actor: None,
        links,
        wanted_classes,
    })
}

/// The suggestions for `seed` that pass the filters.
fn run_match(
    store: &PonteStore,
    projection: &Projection,
    seed: &Seed,
    exclude_connected: bool,
    params: &ListParams,
) -> Result<Vec<Suggestion>, ApiError> {
    let filter = if params.filter_params.is_empty() {
        None
    } else {
        Some(store.prepare_filter(&params.filter)?)
    };
    let kinds: Option<HashSet<NamedNode>> = match &params.kind {
        Some(kind) => Some(match kind_iri(kind) {
            Some(class) => store.subclasses(class.as_ref())?,
            None => HashSet::new(),
        }),
        None => None,
    };
    let failure: std::cell::RefCell<Option<StoreError>> = std::cell::RefCell::default();
    let not_partners: HashSet<u32> = NOT_PARTNERS
        .iter()
        .filter_map(|class| projection.class_id(class))
        .collect();
    let keep = |candidate: u32| -> bool {
        if exclude_connected && seed.links.contains(&candidate) {
            return false;
        }
        if kinds.is_none() && not_partners.contains(&projection.node(candidate).class) {
            return false;
        }
        let iri = NamedNode::new_unchecked(projection.iri(candidate));
        let passes = || -> Result<bool, StoreError> {
            if let Some(kinds) = &kinds {
                let types = store.types(iri.as_ref())?;
                if !types
                    .iter()
                    .any(|t| matches!(&t.object, Term::NamedNode(c) if kinds.contains(c)))
                {
                    return Ok(false);
                }
            }
            match &filter {
                Some(filter) => store.passes(&iri, filter),
                None => Ok(true),
            }
        };
        passes().unwrap_or_else(|e| {
            failure.borrow_mut().get_or_insert(e);
            false
        })
    };
    let suggestions =
        ponte_match::suggest(projection, seed, &Weights::default(), params.limit, &keep);
    if let Some(error) = failure.into_inner() {
        return Err(error.into());
    }
    Ok(suggestions)
}

/// The answer document: the seed, then each suggestion with its names, kinds, score, parts and
/// evidence (each step a triple, with the names of both ends).
fn answer(
    store: &PonteStore,
    projection: &Projection,
    actor: Option<&NamedNode>,
    suggestions: &[Suggestion],
    self_url: String,
) -> Result<Map<String, Value>, ApiError> {
    let mut names: HashMap<u32, Value> = HashMap::new();
    let mut name_of = |node: u32| -> Result<Value, ApiError> {
        if let Some(name) = names.get(&node) {
            return Ok(name.clone());
        }
        let name = node_names(store, projection, node)?;
        names.insert(node, name.clone());
        Ok(name)
    };
    let mut items = Vec::new();
    for suggestion in suggestions {
        let iri = projection.iri(suggestion.node);
        let types: Vec<Value> = store
            .types(NamedNodeRef::new_unchecked(iri))?
            .into_iter()
            .filter_map(|t| match t.object {
                Term::NamedNode(class) => Some(json!(compact_class(class.as_str()))),
                _ => None,
            })
            .collect();
        let mut evidence = Vec::new();
        for path in &suggestion.evidence {
            let mut steps = Vec::new();
            for step in path {
                steps.push(step_json(projection, step, &mut name_of)?);
            }
            evidence.push(Value::Array(steps));
        }
        let parts = &suggestion.parts;
        items.push(json!({
            "@id": iri,
            "type": types,
            "label": name_of(suggestion.node)?,
            "score": round(suggestion.score),
            "connected": suggestion.connected,
            "scoreParts": {
                "sharedTopics": round(parts.topics),
                "sharedProjects": round(parts.projects),
                "sharedActivities": round(parts.activities),
                "sharedActors": round(parts.actors),
                "adamicAdar": round(parts.adamic_adar),
                "personalizedPageRank": round(parts.pagerank),
                "complementarity": round(parts.complement),
            },
            "evidence": evidence,
        }));
    }
    let mut document = Map::new();
    document.insert("@id".into(), json!(self_url));
    document.insert("type".into(), json!("Collection"));
    if let Some(actor) = actor {
        document.insert("seed".into(), json!(actor.as_str()));
    }
    document.insert("totalItems".into(), json!(items.len()));
    document.insert("items".into(), Value::Array(items));
    Ok(document)
}

/// A node's names, one per language (`@none` for a name without one); null when it has none.
pub(super) fn node_names(
    store: &PonteStore,
    projection: &Projection,
    node: u32,
) -> Result<Value, ApiError> {
    let iri = NamedNode::new_unchecked(projection.iri(node));
    Ok(match store.labels(Term::from(iri).as_ref())? {
        Some((_, labels)) => {
            let mut by_language = Map::new();
            for label in labels {
                by_language
                    .entry(label.language().unwrap_or("@none").to_owned())
                    .or_insert_with(|| json!(label.value()));
            }
            Value::Object(by_language)
        }
        None => Value::Null,
    })
}

/// One step as JSON: the triple it is, and the names of its two ends.
pub(super) fn step_json(
    projection: &Projection,
    step: &Step,
    name_of: &mut impl FnMut(u32) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    let (subject, object) = if step.forward {
        (step.from, step.to)
    } else {
        (step.to, step.from)
    };
    Ok(json!({
        "subject": projection.iri(subject),
        "subjectLabel": name_of(subject)?,
        "predicate": projection.predicate(step.predicate),
        "object": projection.iri(object),
        "objectLabel": name_of(object)?,
    }))
}

/// A class as the context names it: `University` for Ponte's classes, the IRI otherwise.
fn compact_class(iri: &str) -> String {
    iri.strip_prefix(super::PONTE)
        .map_or_else(|| iri.to_owned(), str::to_owned)
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// The query string of this answer, normalised.
fn query_text(actor: &NamedNode, exclude_connected: bool, params: &ListParams) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("actor", actor.as_str());
    if exclude_connected {
        query.append_pair("exclude", "connected");
    }
    if let Some(kind) = &params.kind {
        query.append_pair("kind", kind);
    }
    for (key, value) in &params.filter_params {
        query.append_pair(key, value);
    }
    query.append_pair("limit", &params.limit.to_string());
    query.finish()
}
