//! The conformance suite every [`Backend`] runs: what Ponte relies on a store for, each case
//! named. `tests/conformance.rs` runs it on the embedded store and on Virtuoso.

use crate::ops::{
    ask, conditional_update, delete_staged, in_graph, insert_data, select, staged_update,
};
use crate::{Backend, RemoteError};
use oxigraph::model::{
    BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

/// One case: its name and what it checks.
type Case = (&'static str, fn(&dyn Backend, &str) -> Result<(), String>);

/// The cases, in order.
const CASES: &[Case] = &[
    ("terms come back as they were written", terms_round_trip),
    ("an absent graph reads as empty", absent_graph_is_empty),
    ("ask answers true and false", ask_answers_both_ways),
    (
        "a conditional update applies once its condition holds",
        conditional_applies,
    ),
    (
        "a conditional update whose condition fails changes nothing",
        conditional_refused,
    ),
    (
        "a triple inserted twice is there once",
        inserted_twice_is_there_once,
    ),
    (
        "one update deletes and inserts across graphs",
        delete_and_insert_across_graphs,
    ),
    (
        "a blank node written comes back as a blank node",
        blank_node_inserted,
    ),
    (
        "a staged write applies whole on its version, and not at all on another",
        staged_write,
    ),
];

/// Runs every case against `backend`, each in graphs of its own; answers the failures, one
/// line each (empty: the backend conforms).
pub fn run(backend: &dyn Backend) -> Vec<String> {
    static RUN: AtomicU64 = AtomicU64::new(0);
    let nonce = format!(
        "{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
        RUN.fetch_add(1, Ordering::Relaxed)
    );
    CASES
        .iter()
        .enumerate()
        .filter_map(|(i, (name, case))| {
            let prefix = format!("urn:ponte-conformance:{nonce}:{i}:");
            case(backend, &prefix)
                .err()
                .map(|why| format!("{}: {name}: {why}", backend.describe()))
        })
        .collect()
}

fn iri(prefix: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{prefix}{local}"))
}

fn quad(prefix: &str, s: &str, p: &str, o: impl Into<Term>, g: &str) -> Quad {
    Quad::new(iri(prefix, s), iri(prefix, p), o, iri(prefix, g))
}

fn text(e: RemoteError) -> String {
    e.to_string()
}

fn triples_of(backend: &dyn Backend, graph: &NamedNode) -> Result<HashSet<Triple>, String> {
    Ok(backend.graph(graph).map_err(text)?.into_iter().collect())
}

fn insert(backend: &dyn Backend, quads: &[Quad]) -> Result<(), String> {
    backend.update(&insert_data(quads)).map_err(text)
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, wanted: T) -> Result<(), String> {
    if got == wanted {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, wanted {wanted:?}"))
    }
}

fn xsd(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("http://www.w3.org/2001/XMLSchema#{local}"))
}

fn terms_round_trip(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    let objects: Vec<Term> = vec![
        iri(prefix, "o").into(),
        Literal::new_simple_literal("plain").into(),
        Literal::new_simple_literal("quote \" backslash \\ newline \n tab \t è ✓ 𝄞").into(),
        Literal::new_language_tagged_literal_unchecked("Bologna", "it").into(),
        Literal::new_typed_literal(
            "2024-03-01",
            NamedNode::new_unchecked("http://www.w3.org/2001/XMLSchema#date"),
        )
        .into(),
        Literal::from(42).into(),
        Literal::new_typed_literal("P3D", xsd("duration")).into(),
        // Canonical forms: oxigraph itself keeps "1.50" as 1.5 (Ponte's local copy is oxigraph).
        Literal::new_typed_literal("1.5", xsd("decimal")).into(),
        Literal::new_typed_literal("true", xsd("boolean")).into(),
        Literal::new_typed_literal("2026-12-04T22:31:07.123456789Z", xsd("dateTime")).into(),
        Literal::new_typed_literal("2024", xsd("gYear")).into(),
        NamedNode::new_unchecked(format!("{prefix}with%20escape/é")).into(),
    ];
    let quads: Vec<Quad> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| quad(prefix, "s", &format!("p{i}"), o.clone(), "g"))
        .collect();
    insert(backend, &quads)?;
    let wanted: HashSet<Triple> = quads.into_iter().map(Triple::from).collect();
    expect("the graph", triples_of(backend, &iri(prefix, "g"))?, wanted)
}

fn absent_graph_is_empty(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    expect(
        "triples",
        triples_of(backend, &iri(prefix, "nothing"))?.len(),
        0,
    )
}

fn ask_answers_both_ways(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    insert(backend, &[quad(prefix, "s", "p", iri(prefix, "o"), "g")])?;
    let (g, s, p) = (iri(prefix, "g"), iri(prefix, "s"), iri(prefix, "p"));
    let yes = backend
        .ask(&ask(in_graph(&g, Some(&s), Some(&p), None)))
        .map_err(text)?;
    let no = backend
        .ask(&ask(in_graph(&g, Some(&p), Some(&s), None)))
        .map_err(text)?;
    expect("(present, absent)", (yes, no), (true, false))
}

/// The version triple a case conditions on.
fn version(prefix: &str, value: &str) -> Quad {
    quad(prefix, "store", "version", iri(prefix, value), "versions")
}

fn version_is(prefix: &str, value: &str) -> spargebra::algebra::GraphPattern {
    in_graph(
        &iri(prefix, "versions"),
        Some(&iri(prefix, "store")),
        Some(&iri(prefix, "version")),
        Some(&iri(prefix, value).into()),
    )
}

fn current_version(backend: &dyn Backend, prefix: &str) -> Result<Vec<String>, String> {
    let answer = backend
        .select(&select(
            in_graph(
                &iri(prefix, "versions"),
                Some(&iri(prefix, "store")),
                Some(&iri(prefix, "version")),
                None,
            ),
            &["o"],
        ))
        .map_err(text)?;
    Ok((0..answer.rows.len())
        .filter_map(|row| answer.get(row, "o").map(ToString::to_string))
        .collect())
}

fn conditional_applies(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    insert(backend, &[version(prefix, "v1")])?;
    let data = quad(prefix, "s", "p", Literal::new_simple_literal("new"), "g");
    let update = conditional_update(
        &[version(prefix, "v1")],
        &[version(prefix, "v2"), data.clone()],
        version_is(prefix, "v1"),
    )
    .map_err(|e| e.to_string())?;
    backend.update(&update).map_err(text)?;
    expect(
        "version",
        current_version(backend, prefix)?,
        vec![iri(prefix, "v2").to_string()],
    )?;
    expect(
        "graph",
        triples_of(backend, &iri(prefix, "g"))?,
        HashSet::from([Triple::from(data)]),
    )
}

fn conditional_refused(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    insert(backend, &[version(prefix, "v2")])?;
    let update = conditional_update(
        &[version(prefix, "v1")],
        &[
            version(prefix, "v3"),
            quad(prefix, "s", "p", Literal::new_simple_literal("lost"), "g"),
        ],
        version_is(prefix, "v1"),
    )
    .map_err(|e| e.to_string())?;
    backend.update(&update).map_err(text)?;
    expect(
        "version",
        current_version(backend, prefix)?,
        vec![iri(prefix, "v2").to_string()],
    )?;
    expect("graph", triples_of(backend, &iri(prefix, "g"))?.len(), 0)
}

fn inserted_twice_is_there_once(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    insert(backend, &[version(prefix, "origin")])?;
    insert(backend, &[version(prefix, "origin")])?;
    expect(
        "version",
        current_version(backend, prefix)?,
        vec![iri(prefix, "origin").to_string()],
    )
}

fn delete_and_insert_across_graphs(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    let old = quad(prefix, "s", "p", Literal::new_simple_literal("old"), "a");
    let kept = quad(prefix, "s", "q", Literal::new_simple_literal("kept"), "a");
    insert(backend, &[old.clone(), kept.clone(), version(prefix, "v1")])?;
    let new = quad(prefix, "s", "p", Literal::new_simple_literal("new"), "b");
    let update = conditional_update(
        &[old, version(prefix, "v1")],
        &[new.clone(), version(prefix, "v2")],
        version_is(prefix, "v1"),
    )
    .map_err(|e| e.to_string())?;
    backend.update(&update).map_err(text)?;
    expect(
        "graph a",
        triples_of(backend, &iri(prefix, "a"))?,
        HashSet::from([Triple::from(kept)]),
    )?;
    expect(
        "graph b",
        triples_of(backend, &iri(prefix, "b"))?,
        HashSet::from([Triple::from(new)]),
    )
}

fn blank_node_inserted(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    let node = BlankNode::default();
    let quads = [
        Quad::new(
            iri(prefix, "s"),
            iri(prefix, "p"),
            node.clone(),
            GraphName::from(iri(prefix, "g")),
        ),
        Quad::new(
            node,
            iri(prefix, "q"),
            Literal::new_simple_literal("inside"),
            GraphName::from(iri(prefix, "g")),
        ),
    ];
    // INSERT DATA may not hold blank nodes in Virtuoso; a template with no condition may.
    let always = spargebra::algebra::GraphPattern::Bgp {
        patterns: Vec::new(),
    };
    let update = conditional_update(&[], &quads, always).map_err(|e| e.to_string())?;
    backend.update(&update).map_err(text)?;
    let triples = backend.graph(&iri(prefix, "g")).map_err(text)?;
    let link = triples
        .iter()
        .find(|t| t.predicate == iri(prefix, "p"))
        .ok_or("the link to the blank node is missing")?;
    let Term::BlankNode(inner) = &link.object else {
        return Err(format!(
            "the link points at {}, not a blank node",
            link.object
        ));
    };
    let inside = triples.iter().any(|t| {
        t.subject == NamedOrBlankNode::from(inner.clone()) && t.predicate == iri(prefix, "q")
    });
    expect(
        "(triples, the node's own triple)",
        (triples.len(), inside),
        (2, true),
    )
}

fn staged_write(backend: &dyn Backend, prefix: &str) -> Result<(), String> {
    let old = quad(prefix, "s", "p", Literal::new_simple_literal("old"), "a");
    let kept = quad(prefix, "s", "q", Literal::new_simple_literal("kept"), "a");
    insert(backend, &[old.clone(), kept.clone(), version(prefix, "v1")])?;
    let new = quad(prefix, "s", "p", Literal::new_simple_literal("new"), "b");
    let (index, remove, add) = (
        iri(prefix, "index"),
        iri(prefix, "remove"),
        iri(prefix, "add"),
    );
    let (remove_from, add_to) = (iri(prefix, "removeFrom"), iri(prefix, "addTo"));
    let in_stage = |q: &Quad, stage: &NamedNode| {
        Quad::new(
            q.subject.clone(),
            q.predicate.clone(),
            q.object.clone(),
            stage.clone(),
        )
    };
    insert(
        backend,
        &[
            Quad::new(
                remove.clone(),
                remove_from.clone(),
                iri(prefix, "a"),
                index.clone(),
            ),
            Quad::new(add.clone(), add_to.clone(), iri(prefix, "b"), index.clone()),
            in_stage(&old, &remove),
            in_stage(&new, &add),
        ],
    )?;
    let write = |from: &str, to: &str| {
        staged_update(
            &index,
            &remove_from,
            &add_to,
            &[version(prefix, from)],
            &[version(prefix, to)],
            version_is(prefix, from),
        )
        .map_err(|e| e.to_string())
    };
    // On a version the store is not at: nothing.
    backend.update(&write("v0", "v9")?).map_err(text)?;
    expect(
        "graph a after the refused write",
        triples_of(backend, &iri(prefix, "a"))?,
        HashSet::from([Triple::from(old.clone()), Triple::from(kept.clone())]),
    )?;
    // On its version: every staged removal and addition, and the new version.
    backend.update(&write("v1", "v2")?).map_err(text)?;
    expect(
        "graph a",
        triples_of(backend, &iri(prefix, "a"))?,
        HashSet::from([Triple::from(kept)]),
    )?;
    expect(
        "graph b",
        triples_of(backend, &iri(prefix, "b"))?,
        HashSet::from([Triple::from(new)]),
    )?;
    expect(
        "version",
        current_version(backend, prefix)?,
        vec![iri(prefix, "v2").to_string()],
    )?;
    // The staging goes in one operation.
    backend.update(&delete_staged(&index)).map_err(text)?;
    let mut left = 0;
    for graph in [&index, &remove, &add] {
        left += triples_of(backend, graph)?.len();
    }
    expect("staged quads left", left, 0)
}
