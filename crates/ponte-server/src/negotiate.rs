//! Content negotiation: picks the representation from the `Accept` header (q-values, ranges,
//! specificity) among the formats a response kind can be served in.

use crate::problem::Problem;
use axum::http::{HeaderMap, header};
use headers_accept::Accept;
use mediatype::MediaType;
use ponte_store::sparql::OutputFormat;
use ponte_store::{QueryResultsFormat, RdfFormat};
use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

/// A media type this server can produce, and what it maps to. The first entry of a list is the
/// default when the client accepts anything.
struct Offer {
    media_type: MediaType<'static>,
    format: OutputFormat,
}

fn offers(list: &[(&'static str, OutputFormat)]) -> Vec<Offer> {
    list.iter()
        .map(|(name, format)| Offer {
            media_type: MediaType::parse(name).expect("valid media type"),
            format: *format,
        })
        .collect()
}

/// The media types of SPARQL results, in the order offered for solutions.
const RESULT_TYPES: [(&str, QueryResultsFormat); 7] = [
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
    ("application/json", QueryResultsFormat::Json),
    ("application/xml", QueryResultsFormat::Xml),
    ("text/xml", QueryResultsFormat::Xml),
];

static RESULT_OFFERS: LazyLock<Vec<Offer>> = LazyLock::new(|| {
    let list = RESULT_TYPES.map(|(name, format)| (name, OutputFormat::Results(format)));
    offers(&list)
});

/// Boolean results have no CSV/TSV form worth offering by default, but the spec allows them:
/// the same types, the tabular ones last.
static BOOLEAN_OFFERS: LazyLock<Vec<Offer>> = LazyLock::new(|| {
    let mut list = RESULT_TYPES.map(|(name, format)| (name, OutputFormat::Results(format)));
    list.sort_by_key(|(name, _)| name.starts_with("text/csv") || name.starts_with("text/tab"));
    offers(&list)
});

static GRAPH_OFFERS: LazyLock<Vec<Offer>> = LazyLock::new(|| {
    use OutputFormat::Rdf;
    offers(&[
        ("text/turtle", Rdf(RdfFormat::Turtle)),
        ("application/n-triples", Rdf(RdfFormat::NTriples)),
        ("application/rdf+xml", Rdf(RdfFormat::RdfXml)),
        (
            "application/ld+json",
            Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            }),
        ),
        ("application/n-quads", Rdf(RdfFormat::NQuads)),
        ("application/trig", Rdf(RdfFormat::TriG)),
        ("text/plain", Rdf(RdfFormat::NTriples)),
        ("application/x-turtle", Rdf(RdfFormat::Turtle)),
        ("application/xml", Rdf(RdfFormat::RdfXml)),
        (
            "application/json",
            Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            }),
        ),
    ])
});

static DATASET_OFFERS: LazyLock<Vec<Offer>> = LazyLock::new(|| {
    use OutputFormat::Rdf;
    offers(&[
        ("application/trig", Rdf(RdfFormat::TriG)),
        ("application/n-quads", Rdf(RdfFormat::NQuads)),
        (
            "application/ld+json",
            Rdf(RdfFormat::JsonLd {
                profile: Default::default(),
            }),
        ),
    ])
});

/// An entity of the REST API: Ponte's compacted JSON-LD first (also for plain JSON), then the
/// RDF syntaxes.
static ENTITY_OFFERS: LazyLock<Vec<Offer>> = LazyLock::new(|| {
    use OutputFormat::Rdf;
    let json_ld = Rdf(RdfFormat::JsonLd {
        profile: Default::default(),
    });
    offers(&[
        ("application/ld+json", json_ld),
        ("application/json", json_ld),
        ("text/turtle", Rdf(RdfFormat::Turtle)),
        ("application/n-triples", Rdf(RdfFormat::NTriples)),
        ("application/rdf+xml", Rdf(RdfFormat::RdfXml)),
        ("text/plain", Rdf(RdfFormat::NTriples)),
    ])
});

/// The media types of a page, offered after the entity's data formats so that a client
/// accepting anything gets data.
static PAGE_TYPES: LazyLock<Vec<MediaType<'static>>> = LazyLock::new(|| {
    ["text/html", "application/xhtml+xml"]
        .map(|name| MediaType::parse(name).expect("valid media type"))
        .into()
});

/// Whether `Accept` prefers a page (HTML) to every data format of an entity, as a browser's
/// does; no `Accept`, `*/*` or an unparsable header prefer data.
pub fn prefers_page(headers: &HeaderMap) -> bool {
    let accept = accepted(headers);
    let Ok(accept) = Accept::from_str(&accept) else {
        return false;
    };
    let offered = ENTITY_OFFERS
        .iter()
        .map(|offer| &offer.media_type)
        .chain(PAGE_TYPES.iter());
    accept
        .negotiate(offered)
        .is_some_and(|chosen| PAGE_TYPES.contains(chosen))
}

/// The `Accept` header's ranges (every `Accept` line), each with its `q` only.
/// Every `Accept` value of the request, joined: all that content negotiation reads.
pub(crate) fn accepted(headers: &HeaderMap) -> String {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(without_parameters)
        .collect::<Vec<_>>()
        .join(",")
}

/// What is being served, which decides the formats offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Kind {
    /// SELECT solutions.
    Solutions,
    /// ASK boolean.
    Boolean,
    /// An RDF graph (CONSTRUCT, DESCRIBE, a Graph Store graph, the service description).
    Graph,
    /// A whole RDF dataset.
    Dataset,
    /// An entity of the REST API.
    Entity,
}

/// The most `Accept` values a thread remembers the choice for, per kind (then it forgets them
/// all: clients send few distinct values, and a client sending many must not grow memory).
const REMEMBERED_ACCEPTS: usize = 64;

/// A format chosen, and the media type its answer is labelled with.
type Choice = (OutputFormat, &'static str);

thread_local! {
    /// The formats chosen recently on this thread, by kind and `Accept` value: a client sends
    /// the same header with every request, and parsing it and matching the offers cost about
    /// 2% of a cheap query's CPU.
    static CHOSEN: RefCell<[HashMap<Box<[u8]>, Choice>; 5]> =
        RefCell::new(Default::default());
}

/// The best format for `kind` according to the request's `Accept` header; a missing or
/// unparsable header accepts anything. 406 when nothing offered is acceptable.
pub fn negotiate(headers: &HeaderMap, kind: Kind) -> Result<Choice, Problem> {
    // Only a request with one `Accept` line is remembered (several are joined first).
    let mut values = headers.get_all(header::ACCEPT).iter();
    let single = match (values.next(), values.next()) {
        (Some(value), None) => Some(value.as_bytes()),
        _ => None,
    };
    if let Some(value) = single
        && let Some(chosen) =
            CHOSEN.with(|chosen| chosen.borrow()[kind as usize].get(value).copied())
    {
        return Ok(chosen);
    }
    let chosen = choose(headers, kind)?;
    if let Some(value) = single {
        CHOSEN.with(|remembered| {
            let remembered = &mut remembered.borrow_mut()[kind as usize];
            if remembered.len() >= REMEMBERED_ACCEPTS {
                remembered.clear();
            }
            remembered.insert(value.into(), chosen);
        });
    }
    Ok(chosen)
}

/// [`negotiate`], reading the header afresh.
fn choose(headers: &HeaderMap, kind: Kind) -> Result<Choice, Problem> {
    let offers: &'static [Offer] = match kind {
        Kind::Solutions => &RESULT_OFFERS,
        Kind::Boolean => &BOOLEAN_OFFERS,
        Kind::Graph => &GRAPH_OFFERS,
        Kind::Dataset => &DATASET_OFFERS,
        Kind::Entity => &ENTITY_OFFERS,
    };
    let accept = accepted(headers);
    let default = &offers[0];
    if accept.trim().is_empty() {
        return Ok((default.format, default.media_type_str()));
    }
    let Ok(accept) = Accept::from_str(&accept) else {
        return Ok((default.format, default.media_type_str()));
    };
    let chosen = accept
        .negotiate(offers.iter().map(|offer| &offer.media_type))
        .and_then(|chosen| offers.iter().find(|offer| &offer.media_type == chosen));
    match chosen {
        Some(offer) => Ok((offer.format, offer.media_type_str())),
        None => {
            let mut names: Vec<&str> = Vec::new();
            for name in offers.iter().map(Offer::media_type_str) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            Err(Problem::not_acceptable(&names))
        }
    }
}

/// Keeps a media range and its `q`, dropping other parameters: every answer is UTF-8, so
/// `text/turtle; charset=utf-8` must match `text/turtle`.
fn without_parameters(range: &str) -> String {
    let mut parts = range.split(';');
    let mut kept = parts.next().unwrap_or_default().trim().to_owned();
    for parameter in parts {
        if parameter.trim().to_ascii_lowercase().starts_with("q=") {
            kept.push(';');
            kept.push_str(parameter.trim());
        }
    }
    kept
}

impl Offer {
    fn media_type_str(&self) -> &'static str {
        // The media types are built from 'static strings; render the canonical name.
        match self.format {
            OutputFormat::Results(format) => format.media_type(),
            OutputFormat::Rdf(format) => format.media_type(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pick(accept: &str, kind: Kind) -> Result<&'static str, u16> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        negotiate(&headers, kind)
            .map(|(_, name)| name)
            .map_err(|e| e.status().as_u16())
    }

    #[test]
    fn follows_q_values_and_specificity() {
        assert_eq!(
            pick(
                "text/csv;q=0.5, application/sparql-results+xml",
                Kind::Solutions
            ),
            Ok("application/sparql-results+xml")
        );
        assert_eq!(
            pick("*/*", Kind::Solutions),
            Ok("application/sparql-results+json")
        );
        assert_eq!(
            pick("text/*;q=0.9, text/csv;q=0", Kind::Solutions),
            Ok("text/tab-separated-values; charset=utf-8")
        );
        assert_eq!(
            pick("application/n-triples, text/turtle;q=0.5", Kind::Graph),
            Ok("application/n-triples")
        );
        assert_eq!(
            pick("application/ld+json", Kind::Graph),
            Ok("application/ld+json")
        );
        assert_eq!(pick("", Kind::Graph), Ok("text/turtle"));
        assert_eq!(
            pick("text/turtle; charset=utf-8", Kind::Graph),
            Ok("text/turtle")
        );
        assert_eq!(
            pick(
                "text/csv; charset=utf-8; q=0.5, application/sparql-results+xml; q=0.4",
                Kind::Solutions
            ),
            Ok("text/csv; charset=utf-8")
        );
    }

    #[test]
    fn a_remembered_choice_is_the_fresh_one_for_its_kind_and_memory_stays_bounded() {
        let kinds = [
            Kind::Solutions,
            Kind::Boolean,
            Kind::Graph,
            Kind::Dataset,
            Kind::Entity,
        ];
        let accepts = [
            "application/json",
            "text/csv",
            "*/*",
            "text/turtle;q=0.5, application/trig",
        ];
        for kind in kinds {
            for accept in accepts {
                let mut headers = HeaderMap::new();
                headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
                let fresh = choose(&headers, kind)
                    .map(|(_, name)| name)
                    .map_err(|e| e.status().as_u16());
                assert_eq!(pick(accept, kind), fresh, "{accept} for {kind:?}");
                assert_eq!(pick(accept, kind), fresh, "{accept} for {kind:?}, again");
            }
        }
        for i in 0..1000 {
            assert_eq!(
                pick(&format!("text/x-{i}, text/turtle"), Kind::Graph),
                Ok("text/turtle")
            );
        }
        CHOSEN.with(|chosen| {
            assert!(chosen.borrow()[Kind::Graph as usize].len() <= REMEMBERED_ACCEPTS);
        });
    }

    #[test]
    fn nothing_acceptable_is_406() {
        assert_eq!(pick("image/png", Kind::Solutions), Err(406));
        assert_eq!(pick("text/turtle", Kind::Solutions), Err(406));
        assert_eq!(
            pick("application/sparql-results+json", Kind::Graph),
            Err(406)
        );
    }
}
