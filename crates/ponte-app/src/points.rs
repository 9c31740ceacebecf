//! Where the entities of a listing are on a map: the same selection as [`App::list`], each
//! with a point (its own, or its city's), and how many have none.

use crate::collections::Collection;
use crate::error::AppError;
use crate::request::ListRequest;
use crate::{App, names};
use ponte_store::{NamedNode, Point, Term};
use serde_json::Value;

/// The points of a listing.
#[derive(Debug, Clone, Default)]
pub struct MapPoints {
    /// The entities with a point, in the listing's order.
    pub placed: Vec<MapPoint>,
    /// How many entities of the listing have no point (no coordinates, nor a city with them).
    pub unplaced: usize,
}

/// An entity on the map.
#[derive(Debug, Clone)]
pub struct MapPoint {
    /// Its IRI.
    pub iri: String,
    /// Its names, as a language map.
    pub names: Value,
    /// Latitude, in degrees.
    pub lat: f64,
    /// Longitude, in degrees.
    pub lng: f64,
    /// Whether the point is its region's centre rather than its own place's.
    pub approximate: bool,
}

impl App {
    /// Where `entity` is on a map (its own point, its city's, or its region's centre).
    pub fn point_of(&self, entity: &NamedNode) -> Result<Option<Point>, AppError> {
        Ok(self.store.coordinates(entity)?)
    }

    /// The entities `request` selects from `collection` (all of them, not one page), with
    /// their points.
    pub fn points(
        &self,
        collection: Option<&'static Collection>,
        request: &ListRequest,
    ) -> Result<MapPoints, AppError> {
        let (entries, _) = self.matched(collection, request)?;
        let mut points = MapPoints::default();
        for (_, iri, found) in entries {
            let Some(point) = self.store.coordinates(&iri)? else {
                points.unplaced += 1;
                continue;
            };
            let found = match found {
                Some(found) => Some(found),
                None => self.store.labels(Term::from(iri.clone()).as_ref())?,
            };
            points.placed.push(MapPoint {
                names: found.map_or(Value::Null, |(_, found)| names::language_map(&found)),
                iri: iri.into_string(),
                lat: point.lat,
                lng: point.lng,
                approximate: point.approximate,
            });
        }
        Ok(points)
    }
}
