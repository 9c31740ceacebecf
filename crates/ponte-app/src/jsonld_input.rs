//! Reading JSON-LD request bodies in any context with a JSON-LD 1.1 processor (oxjsonld).
//!
//! Ponte's own published context is resolved locally, whichever of its addresses a document
//! names; no other remote document is fetched (the server makes no outbound requests on a
//! client's behalf), so a body must inline any other context.

use crate::error::{AppError, Location};
use crate::jsonld::CONTEXT;
use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use ponte_store::{GraphName, NamedNode, Quad};

/// The permanent address of Ponte's context.
pub const W3ID_CONTEXT: &str = crate::vocab::CONTEXT_IRI;

/// The quads `body` stands for, relative IRIs resolved against `base`. `origin` is the
/// server's own base URL: `{origin}/api/context.jsonld` is resolved locally.
pub fn to_quads(body: &[u8], base: &str, origin: &str) -> Result<Vec<Quad>, AppError> {
    let own = format!("{origin}/api/context.jsonld");
    let parser = JsonLdParser::new()
        .with_base_iri(base)
        .map_err(|e| AppError::internal("a JSON-LD base IRI is invalid", e))?;
    let mut quads = Vec::new();
    for quad in parser
        .for_slice(body)
        .with_load_document_callback(move |url, _options| {
            if url == own || url == W3ID_CONTEXT {
                Ok(JsonLdRemoteDocument {
                    document: CONTEXT.as_bytes().to_vec(),
                    document_url: url.to_owned(),
                })
            } else {
                Err(format!(
                    "the context <{url}> is not loaded: this server resolves only its own context ({own} or {W3ID_CONTEXT}); inline any other"
                )
                .into())
            }
        })
    {
        quads.push(quad.map_err(|error| {
            let at = match error.location() {
                Some(location) => Location::default().at(
                    location.start.line + 1,
                    location.start.column + 1,
                ),
                None => Location::default(),
            };
            AppError::body(format!("invalid JSON-LD: {error}"), at)
        })?);
    }
    Ok(quads)
}

/// Refuses a JSON document whose top level is not one of `allowed` (`{` object, `[` array),
/// before the processor reads it.
pub fn require_top_level(body: &[u8], allowed: &[u8], what: &str) -> Result<(), AppError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(first) if allowed.contains(first) => Ok(()),
        _ => Err(AppError::body(
            format!("the body must be {what}"),
            Location::default(),
        )),
    }
}

/// The property `key` stands for under `context` (the body's `@context`, if any), by asking
/// the processor to expand a one-property probe; `None` when the key expands to nothing.
pub fn property_of(
    context: Option<&serde_json::Value>,
    key: &str,
    origin: &str,
) -> Result<Option<NamedNode>, AppError> {
    const PROBE: &str = "urn:ponte:probe";
    let mut probe = serde_json::Map::new();
    if let Some(context) = context {
        probe.insert("@context".into(), context.clone());
    }
    probe.insert("@id".into(), PROBE.into());
    probe.insert(key.into(), "probe".into());
    let body = serde_json::Value::Object(probe).to_string();
    Ok(to_quads(body.as_bytes(), PROBE, origin)?
        .into_iter()
        .find(|quad| quad.subject.to_string() == format!("<{PROBE}>"))
        .map(|quad| quad.predicate))
}

/// The triples of `quads`, refusing any in a named graph: an entity is written as one node.
pub fn default_graph_only(quads: Vec<Quad>) -> Result<Vec<ponte_store::Triple>, AppError> {
    quads
        .into_iter()
        .map(|quad| match quad.graph_name {
            GraphName::DefaultGraph => Ok(ponte_store::Triple::new(
                quad.subject,
                quad.predicate,
                quad.object,
            )),
            _ => Err(AppError::body(
                "the body names a graph (@graph with @id); an entity is written as one node, without graphs",
                Location::field("@graph"),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:7878";

    #[test]
    fn any_context_gives_the_same_triples() {
        let ours = br#"{"@context": "http://127.0.0.1:7878/api/context.jsonld",
            "@id": "id:acme", "type": "Company", "label": {"en": "Acme"}}"#;
        let inline = br#"{"@context": {"s": "http://www.w3.org/2000/01/rdf-schema#"},
            "@id": "https://w3id.org/ponte/id/acme",
            "@type": "https://w3id.org/ponte/ontology#Company",
            "s:label": {"@value": "Acme", "@language": "en"}}"#;
        let expanded = br#"[{"@id": "https://w3id.org/ponte/id/acme",
            "@type": ["https://w3id.org/ponte/ontology#Company"],
            "http://www.w3.org/2000/01/rdf-schema#label": [{"@value": "Acme", "@language": "en"}]}]"#;
        let mut answers: Vec<Vec<String>> = [&ours[..], &inline[..], &expanded[..]]
            .iter()
            .map(|body| {
                let mut quads: Vec<String> = to_quads(body, ORIGIN, ORIGIN)
                    .unwrap()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                quads.sort();
                quads
            })
            .collect();
        assert_eq!(answers[0].len(), 2, "{:?}", answers[0]);
        answers.dedup();
        assert_eq!(answers.len(), 1, "{answers:?}");
    }

    #[test]
    fn a_key_expands_to_the_property_its_context_defines() {
        let ours = serde_json::json!("http://127.0.0.1:7878/api/context.jsonld");
        assert_eq!(
            property_of(Some(&ours), "label", ORIGIN)
                .unwrap()
                .unwrap()
                .as_str(),
            "http://www.w3.org/2000/01/rdf-schema#label"
        );
        let inline = serde_json::json!({"nome": "http://xmlns.com/foaf/0.1/name"});
        assert_eq!(
            property_of(Some(&inline), "nome", ORIGIN)
                .unwrap()
                .unwrap()
                .as_str(),
            "http://xmlns.com/foaf/0.1/name"
        );
        assert_eq!(
            property_of(Some(&inline), "undefined", ORIGIN).unwrap(),
            None
        );
    }

    #[test]
    fn foreign_contexts_are_not_fetched_and_syntax_errors_are_located() {
        let error = to_quads(
            br#"{"@context": "http://169.254.169.254/latest", "@id": "urn:x"}"#,
            ORIGIN,
            ORIGIN,
        )
        .unwrap_err();
        assert!(matches!(error, AppError::InvalidBody { .. }), "{error:?}");
        assert!(error.to_string().contains("169.254.169.254"), "{error}");
        let error = to_quads(b"{\n  \"@id\": \"urn:x\",\n  oops\n}", ORIGIN, ORIGIN).unwrap_err();
        assert!(
            matches!(&error, AppError::InvalidBody { at, .. } if at.line == Some(3)),
            "{error:?}"
        );
        assert!(error.to_string().contains("JSON-LD"), "{error}");
    }
}
