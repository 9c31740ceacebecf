//! The algebra of the few queries and updates Ponte sends to a store, built from terms (never
//! from text), so spargebra's serializer escapes every IRI and literal.

use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term, Variable};
use spargebra::algebra::GraphPattern;
use spargebra::term::{
    GraphNamePattern, GroundQuadPattern, GroundTermPattern, NamedNodePattern, QuadPattern,
    TermPattern, TriplePattern,
};
use spargebra::{GraphUpdateOperation, Query, Update};

/// The pattern `GRAPH <graph> { subject predicate object }`; `None` terms are the variables
/// named `s`, `p`, `o`.
pub fn in_graph(
    graph: &NamedNode,
    subject: Option<&NamedNode>,
    predicate: Option<&NamedNode>,
    object: Option<&Term>,
) -> GraphPattern {
    graph_triple(
        graph.clone(),
        subject.map_or_else(|| variable("s").into(), |s| TermPattern::from(s.clone())),
        predicate.map_or_else(
            || variable("p").into(),
            |p| NamedNodePattern::from(p.clone()),
        ),
        object.map_or_else(|| variable("o").into(), |o| TermPattern::from(o.clone())),
    )
}

/// `SELECT vars WHERE pattern`.
pub fn select(pattern: GraphPattern, variables: &[&str]) -> Query {
    Query::Select {
        dataset: None,
        pattern: GraphPattern::Project {
            inner: Box::new(pattern),
            variables: variables.iter().copied().map(variable).collect(),
        },
        base_iri: None,
    }
}

/// `ASK WHERE pattern`.
pub fn ask(pattern: GraphPattern) -> Query {
    Query::Ask {
        dataset: None,
        pattern,
        base_iri: None,
    }
}

/// `INSERT DATA { quads }`: unconditional, and idempotent (a store holds a set of quads).
pub fn insert_data(quads: &[Quad]) -> Update {
    use spargebra::term::GraphName as AlgebraGraphName;
    let data = quads
        .iter()
        .map(|quad| spargebra::term::Quad {
            subject: quad.subject.clone(),
            predicate: quad.predicate.clone(),
            object: quad.object.clone(),
            graph_name: match &quad.graph_name {
                GraphName::NamedNode(n) => AlgebraGraphName::NamedNode(n.clone()),
                GraphName::BlankNode(_) | GraphName::DefaultGraph => AlgebraGraphName::DefaultGraph,
            },
        })
        .collect();
    Update {
        operations: vec![GraphUpdateOperation::InsertData { data }],
        base_iri: None,
    }
}

/// One `DELETE { delete } INSERT { insert } WHERE { condition }` operation: applied whole
/// when `condition` has one solution, not at all when it has none. Quads without variables
/// only (blank nodes cannot be deleted by a template, so `delete` must have none).
pub fn conditional_update(
    delete: &[Quad],
    insert: &[Quad],
    condition: GraphPattern,
) -> Result<Update, BlankNodeInDelete> {
    Ok(delete_insert(
        ground(delete)?,
        insert.iter().map(quad_pattern).collect(),
        condition,
    ))
}

/// The quads of a delete template; a blank node cannot be named there.
fn ground(delete: &[Quad]) -> Result<Vec<GroundQuadPattern>, BlankNodeInDelete> {
    delete
        .iter()
        .map(ground_quad_pattern)
        .collect::<Option<Vec<_>>>()
        .ok_or(BlankNodeInDelete)
}

/// One `DELETE { delete } INSERT { insert } WHERE { pattern }` operation.
fn delete_insert(
    delete: Vec<GroundQuadPattern>,
    insert: Vec<QuadPattern>,
    pattern: GraphPattern,
) -> Update {
    Update {
        operations: vec![GraphUpdateOperation::DeleteInsert {
            delete,
            insert,
            using: None,
            pattern: Box::new(pattern),
        }],
        base_iri: None,
    }
}

/// `?name`.
fn variable(name: &str) -> Variable {
    Variable::new_unchecked(name)
}

/// `GRAPH name { subject predicate object }`.
fn graph_triple(
    name: impl Into<NamedNodePattern>,
    subject: impl Into<TermPattern>,
    predicate: impl Into<NamedNodePattern>,
    object: impl Into<TermPattern>,
) -> GraphPattern {
    GraphPattern::Graph {
        name: name.into(),
        inner: Box::new(GraphPattern::Bgp {
            patterns: vec![TriplePattern {
                subject: subject.into(),
                predicate: predicate.into(),
                object: object.into(),
            }],
        }),
    }
}

/// The template quad `GRAPH ?graph { ?s ?p ?o }`, of variables named as given.
fn variable_quad([s, p, o, graph]: [&str; 4]) -> GroundQuadPattern {
    GroundQuadPattern {
        subject: variable(s).into(),
        predicate: variable(p).into(),
        object: variable(o).into(),
        graph_name: variable(graph).into(),
    }
}

/// The staging graphs `index` lists with `link`, joined with their quads: `GRAPH <index> {
/// ?stage link ?target } GRAPH ?stage { ?s ?p ?o }`, variables named as given.
fn staged_quads(
    index: &NamedNode,
    link: impl Into<NamedNodePattern>,
    [stage, target, s, p, o]: [&str; 5],
) -> GraphPattern {
    GraphPattern::Join {
        left: Box::new(graph_triple(
            index.clone(),
            variable(stage),
            link,
            variable(target),
        )),
        right: Box::new(graph_triple(
            variable(stage),
            variable(s),
            variable(p),
            variable(o),
        )),
    }
}

/// A quad to delete held a blank node, which no delete template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a quad to delete holds a blank node, which a SPARQL delete template cannot name")]
pub struct BlankNodeInDelete;

fn graph_pattern(graph: &GraphName) -> GraphNamePattern {
    match graph {
        GraphName::NamedNode(n) => n.clone().into(),
        // Ponte writes no quad in a blank-node graph; the default graph stands in.
        GraphName::BlankNode(_) | GraphName::DefaultGraph => GraphNamePattern::DefaultGraph,
    }
}

fn quad_pattern(quad: &Quad) -> QuadPattern {
    QuadPattern {
        subject: TermPattern::from(quad.subject.clone()),
        predicate: quad.predicate.clone().into(),
        object: quad.object.clone().into(),
        graph_name: graph_pattern(&quad.graph_name),
    }
}

fn ground_quad_pattern(quad: &Quad) -> Option<GroundQuadPattern> {
    let subject = match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => GroundTermPattern::from(n.clone()),
        NamedOrBlankNode::BlankNode(_) => return None,
    };
    let object = GroundTermPattern::try_from(TermPattern::from(quad.object.clone())).ok()?;
    Some(GroundQuadPattern {
        subject,
        predicate: quad.predicate.clone().into(),
        object,
        graph_name: graph_pattern(&quad.graph_name),
    })
}

/// The text of `update` as Ponte sends it: a `DELETE … INSERT … WHERE` with its quads grouped
/// by graph in one `GRAPH` block each (shorter, and Virtuoso 7.2 refuses the `GRAPH <g> { … } .`
/// spargebra writes between blocks); other operations as spargebra writes them. Every term is
/// written by its own serializer.
pub fn update_text(update: &Update) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if let Some(base) = &update.base_iri {
        let _ = writeln!(out, "BASE <{}>", base.as_str());
    }
    for (i, operation) in update.operations.iter().enumerate() {
        if i > 0 {
            out.push_str(" ;\n");
        }
        match operation {
            GraphUpdateOperation::DeleteInsert {
                delete,
                insert,
                using: None,
                pattern,
            } => {
                let delete = delete.iter().map(|q| {
                    let triple = format!("{} {} {}", q.subject, q.predicate, q.object);
                    (q.graph_name.clone(), triple)
                });
                write_block(&mut out, "DELETE", delete);
                let insert = insert.iter().map(|q| {
                    let triple = format!("{} {} {}", q.subject, q.predicate, q.object);
                    (q.graph_name.clone(), triple)
                });
                write_block(&mut out, "INSERT", insert);
                let _ = write!(out, "WHERE {{ {pattern} }}");
            }
            GraphUpdateOperation::InsertData { data } => {
                let data = data.iter().map(|q| {
                    let graph = match &q.graph_name {
                        spargebra::term::GraphName::NamedNode(n) => n.clone().into(),
                        spargebra::term::GraphName::DefaultGraph => GraphNamePattern::DefaultGraph,
                    };
                    (graph, format!("{} {} {}", q.subject, q.predicate, q.object))
                });
                write_block(&mut out, "INSERT DATA", data);
            }
            other => {
                let single = Update {
                    operations: vec![other.clone()],
                    base_iri: None,
                };
                let _ = write!(out, "{single}");
            }
        }
    }
    out
}

/// Writes `keyword { … }` around `triples` grouped by graph; nothing when there is none.
fn write_block(
    out: &mut String,
    keyword: &str,
    triples: impl Iterator<Item = (GraphNamePattern, String)>,
) {
    let mut triples = triples.peekable();
    if triples.peek().is_none() {
        return;
    }
    out.push_str(keyword);
    out.push_str(" {\n");
    write_grouped(out, triples);
    out.push_str("}\n");
}

/// Writes triples grouped by graph: the default graph's bare, each named graph's in one block.
fn write_grouped(out: &mut String, triples: impl Iterator<Item = (GraphNamePattern, String)>) {
    let mut graphs: Vec<(GraphNamePattern, Vec<String>)> = Vec::new();
    for (graph, triple) in triples {
        match graphs.iter_mut().find(|(g, _)| *g == graph) {
            Some((_, list)) => list.push(triple),
            None => graphs.push((graph, vec![triple])),
        }
    }
    for (graph, list) in graphs {
        let open = !matches!(graph, GraphNamePattern::DefaultGraph);
        if open {
            out.push_str(&format!("  GRAPH {graph} {{\n"));
        }
        for triple in list {
            out.push_str("    ");
            out.push_str(&triple);
            out.push_str(" .\n");
        }
        if open {
            out.push_str("  }\n");
        }
    }
}

/// The one operation that applies a staged write: with `index` listing staging graphs, each
/// `stage ponte:removeFrom target` or `stage ponte:addTo target` (`remove_from` and `add_to`),
/// deletes every staged removal from its target and inserts every staged addition into its
/// target, together with the ground quads `delete` and `insert`, when `condition` holds, and
/// does nothing otherwise. Its templates are a few quads whatever the write's size (Virtuoso
/// compiles a template of thousands of quads into more SQL than it allows).
pub fn staged_update(
    index: &NamedNode,
    remove_from: &NamedNode,
    add_to: &NamedNode,
    delete: &[Quad],
    insert: &[Quad],
    condition: GraphPattern,
) -> Result<Update, BlankNodeInDelete> {
    let staged = GraphPattern::Union {
        left: Box::new(staged_quads(
            index,
            remove_from.clone(),
            ["rs", "rt", "s", "p", "o"],
        )),
        right: Box::new(staged_quads(
            index,
            add_to.clone(),
            ["as", "at", "s2", "p2", "o2"],
        )),
    };
    let mut delete = ground(delete)?;
    delete.push(variable_quad(["s", "p", "o", "rt"]));
    let mut insert: Vec<QuadPattern> = insert.iter().map(quad_pattern).collect();
    insert.push(QuadPattern {
        subject: variable("s2").into(),
        predicate: variable("p2").into(),
        object: variable("o2").into(),
        graph_name: variable("at").into(),
    });
    let pattern = GraphPattern::Join {
        left: Box::new(condition),
        right: Box::new(staged),
    };
    Ok(delete_insert(delete, insert, pattern))
}

/// Deletes a staged write in one operation: every quad of the staging graphs `index` lists,
/// and the list itself.
pub fn delete_staged(index: &NamedNode) -> Update {
    let delete = vec![
        variable_quad(["s", "p", "o", "stage"]),
        GroundQuadPattern {
            graph_name: index.clone().into(),
            ..variable_quad(["stage", "link", "target", "stage"])
        },
    ];
    let pattern = staged_quads(index, variable("link"), ["stage", "target", "s", "p", "o"]);
    delete_insert(delete, Vec::new(), pattern)
}
