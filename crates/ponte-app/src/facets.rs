//! Facet counts of a listing: for the entities a request selects, how many have each kind,
//! country, region, topic, mission and programme, so a person sees where a filter leads before
//! choosing it.

use crate::collections::{Collection, CollectionName, compact_class};
use crate::error::AppError;
use crate::request::ListRequest;
use crate::{App, names};
use ponte_store::{NamedNode, Term};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The facet counts of one listing; each list is ordered by count, then by value.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    /// Kinds, as the context names them (`University`).
    pub kinds: Vec<FacetValue>,
    /// ISO 3166-1 alpha-2 countries.
    pub countries: Vec<FacetValue>,
    /// ISO 3166-2 regions (`IT-45`).
    pub regions: Vec<FacetValue>,
    /// Topics the entities are about, work on or are interested in (by IRI).
    pub topics: Vec<FacetValue>,
    /// Missions the entities took part in, directly or in a stage (by IRI).
    pub missions: Vec<FacetValue>,
    /// Programmes the entities took part in, directly or in one of their missions (by IRI).
    pub programmes: Vec<FacetValue>,
}

/// One value of a facet: what a filter parameter takes, its names, and how many entities of
/// the listing have it.
#[derive(Debug, Clone)]
pub struct FacetValue {
    /// The parameter's value (`University`, `IT`, a topic's IRI).
    pub value: String,
    /// Its names as a language map (null when it has none).
    pub names: serde_json::Value,
    /// How many listed entities have it.
    pub count: usize,
}

impl App {
    /// The facet counts of the entities `request` selects from `collection`: the same
    /// selection as [`App::list`], all of it, not one page (its paging is ignored). Kept until
    /// the next write.
    pub fn facets(
        &self,
        collection: Option<&'static Collection>,
        request: &ListRequest,
    ) -> Result<Arc<Facets>, AppError> {
        let key = format!(
            "{}\u{0}{:?}\u{0}{:?}",
            collection.map_or("", |c| c.name),
            request.text,
            request.filters
        );
        self.views.facets.get(
            || self.store.generation(),
            key,
            || self.count_facets(collection, request),
        )
    }

    fn count_facets(
        &self,
        collection: Option<&'static Collection>,
        request: &ListRequest,
    ) -> Result<Facets, AppError> {
        let (entries, _) = self.matched(collection, request)?;
        let mission_classes = self.classes(CollectionName::Missions.collection())?;
        let missions = self.store.instances(&mission_classes)?;
        // Each programme with what taking part in it means (its phases, missions, stages),
        // expanded once per count, as the `programme` filter expands it.
        let programme_classes = self.classes(CollectionName::Programmes.collection())?;
        let mut programmes = Vec::new();
        for programme in self.store.instances(&programme_classes)? {
            let parts = self.store.programme_activities(&programme)?;
            programmes.push((programme, parts));
        }
        let mut in_programme = HashMap::<NamedNode, usize>::new();
        let mut kinds = HashMap::<NamedNode, usize>::new();
        let mut countries = HashMap::<String, usize>::new();
        let mut regions = HashMap::<String, usize>::new();
        let mut topics = HashMap::<NamedNode, usize>::new();
        let mut took_part = HashMap::<NamedNode, usize>::new();
        let memo = ponte_store::PlaceMemo::default();
        for (_, iri, _) in &entries {
            for triple in self.store.types(iri.as_ref())? {
                if let Term::NamedNode(class) = triple.object {
                    *kinds.entry(class).or_default() += 1;
                }
            }
            let values = self.store.facet_values(iri, &memo)?;
            for code in values.codes {
                // ISO 3166-1 alpha-2 is two letters; ISO 3166-2 has a hyphen; NUTS codes
                // (`ITH5`) are neither and are not offered as a facet.
                if code.len() == 2 {
                    *countries.entry(code).or_default() += 1;
                } else if code.contains('-') {
                    *regions.entry(code).or_default() += 1;
                }
            }
            for topic in values.topics {
                *topics.entry(topic).or_default() += 1;
            }
            for (programme, parts) in &programmes {
                if !values.activities.is_disjoint(parts) {
                    *in_programme.entry(programme.clone()).or_default() += 1;
                }
            }
            for activity in values.activities {
                if missions.contains(&activity) {
                    *took_part.entry(activity).or_default() += 1;
                }
            }
        }
        let named = |counts: HashMap<NamedNode, usize>| -> Result<Vec<FacetValue>, AppError> {
            let mut values = Vec::new();
            for (iri, count) in counts {
                values.push(FacetValue {
                    names: names::names_of(&self.store, iri.as_str())?,
                    value: iri.into_string(),
                    count,
                });
            }
            Ok(ordered(values))
        };
        // Kinds go by the name the API's `kind` takes, with the class's names; places by
        // their code, with the names of the place the code stands for.
        let mut kind_values = Vec::new();
        for (class, count) in kinds {
            kind_values.push(FacetValue {
                names: names::names_of(&self.store, class.as_str())?,
                value: compact_class(class.as_str()),
                count,
            });
        }
        Ok(Facets {
            kinds: ordered(kind_values),
            countries: self.coded(countries)?,
            regions: self.coded(regions)?,
            topics: named(topics)?,
            missions: named(took_part)?,
            programmes: named(in_programme)?,
        })
    }

    /// Place codes with the names of the places they stand for (`KR`: South Korea), ordered.
    fn coded(&self, counts: HashMap<String, usize>) -> Result<Vec<FacetValue>, AppError> {
        let mut values = Vec::new();
        for (code, count) in counts {
            let names = match self.store.place_with_code(&code)? {
                Some(place) => names::names_of(&self.store, place.as_str())?,
                None => Value::Null,
            };
            values.push(FacetValue {
                value: code,
                names,
                count,
            });
        }
        Ok(ordered(values))
    }
}

/// Most common first, then by value, so the order is the same on every request.
fn ordered(values: Vec<FacetValue>) -> Vec<FacetValue> {
    let mut by_key: BTreeMap<(std::cmp::Reverse<usize>, String), FacetValue> = BTreeMap::new();
    for value in values {
        by_key.insert((std::cmp::Reverse(value.count), value.value.clone()), value);
    }
    by_key.into_values().collect()
}
