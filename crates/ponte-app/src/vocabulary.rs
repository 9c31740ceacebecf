//! The vocabulary a query writer completes from: Ponte's prefixes, and the classes and
//! properties that the ontology declares or that Ponte's context names and the data uses. Built
//! once per store generation (a seek per candidate), so the console's completion never asks an
//! outside service (the LOV lookups of stock SPARQL editors) and offers only terms that mean
//! something here.

use crate::error::AppError;
use crate::{App, jsonld};
use ponte_store::{NamedNode, NamedNodeRef};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// What the console completes: prefixes, classes and properties, each sorted.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// (name, IRI) of each prefix of Ponte's context.
    pub prefixes: Vec<(String, String)>,
    /// The IRIs of the classes.
    pub classes: Vec<String>,
    /// The IRIs of the properties.
    pub properties: Vec<String>,
}

/// The classes whose instances are classes.
const CLASS_KINDS: &[&str] = &[
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2000/01/rdf-schema#Class",
];
/// The classes whose instances are properties.
const PROPERTY_KINDS: &[&str] = &[
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
];
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

impl App {
    /// The vocabulary of the store at its current generation.
    pub fn vocabulary(&self) -> Result<Arc<Vocabulary>, AppError> {
        self.views
            .vocabulary
            .get(|| self.store.generation(), || self.build_vocabulary())
    }

    fn build_vocabulary(&self) -> Result<Vocabulary, AppError> {
        let declared = |kinds: &[&str]| -> Result<BTreeSet<NamedNode>, AppError> {
            let kinds = kinds.iter().map(|k| NamedNode::new_unchecked(*k)).collect();
            Ok(self.store.instances(&kinds)?)
        };
        let mut classes = declared(CLASS_KINDS)?;
        let mut properties = declared(PROPERTY_KINDS)?;
        // Terms of other vocabularies (schema:, skos:, org:…) that the context names: offered
        // when the data uses them, as a class or as a property.
        let named: HashSet<&str> = jsonld::context_iris().collect();
        for iri in named {
            let Ok(node) = NamedNodeRef::new(iri) else {
                continue;
            };
            if self.store.is_used_class(node)? {
                classes.insert(node.into_owned());
            }
            if self.store.is_used_property(node)? {
                properties.insert(node.into_owned());
            }
        }
        properties.insert(NamedNode::new_unchecked(RDF_TYPE));
        Ok(Vocabulary {
            prefixes: jsonld::context_prefixes(),
            classes: classes.into_iter().map(NamedNode::into_string).collect(),
            properties: properties.into_iter().map(NamedNode::into_string).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_store::PonteStore;

    #[test]
    fn the_seed_vocabulary_holds_ponte_classes_and_the_properties_the_data_uses() {
        let store = PonteStore::in_memory().unwrap();
        store.seed(ponte_store::SEED_FILES).unwrap();
        let vocabulary = App::new(store).vocabulary().unwrap();
        let has = |list: &[String], iri: &str| list.iter().any(|i| i == iri);
        assert!(has(
            &vocabulary.classes,
            "https://w3id.org/ponte/ontology#University"
        ));
        assert!(has(
            &vocabulary.classes,
            "http://www.w3.org/2004/02/skos/core#Concept"
        ));
        assert!(has(
            &vocabulary.properties,
            "https://w3id.org/ponte/ontology#hasCompetence"
        ));
        assert!(has(
            &vocabulary.properties,
            "http://www.w3.org/2000/01/rdf-schema#label"
        ));
        // A class is not offered as a property, nor a property as a class.
        assert!(!has(
            &vocabulary.properties,
            "https://w3id.org/ponte/ontology#University"
        ));
        assert!(!has(
            &vocabulary.classes,
            "http://www.w3.org/2000/01/rdf-schema#label"
        ));
        assert!(
            vocabulary
                .prefixes
                .iter()
                .any(|(name, iri)| name == "ponte" && iri == "https://w3id.org/ponte/ontology#")
        );
    }
}
