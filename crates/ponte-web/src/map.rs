//! The map: the actors a listing selects as points on a world map drawn on the server as SVG
//! from bundled Natural Earth boundaries (world-atlas, vendored by `scripts/vendor`; no tile
//! server, no script), with the same entities in a table beside it.

use crate::lang::Words;
use crate::pages::{Choice, ChoiceGroup, Link, Page, filter_choices, render};
use askama::Template;
use ponte_app::request::ListRequest;
use ponte_app::{App, AppError, CollectionName};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// The countries of the world at 1:110m, as TopoJSON (world-atlas 2.0.2, ISC; Natural Earth).
const COUNTRIES: &str = include_str!("../assets/vendor/world-atlas/countries-110m.json");

/// The most table rows a map page lists; the map shows every point.
const TABLE_ROWS: usize = 200;

/// The SVG path of every country's outline, in the map's projection, computed once.
static OUTLINES: LazyLock<String> = LazyLock::new(|| outlines(COUNTRIES).unwrap_or_default());

/// Every country's outlines, ring by ring, for maps of a part of the world.
static RINGS: LazyLock<Vec<Ring>> = LazyLock::new(|| rings(COUNTRIES).unwrap_or_default());

/// How much of the world an entity page's small map shows, in degrees of longitude; it is
/// half as tall.
const SMALL_MAP_WIDTH: f64 = 40.0;

/// The small map of an entity page: the part of the world around its point, with only the
/// outlines that reach into it (a few kilobytes, not the world's hundred).
pub(crate) struct SmallMap {
    /// The SVG viewBox: the window around the point.
    pub(crate) view_box: String,
    /// The outlines within the window.
    pub(crate) outlines: String,
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) lat: f64,
    pub(crate) lng: f64,
    /// The region's centre, not the entity's own place.
    pub(crate) approximate: bool,
}

/// The small map around `point`.
pub(crate) fn small_map(point: &ponte_app::Point) -> SmallMap {
    let (x, y) = project(point.lng, point.lat);
    let (width, height) = (SMALL_MAP_WIDTH, SMALL_MAP_WIDTH / 2.0);
    let left = (x - width / 2.0).clamp(0.0, 360.0 - width);
    let top = (y - height / 2.0).clamp(0.0, 170.0 - height);
    let outlines = RINGS
        .iter()
        .filter(|r| {
            r.max.0 >= left && r.min.0 <= left + width && r.max.1 >= top && r.min.1 <= top + height
        })
        .map(|r| r.path.as_str())
        .collect();
    SmallMap {
        view_box: format!("{left:.1} {top:.1} {width:.1} {height:.1}"),
        outlines,
        x,
        y,
        lat: point.lat,
        lng: point.lng,
        approximate: point.approximate,
    }
}

/// A TopoJSON topology: quantized, delta-encoded arcs shared by the geometries.
#[derive(Deserialize)]
struct Topology {
    transform: Transform,
    arcs: Vec<Vec<[f64; 2]>>,
    objects: HashMap<String, Collection>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon {
        arcs: Vec<Vec<i64>>,
    },
    MultiPolygon {
        arcs: Vec<Vec<Vec<i64>>>,
    },
    #[serde(other)]
    Other,
}

/// The equirectangular projection of the map: longitude and latitude to SVG units, with the
/// viewBox `0 0 360 170` (from 85° N to 85° S).
fn project(lng: f64, lat: f64) -> (f64, f64) {
    (lng + 180.0, 85.0 - lat)
}

/// One closed outline (a country's polygon or one of its islands): its SVG path and the box
/// it spans, in the map's units.
struct Ring {
    path: String,
    min: (f64, f64),
    max: (f64, f64),
}

/// One SVG path of all country outlines in `topojson`.
fn outlines(topojson: &str) -> Result<String, serde_json::Error> {
    Ok(rings(topojson)?.into_iter().map(|r| r.path).collect())
}

/// The outlines of the countries in `topojson`, one ring each.
fn rings(topojson: &str) -> Result<Vec<Ring>, serde_json::Error> {
    let topology: Topology = serde_json::from_str(topojson)?;
    let [sx, sy] = topology.transform.scale;
    let [tx, ty] = topology.transform.translate;
    // Each arc decoded once: deltas summed, then scaled to degrees.
    let arcs: Vec<Vec<(f64, f64)>> = topology
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0.0, 0.0);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    project(x * sx + tx, y * sy + ty)
                })
                .collect()
        })
        .collect();
    let mut rings = Vec::new();
    let mut ring = |indices: &[i64]| {
        let mut path = String::new();
        let mut min = (f64::MAX, f64::MAX);
        let mut max = (f64::MIN, f64::MIN);
        let mut last: Option<f64> = None;
        for &index in indices {
            // A negative index is the arc ~index, walked backwards.
            let points: Box<dyn Iterator<Item = &(f64, f64)>> = if index >= 0 {
                Box::new(arcs[index as usize].iter())
            } else {
                Box::new(arcs[(!index) as usize].iter().rev())
            };
            for &(x, y) in points {
                // A ring that crosses the antimeridian (Russia, Fiji) would jump across the
                // whole map: it goes on past the edge instead (the SVG viewport clips it), so
                // the ring stays one closed shape and fills right.
                let (command, x) = match last {
                    None => ('M', x),
                    Some(previous) => {
                        let mut x = x;
                        while x - previous > 180.0 {
                            x -= 360.0;
                        }
                        while previous - x > 180.0 {
                            x += 360.0;
                        }
                        ('L', x)
                    }
                };
                last = Some(x);
                min = (min.0.min(x), min.1.min(y));
                max = (max.0.max(x), max.1.max(y));
                let _ = write!(path, "{command}{x:.1},{y:.1}");
            }
        }
        path.push('Z');
        rings.push(Ring { path, min, max });
    };
    for collection in topology.objects.values() {
        for geometry in &collection.geometries {
            match geometry {
                Geometry::Polygon { arcs } => arcs.iter().for_each(|r| ring(r)),
                Geometry::MultiPolygon { arcs } => {
                    arcs.iter().flatten().for_each(|r| ring(r));
                }
                Geometry::Other => {}
            }
        }
    }
    Ok(rings)
}

/// A point on the map and a row of the table.
struct Placed {
    link: Link,
    x: f64,
    y: f64,
    lat: f64,
    lng: f64,
    /// The region's centre, not the actor's own place.
    approximate: bool,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: &'static str,
    action: &'static str,
    q: String,
    kinds: Vec<Choice>,
    groups: Vec<ChoiceGroup>,
    outlines: &'static str,
    points: Vec<Placed>,
    rows: usize,
    unplaced: usize,
    /// Whether some point is a region's centre (then a note says what ≈ means).
    any_approximate: bool,
    list_url: String,
}

/// `/map`: the actors the filters select, on a world map and in a table with the same
/// entities.
pub fn map_page(app: &App, page: &Page, request: &ListRequest) -> Result<String, AppError> {
    let w = page.words();
    let actors = CollectionName::Actors.collection();
    let facets = app.facets(Some(actors), request)?;
    let (kinds, groups) = filter_choices(page, &facets, request);
    let found = app.points(Some(actors), request)?;
    let points: Vec<Placed> = found
        .placed
        .iter()
        .map(|p| {
            let (x, y) = project(p.lng, p.lat);
            Placed {
                link: Link::to(&p.iri, &p.names, page.lang),
                x,
                y,
                lat: p.lat,
                lng: p.lng,
                approximate: p.approximate,
            }
        })
        .collect();
    let query = page.path.split_once('?').map_or("", |(_, q)| q);
    render(&MapTemplate {
        page,
        w,
        title: w.map,
        action: "/map",
        q: request.text.q.clone().unwrap_or_default(),
        kinds,
        groups,
        outlines: OUTLINES.as_str(),
        rows: points.len().min(TABLE_ROWS),
        points,
        unplaced: found.unplaced,
        any_approximate: found.placed.iter().any(|p| p.approximate),
        list_url: format!("/actors?{query}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_boundaries_draw_every_country_inside_the_map() {
        let path = outlines(COUNTRIES).unwrap();
        assert!(
            path.matches('Z').count() > 250,
            "one ring per island and country"
        );
        for number in path.split(['M', 'L', 'Z', ',']).filter(|n| !n.is_empty()) {
            let n: f64 = number.parse().unwrap();
            // Rings crossing the antimeridian go on past the edge, by less than half the map.
            assert!((-180.0..=540.0).contains(&n), "{n}");
        }
        assert_eq!(project(11.34, 44.49), (191.34, 85.0 - 44.49));
    }
}
