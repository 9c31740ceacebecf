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

mod ecosystem;
mod entity;
mod graph;
mod home;
mod lists;
mod matching;
mod source;

pub use ecosystem::{ecosystem_page, ecosystems_page};
pub use entity::entity_page;
pub use home::home_page;
pub use lists::list_page;
pub(crate) use lists::{Choice, ChoiceGroup, filter_choices};
pub use matching::{match_csv, match_page, profile_match_csv, profile_match_page};
pub use source::source_page;
// What the page modules share with each other (each takes `super::*`).
#[allow(clippy::wildcard_imports, unused_imports)]
use {ecosystem::*, entity::*, lists::*, matching::*, source::*};

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
pub(crate) fn href(iri: &str) -> String {
    if let Some(slug) = iri.strip_prefix(vocab::ID_NAMESPACE) {
        format!("/id/{slug}")
    } else if let Some(slug) = iri.strip_prefix(vocab::TOPIC_NAMESPACE) {
        format!("/topic/{slug}")
    } else {
        iri.to_owned()
    }
}

/// The last segment of an IRI, for a thing without a name.
pub(crate) fn local_name(iri: &str) -> &str {
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
pub(crate) struct Names<'a> {
    pub(crate) app: &'a App,
    pub(crate) lang: Lang,
    pub(crate) known: BTreeMap<String, String>,
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

pub(crate) fn item_link(item: &serde_json::Map<String, Value>, lang: Lang) -> Link {
    let iri = item.get("@id").and_then(Value::as_str).unwrap_or_default();
    let names = item
        .get("label")
        .or_else(|| item.get("prefLabel"))
        .cloned()
        .unwrap_or(Value::Null);
    Link::to(iri, &names, lang)
}

pub(crate) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One step of an evidence path, as a sentence; the triple's IRIs go with it (as data
/// attributes) so that a reader's tools can check it against the store.
pub(crate) struct Statement {
    pub(crate) subject: Link,
    pub(crate) predicate: String,
    pub(crate) object: Link,
    pub(crate) triple: [String; 3],
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: &'static str,
    pub(crate) status: u16,
    /// What the status means, in the reader's words.
    pub(crate) meaning: &'static str,
    pub(crate) detail: &'a str,
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
        meaning: w.status(status),
        detail,
    };
    // Rendering writes into a string and the fields are plain text: it cannot fail, but a
    // failure would still be reported as text rather than lost.
    template
        .render()
        .unwrap_or_else(|e| format!("{status} {detail} ({e})"))
}

/// Evidence paths as statements a person reads, names in the reader's language.
pub(crate) fn statements(
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

#[derive(Template)]
#[template(path = "accessibility.html")]
pub(crate) struct AccessibilityTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: &'static str,
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
