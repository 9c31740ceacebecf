//! Ponte's operations, shared by every face: the JSON-LD API and the web pages (through
//! `ponte-server`) and the command line (`ponte-cli`). Requests and answers are typed (serde,
//! with their OpenAPI schemas derived where they are defined); errors say what went wrong by
//! kind ([`AppError`]); nothing here knows HTTP.
//!
//! Operations are synchronous: a face runs them where blocking is fine (the server's
//! evaluation workers, the command line's main thread). Views derived from the store (class
//! hierarchy, search index, matchmaking projection) are kept per store generation in a
//! [`GenerationCache`].

mod cache;
mod collections;
mod csv_import;
mod ecosystem;
mod entity;
mod error;
mod facets;
mod graphs;
mod import;
pub mod jsonld;
mod jsonld_input;
mod matchmaking;
pub mod names;
mod overview;
mod params;
mod plan;
mod points;
pub mod request;
mod ror;
mod search;
mod vocabulary;
mod write;

pub use cache::{AnswerCache, GenerationCache};
pub use collections::{COLLECTIONS, Collection, CollectionName, CollectionPage, compact_class};
pub use ecosystem::{Broker, BrokersAnswer, EcosystemBrokers, Gap, GapsAnswer};
pub use entity::{EntityView, FactSource};
pub use error::{AppError, Location};
pub use facets::{FacetValue, Facets};
pub use graphs::{GraphItem, GraphsAnswer};
pub use import::{ImportInput, ImportReport, ImportedGraph, JsonLdDocument, new_graph_id};
pub use matchmaking::{
    EvidenceStep, MatchAnswer, ScoreParts, SuggestionItem, graph_input, parse_weights, weights_json,
};
pub use overview::{MissionName, Overview};
pub use params::{FromParams, Params};
pub use plan::{
    ClosedGap, FollowUpAnswer, FollowUpRequest, Invitee, NextStep, OpenMeeting, PlanAnswer,
    PlanRequest, PlannedMeeting,
};
pub use points::{MapPoint, MapPoints};
pub use ponte_match::Weights;
pub use ponte_store::vocab;
/// The RDF terms the answers carry.
pub use ponte_store::{NamedNode, Point, Term, Triple};
pub use ror::{ROR_GRAPH, RorDump, RorImport, import_ror, read_ror};
pub use vocabulary::Vocabulary;
pub use write::{EntityInput, WriteReport, WriteRequest};

use ponte_match::Projection;
use ponte_search::SearchIndex;
use ponte_store::PonteStore;
use std::collections::HashSet;
use std::sync::Arc;

/// The store and the views derived from it: what every operation works on. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: PonteStore,
    views: Arc<Views>,
    /// The weights of the match score's parts (the documented ones unless fitted).
    weights: ponte_match::Weights,
}

/// What the operations derive from the store and keep between requests.
struct Views {
    /// Each collection's classes with their subclasses.
    classes: GenerationCache<collections::ClassSets>,
    /// The full-text index.
    search: GenerationCache<SearchIndex>,
    /// The matchmaking projection.
    projection: GenerationCache<Projection>,
    /// Every actor's place codes (what `from` and `to` may name).
    actor_places: GenerationCache<ecosystem::ActorPlaces>,
    /// Partner suggestions already computed (pages and clients ask the same ones again).
    suggestions: AnswerCache<MatchAnswer>,
    /// Facet counts already computed (every list page asks for them).
    facets: AnswerCache<Facets>,
    /// What the graph holds in all (the home page, the profile form).
    overview: GenerationCache<Overview>,
    /// The prefixes, classes and properties the console completes.
    vocabulary: GenerationCache<Vocabulary>,
}

impl Default for Views {
    fn default() -> Self {
        Self {
            classes: GenerationCache::default(),
            search: GenerationCache::default(),
            projection: GenerationCache::default(),
            actor_places: GenerationCache::default(),
            suggestions: AnswerCache::new(MAX_KEPT_SUGGESTIONS),
            facets: AnswerCache::new(MAX_KEPT_FACETS),
            overview: GenerationCache::default(),
            vocabulary: GenerationCache::default(),
        }
    }
}

/// How many suggestion answers are kept between writes (a few kilobytes each).
const MAX_KEPT_SUGGESTIONS: usize = 1_024;

/// How many facet counts are kept between writes (a few kilobytes each).
const MAX_KEPT_FACETS: usize = 1_024;

impl App {
    /// The operations over `store`.
    pub fn new(store: PonteStore) -> Self {
        Self {
            store,
            views: Arc::default(),
            weights: ponte_match::Weights::default(),
        }
    }

    /// The same operations, with `weights` for the match score (`ponte eval --fit`).
    pub fn with_weights(mut self, weights: ponte_match::Weights) -> Self {
        self.weights = weights;
        self
    }

    /// The store.
    pub fn store(&self) -> &PonteStore {
        &self.store
    }

    /// Every collection's classes, for the store's current generation.
    fn class_sets(&self) -> Result<Arc<collections::ClassSets>, AppError> {
        self.views.classes.get(
            || self.store.generation(),
            || collections::class_sets(&self.store),
        )
    }

    /// `collection`'s classes and all their subclasses.
    fn classes(&self, collection: &Collection) -> Result<Arc<HashSet<NamedNode>>, AppError> {
        self.class_sets()?
            .get(collection.name)
            .cloned()
            .ok_or_else(|| AppError::not_found(format!("no collection /api/{}", collection.name)))
    }
}
