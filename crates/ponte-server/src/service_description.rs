//! The SPARQL 1.1 Service Description returned by a bare `GET /sparql`.

use crate::ServerConfig;
use crate::problem::Problem;
use oxigraph::io::RdfSerializer;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{BlankNode, NamedNode, NamedNodeRef, Term, Triple};
use ponte_store::sparql::OutputFormat;

const SD: &str = "http://www.w3.org/ns/sparql-service-description#";

fn sd(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SD}{local}"))
}

/// Describes the endpoint at `endpoint` in `format` (an RDF format); updates are announced only
/// when the server accepts writes.
pub fn service_description(
    endpoint: &str,
    config: &ServerConfig,
    writable: bool,
    format: OutputFormat,
) -> Result<Vec<u8>, Problem> {
    let OutputFormat::Rdf(format) = format else {
        return Err(Problem::bad_request("the service description is RDF"));
    };
    let service = BlankNode::default();
    let endpoint = NamedNode::new(endpoint)
        .map_err(|e| Problem::bad_request(format!("invalid endpoint IRI: {e}")))?;
    let mut triples = vec![
        Triple::new(service.clone(), rdf::TYPE, sd("Service")),
        Triple::new(service.clone(), sd("endpoint"), endpoint),
        Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Query"),
        ),
    ];
    if writable {
        triples.push(Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Update"),
        ));
    }
    if config.union_default_graph {
        triples.push(Triple::new(
            service.clone(),
            sd("feature"),
            sd("UnionDefaultGraph"),
        ));
    }
    for format_iri in [
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/N-Quads",
        "http://www.w3.org/ns/formats/TriG",
        "http://www.w3.org/ns/formats/RDF_XML",
        "http://www.w3.org/ns/formats/JSON-LD",
    ] {
        triples.push(Triple::new(
            service.clone(),
            sd("resultFormat"),
            Term::from(NamedNodeRef::new_unchecked(format_iri).into_owned()),
        ));
    }
    let mut serializer = RdfSerializer::from_format(format)
        .with_prefix("sd", SD)
        .map_err(|e| Problem::bad_request(e.to_string()))?
        .for_writer(Vec::new());
    for triple in &triples {
        serializer
            .serialize_triple(triple)
            .map_err(|e| Problem::bad_request(e.to_string()))?;
    }
    serializer
        .finish()
        .map_err(|e| Problem::bad_request(e.to_string()))
}
