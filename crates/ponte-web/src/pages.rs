//! The pages: each function runs `ponte-app` operations and renders one template. Names are
//! shown in the reader's language (then English, Italian, a name without a language); every
//! entity links to its page on this server.

use crate::lang::{Lang, Words};
use askama::Template;
use ponte_app::request::{
    EcosystemScope, ListRequest, MatchOptions, MatchRequest, MatchTarget, Profile,
};
use ponte_app::{App, AppError, Collection, EntityView, MatchAnswer, vocab};
use ponte_app::{CollectionName, names};
use ponte_app::{EvidenceStep, FacetValue, Facets, GraphItem, NamedNode, Overview, Term};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a page is shown: the reader's language, the page's own path and query (the language
/// switch links to it in the other language), and the origin API links are written against.
#[derive(Debug, Clone)]
pub struct Page {
    /// The reader's language.
    pub lang: Lang,
    /// This page's path and query, without `lang=`.
    pub path: String,
    /// The scheme and host the reader used.
    pub origin: String,
}

impl Page {
    pub(crate) fn words(&self) -> &'static Words {
        self.lang.words()
    }

    /// This page in the other language.
    pub(crate) fn switch_url(&self) -> String {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{separator}lang={}", self.path, self.lang.other().code())
    }
}

/// A link to an entity: where it is shown, and its name.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) href: String,
    pub(crate) name: String,
}

impl Link {
    pub(crate) fn to(iri: &str, names: &Value, lang: Lang) -> Self {
        Self {
            href: href(iri),
            // Without a name, Ponte's own IRIs show their slug; an outside IRI (ROR,
            // Wikidata) shows whole, so the reader sees where the link goes.
            name: name_in(names, lang).unwrap_or_else(|| {
                if iri.starts_with(vocab::ID_NAMESPACE) || iri.starts_with(vocab::TOPIC_NAMESPACE) {
                    local_name(iri).to_owned()
                } else {
                    iri.to_owned()
                }
            }),
        }
    }
}

/// Where an IRI is shown: Ponte's own entities and topics on their page here, anything else
/// at its own address.
fn href(iri: &str) -> String {
    if let Some(slug) = iri.strip_prefix(vocab::ID_NAMESPACE) {
        format!("/id/{slug}")
    } else if let Some(slug) = iri.strip_prefix(vocab::TOPIC_NAMESPACE) {
        format!("/topic/{slug}")
    } else {
        iri.to_owned()
    }
}

/// The last segment of an IRI, for a thing without a name.
fn local_name(iri: &str) -> &str {
    iri.rsplit(['/', '#']).next().unwrap_or(iri)
}

/// The name in `lang` from a language map, else English, Italian, untagged, any.
pub(crate) fn name_in(names: &Value, lang: Lang) -> Option<String> {
    let map = names.as_object()?;
    [lang.code(), "en", "it", "@none"]
        .iter()
        .find_map(|l| map.get(*l))
        .or_else(|| map.values().next())
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The names a page shows for properties and classes, each read once.
struct Names<'a> {
    app: &'a App,
    lang: Lang,
    known: BTreeMap<String, String>,
}

impl<'a> Names<'a> {
    fn new(app: &'a App, lang: Lang) -> Self {
        Self {
            app,
            lang,
            known: BTreeMap::new(),
        }
    }

    fn of(&mut self, iri: &str) -> Result<String, AppError> {
        if let Some(name) = self.known.get(iri) {
            return Ok(name.clone());
        }
        let name = name_in(&self.app.names_of(iri)?, self.lang)
            .unwrap_or_else(|| local_name(iri).to_owned());
        self.known.insert(iri.to_owned(), name.clone());
        Ok(name)
    }
}

pub(crate) fn render(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::internal("rendering a page", e))
}

/// One collection on the home page.
struct CollectionCount {
    name: &'static str,
    label: &'static str,
    total: usize,
}

/// One source of the data on the home page.
struct SourceCount {
    source: String,
    graph: String,
    triples: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    collections: Vec<CollectionCount>,
    missions: Vec<Link>,
    sources: Vec<SourceCount>,
    ecosystems: Vec<EcosystemCount>,
    kinds: Vec<KindCount>,
}

/// `/`: a search box, what the graph holds by collection, the missions, the sources.
pub fn home_page(app: &App, page: &Page) -> Result<String, AppError> {
    let w = page.words();
    let overview = app.overview()?;
    let collections = overview
        .totals
        .iter()
        .map(|(name, total)| CollectionCount {
            name,
            label: w.collection(name),
            total: *total,
        })
        .collect();
    let missions = overview
        .missions
        .iter()
        .map(|m| Link::to(&m.iri, &m.names, page.lang))
        .collect();
    let sources = overview
        .graphs
        .iter()
        .filter_map(|g| {
            g.source.as_ref().map(|source| SourceCount {
                source: source.clone(),
                graph: g.id.clone(),
                triples: g.triples,
            })
        })
        .collect();
    let kinds = overview
        .actors
        .kinds
        .iter()
        .map(|k| KindCount {
            label: facet_label(k, page.lang, false),
            count: k.count,
            href: format!("/actors?kind={}", encode(&k.value)),
        })
        .collect();
    render(&HomeTemplate {
        page,
        w,
        kinds,
        ecosystems: foreign_ecosystems(&overview, page.lang),
        title: "Ponte".into(),
        collections,
        missions,
        sources,
    })
}

fn item_link(item: &serde_json::Map<String, Value>, lang: Lang) -> Link {
    let iri = item.get("@id").and_then(Value::as_str).unwrap_or_default();
    let names = item
        .get("label")
        .or_else(|| item.get("prefLabel"))
        .cloned()
        .unwrap_or(Value::Null);
    Link::to(iri, &names, lang)
}

/// One row of a list.
struct ListedItem {
    link: Link,
    kinds: String,
}

/// One value a filter can take, with how many listed entities have it.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) count: usize,
    pub(crate) checked: bool,
}

/// A filter shown as checkboxes: its parameter, its legend, its values.
pub(crate) struct ChoiceGroup {
    pub(crate) param: &'static str,
    pub(crate) legend: &'static str,
    pub(crate) choices: Vec<Choice>,
}

/// The most values a filter shows besides those chosen: the most common ones.
const MAX_CHOICES: usize = 12;

#[derive(Template)]
#[template(path = "list.html")]
struct ListTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    action: String,
    q: String,
    kinds: Vec<Choice>,
    groups: Vec<ChoiceGroup>,
    items: Vec<ListedItem>,
    first: usize,
    last: usize,
    total: usize,
    next: Option<String>,
}

/// `/{collection}` and `/search`: one page of entities with the filters of the API, each
/// filter's values counted over the whole selection, the URL carrying every choice.
pub fn list_page(
    app: &App,
    page: &Page,
    collection: Option<&'static Collection>,
    request: &ListRequest,
) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let answer = app.list(collection, request, &page.origin)?;
    let facets = app.facets(collection, request)?;
    let api_prefix = format!("{}/api", page.origin);
    let items: Vec<ListedItem> = answer
        .items
        .iter()
        .map(|item| ListedItem {
            link: item_link(item, lang),
            kinds: match item.get("type") {
                Some(Value::Array(kinds)) => kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                Some(Value::String(kind)) => kind.clone(),
                _ => String::new(),
            },
        })
        .collect();
    let (title, action) = match collection {
        Some(collection) => (
            w.collection(collection.name).to_owned(),
            format!("/{}", collection.name),
        ),
        None => (w.search.to_owned(), "/search".to_owned()),
    };
    let (kinds, groups) = filter_choices(page, &facets, request);
    let shown = items.len();
    render(&ListTemplate {
        page,
        w,
        title,
        action,
        q: request.text.q.clone().unwrap_or_default(),
        kinds: if collection.is_some() {
            kinds
        } else {
            Vec::new()
        },
        groups,
        first: answer.offset + usize::from(shown > 0),
        last: answer.offset + shown,
        items,
        total: answer.head.total_items,
        // The API's next page, shown here.
        next: answer
            .next
            .and_then(|url| url.strip_prefix(&api_prefix).map(str::to_owned)),
    })
}

/// The filter form's choices for `request`, each value counted: the kinds (a select) and the
/// other filters (checkboxes).
pub(crate) fn filter_choices(
    page: &Page,
    facets: &Facets,
    request: &ListRequest,
) -> (Vec<Choice>, Vec<ChoiceGroup>) {
    let w = page.words();
    let lang = page.lang;
    let filters = &request.filters;
    let group = |param, legend, values: &[FacetValue], chosen: &[String]| ChoiceGroup {
        param,
        legend,
        // A place code shows with its place's name; a topic or mission by its name only.
        choices: choices(values, chosen, lang, matches!(param, "country" | "region")),
    };
    let kind = request.text.kind.clone().into_iter().collect::<Vec<_>>();
    let mut kinds = choices(&facets.kinds, &kind, lang, false);
    kinds.sort_by(|a, b| a.label.cmp(&b.label));
    let groups = [
        group("country", w.country, &facets.countries, &filters.country),
        group("region", w.region, &facets.regions, &filters.region),
        group("topic", w.topic, &facets.topics, &filters.topic),
        group("mission", w.mission, &facets.missions, &filters.mission),
    ]
    .into_iter()
    .filter(|g| !g.choices.is_empty())
    .collect();
    (kinds, groups)
}

/// How a filter value is shown: its name in `lang` (with the code, for places), else the
/// value itself (`University`, `KR`).
fn facet_label(value: &FacetValue, lang: Lang, with_code: bool) -> String {
    match name_in(&value.names, lang) {
        Some(name) if with_code => format!("{name} ({})", value.value),
        Some(name) => capitalised(&name),
        None => value.value.clone(),
    }
}

/// `name` with its first letter upper-case (the ontology names classes in lower case).
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The values of one filter: every chosen one, then the most common others.
fn choices(values: &[FacetValue], chosen: &[String], lang: Lang, with_code: bool) -> Vec<Choice> {
    let mut choices = Vec::new();
    let mut others = 0;
    for value in values {
        let checked = chosen.contains(&value.value);
        if !checked {
            if others == MAX_CHOICES {
                continue;
            }
            others += 1;
        }
        choices.push(Choice {
            label: facet_label(value, lang, with_code),
            value: value.value.clone(),
            count: value.count,
            checked,
        });
    }
    // A chosen value no entity has any more still shows, checked, so it can be unchosen.
    for value in chosen {
        if !values.iter().any(|v| &v.value == value) {
            choices.push(Choice {
                label: value.clone(),
                value: value.clone(),
                count: 0,
                checked: true,
            });
        }
    }
    choices
}

/// One fact of an entity page.
struct FactRow {
    property: String,
    value: Option<Link>,
    text: String,
    source: String,
    graph: String,
}

/// The links of one relation towards the entity.
struct IncomingGroup {
    property: String,
    links: Vec<Link>,
}

/// A suggested partner on an entity page.
struct Suggested {
    link: Link,
    score: f64,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    iri: String,
    kinds: Vec<String>,
    facts: Vec<FactRow>,
    incoming: Vec<IncomingGroup>,
    same_as: Vec<String>,
    api_url: Option<String>,
    data_url: String,
    suggestions: Vec<Suggested>,
    match_url: String,
    timeline: Vec<Stage>,
}

/// `/id/{slug}` in a browser: the entity's facts with their sources, every incoming
/// relation grouped and counted, the same entity elsewhere, and for an actor its partners.
pub fn entity_page(app: &App, page: &Page, view: &EntityView) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let mut names = Names::new(app, lang);
    let iri = view.iri.as_str();
    let (kinds, facts) = fact_rows(&mut names, view)?;
    let linked_name = |term: &Term| -> Value {
        view.labels
            .get(term)
            .map_or(Value::Null, |(_, names)| names::language_map(names))
    };
    let mut groups: BTreeMap<String, Vec<Link>> = BTreeMap::new();
    for triple in &view.incoming {
        let subject = Term::from(triple.subject.clone());
        let link = Link::to(&subject_iri(&subject), &linked_name(&subject), lang);
        groups
            .entry(names.of(triple.predicate.as_str())?)
            .or_default()
            .push(link);
    }
    let incoming = groups
        .into_iter()
        .map(|(property, links)| IncomingGroup { property, links })
        .collect();
    let title = title_of(app, iri, lang)?;
    let collection = app.collection_of(view)?;
    let api_url = collection.map(|c| format!("/api/{}/{}", c.name, c.id_of(&view.iri)));
    let slug = iri.strip_prefix(vocab::ID_NAMESPACE).unwrap_or(iri);
    let timeline = match collection {
        Some(c) if c.name == "missions" => mission_timeline(app, view, lang)?,
        _ => Vec::new(),
    };
    let mut suggestions = Vec::new();
    if collection.is_some_and(|c| c.name == "actors") {
        let answer = suggest(app, page, slug, 5)?;
        suggestions = answer
            .items
            .iter()
            .map(|s| Suggested {
                link: Link::to(&s.id, &s.label, lang),
                score: s.score,
            })
            .collect();
    }
    render(&EntityTemplate {
        page,
        w,
        title,
        iri: iri.to_owned(),
        kinds,
        facts,
        incoming,
        same_as: app
            .same_as(&view.iri)?
            .into_iter()
            .map(|n| n.into_string())
            .collect(),
        api_url,
        data_url: href(iri),
        suggestions,
        match_url: format!("/match?actor={}", encode(slug)),
        timeline,
    })
}

/// The kinds of the entity `view` shows, and its other facts, each with its source.
fn fact_rows(
    names: &mut Names<'_>,
    view: &EntityView,
) -> Result<(Vec<String>, Vec<FactRow>), AppError> {
    let lang = names.lang;
    let linked_name = |term: &Term| -> Value {
        view.labels
            .get(term)
            .map_or(Value::Null, |(_, names)| names::language_map(names))
    };
    let mut kinds = Vec::new();
    let mut facts = Vec::new();
    for (triple, source) in &view.sources {
        if triple.predicate.as_str() == RDF_TYPE {
            if let Term::NamedNode(class) = &triple.object {
                let kind = names.of(class.as_str())?;
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            continue;
        }
        let (value, text) = match &triple.object {
            Term::NamedNode(object) => (
                Some(Link::to(
                    object.as_str(),
                    &linked_name(&triple.object),
                    lang,
                )),
                String::new(),
            ),
            Term::Literal(literal) => (
                None,
                match literal.language() {
                    Some(language) => format!("{} ({language})", literal.value()),
                    None => literal.value().to_owned(),
                },
            ),
            other => (None, other.to_string()),
        };
        facts.push(FactRow {
            property: names.of(triple.predicate.as_str())?,
            value,
            text,
            source: source
                .source
                .clone()
                .unwrap_or_else(|| source.graph.as_str().to_owned()),
            graph: source.graph.as_str().to_owned(),
        });
    }
    Ok((kinds, facts))
}

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

fn subject_iri(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        other => other.to_string(),
    }
}

pub(crate) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn suggest(app: &App, page: &Page, actor: &str, limit: usize) -> Result<MatchAnswer, AppError> {
    let mut request = MatchRequest {
        target: MatchTarget {
            actor: Some(actor.to_owned()),
            ..MatchTarget::default()
        },
        ..MatchRequest::default()
    };
    request.options.limit = Some(limit.to_string());
    app.suggest(&request, &page.origin)
}

/// One part of a score, as a bar with its number.
struct Bar {
    label: &'static str,
    value: f64,
    percent: u32,
}

/// One step of an evidence path, as a sentence; the triple's IRIs go with it (as data
/// attributes) so that a reader's tools can check it against the store.
struct Statement {
    subject: Link,
    predicate: String,
    object: Link,
    triple: [String; 3],
}

/// A suggestion on the match page.
struct MatchRow {
    link: Link,
    kinds: String,
    score: f64,
    bars: Vec<Bar>,
    evidence: Vec<Vec<Statement>>,
}

/// A value a profile field can take.
struct ProfileChoice {
    value: String,
    label: String,
    checked: bool,
}

/// The profile form: what an organisation not in the graph can say of itself.
struct ProfileForm {
    topics: Vec<ProfileChoice>,
    linked: Vec<ProfileChoice>,
    wants: Vec<ProfileChoice>,
}

#[derive(Template)]
#[template(path = "match.html")]
struct MatchTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    seed: Option<Link>,
    actor: Option<String>,
    rows: Vec<MatchRow>,
    api_url: Option<String>,
    csv_url: String,
    kind: String,
    kinds: Vec<String>,
    country: String,
    form: ProfileForm,
}

/// `/match?actor=…`: the ranked suggestions of `/api/match` for the same request, each with
/// its score parts as bars with numbers and its evidence as statements.
pub fn match_page(app: &App, page: &Page, request: &MatchRequest) -> Result<String, AppError> {
    let answer = app.suggest(request, &page.origin)?;
    let seed_iri = answer.seed.clone().unwrap_or_default();
    let seed = Link::to(&seed_iri, &app.names_of(&seed_iri)?, page.lang);
    let api_url = answer
        .head
        .id
        .clone()
        .and_then(|id| id.strip_prefix(&page.origin).map(str::to_owned));
    let title = format!("{} {}", page.words().partners_for, seed.name);
    let shown = Shown {
        seed: Some(seed),
        actor: request.target.actor.clone(),
        api_url,
        title,
    };
    render_match(
        app,
        page,
        &answer,
        &request.options,
        &Profile::default(),
        shown,
    )
}

/// `/match/profile?topics=…&linkedTo=…&wants=…`: suggestions for an organisation not in the
/// graph, from the profile the form gives: `POST /api/match`'s operation.
pub fn profile_match_page(
    app: &App,
    page: &Page,
    profile: &Profile,
    options: &MatchOptions,
) -> Result<String, AppError> {
    let answer = app.suggest_for_profile(profile, options, &page.origin)?;
    let shown = Shown {
        seed: None,
        actor: None,
        api_url: None,
        title: page.words().partners_for_profile.to_owned(),
    };
    render_match(app, page, &answer, options, profile, shown)
}

/// What a match view shows besides the suggestions: for whom, and where its data is.
struct Shown {
    seed: Option<Link>,
    actor: Option<String>,
    api_url: Option<String>,
    title: String,
}

/// The match view of `answer`.
fn render_match(
    app: &App,
    page: &Page,
    answer: &MatchAnswer,
    options: &MatchOptions,
    profile: &Profile,
    shown: Shown,
) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let mut names = Names::new(app, lang);
    let mut rows = Vec::new();
    for item in &answer.items {
        let bars = w
            .parts
            .iter()
            .zip(part_values(&item.score_parts))
            .map(|(label, value)| Bar {
                label,
                value,
                percent: (value.clamp(0.0, 1.0) * 100.0).round() as u32,
            })
            .collect();
        rows.push(MatchRow {
            link: Link::to(&item.id, &item.label, lang),
            kinds: item.kinds.join(", "),
            score: item.score,
            bars,
            evidence: statements(&mut names, &item.evidence)?,
        });
    }
    let (path, query) = page.path.split_once('?').unwrap_or((&page.path, ""));
    let csv_url = format!("{path}.csv?{query}");
    render(&MatchTemplate {
        page,
        w,
        title: shown.title,
        seed: shown.seed,
        actor: shown.actor,
        rows,
        api_url: shown.api_url,
        csv_url,
        kind: options.kind.clone().unwrap_or_default(),
        kinds: app.kinds(CollectionName::Actors.collection())?,
        country: options.filters.country.first().cloned().unwrap_or_default(),
        form: profile_form(app, lang, profile)?,
    })
}

/// The parts of a score in the order of `Words::parts`.
fn part_values(p: &ponte_app::ScoreParts) -> [f64; 7] {
    [
        p.shared_topics,
        p.shared_projects,
        p.shared_activities,
        p.shared_actors,
        p.adamic_adar,
        p.personalized_page_rank,
        p.complementarity,
    ]
}

/// The choices of the profile form: the topics actors work on, the missions and
/// programmes, the kinds of actor; those of `profile` checked.
fn profile_form(app: &App, lang: Lang, profile: &Profile) -> Result<ProfileForm, AppError> {
    let actors = CollectionName::Actors.collection();
    let slug = |iri: &str| -> String {
        iri.strip_prefix(vocab::TOPIC_NAMESPACE)
            .or_else(|| iri.strip_prefix(vocab::ID_NAMESPACE))
            .unwrap_or(iri)
            .to_owned()
    };
    let overview = app.overview()?;
    let mut topics: Vec<ProfileChoice> = overview
        .actors
        .topics
        .iter()
        .map(|t| {
            let value = slug(&t.value);
            ProfileChoice {
                label: name_in(&t.names, lang).unwrap_or_else(|| value.clone()),
                checked: profile.topics.contains(&value),
                value,
            }
        })
        .collect();
    topics.sort_by(|a, b| a.label.cmp(&b.label));
    let linked = overview
        .missions
        .iter()
        .map(|mission| {
            let value = slug(&mission.iri);
            ProfileChoice {
                checked: profile.linked_to.contains(&value),
                label: Link::to(&mission.iri, &mission.names, lang).name,
                value,
            }
        })
        .collect();
    let wants = app
        .kinds(actors)?
        .into_iter()
        .map(|kind| ProfileChoice {
            checked: profile.wants.contains(&kind),
            label: kind.clone(),
            value: kind,
        })
        .collect();
    Ok(ProfileForm {
        topics,
        linked,
        wants,
    })
}

/// The shortlist of `answer` as CSV: rank, IRI, name, kinds, score, each part.
fn shortlist_csv(answer: &MatchAnswer, lang: Lang) -> Result<String, AppError> {
    let failed = |e: csv::Error| AppError::internal("writing the shortlist as CSV", e);
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["rank", "id", "name", "kinds", "score"];
    header.extend(PART_NAMES);
    out.write_record(&header).map_err(failed)?;
    for (rank, item) in answer.items.iter().enumerate() {
        let mut record = vec![
            (rank + 1).to_string(),
            item.id.clone(),
            name_in(&item.label, lang).unwrap_or_default(),
            item.kinds.join(" "),
            format!("{:.6}", item.score),
        ];
        record.extend(part_values(&item.score_parts).map(|v| format!("{v:.6}")));
        out.write_record(&record).map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal("writing the shortlist as CSV", e.into_error()))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal("writing the shortlist as CSV", e))
}

/// The column names of the score parts, as `/api/match` names them.
const PART_NAMES: [&str; 7] = [
    "sharedTopics",
    "sharedProjects",
    "sharedActivities",
    "sharedActors",
    "adamicAdar",
    "personalizedPageRank",
    "complementarity",
];

/// `/match.csv?actor=…`: the shortlist of the match view as CSV.
pub fn match_csv(app: &App, page: &Page, request: &MatchRequest) -> Result<String, AppError> {
    shortlist_csv(&app.suggest(request, &page.origin)?, page.lang)
}

/// `/match/profile.csv?…`: the shortlist of a profile's match view as CSV.
pub fn profile_match_csv(
    app: &App,
    page: &Page,
    profile: &Profile,
    options: &MatchOptions,
) -> Result<String, AppError> {
    shortlist_csv(
        &app.suggest_for_profile(profile, options, &page.origin)?,
        page.lang,
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: &'static str,
    status: u16,
    detail: &'a str,
}

/// The page a browser sees when a request fails: the status and what is wrong, in words the
/// operation gave (the same detail the API's problem document carries).
pub fn error_page(page: &Page, status: u16, detail: &str) -> String {
    let w = page.words();
    let template = ErrorTemplate {
        page,
        w,
        title: w.error,
        status,
        detail,
    };
    // Rendering writes into a string and the fields are plain text: it cannot fail, but a
    // failure would still be reported as text rather than lost.
    template
        .render()
        .unwrap_or_else(|e| format!("{status} {detail} ({e})"))
}

/// What a source page says of the document a graph was derived from.
struct DerivedFrom {
    title: String,
    facts: Vec<FactRow>,
}

#[derive(Template)]
#[template(path = "source.html")]
struct SourceTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    graph: GraphItem,
    facts: Vec<FactRow>,
    derived_from: Vec<DerivedFrom>,
}

/// `/source?graph=…`: where the facts of one graph come from: the file or import it was
/// loaded from, when, its hash and size, what the graph says of itself and of the document it
/// was derived from, and its content to download.
pub fn source_page(app: &App, page: &Page, graph: &str) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let Some(item) = app
        .graphs(&page.origin)?
        .items
        .into_iter()
        .find(|item| item.id == graph)
    else {
        return Err(AppError::NotFound {
            detail: format!("no loaded graph is named {graph:?}"),
            parameter: Some("graph".into()),
        });
    };
    let mut names = Names::new(app, lang);
    let described = |iri: &str| -> Result<Option<EntityView>, AppError> {
        let Ok(iri) = NamedNode::new(iri) else {
            return Ok(None);
        };
        match app.entity(None, &iri) {
            Ok(view) => Ok(Some(view)),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    };
    let mut title = title_of(app, &item.id, lang)?;
    let mut facts = Vec::new();
    let mut derived_from = Vec::new();
    if let Some(view) = described(&item.id)? {
        title = dcterms_title(&view, lang).unwrap_or(title);
        facts = fact_rows(&mut names, &view)?.1;
        for triple in &view.triples {
            if triple.predicate.as_str() != PROV_WAS_DERIVED_FROM {
                continue;
            }
            let Term::NamedNode(document) = &triple.object else {
                continue;
            };
            if let Some(view) = described(document.as_str())? {
                derived_from.push(DerivedFrom {
                    title: dcterms_title(&view, lang)
                        .unwrap_or_else(|| local_name(document.as_str()).to_owned()),
                    facts: fact_rows(&mut names, &view)?.1,
                });
            }
        }
    }
    render(&SourceTemplate {
        page,
        w,
        title,
        graph: item,
        facts,
        derived_from,
    })
}

const PROV_WAS_DERIVED_FROM: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";

/// The name of `iri` in `lang`, else its last segment.
fn title_of(app: &App, iri: &str, lang: Lang) -> Result<String, AppError> {
    Ok(name_in(&app.names_of(iri)?, lang).unwrap_or_else(|| local_name(iri).to_owned()))
}

/// The `dcterms:title` of a described thing (a graph, a document) in `lang`, else another.
fn dcterms_title(view: &EntityView, lang: Lang) -> Option<String> {
    let titles: Vec<_> = view
        .triples
        .iter()
        .filter(|t| t.predicate.as_str() == "http://purl.org/dc/terms/title")
        .filter_map(|t| match &t.object {
            Term::Literal(literal) => Some(literal.clone()),
            _ => None,
        })
        .collect();
    name_in(&names::language_map(&titles), lang)
}

/// Evidence paths as statements a person reads, names in the reader's language.
fn statements(
    names: &mut Names<'_>,
    paths: &[Vec<EvidenceStep>],
) -> Result<Vec<Vec<Statement>>, AppError> {
    let lang = names.lang;
    let mut evidence = Vec::new();
    for path in paths {
        let mut statements = Vec::new();
        for step in path {
            statements.push(Statement {
                subject: Link::to(&step.subject, &step.subject_label, lang),
                predicate: names.of(&step.predicate)?,
                object: Link::to(&step.object, &step.object_label, lang),
                triple: [
                    step.subject.clone(),
                    step.predicate.clone(),
                    step.object.clone(),
                ],
            });
        }
        evidence.push(statements);
    }
    Ok(evidence)
}

/// One stage of a mission's timeline: when, where, who hosted it and whom it met.
struct Stage {
    link: Link,
    date: String,
    places: Vec<Link>,
    hosts: Vec<Link>,
    met: Vec<Link>,
}

/// The timeline of a mission (its stages by date) and the people and bodies it met.
fn mission_timeline(app: &App, view: &EntityView, lang: Lang) -> Result<Vec<Stage>, AppError> {
    let mut stages = Vec::new();
    let stage_of = |view: &EntityView, link: Link| -> Stage {
        let links = |predicate: &str| -> Vec<Link> {
            objects(view, predicate)
                .map(|iri| Link::to(iri, &view_name(view, iri), lang))
                .collect()
        };
        Stage {
            date: literal_of(view, SCHEMA_START_DATE).unwrap_or_default(),
            places: links(SCHEMA_LOCATION),
            hosts: links(HOSTED_BY),
            met: links(MET),
            link,
        }
    };
    let own = Link::to(view.iri.as_str(), &app.names_of(view.iri.as_str())?, lang);
    stages.push(stage_of(view, own));
    for triple in &view.incoming {
        if triple.predicate.as_str() != SCHEMA_SUPER_EVENT {
            continue;
        }
        let Term::NamedNode(stage) = Term::from(triple.subject.clone()) else {
            continue;
        };
        let stage_view = app.entity(None, &stage)?;
        let link = Link::to(stage.as_str(), &app.names_of(stage.as_str())?, lang);
        stages.push(stage_of(&stage_view, link));
    }
    // The mission first, then its stages by date (undated ones last, by name).
    stages[1..].sort_by(|a, b| {
        (a.date.is_empty(), &a.date, &a.link.name).cmp(&(b.date.is_empty(), &b.date, &b.link.name))
    });
    Ok(stages)
}

const SCHEMA_START_DATE: &str = "http://schema.org/startDate";
const SCHEMA_LOCATION: &str = "http://schema.org/location";
const SCHEMA_SUPER_EVENT: &str = "http://schema.org/superEvent";
const HOSTED_BY: &str = "https://w3id.org/ponte/ontology#hostedBy";
const MET: &str = "https://w3id.org/ponte/ontology#met";

/// The IRIs `view`'s entity links to by `predicate`.
fn objects<'v>(view: &'v EntityView, predicate: &'v str) -> impl Iterator<Item = &'v str> {
    view.triples.iter().filter_map(move |t| match &t.object {
        Term::NamedNode(object) if t.predicate.as_str() == predicate => Some(object.as_str()),
        _ => None,
    })
}

/// The first literal `view`'s entity has for `predicate`.
fn literal_of(view: &EntityView, predicate: &str) -> Option<String> {
    view.triples.iter().find_map(|t| match &t.object {
        Term::Literal(literal) if t.predicate.as_str() == predicate => {
            Some(literal.value().to_owned())
        }
        _ => None,
    })
}

/// The names the view carries for an entity it links to.
fn view_name(view: &EntityView, iri: &str) -> Value {
    view.labels
        .get(&Term::NamedNode(NamedNode::new_unchecked(iri)))
        .map_or(Value::Null, |(_, names)| names::language_map(names))
}

/// One kind of actor in an ecosystem, with how many there are.
struct KindCount {
    label: String,
    count: usize,
    href: String,
}

/// A broker towards an ecosystem, with its bridging paths.
struct BrokerRow {
    link: Link,
    betweenness: f64,
    evidence: Vec<Vec<Statement>>,
}

/// A topic the home region works on with no partner in the ecosystem yet.
struct GapRow {
    link: Link,
    home: Vec<Link>,
    foreign: Vec<Link>,
}

#[derive(Template)]
#[template(path = "ecosystem.html")]
struct EcosystemTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    kinds: Vec<KindCount>,
    actors: Vec<Link>,
    total: usize,
    brokers: Vec<BrokerRow>,
    gaps: Vec<GapRow>,
}

/// `/ecosystems/{code}`: a foreign ecosystem (a country or region code): its actors by kind,
/// the brokers from Emilia-Romagna towards it with their bridging paths, and the topics with
/// no partner there yet. The same operations as `/api/actors?country=…`, `/api/brokers` and
/// `/api/gaps`.
pub fn ecosystem_page(app: &App, page: &Page, code: &str) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let code = code.to_ascii_uppercase();
    if code == HOME_COUNTRY || !app.place_codes()?.contains(&code) {
        return Err(AppError::not_found(format!(
            "{code:?} is no foreign ecosystem of the data: see /ecosystems"
        )));
    }
    let actors = CollectionName::Actors.collection();
    let mut request = ListRequest::default();
    if code.contains('-') {
        request.filters.region.push(code.clone());
    } else {
        request.filters.country.push(code.clone());
    }
    let facets = app.facets(Some(actors), &request)?;
    let mut listing = request.clone();
    listing.paging.limit = Some("100".into());
    let answer = app.list(Some(actors), &listing, &page.origin)?;
    let filter_param = if code.contains('-') {
        "region"
    } else {
        "country"
    };
    let kinds = facets
        .kinds
        .iter()
        .map(|k| KindCount {
            label: facet_label(k, lang, false),
            count: k.count,
            href: format!(
                "/actors?{filter_param}={}&kind={}",
                encode(&code),
                encode(&k.value)
            ),
        })
        .collect();
    let scope = EcosystemScope {
        from: None,
        to: vec![code.clone()],
        limit: None,
    };
    let mut names = Names::new(app, lang);
    let mut brokers = Vec::new();
    for ecosystem in app.brokers(&scope, &page.origin)?.items {
        for broker in ecosystem.brokers {
            brokers.push(BrokerRow {
                link: Link::to(&broker.id, &broker.label, lang),
                betweenness: broker.betweenness,
                evidence: statements(&mut names, &broker.evidence)?,
            });
        }
    }
    let mut gaps = Vec::new();
    for gap in app.gaps(&scope, &page.origin)?.items {
        let linked = |iris: &[String]| -> Result<Vec<Link>, AppError> {
            iris.iter()
                .map(|iri| Ok(Link::to(iri, &app.names_of(iri)?, lang)))
                .collect()
        };
        gaps.push(GapRow {
            link: Link::to(&gap.id, &gap.label, lang),
            home: linked(&gap.regional_actors)?,
            foreign: linked(&gap.foreign_actors)?,
        });
    }
    render(&EcosystemTemplate {
        page,
        w,
        title: format!("{}: {}", w.ecosystem, ecosystem_name(app, &code, lang)?),
        kinds,
        actors: answer
            .items
            .iter()
            .map(|item| item_link(item, lang))
            .collect(),
        total: answer.head.total_items,
        brokers,
        gaps,
    })
}

/// A foreign ecosystem on the index: its code and how many actors it holds.
struct EcosystemCount {
    code: String,
    label: String,
    count: usize,
}

#[derive(Template)]
#[template(path = "ecosystems.html")]
struct EcosystemsTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: &'static str,
    ecosystems: Vec<EcosystemCount>,
}

/// Every country the actors are in but the home one (Italy), most actors first.
fn foreign_ecosystems(overview: &Overview, lang: Lang) -> Vec<EcosystemCount> {
    overview
        .actors
        .countries
        .iter()
        .filter(|c| c.value != HOME_COUNTRY)
        .map(|c| EcosystemCount {
            code: c.value.clone(),
            label: facet_label(c, lang, true),
            count: c.count,
        })
        .collect()
}

/// The home country: its actors are the region's, not a foreign ecosystem.
const HOME_COUNTRY: &str = "IT";

/// `/ecosystems`: the foreign ecosystems the data holds.
pub fn ecosystems_page(app: &App, page: &Page) -> Result<String, AppError> {
    let w = page.words();
    render(&EcosystemsTemplate {
        page,
        w,
        title: w.ecosystems,
        ecosystems: foreign_ecosystems(&*app.overview()?, page.lang),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: &'static str,
}

/// `/accessibility`: the accessibility statement, in the reader's language.
pub fn accessibility_page(page: &Page) -> Result<String, AppError> {
    let w = page.words();
    render(&AccessibilityTemplate {
        page,
        w,
        title: w.accessibility,
    })
}

/// An ecosystem's name: its place's name with the code (`South Korea (KR)`), else the code.
fn ecosystem_name(app: &App, code: &str, lang: Lang) -> Result<String, AppError> {
    let overview = app.overview()?;
    let known = overview
        .actors
        .countries
        .iter()
        .chain(&overview.actors.regions)
        .find(|c| c.value == code);
    Ok(known.map_or_else(|| code.to_owned(), |c| facet_label(c, lang, true)))
}
