//! CSV to RDF for the bulk import: a column mapping (JSON) says which entity each row is, its
//! type, and which property of Ponte's context each column gives. Each row becomes one JSON-LD
//! node read by the same processor as every JSON-LD body, so the context's coercions (dates,
//! links) apply, and an error names its row.
//!
//! ```json
//! {"id": "id:{slug}", "type": "Company",
//!  "columns": {"name": {"property": "label", "language": "it"},
//!              "city": {"property": "location", "link": "id:{}"},
//!              "topics": {"property": "hasCompetence", "link": "topic:{}", "separator": ";"}}}
//! ```

use crate::error::AppError;
use crate::jsonld_input::{property_of, to_quads};
use ponte_store::{NamedNode, NamedOrBlankNode, Quad};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// How the rows of a CSV file become entities.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The entity's IRI: a template where `{column}` is that column's value, percent-encoded
    /// (`id:{slug}`, or a whole IRI); a relative one is in `https://w3id.org/ponte/id/`.
    id: String,
    /// The entity's type: a class of the context (`Company`), or a `{column}` template.
    #[serde(rename = "type", default)]
    kind: Option<String>,
    /// For each column used, the property it gives.
    columns: BTreeMap<String, Column>,
    /// The field delimiter; `,` unless given.
    #[serde(default)]
    delimiter: Option<char>,
}

/// What one column gives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Column {
    /// A property: a term of Ponte's context (`label`), a compact IRI or a whole IRI.
    property: String,
    /// The language of the text (`it`, `en`).
    #[serde(default)]
    language: Option<String>,
    /// The datatype of the value (`xsd:date`); by default the context's.
    #[serde(default)]
    datatype: Option<String>,
    /// The value is a link: the IRI this template makes, `{}` being the value (`id:{}`).
    #[serde(default)]
    link: Option<String>,
    /// The cell holds several values split by this text.
    #[serde(default)]
    separator: Option<String>,
}

/// The quads a CSV file gives, and which row wrote each entity.
pub struct CsvQuads {
    /// Every quad, in `graph`.
    pub quads: Vec<Quad>,
    /// Data rows read.
    pub rows: usize,
    /// Each entity's IRI and the (first) line of the file that describes it.
    pub rows_of: HashMap<String, usize>,
}

/// Reads `csv` (a header line, then one entity per line) with `mapping` into `graph`. Lines
/// are counted in the file: the header is line 1.
pub fn read(
    csv: &[u8],
    mapping: &[u8],
    graph: &NamedNode,
    origin: &str,
) -> Result<CsvQuads, AppError> {
    let mapping: Mapping = serde_json::from_slice(mapping).map_err(|e| {
        AppError::invalid(format!("invalid column mapping: {e}"))
            .with_field("mapping")
            .with_position(e.line() as u64, e.column() as u64)
    })?;
    let delimiter = match mapping.delimiter {
        None => b',',
        Some(c) if c.is_ascii() => c as u8,
        Some(c) => {
            return Err(AppError::invalid(format!(
                "the delimiter {c:?} is not one ASCII character"
            ))
            .with_field("mapping.delimiter"));
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(csv);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(&e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let context = format!("{origin}/api/context.jsonld");
    check(&mapping, &header, &context, origin)?;
    let index = |name: &str| header.iter().position(|h| h == name);

    let mut quads = Vec::new();
    let mut rows_of = HashMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(0, |p| p.line());
        let line = usize::try_from(line).unwrap_or(usize::MAX);
        rows += 1;
        let cell = |name: &str| index(name).and_then(|i| record.get(i)).unwrap_or("").trim();
        let row_error = |message: String| AppError::invalid(message).with_row(line as u64);
        let mut node = Map::new();
        node.insert("@context".into(), json!(context));
        let id = fill(&mapping.id, &cell).map_err(|column| {
            row_error(format!(
                "line {line}: the id template {:?} needs a value in column {column:?}",
                mapping.id
            ))
        })?;
        node.insert("@id".into(), json!(id));
        if let Some(kind) = &mapping.kind {
            let kind = fill(kind, &cell).map_err(|column| {
                row_error(format!(
                    "line {line}: the type template needs a value in column {column:?}"
                ))
            })?;
            node.insert("@type".into(), json!(kind));
        }
        for (name, column) in &mapping.columns {
            let text = cell(name);
            if text.is_empty() {
                continue;
            }
            let values: Vec<&str> = match &column.separator {
                Some(separator) => text
                    .split(separator.as_str())
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .collect(),
                None => vec![text],
            };
            let values: Vec<Value> = values.into_iter().map(|v| column.value(v)).collect();
            node.insert(column.property.clone(), Value::Array(values));
        }
        let body = Value::Object(node).to_string();
        let row_quads = to_quads(body.as_bytes(), crate::vocab::ID_NAMESPACE, origin)
            .map_err(|e| row_error(format!("line {line}: {}", e)).with_field("data"))?;
        let Some(subject) = row_quads.first().map(|q| q.subject.clone()) else {
            return Err(row_error(format!(
                "line {line}: the row gives no fact (is its id {id:?} an IRI?)"
            )));
        };
        let NamedOrBlankNode::NamedNode(subject) = subject else {
            return Err(row_error(format!(
                "line {line}: the id {id:?} makes no IRI"
            )));
        };
        rows_of.entry(subject.as_str().to_owned()).or_insert(line);
        quads.extend(
            row_quads
                .into_iter()
                .map(|q| Quad::new(q.subject, q.predicate, q.object, graph.clone())),
        );
    }
    Ok(CsvQuads {
        quads,
        rows,
        rows_of,
    })
}

impl Column {
    /// A cell value as the JSON-LD value this column makes of it.
    fn value(&self, text: &str) -> Value {
        if let Some(link) = &self.link {
            json!({"@id": link.replace("{}", &encode(text))})
        } else if let Some(language) = &self.language {
            json!({"@value": text, "@language": language})
        } else if let Some(datatype) = &self.datatype {
            json!({"@value": text, "@type": datatype})
        } else {
            json!(text)
        }
    }
}

/// Refuses a mapping that names a column the file lacks or a property the context does not
/// define, before any row is read.
fn check(
    mapping: &Mapping,
    header: &[String],
    context: &str,
    origin: &str,
) -> Result<(), AppError> {
    let missing = |field: &str, column: &str| {
        AppError::invalid(format!(
            "{field} uses the column {column:?}, which the CSV header ({}) does not have",
            header.join(", ")
        ))
        .with_field(field)
    };
    let templates = [
        ("mapping.id", Some(&mapping.id)),
        ("mapping.type", mapping.kind.as_ref()),
    ];
    for (field, template) in templates {
        if let Some(template) = template {
            for column in placeholders(template) {
                if !header.iter().any(|h| h == column) {
                    return Err(missing(field, column));
                }
            }
        }
    }
    let context = json!(context);
    for (name, column) in &mapping.columns {
        let field = format!("mapping.columns.{name}");
        if !header.iter().any(|h| h == name) {
            return Err(missing(&field, name));
        }
        if property_of(Some(&context), &column.property, origin)?.is_none() {
            return Err(AppError::invalid(format!(
                "{:?} is no property of Ponte's context: use a term (label, location, ...), a compact IRI (schema:url) or a whole IRI",
                column.property
            ))
            .with_field(format!("{field}.property")));
        }
        if column
            .link
            .as_ref()
            .is_some_and(|link| !link.contains("{}"))
        {
            return Err(
                AppError::invalid("a link template needs {} where the value goes")
                    .with_field(format!("{field}.link")),
            );
        }
        if usize::from(column.link.is_some())
            + usize::from(column.language.is_some())
            + usize::from(column.datatype.is_some())
            > 1
        {
            return Err(AppError::invalid(
                "a column is a link, a text in a language or a typed value: give one of link, language, datatype",
            )
            .with_field(field));
        }
    }
    Ok(())
}

/// The `{column}` names of a template.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// `template` with each `{column}` replaced by the cell, percent-encoded; `Err(column)` when
/// a cell it needs is empty.
fn fill<'a>(template: &str, cell: &dyn Fn(&str) -> &'a str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((name, tail)) = after.split_once('}') else {
            out.push('{');
            rest = after;
            continue;
        };
        let value = cell(name);
        if value.is_empty() {
            return Err(name.to_owned());
        }
        out.push_str(&encode(value));
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

/// Percent-encodes all but the unreserved characters, so a cell cannot change an IRI's shape.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn csv_error(error: &csv::Error) -> AppError {
    let problem = AppError::invalid(format!("invalid CSV: {error}")).with_field("data");
    match error.position() {
        Some(position) => problem.with_row(position.line()),
        None => problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:7878";

    fn graph() -> NamedNode {
        NamedNode::new_unchecked("urn:g")
    }

    const MAPPING: &str = r#"{"id": "id:{slug}", "type": "Company",
        "columns": {"name": {"property": "label", "language": "it"},
                    "city": {"property": "location", "link": "id:{}"},
                    "founded": {"property": "foundingDate"},
                    "topics": {"property": "hasCompetence", "link": "topic:{}", "separator": ";"}}}"#;

    #[test]
    fn rows_become_entities_with_the_context_coercions() {
        let csv = "slug,name,city,founded,topics\nacme,Acme Srl,bologna,2019-05-01,genomics; big-data\nbeta co,Beta,,,\n";
        let read = read(csv.as_bytes(), MAPPING.as_bytes(), &graph(), ORIGIN).unwrap();
        assert_eq!(read.rows, 2);
        let lines: Vec<String> = read.quads.iter().map(ToString::to_string).collect();
        for expected in [
            "<https://w3id.org/ponte/id/acme> <http://www.w3.org/2000/01/rdf-schema#label> \"Acme Srl\"@it <urn:g>",
            "<https://w3id.org/ponte/id/acme> <http://schema.org/location> <https://w3id.org/ponte/id/bologna> <urn:g>",
            "<https://w3id.org/ponte/id/acme> <http://schema.org/foundingDate> \"2019-05-01\"^^<http://www.w3.org/2001/XMLSchema#date> <urn:g>",
            "<https://w3id.org/ponte/id/acme> <https://w3id.org/ponte/ontology#hasCompetence> <https://w3id.org/ponte/topic/big-data> <urn:g>",
            // A cell cannot change the IRI's shape: the space is encoded.
            "<https://w3id.org/ponte/id/beta%20co> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ponte/ontology#Company> <urn:g>",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "{expected}\n{lines:#?}"
            );
        }
        assert_eq!(read.rows_of["https://w3id.org/ponte/id/beta%20co"], 3);
    }

    #[test]
    fn mistakes_name_the_field_or_the_row() {
        let field_of = |csv: &str, mapping: &str| {
            let error = read(csv.as_bytes(), mapping.as_bytes(), &graph(), ORIGIN)
                .err()
                .expect("refused");
            assert!(matches!(error, AppError::InvalidBody { .. }), "{error:?}");
            error.to_string()
        };
        let csv = "slug,name,city,founded,topics\nacme,Acme,,,\n";
        assert!(field_of(csv, r#"{"id": "id:{code}", "columns": {}}"#).contains("\"code\""));
        assert!(
            field_of(
                csv,
                r#"{"id": "id:{slug}", "columns": {"name": {"property": "nope"}}}"#
            )
            .contains("no property")
        );
        assert!(field_of(csv, r#"{"id": "id:{slug}", "colums": {}}"#).contains("mapping"));
        let detail = field_of(
            "slug,name,city,founded,topics\nacme,Acme,,,\n,Nameless,,,\n",
            MAPPING,
        );
        assert!(detail.contains("line 3"), "{detail}");
        let detail = field_of(
            "slug,name,city,founded,topics\nacme,Acme,,,\nbeta,\"unclosed\n",
            MAPPING,
        );
        assert!(detail.contains("CSV"), "{detail}");
    }
}
