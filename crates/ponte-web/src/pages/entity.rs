//! An entity's page: its facts with their sources, every incoming relation, for an actor its
//! partners, for a mission its timeline.

#[allow(clippy::wildcard_imports)]
use super::*;
use std::collections::HashSet;

/// One fact of an entity page.
pub(crate) struct FactRow {
    pub(crate) property: String,
    pub(crate) value: Option<Link>,
    pub(crate) text: String,
    pub(crate) source: String,
    pub(crate) graph: String,
}

/// The links of one relation towards the entity.
pub(crate) struct IncomingGroup {
    pub(crate) property: String,
    pub(crate) links: Vec<Link>,
}

/// A suggested partner on an entity page.
pub(crate) struct Suggested {
    pub(crate) link: Link,
    pub(crate) score: f64,
}

#[derive(Template)]
#[template(path = "entity.html")]
pub(crate) struct EntityTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) iri: String,
    pub(crate) kinds: Vec<String>,
    pub(crate) facts: Vec<FactRow>,
    pub(crate) incoming: Vec<IncomingGroup>,
    pub(crate) same_as: Vec<String>,
    pub(crate) api_url: Option<String>,
    pub(crate) data_url: String,
    pub(crate) suggestions: Vec<Suggested>,
    pub(crate) match_url: String,
    pub(crate) timeline: Vec<Stage>,
    pub(crate) follow_ups: Vec<FollowUp>,
    pub(crate) map: Option<crate::map::SmallMap>,
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
    let title = names.of(iri)?;
    let collection = app.collection_of(view)?;
    let api_url = collection.map(|c| format!("/api/{}/{}", c.name, c.id_of(&view.iri)));
    let slug = iri.strip_prefix(vocab::ID_NAMESPACE).unwrap_or(iri);
    let (timeline, follow_ups) = match collection {
        Some(c) if c.name == "missions" => mission_timeline(app, &mut names, view)?,
        _ => (Vec::new(), Vec::new()),
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
        follow_ups,
        map: app.point_of(&view.iri)?.as_ref().map(crate::map::small_map),
    })
}

/// The kinds of the entity `view` shows, and its other facts, each with its source.
pub(crate) fn fact_rows(
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
    for (triple, source) in &names.app.fact_sources(view)? {
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

pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

pub(crate) fn subject_iri(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        other => other.to_string(),
    }
}

pub(crate) fn suggest(
    app: &App,
    page: &Page,
    actor: &str,
    limit: usize,
) -> Result<MatchAnswer, AppError> {
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

/// One stage of a mission's timeline: when, where, who hosted it and whom it met.
pub(crate) struct Stage {
    pub(crate) link: Link,
    pub(crate) date: String,
    pub(crate) places: Vec<Link>,
    pub(crate) hosts: Vec<Link>,
    pub(crate) met: Vec<Link>,
}

/// What a mission led to, as a statement a person reads: a collaboration discussed at one of
/// its visits, an activity that builds on it, an agreement signed there, a programme launched.
pub(crate) struct FollowUp {
    pub(crate) subject: Link,
    pub(crate) relation: String,
    pub(crate) object: Link,
}

/// Relations whose subject follows up the mission (or a stage) they point at.
const FOLLOWING_UP: &[&str] = &[BUILDS_ON, DISCUSSED_AT, SIGNED_AT];

/// Relations whose object the mission (or a stage) led to.
const LEADING_TO: &[&str] = &[LAUNCHES];

/// The timeline of a mission (its stages by date) and the people and bodies it met, and what
/// the mission and its stages led to.
pub(crate) fn mission_timeline(
    app: &App,
    names: &mut Names<'_>,
    view: &EntityView,
) -> Result<(Vec<Stage>, Vec<FollowUp>), AppError> {
    let lang = names.lang;
    let mut stages = Vec::new();
    let mut follow_ups = Vec::new();
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
    let mut follow_ups_of = |view: &EntityView, link: &Link| -> Result<(), AppError> {
        for triple in &view.incoming {
            let predicate = triple.predicate.as_str();
            if FOLLOWING_UP.contains(&predicate) {
                let subject = Term::from(triple.subject.clone());
                let iri = subject_iri(&subject);
                follow_ups.push(FollowUp {
                    subject: Link::to(&iri, &view_name(view, &iri), lang),
                    relation: names.of(predicate)?,
                    object: link.clone(),
                });
            }
        }
        for predicate in LEADING_TO {
            for iri in objects(view, predicate) {
                follow_ups.push(FollowUp {
                    subject: link.clone(),
                    relation: names.of(predicate)?,
                    object: Link::to(iri, &view_name(view, iri), lang),
                });
            }
        }
        Ok(())
    };
    let own = Link::to(view.iri.as_str(), &app.names_of(view.iri.as_str())?, lang);
    follow_ups_of(view, &own)?;
    stages.push(stage_of(view, own));
    // Stages have stages of their own (the 2022 US mission's Boston leg has its visits): walk
    // schema:superEvent down, each stage once.
    let parts = |view: &EntityView| -> Vec<NamedNode> {
        view.incoming
            .iter()
            .filter(|t| t.predicate.as_str() == SCHEMA_SUPER_EVENT)
            .filter_map(|t| match Term::from(t.subject.clone()) {
                Term::NamedNode(stage) => Some(stage),
                _ => None,
            })
            .collect()
    };
    let mut seen: HashSet<NamedNode> = HashSet::from([view.iri.clone()]);
    let mut pending = parts(view);
    while let Some(stage) = pending.pop() {
        if !seen.insert(stage.clone()) {
            continue;
        }
        let stage_view = app.entity(None, &stage)?;
        let link = Link::to(stage.as_str(), &app.names_of(stage.as_str())?, lang);
        follow_ups_of(&stage_view, &link)?;
        pending.extend(parts(&stage_view));
        stages.push(stage_of(&stage_view, link));
    }
    // The mission first, then its stages by date (undated ones last, by name).
    stages[1..].sort_by(|a, b| {
        (a.date.is_empty(), &a.date, &a.link.name).cmp(&(b.date.is_empty(), &b.date, &b.link.name))
    });
    Ok((stages, follow_ups))
}

pub(crate) const SCHEMA_START_DATE: &str = "http://schema.org/startDate";

pub(crate) const SCHEMA_LOCATION: &str = "http://schema.org/location";

pub(crate) const SCHEMA_SUPER_EVENT: &str = "http://schema.org/superEvent";

pub(crate) const HOSTED_BY: &str = "https://w3id.org/ponte/ontology#hostedBy";

const BUILDS_ON: &str = "https://w3id.org/ponte/ontology#buildsOn";

const DISCUSSED_AT: &str = "https://w3id.org/ponte/ontology#discussedAt";

const SIGNED_AT: &str = "https://w3id.org/ponte/ontology#signedAt";

const LAUNCHES: &str = "https://w3id.org/ponte/ontology#launches";
pub(crate) const MET: &str = "https://w3id.org/ponte/ontology#met";

/// The IRIs `view`'s entity links to by `predicate`.
pub(crate) fn objects<'v>(
    view: &'v EntityView,
    predicate: &'v str,
) -> impl Iterator<Item = &'v str> {
    view.triples.iter().filter_map(move |t| match &t.object {
        Term::NamedNode(object) if t.predicate.as_str() == predicate => Some(object.as_str()),
        _ => None,
    })
}

/// The first literal `view`'s entity has for `predicate`.
pub(crate) fn literal_of(view: &EntityView, predicate: &str) -> Option<String> {
    view.triples.iter().find_map(|t| match &t.object {
        Term::Literal(literal) if t.predicate.as_str() == predicate => {
            Some(literal.value().to_owned())
        }
        _ => None,
    })
}

/// The names the view carries for an entity it links to.
pub(crate) fn view_name(view: &EntityView, iri: &str) -> Value {
    view.labels
        .get(&Term::NamedNode(NamedNode::new_unchecked(iri)))
        .map_or(Value::Null, |(_, names)| names::language_map(names))
}
