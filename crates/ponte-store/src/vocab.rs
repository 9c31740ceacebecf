//! The IRIs Ponte itself mints or relies on: the text constants of `ponte-vocab`, and the
//! terms the store writes, each a `NamedNodeRef` constant.

use oxigraph::model::NamedNodeRef;
pub use ponte_vocab::*;

/// The term of an IRI written here (each is a valid absolute IRI).
const fn term(iri: &'static str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(iri)
}

/// The graph that describes every loaded graph: its source file, load time and content hash.
pub const META_GRAPH: NamedNodeRef<'_> = term("https://w3id.org/ponte/graph/meta");
/// `ponte:sha256`: hex SHA-256 of the file a graph was loaded from.
pub const SHA256: NamedNodeRef<'_> = term("https://w3id.org/ponte/ontology#sha256");
/// `ponte:LoadedGraph`: a named graph loaded from a file.
pub const LOADED_GRAPH: NamedNodeRef<'_> = term("https://w3id.org/ponte/ontology#LoadedGraph");
/// `prov:generatedAtTime`.
pub const PROV_GENERATED_AT_TIME: NamedNodeRef<'_> =
    term("http://www.w3.org/ns/prov#generatedAtTime");
/// `dcterms:source`.
pub const DCTERMS_SOURCE: NamedNodeRef<'_> = term("http://purl.org/dc/terms/source");
/// `void:triples`: the number of triples a graph holds.
pub const VOID_TRIPLES: NamedNodeRef<'_> = term("http://rdfs.org/ns/void#triples");
/// `ponte:canonicalSha256`: hex SHA-256 of a graph's RDFC-1.0 canonical form (see
/// [`crate::canonical`]), kept current by every transactional write.
pub const CANONICAL_SHA256: NamedNodeRef<'_> =
    term("https://w3id.org/ponte/ontology#canonicalSha256");
