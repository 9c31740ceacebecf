//! The small graph of a suggestion's evidence paths, drawn on the server as SVG: each entity
//! once, placed by how far along the paths it stands (the suggested partner last), each step an
//! arrow from subject to object labelled with its relation. The ordered list beside it says the
//! same in words, for readers who do not see the drawing.

use super::Statement;
use std::collections::HashMap;

/// Width of a column of entities, and of an entity's box, in SVG units.
const COLUMN: f64 = 290.0;
const BOX_WIDTH: f64 = 160.0;
/// Height of a row of entities, and of an entity's box.
const ROW: f64 = 56.0;
const BOX_HEIGHT: f64 = 30.0;
/// The longest name drawn in a box; longer ones are cut with an ellipsis (the list has them
/// whole).
const MAX_LABEL: usize = 24;

/// The drawing of one suggestion's evidence.
pub(crate) struct EvidenceGraph {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) nodes: Vec<GraphNode>,
    pub(crate) edges: Vec<GraphEdge>,
}

/// An entity: the top-left corner of its box, the centre of its name, the name.
pub(crate) struct GraphNode {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) text_x: f64,
    pub(crate) text_y: f64,
    pub(crate) label: String,
}

/// A step: its line, the arrowhead at the object, the relation's name at the middle.
pub(crate) struct GraphEdge {
    pub(crate) x1: f64,
    pub(crate) y1: f64,
    pub(crate) x2: f64,
    pub(crate) y2: f64,
    pub(crate) head: String,
    pub(crate) label_x: f64,
    pub(crate) label_y: f64,
    pub(crate) label: String,
}

/// The graph of `paths`, which all end at `partner`; `None` without a path.
pub(crate) fn evidence_graph(partner: &str, paths: &[Vec<Statement>]) -> Option<EvidenceGraph> {
    if paths.iter().all(Vec::is_empty) {
        return None;
    }
    // Each path as the entities it walks through, in order, ending at the partner.
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut column: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut longest = 0;
    for path in paths {
        let walk = walk(path, partner);
        longest = longest.max(walk.len().saturating_sub(1));
        for (index, iri) in walk.iter().enumerate() {
            let at = column.entry(iri).or_insert(index);
            *at = (*at).min(index);
            if !order.contains(iri) {
                order.push(iri);
            }
        }
        for step in path {
            names.insert(&step.triple[0], &step.subject.name);
            names.insert(&step.triple[2], &step.object.name);
        }
    }
    column.insert(partner, longest);
    let mut rows_used = vec![0usize; longest + 1];
    let mut place: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut nodes = Vec::new();
    for iri in &order {
        let col = column[iri];
        let row = rows_used[col];
        rows_used[col] += 1;
        let (x, y) = (10.0 + col as f64 * COLUMN, 10.0 + row as f64 * ROW);
        place.insert(iri, (x, y));
        nodes.push(GraphNode {
            x,
            y,
            text_x: x + BOX_WIDTH / 2.0,
            text_y: y + BOX_HEIGHT / 2.0 + 4.0,
            label: shortened(names.get(iri).copied().unwrap_or(iri)),
        });
    }
    let mut edges = Vec::new();
    for step in paths.iter().flatten() {
        let (Some(&from), Some(&to)) = (
            place.get(step.triple[0].as_str()),
            place.get(step.triple[2].as_str()),
        ) else {
            continue;
        };
        edges.push(edge(from, to, &step.predicate));
    }
    let rows = rows_used.iter().copied().max().unwrap_or(1) as f64;
    Some(EvidenceGraph {
        width: 20.0 + longest as f64 * COLUMN + BOX_WIDTH,
        height: 20.0 + (rows - 1.0) * ROW + BOX_HEIGHT,
        nodes,
        edges,
    })
}

/// The entities a path walks through, from its far end to `partner`.
fn walk<'a>(path: &'a [Statement], partner: &'a str) -> Vec<&'a str> {
    // Walk backwards from the partner: each step's other end is the next entity.
    let mut entities = vec![partner];
    let mut current = partner;
    for step in path.iter().rev() {
        let (subject, object) = (step.triple[0].as_str(), step.triple[2].as_str());
        current = if subject == current { object } else { subject };
        entities.push(current);
    }
    entities.reverse();
    entities
}

/// The line between two boxes (right side to left side when they are in different columns,
/// bottom to top in one column), its arrowhead and where its label goes.
fn edge(from: (f64, f64), to: (f64, f64), label: &str) -> GraphEdge {
    let centre = |(x, y): (f64, f64)| (x + BOX_WIDTH / 2.0, y + BOX_HEIGHT / 2.0);
    let ((fx, fy), (tx, ty)) = (centre(from), centre(to));
    let half = BOX_WIDTH / 2.0;
    let (x1, y1, x2, y2) = if (fx - tx).abs() < 1.0 {
        let sign = if ty > fy { 1.0 } else { -1.0 };
        let h = BOX_HEIGHT / 2.0;
        (fx, fy + sign * h, tx, ty - sign * h)
    } else {
        let sign = if tx > fx { 1.0 } else { -1.0 };
        (fx + sign * half, fy, tx - sign * half, ty)
    };
    // An arrowhead: a small triangle at the object end, along the line.
    let (dx, dy) = (x2 - x1, y2 - y1);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    let (bx, by) = (x2 - ux * 8.0, y2 - uy * 8.0);
    let head = format!(
        "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        x2,
        y2,
        bx - uy * 4.0,
        by + ux * 4.0,
        bx + uy * 4.0,
        by - ux * 4.0
    );
    GraphEdge {
        x1,
        y1,
        x2,
        y2,
        head,
        label_x: (x1 + x2) / 2.0,
        label_y: (y1 + y2) / 2.0 - 4.0,
        label: shortened(label),
    }
}

/// `name`, cut to [`MAX_LABEL`] characters.
fn shortened(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(MAX_LABEL - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::Link;

    fn step(s: &str, p: &str, o: &str) -> Statement {
        let link = |iri: &str| Link {
            href: iri.to_owned(),
            name: iri.to_owned(),
        };
        Statement {
            subject: link(s),
            predicate: p.to_owned(),
            object: link(o),
            triple: [s.to_owned(), p.to_owned(), o.to_owned()],
        }
    }

    #[test]
    fn entities_are_drawn_once_the_partner_last_and_each_step_is_an_arrow() {
        // seed → mission ← partner, and seed → topic ← partner.
        let paths = vec![
            vec![
                step("seed", "took part in", "mission"),
                step("partner", "took part in", "mission"),
            ],
            vec![
                step("seed", "works on", "topic"),
                step("partner", "works on", "topic"),
            ],
        ];
        let graph = evidence_graph("partner", &paths).unwrap();
        assert_eq!(graph.nodes.len(), 4, "seed, mission, topic, partner");
        assert_eq!(graph.edges.len(), 4);
        let x_of = |name: &str| graph.nodes.iter().find(|n| n.label == name).unwrap().x;
        assert!(x_of("seed") < x_of("mission") && x_of("mission") < x_of("partner"));
        assert_eq!(x_of("mission"), x_of("topic"));
        assert!(evidence_graph("partner", &[]).is_none());
        assert_eq!(shortened(&"x".repeat(30)).chars().count(), MAX_LABEL);
    }
}
