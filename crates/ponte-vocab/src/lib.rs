//! The IRIs and namespaces Ponte mints or relies on, as text: the one place each is written.
//! `ponte-store::vocab` adds them as oxigraph terms; crates that know nothing of RDF (the
//! matcher, the ROR reader) use them from here.

/// Namespace of Ponte's ontology.
pub const PONTE: &str = "https://w3id.org/ponte/ontology#";
/// Where Ponte's entities live: `…/id/{slug}`.
pub const ID_NAMESPACE: &str = "https://w3id.org/ponte/id/";
/// Where Ponte's topics live: `…/topic/{slug}`.
pub const TOPIC_NAMESPACE: &str = "https://w3id.org/ponte/topic/";
/// Prefix of the named graphs Ponte creates for the files it loads.
pub const GRAPH_PREFIX: &str = "https://w3id.org/ponte/graph/";
/// The permanent address of Ponte's JSON-LD context.
pub const CONTEXT_IRI: &str = "https://w3id.org/ponte/context.jsonld";
/// The namespace of SKOS.
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
/// `skos:Concept`: a topic.
pub const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
/// `skos:prefLabel`.
pub const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
/// `ponte:Actor`.
pub const ACTOR: &str = "https://w3id.org/ponte/ontology#Actor";
/// `ponte:Person`.
pub const PERSON: &str = "https://w3id.org/ponte/ontology#Person";
/// `ponte:ActorGroup`: a delegation or other group of actors.
pub const ACTOR_GROUP: &str = "https://w3id.org/ponte/ontology#ActorGroup";
/// `ponte:collaboratesWith`: a partnership.
pub const COLLABORATES_WITH: &str = "https://w3id.org/ponte/ontology#collaboratesWith";
/// `ponte:hasCompetence`: what an actor can do.
pub const HAS_COMPETENCE: &str = "https://w3id.org/ponte/ontology#hasCompetence";
/// `ponte:interestedIn`: what an actor looks for.
pub const INTERESTED_IN: &str = "https://w3id.org/ponte/ontology#interestedIn";
