//! Collections of the ecosystem's entities: which classes each lists, how an `{id}` becomes an
//! IRI, and one page of a collection or of search results as a hydra `Collection`.

use crate::error::AppError;
use crate::jsonld::CollectionHead;
use crate::request::{DEFAULT_LIMIT, ListRequest, MAX_Q_CHARS};
use crate::{App, jsonld, names, vocab};
use ponte_store::{NamedNode, PonteStore, Term};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;

/// A collection of the API: its path segment and the classes whose instances it lists.
#[derive(Debug)]
pub struct Collection {
    /// Its name, the path segment (`actors`).
    pub name: &'static str,
    /// Its classes (local names in Ponte's ontology, or whole IRIs).
    pub classes: &'static [&'static str],
}

/// Every collection.
pub const COLLECTIONS: &[Collection] = &[
    Collection {
        name: "actors",
        classes: &["Actor"],
    },
    Collection {
        name: "missions",
        classes: &["Mission", "MissionStage"],
    },
    Collection {
        name: "programmes",
        classes: &["Programme", "FundingProgramme", "Initiative", "Strategy"],
    },
    Collection {
        name: "calls",
        classes: &["Call"],
    },
    Collection {
        name: "events",
        classes: &["Event"],
    },
    Collection {
        name: "projects",
        classes: &["Project"],
    },
    Collection {
        name: "topics",
        classes: &[vocab::SKOS_CONCEPT],
    },
    Collection {
        name: "places",
        classes: &["Place"],
    },
];

/// The names of the collections, as the OpenAPI description lists them for `{collection}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollectionName {
    /// Organisations, people and groups.
    Actors,
    /// Missions and their stages.
    Missions,
    /// Programmes, funding programmes, initiatives and strategies.
    Programmes,
    /// Calls.
    Calls,
    /// Events, meetings, visits.
    Events,
    /// Projects and proposals.
    Projects,
    /// Topics and competences (SKOS concepts).
    Topics,
    /// Places.
    Places,
}

impl CollectionName {
    /// Every collection name, in the order of [`COLLECTIONS`].
    pub const ALL: [Self; 8] = [
        Self::Actors,
        Self::Missions,
        Self::Programmes,
        Self::Calls,
        Self::Events,
        Self::Projects,
        Self::Topics,
        Self::Places,
    ];

    /// The collection it names.
    pub fn collection(self) -> &'static Collection {
        &COLLECTIONS[Self::ALL.iter().position(|c| *c == self).unwrap_or(0)]
    }
}

/// Each collection's classes with all their subclasses, by collection name.
pub(crate) type ClassSets = HashMap<&'static str, Arc<HashSet<NamedNode>>>;

/// Computes [`ClassSets`] from the store's class hierarchy.
pub(crate) fn class_sets(store: &PonteStore) -> Result<ClassSets, AppError> {
    let mut sets = HashMap::new();
    for collection in COLLECTIONS {
        let mut all = HashSet::new();
        for class in collection.classes {
            let iri = if class.contains(':') {
                (*class).to_owned()
            } else {
                format!("{}{class}", vocab::PONTE)
            };
            all.extend(store.subclasses(NamedNode::new_unchecked(iri).as_ref())?);
        }
        sets.insert(collection.name, Arc::new(all));
    }
    Ok(sets)
}

impl Collection {
    /// The collection called `name`; 404 naming the collections otherwise.
    pub fn named(name: &str) -> Result<&'static Collection, AppError> {
        COLLECTIONS.iter().find(|c| c.name == name).ok_or_else(|| {
            AppError::not_found(format!(
                "no collection /api/{name}; the collections are: {}",
                COLLECTIONS
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// Where the collection's own IRIs live: `…/topic/` for topics, `…/id/` for the rest.
    pub fn namespace(&self) -> &'static str {
        if self.name == "topics" {
            vocab::TOPIC_NAMESPACE
        } else {
            vocab::ID_NAMESPACE
        }
    }

    /// The `{id}` of `iri` in this collection's paths: the slug when it is in the namespace,
    /// else the whole IRI, percent-encoded.
    pub fn id_of(&self, iri: &NamedNode) -> String {
        match iri.as_str().strip_prefix(self.namespace()) {
            Some(slug) if !slug.contains('/') => slug.to_owned(),
            _ => form_urlencoded::byte_serialize(iri.as_str().as_bytes()).collect(),
        }
    }

    /// The IRI an `{id}` names: a slug in the collection's namespace, a compact IRI (`ror:…`,
    /// `geonames:…`, `id:…`, `topic:…`) or a whole IRI.
    pub fn iri(&self, id: &str) -> Result<NamedNode, AppError> {
        let iri = if id.contains("://") {
            id.to_owned()
        } else if let Some((prefix, local)) = id.split_once(':') {
            match prefix {
                "ror" => format!("https://ror.org/{local}"),
                "geonames" => format!("https://sws.geonames.org/{local}"),
                "id" => format!("{}{local}", vocab::ID_NAMESPACE),
                "topic" => format!("{}{local}", vocab::TOPIC_NAMESPACE),
                _ => {
                    return Err(AppError::not_found(format!(
                        "{id:?} names no entity: the prefix {prefix:?} is none of ror:, geonames:, id:, topic:; or give a whole IRI"
                    )));
                }
            }
        } else {
            format!("{}{id}", self.namespace())
        };
        // An id that makes no IRI names nothing, like any IRI the store does not know.
        NamedNode::new(&iri).map_err(|e| {
            AppError::not_found(format!(
                "{id:?} names no entity: it makes no valid IRI ({e})"
            ))
        })
    }
}

/// The class a `kind` names: a term of the context (`University`), a compact IRI
/// (`ponte:University`, `skos:Concept`) or a whole IRI.
pub(crate) fn kind_iri(kind: &str) -> Option<NamedNode> {
    let iri = if let Some(local) = kind.strip_prefix("ponte:") {
        format!("{}{local}", vocab::PONTE)
    } else if let Some(local) = kind.strip_prefix("skos:") {
        format!("{}{local}", vocab::SKOS)
    } else if kind.contains("://") {
        kind.to_owned()
    } else {
        format!("{}{kind}", vocab::PONTE)
    };
    NamedNode::new(iri).ok()
}

/// A class as the context names it: `University` for Ponte's classes, the IRI otherwise.
pub fn compact_class(iri: &str) -> String {
    iri.strip_prefix(vocab::PONTE)
        .map_or_else(|| iri.to_owned(), str::to_owned)
}

/// A page of a collection or of search results (a hydra `Collection` in JSON-LD).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionPage {
    /// The context, URL, type and size of the list.
    #[serde(flatten)]
    pub head: CollectionHead,
    /// The next page's URL, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The entities of this page: `@id`, `type`, names (`label` or `prefLabel`), and `score`
    /// for searches.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Map<String, Value>>,
    /// How many entities come before this page (0 on the first), for "showing 51-100 of N".
    #[serde(skip)]
    pub offset: usize,
}

/// The most search hits a `q=` request considers before narrowing to a collection.
const MAX_HITS: usize = 10_000;

/// A listed entity: its sort key (a name, or a rank with `q`), IRI and names.
pub(crate) type Listed = (
    String,
    NamedNode,
    Option<(NamedNode, Vec<ponte_store::Literal>)>,
);

impl App {
    /// One page of `collection` (of every entity with none: a search), sorted by name (by
    /// relevance with `q`), with its total and the link to the next page. `origin` is the base
    /// of the page's links.
    pub fn list(
        &self,
        collection: Option<&'static Collection>,
        request: &ListRequest,
        origin: &str,
    ) -> Result<CollectionPage, AppError> {
        let store = &self.store;
        let limit = crate::request::limit(request.paging.limit.as_deref(), DEFAULT_LIMIT)?;
        let cursor = request
            .paging
            .cursor
            .as_deref()
            .map(decode_cursor)
            .transpose()?;
        let (entries, scores) = self.matched(collection, request)?;
        let total = entries.len();
        let start = match &cursor {
            Some(after) => entries.partition_point(|(key, ..)| key <= after),
            None => 0,
        };
        let end = (start + limit).min(total);
        let next = (end < total).then(|| entries[end - 1].0.clone());
        let mut items = Vec::new();
        for (_, iri, found) in &entries[start..end] {
            let mut triples = store.types(iri.as_ref())?;
            let found = match found {
                Some(found) => Some(found.clone()),
                None => store.labels(Term::from(iri.clone()).as_ref())?,
            };
            if let Some((naming, found)) = found {
                triples.extend(found.iter().map(|name| {
                    ponte_store::Triple::new(iri.clone(), naming.clone(), name.clone())
                }));
            }
            let mut item = jsonld::node_object(iri.as_str(), &triples, &jsonld::Labels::new());
            if let Some(score) = scores.get(iri) {
                item.insert("score".into(), json!(score));
            }
            items.push(item);
        }
        let base = match collection {
            Some(collection) => format!("{origin}/api/{}", collection.name),
            None => format!("{origin}/api/search"),
        };
        let id = page_url(&base, request, limit, cursor.as_deref());
        Ok(CollectionPage {
            head: CollectionHead::new(origin, Some(id), total),
            next: next.map(|after| page_url(&base, request, limit, Some(&after))),
            items,
            offset: start,
        })
    }

    /// Every entity `request` selects from `collection` (from everything with none), each
    /// with its sort key (name, or rank with `q`) and the names read for it, in order; with
    /// `q`, the search scores.
    pub(crate) fn matched(
        &self,
        collection: Option<&'static Collection>,
        request: &ListRequest,
    ) -> Result<(Vec<Listed>, HashMap<NamedNode, f32>), AppError> {
        let store = &self.store;
        let q = request.text.q.as_deref();
        if let Some(q) = q
            && q.chars().count() > MAX_Q_CHARS
        {
            return Err(AppError::parameter(
                "q",
                format!("q is at most {MAX_Q_CHARS} characters"),
            ));
        }
        let filter = if request.filters.is_empty() {
            None
        } else {
            Some(store.prepare_filter(&request.filters.to_store()?)?)
        };
        let members = match collection {
            Some(collection) => Some(self.members(collection, request.text.kind.as_deref())?),
            None => None,
        };
        let passes = |iri: &NamedNode| -> Result<bool, AppError> {
            Ok(match &filter {
                Some(filter) => store.passes(iri, filter)?,
                None => true,
            })
        };
        let mut scores = HashMap::new();
        let mut entries: Vec<Listed> = Vec::new();
        match q {
            Some(q) => {
                for hit in self.search_index()?.search(q, MAX_HITS)? {
                    let iri = NamedNode::new_unchecked(hit.iri);
                    if members.as_ref().is_none_or(|m| m.contains(&iri)) && passes(&iri)? {
                        scores.insert(iri.clone(), hit.score);
                        // Zero-padded ranks sort like the ranks: the cursor works the same
                        // way. Names are read for the page shown only (below).
                        entries.push((format!("{:010}", entries.len()), iri, None));
                    }
                }
            }
            None => {
                for instance in members.unwrap_or_default() {
                    if !passes(&instance)? {
                        continue;
                    }
                    let found = store.labels(Term::from(instance.clone()).as_ref())?;
                    let name = found
                        .as_ref()
                        .and_then(|(_, found)| names::display_name(found))
                        .map_or_else(|| instance.as_str().to_owned(), |l| l.value().to_owned());
                    entries.push((sort_key(&name, instance.as_str()), instance, found));
                }
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
        }
        Ok((entries, scores))
    }

    /// The instances of the collection, narrowed to `kind` when given. A kind of another
    /// collection (a mission among actors) has no members here; a kind that is no class at
    /// all is refused, naming the kinds the collection holds.
    pub(crate) fn members(
        &self,
        collection: &Collection,
        kind: Option<&str>,
    ) -> Result<BTreeSet<NamedNode>, AppError> {
        let mut classes = self.classes(collection)?;
        if let Some(kind) = kind {
            let class = self.known_kind(kind, collection)?;
            if !classes.contains(&class) {
                return Ok(BTreeSet::new());
            }
            classes = Arc::new(self.store.subclasses(class.as_ref())?);
        }
        Ok(self.store.instances(&classes)?)
    }

    /// The class `kind` names, when it is a class of some collection; otherwise an error
    /// naming the kinds `collection` holds.
    pub(crate) fn known_kind(
        &self,
        kind: &str,
        collection: &Collection,
    ) -> Result<NamedNode, AppError> {
        let sets = self.class_sets()?;
        if let Some(class) = kind_iri(kind)
            && sets.values().any(|set| set.contains(&class))
        {
            return Ok(class);
        }
        Err(AppError::parameter(
            "kind",
            format!(
                "kind {kind:?} names no class of Ponte's ontology; /api/{} holds: {}",
                collection.name,
                self.kinds(collection)?.join(", ")
            ),
        ))
    }

    /// The kinds a collection holds, as the context names them, sorted.
    pub fn kinds(&self, collection: &Collection) -> Result<Vec<String>, AppError> {
        let mut kinds: Vec<String> = self
            .classes(collection)?
            .iter()
            .map(|class| compact_class(class.as_str()))
            .collect();
        kinds.sort();
        Ok(kinds)
    }
}

/// The URL of a page: the request's parameters, with `cursor` (decoded) in place.
fn page_url(base: &str, request: &ListRequest, limit: usize, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(q) = &request.text.q {
        query.append_pair("q", q);
    }
    if let Some(kind) = &request.text.kind {
        query.append_pair("kind", kind);
    }
    request.filters.append_to(&mut query);
    query.append_pair("limit", &limit.to_string());
    if let Some(cursor) = cursor {
        query.append_pair("cursor", &encode_cursor(cursor));
    }
    format!("{base}?{}", query.finish())
}

/// The sort key of an entity: its display name, then its IRI (names repeat).
fn sort_key(name: &str, iri: &str) -> String {
    format!("{}\u{0}{iri}", name.to_lowercase())
}

/// Keyset paging: a cursor is the sort key of the last entity shown, hex-encoded so it is
/// opaque and URL-safe; entities inserted meanwhile never shift a page.
fn encode_cursor(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    let invalid = || {
        AppError::parameter(
            "cursor",
            "cursor is not one this server gave; start again without it",
        )
    };
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return Err(invalid());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| invalid())?;
    // Any key is a position in the ordering, even one this server never gave.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_names_are_the_collections() {
        for name in CollectionName::ALL {
            let text = serde_json::to_value(name).unwrap();
            assert_eq!(text, name.collection().name);
        }
        assert_eq!(CollectionName::ALL.len(), COLLECTIONS.len());
    }

    #[test]
    fn ids_make_iris_and_back() {
        let actors = Collection::named("actors").unwrap();
        let iri = actors.iri("kaist").unwrap();
        assert_eq!(iri.as_str(), "https://w3id.org/ponte/id/kaist");
        assert_eq!(actors.id_of(&iri), "kaist");
        assert_eq!(
            actors.iri("ror:05apxxy63").unwrap().as_str(),
            "https://ror.org/05apxxy63"
        );
        assert!(matches!(
            actors.iri("foo:bar"),
            Err(AppError::NotFound { .. })
        ));
        assert!(matches!(
            Collection::named("nope"),
            Err(AppError::NotFound { .. })
        ));
        let cursor = encode_cursor("kaist\u{0}x");
        assert_eq!(decode_cursor(&cursor).unwrap(), "kaist\u{0}x");
        assert!(decode_cursor("zz").is_err());
    }
}
