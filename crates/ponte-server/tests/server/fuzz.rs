//! Property-based fuzzing of every door a client can push bytes through: generated SPARQL
//! queries and updates, RDF bodies for the Graph Store and JSON bodies for the REST API, each
//! answered in process. The properties are the ones of issue 14: no panic, never a 5xx for the
//! client's input (503 and 507 are the server's own limits), every refusal a problem document,
//! and a refused write changes nothing.
//!
//! The budget is fixed (`PONTE_FUZZ_CASES` cases a door, 200 by default) and so is the seed
//! (`PONTE_FUZZ_SEED`, a number), so that a run is reproducible and CI never goes red at random;
//! raise the cases and change the seed to explore further. A failure is shrunk by proptest to
//! a small input and printed.

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// The runner of one door: the fixed budget and seed.
fn runner() -> TestRunner {
    let cases = std::env::var("PONTE_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("PONTE_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(14);
    let mut bytes = [0_u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Text of `tokens` joined by spaces, up to `max` of them, sometimes with arbitrary text
/// between (any Unicode, controls included).
fn soup(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let token = prop_oneof![
        8 => prop::sample::select(tokens).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(8).collect::<String>()),
    ];
    prop::collection::vec(token, 0..max).prop_map(|tokens| tokens.join(" "))
}

const SPARQL_TOKENS: &[&str] = &[
    "SELECT",
    "*",
    "?x",
    "?y",
    "?z",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<<",
    ">>",
    "<<(",
    ")>>",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "FILTER",
    "VALUES",
    "GRAPH",
    "BIND",
    "AS",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "1",
    "-1.5e3",
    "0",
    "\"s\"",
    "'x'@en",
    "\"\"\"l\"\"\"",
    "<urn:a>",
    "<https://w3id.org/ponte/id/clust-er-health>",
    "a",
    ".",
    ";",
    ",",
    "COUNT(*)",
    "DISTINCT",
    "REDUCED",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "SERVICE",
    "<https://w3id.org/ponte/match>",
    "<https://w3id.org/ponte/search>",
    "ex:p",
    "PREFIX ex: <http://e/>",
    "BASE <rel/>",
    "^^",
    "xsd:integer",
    "/",
    "|",
    "+",
    "?",
    "!",
    "^",
    "STR(",
    "REGEX(",
    "NOW()",
    "RAND()",
    "SUM(",
    "GROUP_CONCAT(",
    "SEPARATOR",
    "=",
    "&&",
    "||",
    "IN",
    "NOT",
    "EXISTS",
    "true",
    "UNDEF",
    "#c\n",
    "\\u0041",
    "_:b",
    "[]",
    "()",
    "@",
    "<http://www.w3.org/2000/01/rdf-schema#label>",
    "?s ?p ?o",
    "ex:p*",
    "ex:p{2}",
];

const UPDATE_TOKENS: &[&str] = &[
    "INSERT DATA",
    "DELETE DATA",
    "DELETE",
    "INSERT",
    "WHERE",
    "{",
    "}",
    "GRAPH",
    "<urn:fuzz>",
    "<urn:a>",
    "<urn:b>",
    "\"v\"",
    "?x",
    ".",
    ";",
    "CLEAR",
    "DROP",
    "ALL",
    "DEFAULT",
    "NAMED",
    "SILENT",
    "CREATE",
    "LOAD",
    "<http://127.0.0.1:1/x>",
    "ADD",
    "MOVE",
    "COPY",
    "TO",
    "WITH",
    "USING",
    "_:b",
    "<<",
    ">>",
    "(",
    ")",
    "[",
    "]",
    "1",
    "a",
];

const TURTLE_TOKENS: &[&str] = &[
    "@prefix ex: <http://e/> .",
    "@base <http://b/> .",
    "PREFIX p: <urn:p:>",
    "ex:a",
    "ex:b",
    "<urn:a>",
    "<rel>",
    "<>",
    "[",
    "]",
    "(",
    ")",
    "<<",
    ">>",
    "<<(",
    ")>>",
    "~",
    "{|",
    "|}",
    ";",
    ",",
    ".",
    "\"x\"",
    "\"\"\"x\ny\"\"\"",
    "'y'@en",
    "\"1\"^^<http://www.w3.org/2001/XMLSchema#int>",
    "true",
    "1.0",
    "-5",
    "1e9",
    "_:b",
    "a",
    "GRAPH",
    "{",
    "}",
    "#c\n",
    "\\",
    "\n",
];

/// The number of quads in every graph: what a refused write must leave as it was.
async fn quads(router: &Router) -> u64 {
    count(router, "GRAPH ?g { ?s ?p ?o }").await
}

/// Checks one answer against the properties; `what` says what was sent, for the message.
fn judge(
    what: &str,
    status: StatusCode,
    content_type: &str,
    body: &str,
) -> Result<(), TestCaseError> {
    let server_limit = matches!(status.as_u16(), 503 | 507);
    prop_assert!(
        !status.is_server_error() || server_limit,
        "{what}: {status} {body}"
    );
    if status.is_client_error() || status.is_server_error() {
        prop_assert_eq!(
            content_type,
            "application/problem+json",
            "{}: {} not a problem: {}",
            what,
            status,
            body
        );
    }
    Ok(())
}

/// Sends the write `request` (`what` says what it was): its answer must pass [`judge`], and
/// if it is refused the store must hold as many quads as before.
async fn refused_write_changes_nothing(
    router: &Router,
    request: Request<Body>,
    what: &str,
) -> Result<(), TestCaseError> {
    let before = quads(router).await;
    let (status, content_type, body) = send(router, request).await;
    judge(what, status, &content_type, &body)?;
    if !status.is_success() {
        prop_assert_eq!(quads(router).await, before, "{} changed the store", what);
    }
    Ok(())
}

/// Runs `check` on every generated input of `strategy`, on a runtime of its own.
fn fuzz<S: Strategy>(
    strategy: S,
    check: impl Fn(&tokio::runtime::Runtime, S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if let Err(failure) = runner().run(&strategy, |input| check(&runtime, input)) {
        panic!("{failure}");
    }
}

/// A group graph pattern that parses: patterns joined on `?x` (so that no join is a cross
/// product of whole scans), nested in the operators that build their own state.
fn group_pattern() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(
        &[
            "?x ?p ?o",
            "?x <http://www.w3.org/2000/01/rdf-schema#label> ?l",
            "?x a ?t",
            "?x a <https://w3id.org/ponte/ontology#Company>",
            "?x ?p ?x2 . ?x2 ?q ?y",
            "?x <http://www.w3.org/2000/01/rdf-schema#label>/^<http://www.w3.org/2000/01/rdf-schema#label>* ?y",
            "VALUES ?x { <https://w3id.org/ponte/id/clust-er-health> 1 \"s\"@it UNDEF }",
            "BIND(STRLEN(STR(?x)) AS ?n)",
            "FILTER(?x != 1 || REGEX(STR(?l), \"^[A-Z]\", \"i\"))",
            "FILTER(LANG(?l) IN (\"it\", \"en\"))",
            "?x <https://w3id.org/ponte/ontology#memberOf>+ ?c",
            "<< ?x ?p ?o >> ?a ?b",
        ][..],
    )
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ {a} }} UNION {{ {b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OPTIONAL {{ {b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} MINUS {{ {b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} . {b}")),
            inner.clone().prop_map(|a| format!("GRAPH ?g {{ {a} }}")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("{a} FILTER NOT EXISTS {{ {b} }}")),
            inner.prop_map(|a| format!("{{ SELECT DISTINCT ?x WHERE {{ {a} }} LIMIT 50 }}")),
        ]
    })
}

/// A whole query that parses, of every form, over [`group_pattern`].
fn parsing_query() -> impl Strategy<Value = String> {
    (group_pattern(), 0..6_usize).prop_map(|(pattern, form)| match form {
        0 => format!("SELECT * WHERE {{ {pattern} }} LIMIT 20"),
        1 => format!("SELECT (COUNT(*) AS ?n) (SAMPLE(?x) AS ?one) WHERE {{ {pattern} }}"),
        2 => format!("SELECT ?x (GROUP_CONCAT(STR(?x); SEPARATOR=\",\") AS ?all) WHERE {{ {pattern} }} GROUP BY ?x ORDER BY DESC(?x) LIMIT 10"),
        3 => format!("ASK {{ {pattern} }}"),
        4 => format!("CONSTRUCT {{ ?x ?p ?o }} WHERE {{ {pattern} }} LIMIT 20"),
        _ => format!("DESCRIBE ?x WHERE {{ {pattern} }} LIMIT 3"),
    })
}

#[test]
fn generated_queries_are_answered_or_refused_never_a_500() {
    // A short limit: a generated query that runs long is a 503, which is allowed, and must
    // not hold the suite up.
    let router = app(seeded_state(ServerConfig {
        query_timeout: std::time::Duration::from_secs(3),
        ..config()
    }));
    let query = prop_oneof![
        2 => parsing_query(),
        1 => soup(SPARQL_TOKENS, 40),
        1 => soup(SPARQL_TOKENS, 30).prop_map(|inner| format!("SELECT * WHERE {{ {inner} }}")),
        1 => soup(SPARQL_TOKENS, 30).prop_map(|inner| format!("ASK {{ ?s ?p ?o {inner} }}")),
    ];
    fuzz(query, |runtime, query| {
        runtime.block_on(async {
            let (status, content_type, body) = send(&router, get(&query_uri(&query))).await;
            judge(&format!("query {query:?}"), status, &content_type, &body)
        })
    });
}

#[test]
fn generated_updates_change_nothing_when_refused() {
    let router = router();
    let update = prop_oneof![
        soup(UPDATE_TOKENS, 30),
        soup(UPDATE_TOKENS, 20).prop_map(|inner| format!("INSERT DATA {{ {inner} }}")),
    ];
    fuzz(update, |runtime, update| {
        let what = format!("update {update:?}");
        let request = post("/sparql", "application/sparql-update", update, Some(TOKEN));
        runtime.block_on(refused_write_changes_nothing(&router, request, &what))
    });
}

/// A Turtle body that parses: triples whose objects nest blank nodes, lists and triple terms
/// a few levels deep.
fn parsing_turtle() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(
        &[
            "<urn:a>",
            "ex:b",
            "\"x\"@en",
            "\"\"\"a\nb\"\"\"",
            "1",
            "-2.5e3",
            "true",
            "_:b",
            "\"1\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "\"no\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "<https://w3id.org/ponte/id/clust-er-health>",
        ][..],
    )
    .prop_map(str::to_owned);
    let object = leaf.prop_recursive(5, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|o| format!("[ <urn:p> {o} ]")),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|os| format!("( {} )", os.join(" "))),
            inner.prop_map(|o| format!("<< <urn:s> <urn:p> {o} >>")),
        ]
    });
    prop::collection::vec(object, 1..8).prop_map(|objects| {
        let triples: String = objects
            .iter()
            .enumerate()
            .map(|(i, o)| format!("<urn:s{i}> <urn:p> {o} .\n"))
            .collect();
        format!("@prefix ex: <http://e/> .\n{triples}")
    })
}

#[test]
fn generated_rdf_bodies_change_nothing_when_refused() {
    let router = router();
    let body = (
        prop_oneof![parsing_turtle(), soup(TURTLE_TOKENS, 60)],
        prop::sample::select(&["text/turtle", "application/trig", "application/n-triples"][..]),
    );
    fuzz(body, |runtime, (body, content_type)| {
        let what = format!("{content_type} body {body:?}");
        let request = write(
            "PUT",
            "/store?graph=urn:fuzz",
            content_type,
            body,
            Some(TOKEN),
        );
        runtime.block_on(refused_write_changes_nothing(&router, request, &what))
    });
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(
            &[
                "@id",
                "@type",
                "@context",
                "@value",
                "@language",
                "@graph",
                "@list",
                "javascript:alert(1)",
                "../../x",
                "https://w3id.org/ponte/id/x",
                "Company",
                "name",
                "",
                "http://e/",
            ][..]
        )
        .prop_map(Value::from),
        "\\PC{0,10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(
                &[
                    "@id", "@type", "@context", "@value", "@graph", "name", "homepage", "topics",
                    "x"
                ][..]
            )
            .prop_map(str::to_owned),
            "\\PC{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn generated_json_bodies_change_nothing_when_refused() {
    let router = router();
    let body = (
        json_value(),
        prop::sample::select(
            &[
                ("POST", "/api/actors"),
                ("PUT", "/api/actors/fuzz"),
                ("PATCH", "/api/actors/kaist"),
                ("POST", "/api/import"),
            ][..],
        ),
    );
    fuzz(body, |runtime, (body, (method, uri))| {
        let what = format!("{method} {uri} {body}");
        let request = write(
            method,
            uri,
            "application/ld+json",
            body.to_string(),
            Some(TOKEN),
        );
        runtime.block_on(refused_write_changes_nothing(&router, request, &what))
    });
}
