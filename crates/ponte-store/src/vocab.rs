//! The IRIs Ponte itself mints or relies on, each a `NamedNodeRef` constant.

use oxigraph::model::NamedNodeRef;

/// Namespace of Ponte's ontology.
pub const PONTE: &str = "https://w3id.org/ponte/ontology#";
/// Prefix of the named graphs Ponte creates for the files it loads.
pub const GRAPH_PREFIX: &str = "https://w3id.org/ponte/graph/";
/// The graph that describes every loaded graph: its source file, load time and content hash.
pub const META_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/ponte/graph/meta");
/// `ponte:sha256`: hex SHA-256 of the file a graph was loaded from.
pub const SHA256: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/ponte/ontology#sha256");
/// `ponte:LoadedGraph`: a named graph loaded from a file.
pub const LOADED_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/ponte/ontology#LoadedGraph");
/// `prov:generatedAtTime`.
pub const PROV_GENERATED_AT_TIME: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/prov#generatedAtTime");
/// `dcterms:source`.
pub const DCTERMS_SOURCE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/source");
/// `void:triples`: the number of triples a graph holds.
pub const VOID_TRIPLES: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://rdfs.org/ns/void#triples");
/// Where Ponte's entities live: `…/id/{slug}`.
pub const ID_NAMESPACE: &str = "https://w3id.org/ponte/id/";
/// Where Ponte's topics live: `…/topic/{slug}`.
pub const TOPIC_NAMESPACE: &str = "https://w3id.org/ponte/topic/";
/// The permanent address of Ponte's JSON-LD context.
pub const CONTEXT_IRI: &str = "https://w3id.org/ponte/context.jsonld";
/// The namespace of SKOS.
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
/// `skos:Concept`: a topic.
pub const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
/// `skos:prefLabel`.
pub const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
/// `ponte:Person`.
pub const PERSON: &str = "https://w3id.org/ponte/ontology#Person";
/// `ponte:ActorGroup`: a delegation or other group of actors.
pub const ACTOR_GROUP: &str = "https://w3id.org/ponte/ontology#ActorGroup";
/// `ponte:Actor`.
pub const ACTOR: &str = "https://w3id.org/ponte/ontology#Actor";
