//! Explained partner suggestions from the matchmaking projection (`GET`/`POST /api/match`,
//! `ponte match`). The projection is rebuilt aside when the store has moved on, then swapped
//! in: readers keep the one they hold, and a write shows up in the next suggestions.

use crate::collections::{Collection, compact_class};
use crate::error::AppError;
use crate::jsonld::CollectionHead;
use crate::request::{MatchOptions, MatchRequest, Profile, reference};
use crate::{App, names, vocab};
use ponte_match::{
    ClassId, GraphInput, NodeId, NodeKind, Projection, ProjectionBuilder, Seed, Step, Suggestion,
    Weights,
};
use ponte_search::{ContentAnalyzer, ContentTerm};
use ponte_store::sparql::{MatchCall, MatchFailure, MatchRow, MatchService};
use ponte_store::{NamedNode, NamedNodeRef, PonteStore, StoreError, Term};
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;

/// Suggestions per answer when the request gives no `limit`.
const MATCH_LIMIT: usize = 10;

/// Kinds of actor that are not suggested unless `kind` asks for them: a partner is an
/// organisation, not a person or a delegation.
pub(crate) const NOT_PARTNERS: [&str; 2] = [vocab::PERSON, vocab::ACTOR_GROUP];

/// The classes whose instances become each kind of node, in the order they are tried.
const KINDS: [(NodeKind, &str); 6] = [
    (NodeKind::Actor, vocab::ACTOR),
    (NodeKind::Topic, vocab::SKOS_CONCEPT),
    (NodeKind::Project, "https://w3id.org/ponte/ontology#Project"),
    (NodeKind::Activity, "http://www.w3.org/ns/prov#Activity"),
    (NodeKind::Activity, "https://w3id.org/ponte/ontology#Call"),
    (NodeKind::Place, "https://w3id.org/ponte/ontology#Place"),
];

/// Projects the store: typed entities become nodes of their kind (with their most specific
/// class), links between them become edges, and what actors and topics say about themselves
/// (names, descriptions) their words. Streams into the projection's builder, so no list of
/// every link is held on the way.
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
        |iri, terms| {
            builder.borrow_mut().text(
                iri,
                terms.iter().map(|t| (t.stem.as_str(), t.word.as_str())),
            );
        },
    )?;
    Ok(builder.into_inner().build())
}

/// The store's entities, links and words as lists, for the evaluation (which hides some
/// links).
pub fn graph_input(store: &PonteStore) -> Result<GraphInput, StoreError> {
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    let mut texts = Vec::new();
    visit(
        store,
        |iri, kind, class| nodes.push((iri.to_owned(), kind, class.map(str::to_owned))),
        |s, p, o| links.push((s.to_owned(), p.to_owned(), o.to_owned())),
        |iri, terms| {
            texts.push((
                iri.to_owned(),
                terms
                    .iter()
                    .map(|t| (t.stem.clone(), t.word.clone()))
                    .collect(),
            ));
        },
    )?;
    Ok(GraphInput {
        nodes,
        links,
        texts,
    })
}

/// Calls `node` for each typed entity (its kind and most specific class), then `link` for
/// each link between IRIs, then `text` with the analysed words of each actor's and topic's
/// names and descriptions.
fn visit(
    store: &PonteStore,
    mut node: impl FnMut(&str, NodeKind, Option<&str>),
    mut link: impl FnMut(&str, &str, &str),
    mut text: impl FnMut(&str, &[ContentTerm]),
) -> Result<(), StoreError> {
    let mut sets = Vec::new();
    for (kind, root) in KINDS {
        sets.push((kind, store.subclasses(NamedNodeRef::new_unchecked(root))?));
    }
    // The most specific class is the one with the fewest subclasses.
    let mut specificity: HashMap<NamedNode, usize> = HashMap::new();
    let mut worded: HashSet<NamedNode> = HashSet::new();
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
        if matches!(kind, NodeKind::Actor | NodeKind::Topic) {
            worded.insert(entity);
        }
    }
    let mut sites: HashMap<String, Vec<String>> = HashMap::new();
    store.for_each_link(|s, p, o| {
        if p == HOMEPAGE
            && let Some(site) = web_site(o)
        {
            sites.entry(s.to_owned()).or_default().push(site);
        }
        link(s, p, o)
    })?;
    let mut analyzer = ContentAnalyzer::new();
    for (entity, texts) in store.searchable_texts()? {
        if !worded.contains(&entity) {
            continue;
        }
        let mut terms = Vec::new();
        for line in texts.names.iter().chain(&texts.texts) {
            terms.extend(analyzer.terms(line));
        }
        // The site as one word, so that sharing it counts like sharing a rare word.
        for site in sites.remove(entity.as_str()).unwrap_or_default() {
            terms.push(ContentTerm {
                stem: site.clone(),
                word: site,
            });
        }
        text(entity.as_str(), &terms);
    }
    Ok(())
}

/// An organisation's web address: the site it is on says who it belongs to.
const HOMEPAGE: &str = "http://xmlns.com/foaf/0.1/homepage";

/// The site of a web address: its registrable domain by the public suffix list
/// (`https://hms.harvard.edu/x` gives `harvard.edu`, `https://www.snu.ac.kr` gives `snu.ac.kr`).
/// Two organisations on one site are most often one the part of the other.
fn web_site(url: &str) -> Option<String> {
    let host = url
        .split_once("://")?
        .1
        .split(['/', ':', '?', '#'])
        .next()?
        .to_ascii_lowercase();
    psl::domain_str(&host).map(str::to_owned)
}

impl App {
    /// The current projection of the store, rebuilt first if a write came since.
    pub fn projection(&self) -> Result<Arc<Projection>, AppError> {
        Ok(self
            .views
            .projection
            .get(|| self.store.generation(), || build(&self.store))?)
    }

    /// The partners the actor should meet next, best first, each with its score, the parts
    /// of the score and one to three evidence paths of real edges. People and delegations are
    /// suggested only when `kind` asks for them. `origin` is the base of the answer's links.
    pub fn suggest(&self, request: &MatchRequest, origin: &str) -> Result<MatchAnswer, AppError> {
        let key = format!("actor\u{0}{origin}\u{0}{request:?}");
        self.kept_suggestions(key, || self.compute_suggestions(request, origin))
    }

    /// The kept answer for `key` at this store generation, else `compute`'s.
    fn kept_suggestions(
        &self,
        key: String,
        compute: impl FnOnce() -> Result<MatchAnswer, AppError>,
    ) -> Result<MatchAnswer, AppError> {
        let answer = self
            .views
            .suggestions
            .get(|| self.store.generation(), key, compute)?;
        Ok(MatchAnswer::clone(&answer))
    }

    fn compute_suggestions(
        &self,
        request: &MatchRequest,
        origin: &str,
    ) -> Result<MatchAnswer, AppError> {
        let exclude_connected = match request.target.exclude.as_deref() {
            None => false,
            Some("connected") => true,
            Some(other) => {
                return Err(AppError::parameter(
                    "exclude",
                    format!("exclude takes connected, not {other:?}"),
                ));
            }
        };
        let Some(actor) = request.target.actor.as_deref() else {
            return Err(AppError::parameter(
                "actor",
                "match needs actor, the one to find partners for",
            ));
        };
        let options = Options::parse(self, &request.options)?;
        let actors = Collection::named("actors")?;
        let actor = actors
            .iri(actor)
            .map_err(|_| not_an_actor(format!("{actor:?} names no actor")))?;
        // Any IRI the store declares the same as an actor names it too (ROR, Wikidata).
        let actor = self.canonical(Some(actors), &actor)?;
        let self_url = format!(
            "{origin}/api/match?{}",
            query_text(&actor, exclude_connected, &request.options, options.limit)
        );
        let projection = self.projection()?;
        let Some(node) = projection
            .id(actor.as_str())
            .filter(|n| projection.node(*n).kind == NodeKind::Actor)
        else {
            return Err(not_an_actor(format!("no actor <{actor}>")));
        };
        let mut seed = Seed::actor(&projection, node);
        // An actor's request names no kind wanted: the kinds the ontology says complement the
        // actor's own are the ones its complementarity part rewards.
        seed.wanted_classes = self.complementary_classes(&projection, &actor)?;
        // Looking at home (the filter names the actor's own country or region): proximity
        // counts.
        let filters = &request.options.filters;
        if !filters.country.is_empty() || !filters.region.is_empty() {
            let own = self.store.place_codes(&actor)?;
            seed.near = filters
                .country
                .iter()
                .chain(&filters.region)
                .any(|code| own.contains(&code.to_ascii_uppercase()));
        }
        let suggestions = self.run_match(&projection, &seed, exclude_connected, &options)?;
        self.answer(
            &projection,
            Some(projection.iri(node)),
            &suggestions,
            self_url,
            origin,
        )
    }

    /// Partners for a profile (topics, links, kinds wanted) rather than for an actor of the
    /// graph; the same filters and answer as [`App::suggest`].
    pub fn suggest_for_profile(
        &self,
        profile: &Profile,
        options: &MatchOptions,
        origin: &str,
    ) -> Result<MatchAnswer, AppError> {
        let key = format!("profile\u{0}{origin}\u{0}{profile:?}\u{0}{options:?}");
        self.kept_suggestions(key, || {
            self.compute_profile_suggestions(profile, options, origin)
        })
    }

    fn compute_profile_suggestions(
        &self,
        profile: &Profile,
        options: &MatchOptions,
        origin: &str,
    ) -> Result<MatchAnswer, AppError> {
        let options = Options::parse(self, options)?;
        let projection = self.projection()?;
        let seed = profile_seed(self, &projection, profile)?;
        let suggestions = self.run_match(&projection, &seed, false, &options)?;
        self.answer(
            &projection,
            None,
            &suggestions,
            format!("{origin}/api/match"),
            origin,
        )
    }
}

impl App {
    /// The projection's classes that complement one of `actor`'s classes
    /// (`ponte:complements` in the ontology, subclasses included).
    pub(crate) fn complementary_classes(
        &self,
        projection: &Projection,
        actor: &NamedNode,
    ) -> Result<HashSet<ClassId>, AppError> {
        let mut wanted = HashSet::new();
        for triple in self.store.types(actor.as_ref())? {
            if let Term::NamedNode(class) = triple.object {
                for complement in self.store.complementary_classes(class.as_ref())? {
                    wanted.extend(projection.class_id(complement.as_str()));
                }
            }
        }
        Ok(wanted)
    }
}

fn not_an_actor(detail: String) -> AppError {
    AppError::NotFound {
        detail,
        parameter: Some("actor".into()),
    }
}

/// Match options, checked.
struct Options {
    /// The classes of the kind asked for, with their subclasses.
    kinds: Option<HashSet<NamedNode>>,
    filter: Option<ponte_store::PreparedFilter>,
    limit: usize,
}

impl Options {
    fn parse(app: &App, options: &MatchOptions) -> Result<Self, AppError> {
        let limit = crate::request::limit(options.limit.as_deref(), MATCH_LIMIT)?;
        let filter = if options.filters.is_empty() {
            None
        } else {
            Some(app.store.prepare_filter(&options.filters.to_store()?)?)
        };
        let kinds = match &options.kind {
            Some(kind) => {
                let class = app.known_kind(kind, Collection::named("actors")?)?;
                Some(app.store.subclasses(class.as_ref())?)
            }
            None => None,
        };
        Ok(Self {
            kinds,
            filter,
            limit,
        })
    }
}

/// The seed a profile stands for: its topics and links as nodes, its wanted kinds as classes.
fn profile_seed(app: &App, projection: &Projection, profile: &Profile) -> Result<Seed, AppError> {
    let mut links = Vec::new();
    for (field, values, namespace) in [
        ("topics", &profile.topics, vocab::TOPIC_NAMESPACE),
        ("linkedTo", &profile.linked_to, vocab::ID_NAMESPACE),
    ] {
        for value in values {
            let iri = reference(field, value, namespace)
                .map_err(|e| AppError::invalid(e.to_string()).with_field(field))?;
            let node = projection.id(iri.as_str()).ok_or_else(|| {
                AppError::invalid(format!("{field}: <{iri}> is not in the graph")).with_field(field)
            })?;
            links.push(node);
        }
    }
    if links.is_empty() {
        return Err(AppError::invalid(
            "a profile needs topics or linkedTo: what it works on, or what it is linked to",
        )
        .with_field("topics"));
    }
    let mut wanted_classes = HashSet::new();
    let actors = Collection::named("actors")?;
    for kind in &profile.wants {
        let class = app.known_kind(kind, actors).map_err(|e| match e {
            AppError::InvalidParameter { detail, .. } => {
                AppError::invalid(format!("wants: {detail}")).with_field("wants")
            }
            other => other,
        })?;
        for class in app.store.subclasses(class.as_ref())? {
            if let Some(id) = projection.class_id(class.as_str()) {
                wanted_classes.insert(id);
            }
        }
    }
    Ok(Seed {
        actor: None,
        links,
        wanted_classes,
        // A profile's places are among its links: it is near whatever it names.
        near: true,
    })
}

impl App {
    /// The suggestions for `seed` that pass the options.
    fn run_match(
        &self,
        projection: &Projection,
        seed: &Seed,
        exclude_connected: bool,
        options: &Options,
    ) -> Result<Vec<Suggestion>, AppError> {
        let store = &self.store;
        let failure: RefCell<Option<StoreError>> = RefCell::default();
        let not_partners: HashSet<ClassId> = NOT_PARTNERS
            .iter()
            .filter_map(|class| projection.class_id(class))
            .collect();
        let keep = |candidate: NodeId| -> bool {
            if exclude_connected && seed.links.contains(&candidate) {
                return false;
            }
            if options.kinds.is_none()
                && projection
                    .node(candidate)
                    .class
                    .is_some_and(|class| not_partners.contains(&class))
            {
                return false;
            }
            let iri = NamedNode::new_unchecked(projection.iri(candidate));
            let passes = || -> Result<bool, StoreError> {
                if let Some(kinds) = &options.kinds {
                    let types = store.types(iri.as_ref())?;
                    if !types
                        .iter()
                        .any(|t| matches!(&t.object, Term::NamedNode(c) if kinds.contains(c)))
                    {
                        return Ok(false);
                    }
                }
                match &options.filter {
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
            ponte_match::suggest(projection, seed, &self.weights, options.limit, &keep);
        if let Some(error) = failure.into_inner() {
            return Err(error.into());
        }
        Ok(suggestions)
    }

    /// The answer: the seed, then each suggestion with its names, kinds, score, parts and
    /// evidence (each step a triple, with the names of both ends).
    pub(crate) fn answer(
        &self,
        projection: &Projection,
        seed: Option<&str>,
        suggestions: &[Suggestion],
        self_url: String,
        origin: &str,
    ) -> Result<MatchAnswer, AppError> {
        let mut names = NameCache::new(&self.store, projection);
        let mut items = Vec::new();
        for suggestion in suggestions {
            let iri = projection.iri(suggestion.node);
            let kinds: Vec<String> = self
                .store
                .types(NamedNodeRef::new_unchecked(iri))?
                .into_iter()
                .filter_map(|t| match t.object {
                    Term::NamedNode(class) => Some(compact_class(class.as_str())),
                    _ => None,
                })
                .collect();
            let mut evidence = Vec::new();
            for path in &suggestion.evidence {
                evidence.push(names.steps(path)?);
            }
            let parts = &suggestion.parts;
            items.push(SuggestionItem {
                id: iri.to_owned(),
                kinds,
                label: names.of(suggestion.node)?,
                score: round(suggestion.score),
                connected: suggestion.connected,
                score_parts: ScoreParts {
                    shared_topics: round(parts.topics),
                    shared_projects: round(parts.projects),
                    shared_activities: round(parts.activities),
                    shared_actors: round(parts.actors),
                    adamic_adar: round(parts.adamic_adar),
                    personalized_page_rank: round(parts.pagerank),
                    complementarity: round(parts.complement),
                    content: round(parts.content),
                    place: round(parts.place),
                },
                evidence,
                shared_terms: suggestion
                    .shared_terms
                    .iter()
                    .map(|term| projection.content().word(*term).to_owned())
                    .collect(),
            });
        }
        Ok(MatchAnswer {
            head: CollectionHead::new(origin, Some(self_url), items.len()),
            seed: seed.map(str::to_owned),
            items,
        })
    }
}

/// Partner suggestions (a hydra `Collection`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchAnswer {
    /// The context, URL, type and size of the list.
    #[serde(flatten)]
    pub head: CollectionHead,
    /// The actor the suggestions are for; absent for a profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The partners, best first.
    pub items: Vec<SuggestionItem>,
}

/// One suggested partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionItem {
    /// The partner's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Its kinds (class names of the context).
    #[serde(rename = "type")]
    pub kinds: Vec<String>,
    /// Its names, one per language (`@none` for a name without one).
    #[schema(value_type = Option<Object>)]
    pub label: Value,
    /// The score: the sum of the parts; comparable within one answer.
    pub score: f64,
    /// Whether it is already linked to the seed.
    pub connected: bool,
    /// The weighted parts of the score.
    #[serde(rename = "scoreParts")]
    pub score_parts: ScoreParts,
    /// One to three paths of real edges from the seed to the partner.
    pub evidence: Vec<Vec<EvidenceStep>>,
    /// The words both use in their names, descriptions and topic labels, the rarest first
    /// (up to five): the evidence of the `content` part; empty when it is 0.
    #[serde(rename = "sharedTerms")]
    pub shared_terms: Vec<String>,
}

/// The weighted parts of a score (they sum to it).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreParts {
    /// Shared topics (PathSim).
    pub shared_topics: f64,
    /// Shared projects (PathSim).
    pub shared_projects: f64,
    /// Shared activities: missions, events, calls (PathSim).
    pub shared_activities: f64,
    /// Shared partners (PathSim).
    pub shared_actors: f64,
    /// Adamic-Adar over shared neighbours.
    pub adamic_adar: f64,
    /// Personalized PageRank from the seed, over degree.
    #[serde(rename = "personalizedPageRank")]
    pub personalized_page_rank: f64,
    /// Complementary kinds: the partner is of a kind the profile wants, or, for an actor, of
    /// a kind the ontology says complements the actor's (`ponte:complements`).
    pub complementarity: f64,
    /// Content similarity: BM25 between what the two say they do (names, descriptions, topic
    /// labels), on the scale of the seed's own words; the shared words are `sharedTerms`.
    pub content: f64,
    /// Place: the same city or place as the seed, or the same region or area.
    pub place: f64,
}

/// One step of an evidence path: a triple of the store, with the names of both ends.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceStep {
    /// The subject's IRI.
    pub subject: String,
    /// The subject's names.
    #[schema(value_type = Option<Object>)]
    pub subject_label: Value,
    /// The predicate's IRI.
    pub predicate: String,
    /// The object's IRI.
    pub object: String,
    /// The object's names.
    #[schema(value_type = Option<Object>)]
    pub object_label: Value,
}

/// The names of projection nodes, each read once per answer.
pub(crate) struct NameCache<'a> {
    store: &'a PonteStore,
    projection: &'a Projection,
    names: HashMap<NodeId, Value>,
}

impl<'a> NameCache<'a> {
    pub(crate) fn new(store: &'a PonteStore, projection: &'a Projection) -> Self {
        Self {
            store,
            projection,
            names: HashMap::new(),
        }
    }

    /// The node's names as a language map; null when it has none.
    pub(crate) fn of(&mut self, node: NodeId) -> Result<Value, AppError> {
        if let Some(name) = self.names.get(&node) {
            return Ok(name.clone());
        }
        let name = names::names_of(self.store, self.projection.iri(node))?;
        self.names.insert(node, name.clone());
        Ok(name)
    }

    /// A path as triples with the names of both ends.
    pub(crate) fn steps(&mut self, path: &[Step]) -> Result<Vec<EvidenceStep>, AppError> {
        path.iter().map(|step| self.step(step)).collect()
    }

    fn step(&mut self, step: &Step) -> Result<EvidenceStep, AppError> {
        let (subject, object) = if step.forward {
            (step.from, step.to)
        } else {
            (step.to, step.from)
        };
        Ok(EvidenceStep {
            subject: self.projection.iri(subject).to_owned(),
            subject_label: self.of(subject)?,
            predicate: self.projection.predicate(step.predicate).to_owned(),
            object: self.projection.iri(object).to_owned(),
            object_label: self.of(object)?,
        })
    }
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// The query string of this answer, normalised.
fn query_text(
    actor: &NamedNode,
    exclude_connected: bool,
    options: &MatchOptions,
    limit: usize,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("actor", actor.as_str());
    if exclude_connected {
        query.append_pair("exclude", "connected");
    }
    if let Some(kind) = &options.kind {
        query.append_pair("kind", kind);
    }
    options.filters.append_to(&mut query);
    query.append_pair("limit", &limit.to_string());
    query.finish()
}

/// Match weights from a JSON object naming parts (`{"topics": 0.2, "pagerank": 0.1}`), as
/// `ponte eval --fit --write-weights` writes them; a part not named keeps its documented
/// weight. An unknown name, or a weight that is not a finite number from 0 up, is refused,
/// naming it.
pub fn parse_weights(text: &str) -> Result<Weights, String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = document else {
        return Err("a JSON object of part names and weights, such as {\"topics\": 0.2}".into());
    };
    let mut values = Weights::default().values();
    for (name, value) in &object {
        let Some(index) = ponte_match::PART_NAMES.iter().position(|n| n == name) else {
            return Err(format!(
                "{name:?} is no part of the score; the parts are: {}",
                ponte_match::PART_NAMES.join(", ")
            ));
        };
        match value.as_f64() {
            Some(weight) if weight.is_finite() && weight >= 0.0 => values[index] = weight,
            _ => {
                return Err(format!(
                    "{name}: {value} is not a weight (a number from 0 up)"
                ));
            }
        }
    }
    Ok(Weights(ponte_match::Parts::from_values(values)))
}

/// `weights` as the JSON object [`parse_weights`] reads.
pub fn weights_json(weights: &Weights) -> Value {
    Value::Object(
        ponte_match::PART_NAMES
            .iter()
            .zip(weights.values())
            .map(|(name, weight)| ((*name).to_owned(), Value::from(weight)))
            .collect(),
    )
}

/// The base of the match service's answers (they carry no links of their own).
const SERVICE_ORIGIN: &str = "https://w3id.org/ponte";

impl App {
    /// The matchmaking as SPARQL's match service sees it: the suggestions `/api/match` gives
    /// for a seed actor (or `POST /api/match` for a profile of topics), as rows.
    pub fn match_service(&self) -> MatchService {
        let app = self.clone();
        Arc::new(move |call: &MatchCall| {
            let mut options = MatchOptions {
                limit: Some(call.limit.to_string()),
                ..MatchOptions::default()
            };
            for code in &call.places {
                // A two-letter code is a country; anything longer a region.
                if code.len() == 2 {
                    options.filters.country.push(code.clone());
                } else {
                    options.filters.region.push(code.clone());
                }
            }
            let answer = match &call.seed {
                Some(seed) => app.suggest(
                    &MatchRequest {
                        target: crate::request::MatchTarget {
                            actor: Some(seed.clone()),
                            exclude: None,
                        },
                        options,
                    },
                    SERVICE_ORIGIN,
                ),
                None => app.suggest_for_profile(
                    &Profile {
                        // A profile names topics by slug; the service by IRI.
                        topics: call
                            .topics
                            .iter()
                            .map(|t| {
                                t.strip_prefix(vocab::TOPIC_NAMESPACE)
                                    .unwrap_or(t)
                                    .to_owned()
                            })
                            .collect(),
                        ..Profile::default()
                    },
                    &options,
                    SERVICE_ORIGIN,
                ),
            };
            let answer = answer.map_err(|error| match error {
                AppError::NotFound { detail, .. }
                | AppError::InvalidParameter { detail, .. }
                | AppError::InvalidBody { detail, .. } => MatchFailure::Request(detail),
                other => {
                    tracing::error!(error = %other, "the match service failed");
                    MatchFailure::Internal(other.to_string())
                }
            })?;
            answer
                .items
                .into_iter()
                .map(|item| {
                    Ok(MatchRow {
                        partner: item.id,
                        score: item.score,
                        connected: item.connected,
                        parts: serde_json::to_string(&item.score_parts)
                            .map_err(|e| MatchFailure::Internal(e.to_string()))?,
                        evidence: serde_json::to_string(&item.evidence)
                            .map_err(|e| MatchFailure::Internal(e.to_string()))?,
                    })
                })
                .collect()
        })
    }
}
