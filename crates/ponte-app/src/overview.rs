//! What the graph holds in all, for the home page and the forms: each collection's size, the
//! missions with their names, the facet values of all actors (kinds, countries, topics…) and
//! the loaded graphs. Built once per store generation, so a page that shows it costs a lookup
//! until the next write.

use crate::collections::CollectionName;
use crate::error::AppError;
use crate::facets::Facets;
use crate::graphs::GraphItem;
use crate::request::ListRequest;
use crate::{App, names};
use serde_json::Value;
use std::sync::Arc;

/// The whole graph at a glance.
#[derive(Debug)]
pub struct Overview {
    /// Each collection's name and how many entities it holds, in `CollectionName::ALL`'s order.
    pub totals: Vec<(&'static str, usize)>,
    /// Every mission, by name.
    pub missions: Vec<MissionName>,
    /// The facet values of all actors: their kinds, countries, regions, topics, missions.
    pub actors: Arc<Facets>,
    /// The loaded graphs, with their sources and sizes.
    pub graphs: Vec<GraphItem>,
}

/// A mission and its names (a language map).
#[derive(Debug)]
pub struct MissionName {
    /// The mission's IRI.
    pub iri: String,
    /// Its names.
    pub names: Value,
}

impl App {
    /// The overview of the store at its current generation.
    pub fn overview(&self) -> Result<Arc<Overview>, AppError> {
        self.views
            .overview
            .get(|| self.store.generation(), || self.build_overview())
    }

    fn build_overview(&self) -> Result<Overview, AppError> {
        let mut totals = Vec::new();
        for name in CollectionName::ALL {
            let collection = name.collection();
            totals.push((collection.name, self.members(collection, None)?.len()));
        }
        let missions = Some(CollectionName::Missions.collection());
        let (entries, _) = self.matched(missions, &ListRequest::default())?;
        let missions = entries
            .into_iter()
            .map(|(_, iri, found)| MissionName {
                names: found.map_or(Value::Null, |(_, found)| names::language_map(&found)),
                iri: iri.into_string(),
            })
            .collect();
        let actors = Some(CollectionName::Actors.collection());
        Ok(Overview {
            totals,
            missions,
            actors: self.facets(actors, &ListRequest::default())?,
            graphs: self.graphs("")?.items,
        })
    }
}
