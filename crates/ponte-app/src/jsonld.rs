//! Ponte's JSON-LD: triples written as compact JSON with the published `@context`
//! (`docs/context.jsonld`), so that any JSON-LD processor turns the document back into exactly
//! those triples. A value takes a context term only when the term's coercion fits it (an IRI for
//! `@type: @id`, a language-tagged string for a language map, the term's datatype); anything
//! else is written with its compact IRI and an explicit value object, which no context changes.

use oxigraph::model::vocab::rdf;
use ponte_store::{Literal, NamedNode, Term, Triple};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The published context, as served at `/api/context.jsonld`.
pub const CONTEXT: &str = include_str!("../../../docs/context.jsonld");

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// How a term of the context coerces its values.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Coercion {
    /// No `@type`, no container: plain strings are `xsd:string` literals.
    Plain,
    /// `@type: @id` (or `@vocab`): strings are IRIs.
    Iri,
    /// `@type: DATATYPE`: strings are literals of that datatype.
    Datatype(String),
    /// `@container: @language`: a map from language tag to strings.
    Language,
}

/// The context, read once: terms by the IRI they stand for, and the prefixes.
struct Context {
    /// Predicate IRI → (term, coercion), in the context's order.
    terms: HashMap<String, Vec<(String, Coercion)>>,
    /// Class or other IRI → a term that names it with no coercion (for `type` values).
    names: HashMap<String, String>,
    /// (prefix, IRI it stands for), longest IRI first.
    prefixes: Vec<(String, String)>,
}

fn context() -> &'static Context {
    static CONTEXT_TABLE: OnceLock<Context> = OnceLock::new();
    CONTEXT_TABLE.get_or_init(|| {
        let document: Value = serde_json::from_str(CONTEXT).expect("docs/context.jsonld is JSON");
        let definitions = document["@context"]
            .as_object()
            .expect("docs/context.jsonld has an @context object");
        let mut prefixes: Vec<(String, String)> = definitions
            .iter()
            .filter_map(|(term, value)| {
                let iri = value.as_str()?;
                (iri.ends_with('/') || iri.ends_with('#')).then(|| (term.clone(), iri.to_owned()))
            })
            .collect();
        prefixes.sort_by_key(|(_, iri)| std::cmp::Reverse(iri.len()));
        let expand = |value: &str| -> String {
            match value.split_once(':') {
                Some((prefix, local)) => prefixes
                    .iter()
                    .find(|(p, _)| p == prefix)
                    .map_or_else(|| value.to_owned(), |(_, iri)| format!("{iri}{local}")),
                None => value.to_owned(),
            }
        };
        let mut terms: HashMap<String, Vec<(String, Coercion)>> = HashMap::new();
        let mut names = HashMap::new();
        for (term, definition) in definitions {
            if term.starts_with('@') {
                continue;
            }
            match definition {
                Value::String(iri) if !iri.starts_with('@') => {
                    let iri = expand(iri);
                    if !(iri.ends_with('/') || iri.ends_with('#')) {
                        names.entry(iri.clone()).or_insert_with(|| term.clone());
                        terms
                            .entry(iri)
                            .or_default()
                            .push((term.clone(), Coercion::Plain));
                    }
                }
                Value::Object(definition) => {
                    let Some(iri) = definition.get("@id").and_then(Value::as_str) else {
                        continue;
                    };
                    let coercion = match (
                        definition.get("@type").and_then(Value::as_str),
                        definition.get("@container").and_then(Value::as_str),
                    ) {
                        (_, Some("@language")) => Coercion::Language,
                        (Some("@id" | "@vocab"), _) => Coercion::Iri,
                        (Some(datatype), _) => Coercion::Datatype(expand(datatype)),
                        (None, _) => Coercion::Plain,
                    };
                    terms
                        .entry(expand(iri))
                        .or_default()
                        .push((term.clone(), coercion));
                }
                _ => {}
            }
        }
        Context {
            terms,
            names,
            prefixes,
        }
    })
}

/// The prefixes of Ponte's context (`ponte`, `schema`…) and the IRIs they stand for, by name.
pub fn context_prefixes() -> Vec<(String, String)> {
    let mut prefixes = context().prefixes.clone();
    prefixes.sort();
    prefixes
}

/// `iri` as `prefix:local` with the context's prefixes when one covers it, else `None`.
pub fn prefixed_name(iri: &str) -> Option<String> {
    let compact = context().compact_iri(iri);
    (compact != iri).then_some(compact)
}

/// Every IRI a term of Ponte's context stands for (properties, classes, a few individuals).
pub fn context_iris() -> impl Iterator<Item = &'static str> {
    let context = context();
    context
        .terms
        .keys()
        .chain(context.names.keys())
        .map(String::as_str)
}

impl Context {
    /// `iri` as `prefix:local` when a prefix covers it and the local part is plain, else whole.
    fn compact_iri(&self, iri: &str) -> String {
        for (prefix, base) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(base.as_str())
                && !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !local.starts_with("//")
            {
                return format!("{prefix}:{local}");
            }
        }
        iri.to_owned()
    }

    /// The term for `predicate` whose coercion is `wanted`.
    fn term(&self, predicate: &str, wanted: &Coercion) -> Option<&str> {
        self.terms
            .get(predicate)?
            .iter()
            .find(|(_, coercion)| coercion == wanted)
            .map(|(term, _)| term.as_str())
    }
}

/// What linked nodes are called, to show with the links: node → (naming property, names).
pub type Labels = HashMap<Term, (NamedNode, Vec<Literal>)>;

/// The triples that `labels` adds to an entity's description (as its JSON-LD carries them).
pub fn label_triples(labels: &Labels) -> Vec<Triple> {
    let mut triples = Vec::new();
    for (node, (naming, names)) in labels {
        if let Term::NamedNode(node) = node {
            for name in names {
                triples.push(Triple::new(node.clone(), naming.clone(), name.clone()));
            }
        }
    }
    triples
}

/// A JSON-LD node object for `subject` from its `triples`: `@id`, `type`, then one key per
/// property. Linked IRIs that have `labels` become node objects carrying their names.
pub fn node_object(subject: &str, triples: &[Triple], labels: &Labels) -> Map<String, Value> {
    let context = context();
    let mut node = Map::new();
    node.insert("@id".into(), json!(subject));
    for triple in triples {
        let predicate = triple.predicate.as_str();
        if triple.predicate == rdf::TYPE
            && let Term::NamedNode(class) = &triple.object
        {
            let name = context
                .names
                .get(class.as_str())
                .cloned()
                .unwrap_or_else(|| context.compact_iri(class.as_str()));
            push(&mut node, "type", json!(name));
            continue;
        }
        let (key, value) = entry(context, predicate, &triple.object, labels);
        insert(&mut node, key, value);
    }
    node
}

/// Adds `incoming` (triples `?s p subject`) to `node` under `@reverse`, each linking node with
/// its names from `labels`.
pub fn add_reverse(node: &mut Map<String, Value>, incoming: &[Triple], labels: &Labels) {
    if incoming.is_empty() {
        return;
    }
    let context = context();
    let mut reverse = Map::new();
    for triple in incoming {
        let predicate = triple.predicate.as_str();
        let key = context
            .term(predicate, &Coercion::Iri)
            .map_or_else(|| context.compact_iri(predicate), str::to_owned);
        let subject = Term::from(triple.subject.clone());
        let (_, value) = entry(context, predicate, &subject, labels);
        // Always a node object: a plain string under @reverse would not be read as an IRI.
        let value = match value {
            Value::String(iri) => json!({ "@id": iri }),
            other => other,
        };
        push(&mut reverse, &key, value);
    }
    node.insert("@reverse".into(), Value::Object(reverse));
}

/// Where a value goes in a node object.
enum Key {
    /// Under this key, as is.
    Plain(String),
    /// In this language map term; the value is `[language, text]`.
    Language(String),
}

fn entry(context: &Context, predicate: &str, object: &Term, labels: &Labels) -> (Key, Value) {
    let fallback_key = || Key::Plain(context.compact_iri(predicate));
    match object {
        Term::NamedNode(iri) => {
            let value = match labels.get(object).filter(|(_, names)| !names.is_empty()) {
                Some((naming, names)) => {
                    let mut linked = Map::new();
                    linked.insert("@id".into(), json!(iri.as_str()));
                    for name in names {
                        let (key, value) = literal_entry(context, naming.as_str(), name);
                        insert(&mut linked, key, value);
                    }
                    Value::Object(linked)
                }
                None => json!(iri.as_str()),
            };
            match context.term(predicate, &Coercion::Iri) {
                Some(term) => (Key::Plain(term.to_owned()), value),
                None => (
                    fallback_key(),
                    if value.is_object() {
                        value
                    } else {
                        json!({ "@id": iri.as_str() })
                    },
                ),
            }
        }
        Term::BlankNode(node) => (
            fallback_key(),
            json!({ "@id": format!("_:{}", node.as_str()) }),
        ),
        Term::Literal(literal) => literal_entry(context, predicate, literal),
        #[allow(unreachable_patterns)]
        _ => (fallback_key(), json!({ "@value": object.to_string() })),
    }
}

fn literal_entry(context: &Context, predicate: &str, literal: &Literal) -> (Key, Value) {
    let text = literal.value();
    if let Some(language) = literal.language() {
        return match context.term(predicate, &Coercion::Language) {
            Some(term) => (Key::Language(term.to_owned()), json!([language, text])),
            None => (
                Key::Plain(context.compact_iri(predicate)),
                json!({ "@value": text, "@language": language }),
            ),
        };
    }
    let datatype = literal.datatype().as_str();
    if datatype == XSD_STRING {
        // A language map reads a plain string under `@none` (JSON-LD 1.1): a name without a
        // language stays under the context's own term.
        if context.term(predicate, &Coercion::Plain).is_none()
            && let Some(term) = context.term(predicate, &Coercion::Language)
        {
            return (Key::Language(term.to_owned()), json!(["@none", text]));
        }
        return match context.term(predicate, &Coercion::Plain) {
            Some(term) => (Key::Plain(term.to_owned()), json!(text)),
            None => (
                Key::Plain(context.compact_iri(predicate)),
                json!({ "@value": text }),
            ),
        };
    }
    match context.term(predicate, &Coercion::Datatype(datatype.to_owned())) {
        Some(term) => (Key::Plain(term.to_owned()), json!(text)),
        None => (
            Key::Plain(context.compact_iri(predicate)),
            json!({ "@value": text, "@type": datatype }),
        ),
    }
}

fn insert(node: &mut Map<String, Value>, key: Key, value: Value) {
    match (key, value) {
        (Key::Language(term), Value::Array(pair)) => {
            let language = pair[0].as_str().unwrap_or_default().to_owned();
            let map = node
                .entry(term)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = map {
                push(map, &language, pair[1].clone());
            }
        }
        (Key::Plain(key) | Key::Language(key), value) => push(node, &key, value),
    }
}

/// Adds `value` under `key`, turning a single value into an array on the second.
fn push(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        None => {
            map.insert(key.to_owned(), value);
        }
        Some(Value::Array(values)) => values.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// The address of the context as served by the server at `origin`.
pub fn context_url(origin: &str) -> String {
    format!("{origin}/api/context.jsonld")
}

/// What every list answer starts with, as a hydra `Collection` in JSON-LD: the context, the
/// answer's own URL when it has one, its type and how many items there are in all.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CollectionHead {
    /// The JSON-LD context: `{origin}/api/context.jsonld`.
    #[serde(rename = "@context")]
    pub context: String,
    /// This answer's URL.
    #[serde(rename = "@id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `Collection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many items there are, over all pages.
    #[serde(rename = "totalItems")]
    pub total_items: usize,
}

impl CollectionHead {
    /// The head of a list answered to `origin`, found at `id`, of `total_items` in all.
    pub fn new(origin: &str, id: Option<String>, total_items: usize) -> Self {
        Self {
            context: context_url(origin),
            id,
            kind: "Collection".into(),
            total_items,
        }
    }
}

/// `body` with `@context` first: the published context as served at `origin`.
pub fn with_context(origin: &str, body: Map<String, Value>) -> Map<String, Value> {
    let mut document = Map::new();
    document.insert("@context".into(), json!(context_url(origin)));
    document.extend(body);
    document
}
