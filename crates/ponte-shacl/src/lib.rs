//! Ponte's SHACL validation: `ontology/shapes.ttl`, compiled once, checks RDF data with
//! rudof's SHACL engine and reports each violation in words a person can act on.
//!
//! The data handed to [`Shapes::validate`] must include the ontology: Ponte data carries only
//! its most specific class, and `sh:class` follows `rdfs:subClassOf` inside the data graph.

use oxrdf::{NamedNode, NamedOrBlankNode, Term, TripleRef};
use rudof_rdf::rdf_core::BuildRDF;
use rudof_rdf::rdf_core::RDFFormat;
use rudof_rdf::rdf_core::term::Object;
use rudof_rdf::rdf_impl::OxigraphInMemory;
use shacl::ir::{IRSchema, IRShape};
use shacl::types::{MessageMap, Severity, Target};
use shacl::validator::processor::{GraphValidation, ShaclProcessor};
use shacl::validator::report::ValidationResult;
use shacl::validator::store::Graph;
use shacl::validator::store::ShaclDataManager;
use shacl::validator::{ShaclConfig, ShaclValidationMode};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A compiled SHACL shapes graph.
pub struct Shapes {
    schema: IRSchema,
    /// Property shape → the shape that holds it, so a report names the IRI a person knows
    /// (`ponte:ActorShape`) rather than the blank node of a `sh:property`.
    owners: HashMap<String, String>,
    /// Shape → its `sh:message` (English first): SHACL reports a shape's message with each of
    /// its results, and the engine leaves some components (`sh:or`) with a generic text.
    messages: HashMap<String, String>,
    targets: Targets,
}

/// What the shapes target: a node outside all of these is never validated as a focus node, so
/// a write that touches none of them cannot break the shapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// `sh:targetClass` (and implicit class targets): instances of these or of a subclass.
    pub classes: HashSet<NamedNode>,
    /// `sh:targetSubjectsOf`: subjects of these predicates.
    pub subjects_of: HashSet<NamedNode>,
    /// `sh:targetObjectsOf`: objects of these predicates.
    pub objects_of: HashSet<NamedNode>,
    /// A target Ponte cannot narrow down (`sh:targetNode`, a malformed target): every node may
    /// be a focus node.
    pub any_node: bool,
}

/// What went wrong while compiling shapes or running the engine (not a violation).
#[derive(Debug, thiserror::Error)]
pub enum ShaclError {
    /// The shapes graph is not valid Turtle or not valid SHACL.
    #[error("the SHACL shapes could not be compiled: {0}")]
    Shapes(String),
    /// The engine failed on the data (for example an unsupported construct).
    #[error("SHACL validation failed to run: {0}")]
    Engine(String),
}

/// One `sh:ValidationResult` of severity `sh:Violation`, flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The node that does not conform.
    pub focus_node: Term,
    /// The property path of the failing property shape, in SPARQL syntax.
    pub path: Option<String>,
    /// The offending value, when the constraint names one.
    pub value: Option<Term>,
    /// The shape that failed (an IRI of `ontology/shapes.ttl`, or a blank node).
    pub shape: Option<String>,
    /// The constraint component, such as `sh:MinCountConstraintComponent`.
    pub component: String,
    /// The shape's `sh:message` (English first), or a description of the component.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.focus_node)?;
        if let Some(path) = &self.path {
            write!(f, " {path}")?;
        }
        if let Some(value) = &self.value {
            write!(f, " = {value}")?;
        }
        write!(f, ": {}", self.message)?;
        match &self.shape {
            Some(shape) => write!(f, " (shape {shape}, {})", short(&self.component)),
            None => write!(f, " ({})", short(&self.component)),
        }
    }
}

impl Shapes {
    /// Compiles a shapes graph written in Turtle.
    pub fn from_turtle(turtle: &str) -> Result<Self, ShaclError> {
        let schema = ShaclDataManager::load(
            &mut turtle.as_bytes(),
            "shapes.ttl",
            &RDFFormat::Turtle,
            None,
        )
        .map_err(|e| ShaclError::Shapes(e.to_string()))?;
        let mut owners = HashMap::new();
        let mut messages = HashMap::new();
        for (id, shape) in schema.iter() {
            if let Some(message) = shape.message().and_then(best_message) {
                messages.insert(id.to_string(), message);
            }
            if let IRShape::NodeShape(node_shape) = shape {
                for index in node_shape.property_shapes() {
                    // A named property shape (`psh:location`) is shared and speaks for itself.
                    if let Some(property_shape) = schema.get_shape_from_idx(index)
                        && matches!(property_shape.id(), Object::BlankNode(_))
                    {
                        owners.insert(property_shape.id().to_string(), id.to_string());
                    }
                }
            }
        }
        let mut targets = Targets::default();
        for (_, shape) in schema.iter_with_targets() {
            for target in shape.targets() {
                let iri = |iri: &rudof_iri::IriS| NamedNode::new_unchecked(iri.as_str());
                match target {
                    Target::Class(Object::Iri(class))
                    | Target::ImplicitClass(Object::Iri(class)) => {
                        targets.classes.insert(iri(class));
                    }
                    Target::SubjectsOf(predicate) => {
                        targets.subjects_of.insert(iri(predicate));
                    }
                    Target::ObjectsOf(predicate) => {
                        targets.objects_of.insert(iri(predicate));
                    }
                    _ => targets.any_node = true,
                }
            }
        }
        Ok(Self {
            schema,
            owners,
            messages,
            targets,
        })
    }

    /// What these shapes target.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Validates `data` (a whole data graph) and returns its violations, sorted for stable
    /// output; an empty list means the data conforms.
    pub fn validate<'a>(
        &self,
        data: impl IntoIterator<Item = TripleRef<'a>>,
    ) -> Result<Vec<Violation>, ShaclError> {
        let mut graph = OxigraphInMemory::new();
        for triple in data {
            let subject: NamedOrBlankNode = triple.subject.into_owned();
            graph
                .add_triple(
                    subject,
                    triple.predicate.into_owned(),
                    triple.object.into_owned(),
                )
                .map_err(|e| ShaclError::Engine(e.to_string()))?;
        }
        let mut validation = GraphValidation::new(Graph::from(graph));
        let report = validation
            .validate(
                &self.schema,
                &ShaclValidationMode::Native,
                &ShaclConfig::new(),
            )
            .map_err(|e| ShaclError::Engine(e.to_string()))?;
        let mut violations: Vec<Violation> = report
            .results()
            .iter()
            .filter(|r| matches!(r.severity(), Severity::Violation))
            .map(|result| self.violation(result))
            .collect();
        violations.sort_by_key(|v| v.to_string());
        violations.dedup();
        Ok(violations)
    }

    fn violation(&self, result: &ValidationResult) -> Violation {
        let source = result.source().map(|source| source.to_string());
        let message = source
            .as_ref()
            .and_then(|source| self.messages.get(source).cloned())
            .or_else(|| best_message(result.message()))
            .unwrap_or_else(|| describe(&result.constraint_component().to_string()));
        Violation {
            focus_node: result.focus_node().clone().into(),
            path: result.path().map(|p| p.to_string()),
            value: result.value().map(|v| v.clone().into()),
            shape: result.source().map(|source| {
                let source = source.to_string();
                self.owners.get(&source).cloned().unwrap_or(source)
            }),
            component: result.constraint_component().to_string(),
            message,
        }
    }
}

/// The English message of `messages`, else the one without a language, else any.
fn best_message(messages: &MessageMap) -> Option<String> {
    messages
        .iter()
        .min_by_key(|(lang, _)| match lang.as_ref().map(|l| l.to_string()) {
            Some(l) if l == "en" => 0,
            None => 1,
            Some(_) => 2,
        })
        .map(|(_, text)| text.clone())
}

/// The local name of a SHACL IRI (`sh:MinCountConstraintComponent` → `MinCount...`).
fn short(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// Words for a constraint component that the shape gave no `sh:message` for.
fn describe(component: &str) -> String {
    let words = match short(component) {
        "MinCountConstraintComponent" => "a required value is missing",
        "MaxCountConstraintComponent" => "too many values",
        "ClassConstraintComponent" => "the value is not of the expected kind",
        "DatatypeConstraintComponent" => "the value has the wrong datatype or is malformed",
        "NodeKindConstraintComponent" => "the value has the wrong node kind (IRI or literal)",
        "PatternConstraintComponent" => "the value does not match the expected pattern",
        "OrConstraintComponent" => "the value matches none of the allowed alternatives",
        "UniqueLangConstraintComponent" => "more than one value in the same language",
        _ => "the value breaks a constraint",
    };
    format!("{words} ({})", short(component))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::{Graph, NamedNodeRef};

    const SHAPES: &str = r#"
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "Missing name"@en ] .
    "#;

    fn graph(turtle: &str) -> Graph {
        oxttl::TurtleParser::new()
            .for_slice(turtle)
            .collect::<Result<Graph, _>>()
            .unwrap()
    }

    #[test]
    fn a_missing_property_is_a_violation_naming_node_path_and_shape() {
        let shapes = Shapes::from_turtle(SHAPES).unwrap();
        let data = graph("<http://example.org/a> a <http://example.org/Thing> .");
        let violations = shapes.validate(data.iter()).unwrap();
        assert_eq!(violations.len(), 1, "{violations:?}");
        let v = &violations[0];
        assert_eq!(
            v.focus_node,
            Term::from(NamedNodeRef::new_unchecked("http://example.org/a").into_owned())
        );
        assert_eq!(v.message, "Missing name");
        let text = v.to_string();
        assert!(text.contains("http://example.org/name"), "{text}");
        assert!(text.contains("ThingShape"), "{text}");
    }

    #[test]
    fn conforming_data_has_no_violation() {
        let shapes = Shapes::from_turtle(SHAPES).unwrap();
        let data = graph(
            "<http://example.org/a> a <http://example.org/Thing> ; <http://example.org/name> \"A\" .",
        );
        assert!(shapes.validate(data.iter()).unwrap().is_empty());
    }

    #[test]
    fn bad_shapes_are_an_error() {
        assert!(matches!(
            Shapes::from_turtle("this is not turtle"),
            Err(ShaclError::Shapes(_))
        ));
    }
}
