//! The pages: each function runs `ponte-app` operations and renders one template. Names are
//! shown in the reader's language (then English, Italian, a name without a language); every
//! entity links to its page on this server.

use crate::lang::{Lang, Words};
use askama::Template;
use ponte_app::request::{ListRequest, MatchRequest, MatchTarget};
use ponte_app::{App, AppError, Collection, EntityView, MatchAnswer, compact_class, vocab};
use ponte_app::{CollectionName, names};
use ponte_app::{GraphItem, NamedNode, Term};
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
    fn words(&self) -> &'static Words {
        self.lang.words()
    }

    /// This page in the other language.
    fn switch_url(&self) -> String {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{separator}lang={}", self.path, self.lang.other().code())
    }
}

/// A link to an entity: where it is shown, and its name.
#[derive(Debug, Clone)]
struct Link {
    href: String,
    name: String,
}

impl Link {
    fn to(iri: &str, names: &Value, lang: Lang) -> Self {
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
fn name_in(names: &Value, lang: Lang) -> Option<String> {
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

fn render(template: &impl Template) -> Result<String, AppError> {
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
}

/// `/`: a search box, what the graph holds by collection, the missions, the sources.
pub fn home_page(app: &App, page: &Page) -> Result<String, AppError> {
    let w = page.words();
    let mut collections = Vec::new();
    for name in CollectionName::ALL {
        let collection = name.collection();
        let answer = app.list(Some(collection), &ListRequest::default(), &page.origin)?;
        collections.push(CollectionCount {
            name: collection.name,
            label: w.collection(collection.name),
            total: answer.head.total_items,
        });
    }
    let missions = app.list(
        Some(CollectionName::Missions.collection()),
        &ListRequest::default(),
        &page.origin,
    )?;
    let missions = missions
        .items
        .iter()
        .map(|item| item_link(item, page.lang))
        .collect();
    let sources = app
        .graphs(&page.origin)?
        .items
        .into_iter()
        .filter_map(|g| {
            g.source.map(|source| SourceCount {
                source,
                triples: g.triples,
            })
        })
        .collect();
    render(&HomeTemplate {
        page,
        w,
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

#[derive(Template)]
#[template(path = "list.html")]
struct ListTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    action: String,
    q: String,
    kind: String,
    kinds: Vec<String>,
    country: String,
    topic: String,
    items: Vec<ListedItem>,
    total: usize,
    next: Option<String>,
}

/// `/{collection}` and `/search`: one page of entities with the filters of the API, the URL
/// carrying every choice.
pub fn list_page(
    app: &App,
    page: &Page,
    collection: Option<&'static Collection>,
    request: &ListRequest,
) -> Result<String, AppError> {
    let w = page.words();
    let answer = app.list(collection, request, &page.origin)?;
    let api_prefix = format!("{}/api", page.origin);
    let items = answer
        .items
        .iter()
        .map(|item| ListedItem {
            link: item_link(item, page.lang),
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
    let (title, action, kinds) = match collection {
        Some(collection) => (
            w.collection(collection.name).to_owned(),
            format!("/{}", collection.name),
            app.kinds(collection)?
                .iter()
                .map(|k| compact_class(k))
                .collect(),
        ),
        None => (w.search.to_owned(), "/search".to_owned(), Vec::new()),
    };
    let first = |values: &[String]| values.first().cloned().unwrap_or_default();
    render(&ListTemplate {
        page,
        w,
        title,
        action,
        q: request.text.q.clone().unwrap_or_default(),
        kind: request.text.kind.clone().unwrap_or_default(),
        kinds,
        country: first(&request.filters.country),
        topic: first(&request.filters.topic),
        items,
        total: answer.head.total_items,
        // The API's next page, shown here.
        next: answer
            .next
            .and_then(|url| url.strip_prefix(&api_prefix).map(str::to_owned)),
    })
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
    suggestions: Vec<Suggested>,
    match_url: String,
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
        suggestions,
        match_url: format!("/match?actor={}", encode(slug)),
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

fn encode(text: &str) -> String {
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

#[derive(Template)]
#[template(path = "match.html")]
struct MatchTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: String,
    seed: Link,
    rows: Vec<MatchRow>,
    api_url: String,
}

/// `/match?actor=…`: the ranked suggestions of `/api/match` for the same request, each with
/// its score parts as bars with numbers and its evidence as statements.
pub fn match_page(app: &App, page: &Page, request: &MatchRequest) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let answer = app.suggest(request, &page.origin)?;
    let seed_iri = answer.seed.clone().unwrap_or_default();
    let seed = Link::to(&seed_iri, &app.names_of(&seed_iri)?, lang);
    let mut names = Names::new(app, lang);
    let mut rows = Vec::new();
    for item in &answer.items {
        let p = &item.score_parts;
        let values = [
            p.shared_topics,
            p.shared_projects,
            p.shared_activities,
            p.shared_actors,
            p.adamic_adar,
            p.personalized_page_rank,
            p.complementarity,
        ];
        let bars = w
            .parts
            .iter()
            .zip(values)
            .map(|(label, value)| Bar {
                label,
                value,
                percent: (value.clamp(0.0, 1.0) * 100.0).round() as u32,
            })
            .collect();
        let mut evidence = Vec::new();
        for path in &item.evidence {
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
        rows.push(MatchRow {
            link: Link::to(&item.id, &item.label, lang),
            kinds: item.kinds.join(", "),
            score: item.score,
            bars,
            evidence,
        });
    }
    let api_url = answer
        .head
        .id
        .clone()
        .and_then(|id| id.strip_prefix(&page.origin).map(str::to_owned))
        .unwrap_or_default();
    render(&MatchTemplate {
        page,
        w,
        title: format!("{} {}", w.partners_for, seed.name),
        seed,
        rows,
        api_url,
    })
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
