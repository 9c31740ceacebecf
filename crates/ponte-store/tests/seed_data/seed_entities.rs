//! Every entity named in the seed documents is in the seeded store.
//!
//! `tests/fixtures/seed-entities.tsv` lists, one per line, the organisations, programmes,
//! calls, missions, events and meetings, agreements, EU projects and people that the five seed
//! documents (`/work/shared/seeds/`, see its `README.md`) name, as
//! `document<TAB>name as written in the document<TAB>expected entity IRI`; lines starting with
//! `#` are comments (`# missing:` lines name entities the seed data does not model yet). The list
//! was made by reading the documents, not from the Turtle, so it catches an entity the seed data
//! forgot, renamed or left without a label.
//!
//! The test seeds an in-memory store like `ponte serve` does (ontology and seed files, union
//! default graph) and checks that
//!
//! - every line is well formed: three non-empty fields, a document identifier of the form
//!   `NNN_<16 hex digits>`, and an IRI `https://w3id.org/ponte/id/` followed only by
//!   `[a-z0-9-]` (only such validated IRIs are ever written into a query);
//! - every IRI has an `rdf:type` and at least one `rdfs:label` or `skos:altLabel`;
//! - the documents of the list are exactly the sources the seed data records
//!   (`<https://w3id.org/ponte/source/ID>`), so none is left out;
//! - at least [`MIN_ENTITIES`] distinct entities were checked.
//!
//! All problems are collected and reported together.

use ponte_store::sparql::OutputFormat;
use ponte_store::{CancellationToken, PonteStore, QueryResultsFormat, SEED_FILES};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

/// The acceptance test asks for well over a hundred named entities.
const MIN_ENTITIES: usize = 100;

/// Namespace of Ponte's entity IRIs; fixture IRIs must be in it.
const ID_PREFIX: &str = "https://w3id.org/ponte/id/";

/// Namespace of the seed documents' provenance records.
const SOURCE_PREFIX: &str = "https://w3id.org/ponte/source/";

fn fixture_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/seed-entities.tsv"
    ))
}

/// One entity line of the fixture.
struct Entry {
    line: usize,
    document: String,
    name: String,
    iri: String,
}

/// Whether `iri` is an entity IRI safe to write as `<iri>` in a query: the Ponte `id:`
/// namespace followed by a non-empty slug of lower-case ASCII letters, digits and hyphens.
fn is_valid_entity_iri(iri: &str) -> bool {
    iri.strip_prefix(ID_PREFIX).is_some_and(|slug| {
        !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// Whether `document` looks like a seed document identifier: three digits, `_`, 16 lower-case
/// hex digits (e.g. `000_e97b7a4ec0da97d8`). Such an identifier is safe in an IRI.
fn is_valid_document_id(document: &str) -> bool {
    let bytes = document.as_bytes();
    bytes.len() == 20
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b'_'
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// Parses the fixture; returns the valid entries and a problem for each bad line.
fn parse_fixture(text: &str) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split('\t').collect();
        let [document, name, iri] = fields[..] else {
            problems.push(format!(
                "line {line}: expected 3 tab-separated fields, found {}: {raw:?}",
                fields.len()
            ));
            continue;
        };
        let (document, name, iri) = (document.trim(), name.trim(), iri.trim());
        if !is_valid_document_id(document) {
            problems.push(format!(
                "line {line}: document {document:?} is not an identifier like 000_e97b7a4ec0da97d8"
            ));
            continue;
        }
        if name.is_empty() {
            problems.push(format!("line {line}: empty name"));
            continue;
        }
        if !is_valid_entity_iri(iri) {
            problems.push(format!(
                "line {line}: {iri:?} (for {name:?}) is not {ID_PREFIX} followed by [a-z0-9-]+"
            ));
            continue;
        }
        if !seen.insert((document.to_owned(), name.to_owned(), iri.to_owned())) {
            problems.push(format!(
                "line {line}: duplicate of an earlier line: {raw:?}"
            ));
            continue;
        }
        entries.push(Entry {
            line,
            document: document.to_owned(),
            name: name.to_owned(),
            iri: iri.to_owned(),
        });
    }
    (entries, problems)
}

/// Evaluates `text` as the SPARQL endpoint does and returns its CSV rows (header dropped), each
/// split on commas. Only used for answers whose values hold no comma or quote (validated IRIs
/// and booleans).
fn select_rows(store: &PonteStore, text: &str) -> Vec<Vec<String>> {
    let bytes = store
        .query(
            text,
            |_| OutputFormat::Results(QueryResultsFormat::Csv),
            CancellationToken::new(),
        )
        .unwrap_or_else(|e| panic!("query fails: {e}\n{text}"));
    let csv = String::from_utf8(bytes).expect("CSV answer is UTF-8");
    csv.lines()
        .skip(1)
        .filter(|row| !row.is_empty())
        .map(|row| row.split(',').map(str::to_owned).collect())
        .collect()
}

/// The entities among `iris` lacking an `rdf:type` or any label, with what each lacks.
fn entities_lacking_type_or_label(
    store: &PonteStore,
    iris: &BTreeSet<&str>,
) -> BTreeMap<String, String> {
    let mut values = String::new();
    for iri in iris {
        // Safe: every IRI passed is_valid_entity_iri.
        assert!(is_valid_entity_iri(iri), "unvalidated IRI {iri:?}");
        writeln!(values, "    <{iri}>").unwrap();
    }
    let query = format!(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\
         PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\
         SELECT ?entity ?typed ?labelled WHERE {{\n\
         \x20 VALUES ?entity {{\n{values}  }}\n\
         \x20 BIND(EXISTS {{ ?entity a ?type }} AS ?typed)\n\
         \x20 BIND(EXISTS {{ {{ ?entity rdfs:label ?label }} UNION {{ ?entity skos:altLabel ?label }} }} AS ?labelled)\n\
         \x20 FILTER(!?typed || !?labelled)\n\
         }}\n"
    );
    select_rows(store, &query)
        .into_iter()
        .map(|row| {
            let [entity, typed, labelled] = &row[..] else {
                panic!("unexpected answer row {row:?}");
            };
            let mut lacks = Vec::new();
            if typed != "true" {
                lacks.push("no rdf:type");
            }
            if labelled != "true" {
                lacks.push("no rdfs:label or skos:altLabel");
            }
            (entity.clone(), lacks.join(", "))
        })
        .collect()
}

/// The identifiers of the seed documents the store records as sources.
fn seeded_documents(store: &PonteStore) -> BTreeSet<String> {
    let query = format!(
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n\
         SELECT DISTINCT ?source WHERE {{\n\
         \x20 ?source a prov:Entity .\n\
         \x20 FILTER(STRSTARTS(STR(?source), \"{SOURCE_PREFIX}\"))\n\
         }}\n"
    );
    select_rows(store, &query)
        .into_iter()
        .map(|row| {
            let source = &row[0];
            source
                .strip_prefix(SOURCE_PREFIX)
                .unwrap_or_else(|| panic!("unexpected source {source:?}"))
                .to_owned()
        })
        .collect()
}

#[test]
fn every_entity_named_in_the_seed_documents_is_in_the_store() {
    let path = fixture_path();
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (entries, mut failures) = parse_fixture(&text);

    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();

    // The documents of the fixture are exactly those the seed data records.
    let listed: BTreeSet<String> = entries.iter().map(|e| e.document.clone()).collect();
    let seeded = seeded_documents(&store);
    for document in listed.difference(&seeded) {
        failures.push(format!(
            "document {document} is not a source of the seed data ({SOURCE_PREFIX}{document})"
        ));
    }
    for document in seeded.difference(&listed) {
        failures.push(format!(
            "seed document {document} has no entity in {}",
            path.display()
        ));
    }

    // Every listed entity has a type and a label.
    let iris: BTreeSet<&str> = entries.iter().map(|e| e.iri.as_str()).collect();
    let lacking = entities_lacking_type_or_label(&store, &iris);
    for entry in &entries {
        if let Some(what) = lacking.get(&entry.iri) {
            failures.push(format!(
                "line {}: {} names {:?}, but <{}> has {what}",
                entry.line, entry.document, entry.name, entry.iri
            ));
        }
    }
    for iri in lacking.keys() {
        if !iris.contains(iri.as_str()) {
            failures.push(format!(
                "the store answered for an IRI not asked about: {iri}"
            ));
        }
    }

    assert!(
        failures.is_empty(),
        "{} problem(s) with {}:\n{}",
        failures.len(),
        path.display(),
        failures.join("\n")
    );
    assert!(
        iris.len() >= MIN_ENTITIES,
        "expected at least {MIN_ENTITIES} distinct entities in {}, found {} ({} lines)",
        path.display(),
        iris.len(),
        entries.len()
    );
}
