//! The SPARQL console: a query form bound to Ponte's own endpoint, the analyst queries of
//! `docs/queries/` one click away, answers as a table whose entities carry their names and link
//! to their pages, an explicit "first N of M" when the answer is longer than a page, and the
//! whole answer to download. The server runs the query (with the endpoint's guards and limits);
//! this module only shows what it gave.
//!
//! With scripts on, the query box becomes a SPARQL editor (YASQE, vendored: highlighting,
//! syntax checks, completion) whose completion offers the store's own vocabulary
//! ([`App::vocabulary`]), handed to the page in a data attribute; the form stays the way a
//! query is run, so the page works the same without scripts.

use crate::lang::Words;
use crate::pages::{Link, Page, encode, render};
use askama::Template;
use ponte_app::{App, AppError};
use serde_json::Value;
use std::collections::HashMap;

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

/// The most rows (or graph lines) a console page shows; the download has them all.
pub const SHOWN_ROWS: usize = 100;

/// What the server's run of a console query gave.
#[derive(Debug)]
pub enum ConsoleOutcome {
    /// A SELECT's or an ASK's answer, as SPARQL JSON results.
    Results(Value),
    /// A CONSTRUCT's or a DESCRIBE's graph, as N-Triples.
    Graph(String),
    /// Why the query was refused or failed: its HTTP status and the problem's detail.
    Failed {
        /// The status the endpoint would answer.
        status: u16,
        /// What is wrong, and where.
        detail: String,
    },
}

/// The query the console starts with: a small one over Ponte's own classes.
const FIRST_QUERY: &str = "PREFIX ponte: <https://w3id.org/ponte/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?university ?name WHERE {
  ?university a ponte:University ;
              rdfs:label ?name .
  FILTER(LANG(?name) = \"en\")
}
ORDER BY ?name
LIMIT 20";

/// One example query: its title (the file's `# title:` line) and where it runs.
struct Example {
    title: String,
    href: String,
}

/// One cell of the answer table.
enum Cell {
    Empty,
    Entity(Link),
    Text(String),
}

/// A prefix of Ponte's context, for the vocabulary list.
struct Prefix {
    name: String,
    iri: String,
}

/// A class or property of the vocabulary list: its IRI, and how a query may write it.
struct Term {
    iri: String,
    short: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsoleTemplate<'a> {
    page: &'a Page,
    w: &'static Words,
    title: &'static str,
    query: String,
    examples: Vec<Example>,
    prefixes: Vec<Prefix>,
    classes: Vec<Term>,
    properties: Vec<Term>,
    /// The same vocabulary as JSON, for the editor's completion.
    vocabulary_json: String,
    /// A refused or failed query: its status, what that means in the reader's words, detail.
    error: Option<(u16, &'static str, String)>,
    vars: Vec<String>,
    rows: Vec<Vec<Cell>>,
    boolean: Option<bool>,
    graph: Option<String>,
    shown: usize,
    total: usize,
    downloads: Vec<(&'static str, String)>,
}

/// `/console`: the form with `query` (or the first query), and what running it gave.
pub fn console_page(
    app: &App,
    page: &Page,
    query: Option<&str>,
    outcome: Option<ConsoleOutcome>,
) -> Result<String, AppError> {
    let w = page.words();
    let examples = EXAMPLES
        .iter()
        .map(|(stem, text)| Example {
            title: text
                .lines()
                .find_map(|l| l.strip_prefix("# title:"))
                .map_or_else(|| (*stem).to_owned(), |t| t.trim().to_owned()),
            href: format!("/console?query={}", encode(text)),
        })
        .collect();
    let vocabulary = app.vocabulary()?;
    let short = |iri: &String| Term {
        short: ponte_app::jsonld::prefixed_name(iri).unwrap_or_else(|| format!("<{iri}>")),
        iri: iri.clone(),
    };
    let mut template = ConsoleTemplate {
        page,
        w,
        title: w.sparql,
        query: query.unwrap_or(FIRST_QUERY).to_owned(),
        examples,
        prefixes: vocabulary
            .prefixes
            .iter()
            .map(|(name, iri)| Prefix {
                name: name.clone(),
                iri: iri.clone(),
            })
            .collect(),
        classes: vocabulary.classes.iter().map(short).collect(),
        properties: vocabulary.properties.iter().map(short).collect(),
        vocabulary_json: serde_json::json!({
            "prefixes": vocabulary
                .prefixes
                .iter()
                .map(|(name, iri)| (name.clone(), Value::from(iri.as_str())))
                .collect::<serde_json::Map<String, Value>>(),
            "classes": vocabulary.classes,
            "properties": vocabulary.properties,
        })
        .to_string(),
        error: None,
        vars: Vec::new(),
        rows: Vec::new(),
        boolean: None,
        graph: None,
        shown: 0,
        total: 0,
        downloads: Vec::new(),
    };
    if let Some(query) = query {
        template.downloads = [
            ("CSV", "text/csv"),
            ("TSV", "text/tab-separated-values"),
            ("JSON", "application/sparql-results+json"),
            ("N-Triples", "application/n-triples"),
        ]
        .into_iter()
        .map(|(label, accept)| {
            let href = format!(
                "/console/download?query={}&accept={}",
                encode(query),
                encode(accept)
            );
            (label, href)
        })
        .collect();
    }
    match outcome {
        None => {}
        Some(ConsoleOutcome::Failed { status, detail }) => {
            template.error = Some((status, w.status(status), detail));
        }
        Some(ConsoleOutcome::Graph(text)) => {
            let lines: Vec<&str> = text.lines().collect();
            template.total = lines.len();
            template.shown = lines.len().min(SHOWN_ROWS);
            template.graph = Some(lines[..template.shown].join("\n"));
        }
        Some(ConsoleOutcome::Results(results)) => {
            if let Some(answer) = results.get("boolean").and_then(Value::as_bool) {
                template.boolean = Some(answer);
            } else {
                table(app, page, &results, &mut template)?;
            }
        }
    }
    render(&template)
}

/// Fills the answer table: the variables, the first rows, each entity named and linked.
fn table(
    app: &App,
    page: &Page,
    results: &Value,
    template: &mut ConsoleTemplate<'_>,
) -> Result<(), AppError> {
    template.vars = results["head"]["vars"]
        .as_array()
        .map(|vars| {
            vars.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let bindings = results["results"]["bindings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    template.total = bindings.len();
    template.shown = bindings.len().min(SHOWN_ROWS);
    let mut names: HashMap<String, Value> = HashMap::new();
    for binding in &bindings[..template.shown] {
        let mut row = Vec::new();
        for var in &template.vars {
            let term = &binding[var];
            let value = term["value"].as_str().unwrap_or_default();
            row.push(match term["type"].as_str() {
                None => Cell::Empty,
                Some("uri") => {
                    if !names.contains_key(value) {
                        names.insert(value.to_owned(), app.names_of(value)?);
                    }
                    Cell::Entity(Link::to(value, &names[value], page.lang))
                }
                Some("bnode") => Cell::Text(format!("_:{value}")),
                Some(_) => Cell::Text(match term["xml:lang"].as_str() {
                    Some(lang) => format!("{value} ({lang})"),
                    None => value.to_owned(),
                }),
            });
        }
        template.rows.push(row);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_analyst_query_is_an_example_with_a_title() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/queries");
        let files = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "rq")
            })
            .count();
        assert_eq!(EXAMPLES.len(), files);
        assert!(
            EXAMPLES
                .iter()
                .all(|(_, text)| text.starts_with("# title:"))
        );
    }
}
