//! ROR (Research Organization Registry) v2 records as Ponte RDF.
//!
//! One record, one JSON object: [`record_to_triples`] maps it to triples about the record's own
//! ROR IRI, so seed actors (which carry `owl:sameAs <https://ror.org/...>`) are linked to it, not
//! duplicated. Kinds map to Ponte classes, names to language-tagged labels, places to their
//! GeoNames IRIs, relationships to ORG and DCTerms properties, external ids to `owl:sameAs`
//! (Wikidata) and `dcterms:identifier`.

use oxrdf::vocab::{rdf, rdfs, xsd};
use oxrdf::{Literal, NamedNode, Term, Triple};
use serde::Deserialize;
use std::collections::HashSet;

use ponte_vocab::PONTE;

/// Why a record could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RorError {
    /// The line is not a JSON object of the ROR v2 schema.
    #[error("not a ROR v2 record: {0}")]
    Json(#[from] serde_json::Error),
    /// The record's `id` is not a ROR IRI.
    #[error("invalid ROR id {0:?}")]
    InvalidId(String),
    /// The record has no location with a GeoNames id: ROR v2 requires one, and Ponte needs a
    /// place for every organisation (country filters, brokers, gaps).
    #[error("ROR record {0} has no location with a geonames_id")]
    NoLocation(String),
}

#[derive(Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    names: Vec<Name>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    established: Option<i64>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    relationships: Vec<Relationship>,
    #[serde(default)]
    external_ids: Vec<ExternalId>,
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Deserialize)]
struct Name {
    value: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Deserialize)]
struct Location {
    geonames_id: Option<u64>,
    #[serde(default)]
    geonames_details: Option<GeonamesDetails>,
}

#[derive(Deserialize)]
struct GeonamesDetails {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    country_subdivision_code: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lng: Option<f64>,
}

#[derive(Deserialize)]
struct Relationship {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct ExternalId {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    preferred: Option<String>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

fn iri(value: &str) -> NamedNode {
    NamedNode::new_unchecked(value)
}

fn ponte(local: &str) -> NamedNode {
    iri(&format!("{PONTE}{local}"))
}

/// The Ponte class for a ROR organisation type.
fn class_of(kind: &str) -> NamedNode {
    ponte(match kind {
        "education" => "University",
        "healthcare" => "HealthcareProvider",
        "company" => "Company",
        "government" => "PublicBody",
        "facility" => "ResearchCentre",
        "nonprofit" => "Association",
        _ => "Organisation",
    })
}

/// A ROR id is `https://ror.org/` and nine lowercase alphanumerics.
fn ror_iri(id: &str) -> Option<NamedNode> {
    let local = id.strip_prefix("https://ror.org/")?;
    (local.len() == 9
        && local
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    .then(|| iri(id))
}

/// The triples describing one ROR record (one line of a ROR v2 JSON-lines dump).
pub fn record_to_triples(json: &str) -> Result<Vec<Triple>, RorError> {
    let record: Record = serde_json::from_str(json)?;
    let subject = ror_iri(&record.id).ok_or_else(|| RorError::InvalidId(record.id.clone()))?;
    let mut triples = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNode, o: Term| {
        triples.push(Triple::new(s.clone(), p, o));
    };
    let mut classes: Vec<NamedNode> = record.types.iter().map(|t| class_of(t)).collect();
    if classes.is_empty() {
        classes.push(ponte("Organisation"));
    }
    classes.dedup();
    for class in classes {
        add(&subject, rdf::TYPE.into_owned(), class.into());
    }
    for name in &record.names {
        let literal = match name.lang.as_deref().filter(|l| !l.is_empty()) {
            Some(lang) => Literal::new_language_tagged_literal(&name.value, lang)
                .unwrap_or_else(|_| Literal::new_simple_literal(&name.value)),
            None => Literal::new_simple_literal(&name.value),
        };
        let predicate = if name
            .types
            .iter()
            .any(|t| t == "label" || t == "ror_display")
        {
            rdfs::LABEL.into_owned()
        } else {
            iri("http://www.w3.org/2004/02/skos/core#altLabel")
        };
        add(&subject, predicate, literal.into());
    }
    if let Some(year) = record.established.filter(|y| (1000..=9999).contains(y)) {
        add(
            &subject,
            iri("http://schema.org/foundingDate"),
            Literal::new_typed_literal(year.to_string(), xsd::G_YEAR).into(),
        );
    }
    if record.status.as_deref().is_some_and(|s| s != "active") {
        add(
            &subject,
            iri("http://www.w3.org/2002/07/owl#deprecated"),
            Literal::from(true).into(),
        );
    }
    if !record.locations.iter().any(|l| l.geonames_id.is_some()) {
        return Err(RorError::NoLocation(record.id));
    }
    for location in &record.locations {
        let Some(geonames) = location.geonames_id else {
            continue;
        };
        let place = iri(&format!("https://sws.geonames.org/{geonames}/"));
        add(
            &subject,
            iri("http://schema.org/location"),
            place.clone().into(),
        );
        add(&place, rdf::TYPE.into_owned(), ponte("City").into());
        if let Some(details) = &location.geonames_details {
            if let Some(name) = &details.name {
                add(
                    &place,
                    rdfs::LABEL.into_owned(),
                    Literal::new_simple_literal(name).into(),
                );
            }
            if let Some(country) = &details.country_code {
                add(
                    &place,
                    iri("http://schema.org/addressCountry"),
                    Literal::new_simple_literal(country).into(),
                );
                if let Some(subdivision) = &details.country_subdivision_code {
                    // ISO 3166-2: the subdivision code only means something with its country.
                    add(
                        &place,
                        iri("http://schema.org/addressRegion"),
                        Literal::new_simple_literal(format!("{country}-{subdivision}")).into(),
                    );
                }
            }
            // The point is the organisation's own, not its city's: records sharing a city give
            // different points in it.
            if let (Some(lat), Some(lng)) = (details.lat, details.lng) {
                add(
                    &subject,
                    iri("http://schema.org/latitude"),
                    Literal::from(lat).into(),
                );
                add(
                    &subject,
                    iri("http://schema.org/longitude"),
                    Literal::from(lng).into(),
                );
            }
        }
    }
    for relationship in &record.relationships {
        let Some(other) = ror_iri(&relationship.id) else {
            continue;
        };
        let predicate = match relationship.kind.as_str() {
            "parent" => iri("http://www.w3.org/ns/org#subOrganizationOf"),
            "child" => iri("http://www.w3.org/ns/org#hasSubOrganization"),
            "related" => ponte("relatedOrganisation"),
            "successor" => iri("http://purl.org/dc/terms/isReplacedBy"),
            "predecessor" => iri("http://purl.org/dc/terms/replaces"),
            _ => continue,
        };
        add(&subject, predicate, other.into());
    }
    for external in &record.external_ids {
        let ids = external.preferred.iter().chain(&external.all);
        for id in ids {
            if external.kind == "wikidata" {
                if id.starts_with('Q')
                    && id[1..].bytes().all(|b| b.is_ascii_digit())
                    && id.len() > 1
                {
                    add(
                        &subject,
                        iri("http://www.w3.org/2002/07/owl#sameAs"),
                        iri(&format!("http://www.wikidata.org/entity/{id}")).into(),
                    );
                }
            } else {
                add(
                    &subject,
                    iri("http://purl.org/dc/terms/identifier"),
                    Literal::new_simple_literal(format!("{}:{id}", external.kind)).into(),
                );
            }
        }
    }
    for link in &record.links {
        if link.kind == "website"
            && let Ok(homepage) = NamedNode::new(&link.value)
        {
            add(
                &subject,
                iri("http://xmlns.com/foaf/0.1/homepage"),
                homepage.into(),
            );
        }
    }
    let mut seen = HashSet::new();
    triples.retain(|triple| seen.insert(triple.clone()));
    Ok(triples)
}

/// A ROR dump read: the triples of every good record, and the lines that were not.
#[derive(Debug, Default)]
pub struct Dump {
    /// The triples of every well-formed record.
    pub triples: Vec<Triple>,
    /// Well-formed records read.
    pub records: usize,
    /// Each malformed record: its 1-based line and what is wrong.
    pub errors: Vec<(usize, RorError)>,
}

/// Why a dump cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The file ends in `.gz` but is not gzip.
    #[error("not valid gzip: {0}")]
    Gzip(std::io::Error),
    /// The text is not UTF-8.
    #[error("not UTF-8 (byte {0})")]
    Utf8(usize),
}

/// Reads a ROR v2 dump: one JSON record per line, gzip-compressed when `gzipped`. Blank lines
/// are skipped; a malformed record is listed with its line, and the others are still read.
pub fn read_dump(content: &[u8], gzipped: bool) -> Result<Dump, DumpError> {
    let text;
    let content = if gzipped {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(content), &mut plain)
            .map_err(DumpError::Gzip)?;
        text = plain;
        text.as_slice()
    } else {
        content
    };
    let content = std::str::from_utf8(content).map_err(|e| DumpError::Utf8(e.valid_up_to()))?;
    let mut dump = Dump::default();
    for (index, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match record_to_triples(line) {
            Ok(record) => {
                dump.records += 1;
                dump.triples.extend(record);
            }
            Err(error) => dump.errors.push((index + 1, error)),
        }
    }
    Ok(dump)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id":"https://ror.org/05apxxy63","names":[{"value":"KAIST","lang":null,"types":["acronym"]},{"value":"Korea Advanced Institute of Science and Technology","lang":"en","types":["ror_display","label"]},{"value":"한국과학기술원","lang":"ko","types":["label"]}],"types":["education","funder"],"status":"active","established":1971,"locations":[{"geonames_id":1835235,"geonames_details":{"name":"Daejeon","country_code":"KR","country_subdivision_code":"30","lat":36.3,"lng":127.4}}],"relationships":[{"id":"https://ror.org/00y0zf565","type":"related","label":"x"}],"external_ids":[{"type":"wikidata","all":["Q39949"],"preferred":null},{"type":"grid","all":["grid.37172.30"],"preferred":"grid.37172.30"}],"links":[{"type":"website","value":"https://www.kaist.ac.kr"}]}"#;

    fn has(triples: &[Triple], needle: &str) -> bool {
        triples.iter().any(|t| t.to_string().contains(needle))
    }

    #[test]
    fn maps_kinds_names_places_relations_and_ids() {
        let triples = record_to_triples(RECORD).unwrap();
        for needle in [
            "<https://ror.org/05apxxy63> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ponte/ontology#University>",
            "\"한국과학기술원\"@ko",
            "<http://www.w3.org/2004/02/skos/core#altLabel> \"KAIST\"",
            "\"1971\"^^<http://www.w3.org/2001/XMLSchema#gYear>",
            "<https://sws.geonames.org/1835235/> <http://schema.org/addressRegion> \"KR-30\"",
            "<https://w3id.org/ponte/ontology#relatedOrganisation> <https://ror.org/00y0zf565>",
            "<http://www.wikidata.org/entity/Q39949>",
            "\"grid:grid.37172.30\"",
            "<http://xmlns.com/foaf/0.1/homepage> <https://www.kaist.ac.kr>",
        ] {
            assert!(has(&triples, needle), "missing {needle}");
        }
        // preferred and all name the same grid id: one triple.
        assert_eq!(
            triples
                .iter()
                .filter(|t| t.to_string().contains("grid:"))
                .count(),
            1
        );
    }

    #[test]
    fn refuses_what_is_not_a_record() {
        assert!(matches!(
            record_to_triples("{\"id\": 3"),
            Err(RorError::Json(_))
        ));
        assert!(matches!(
            record_to_triples(r#"{"id":"https://example.com/x> <y"}"#),
            Err(RorError::InvalidId(_))
        ));
    }
}
