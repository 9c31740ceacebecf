//! The analyst queries of `docs/queries/` still give their documented answers.
//!
//! Each `docs/queries/<name>.rq` runs against an in-memory store seeded like `ponte serve` (the
//! ontology and seed files, each in its own named graph, queried with the union of all graphs as
//! default graph), and its CSV answer must equal `<name>.expected.csv` byte for byte (CRLF line
//! ends, as the endpoint serves `text/csv`). After a deliberate change to the seed data or the
//! ontology, regenerate an expected answer from a server built with that data:
//!
//! ```sh
//! curl -s -G -H 'Accept: text/csv' --data-urlencode query@docs/queries/NAME.rq \
//!     -o docs/queries/NAME.expected.csv http://127.0.0.1:7878/sparql
//! ```

use ponte_store::sparql::OutputFormat;
use ponte_store::{CancellationToken, PonteStore, QueryResultsFormat, SEED_FILES};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The issue asked for at least this many analyst queries.
const MIN_QUERIES: usize = 15;

fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/queries")
}

/// The `.rq` files of `docs/queries/`, sorted by name.
fn query_files() -> Vec<PathBuf> {
    let dir = queries_dir();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rq"))
        .collect();
    files.sort();
    files
}

/// Evaluates `text` as the SPARQL endpoint does and returns its CSV answer.
fn run_csv(store: &PonteStore, text: &str) -> Result<String, String> {
    let bytes = store
        .query(
            text,
            |_| OutputFormat::Results(QueryResultsFormat::Csv),
            CancellationToken::new(),
        )
        .map_err(|e| format!("fails: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("answer is not UTF-8: {e}"))
}

/// A line diff of two answers (longest common subsequence): `-` lines are only expected, `+`
/// lines only actual, each with its line number. Lines are printed escaped, so a stray `\r`
/// shows.
fn diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.split_inclusive('\n').collect();
    let new: Vec<&str> = actual.split_inclusive('\n').collect();
    // common[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0_usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            writeln!(out, "  -{:>4} {:?}", i + 1, old[i]).unwrap();
            i += 1;
        } else {
            writeln!(out, "  +{:>4} {:?}", j + 1, new[j]).unwrap();
            j += 1;
        }
    }
    out
}

/// Checks one query file; returns what is wrong with it, if anything.
fn check(store: &PonteStore, query: &Path) -> Option<String> {
    let text = match fs::read_to_string(query) {
        Ok(text) => text,
        Err(e) => return Some(format!("cannot be read: {e}")),
    };
    let mut lines = text.lines();
    if !(lines.next().is_some_and(|l| l.starts_with("# title: "))
        && lines.next().is_some_and(|l| l.starts_with("# question: ")))
    {
        return Some("does not start with `# title: ...` and `# question: ...` lines".into());
    }
    let actual = match run_csv(store, &text) {
        Ok(actual) => actual,
        Err(e) => return Some(e),
    };
    if actual.lines().nth(1).is_none() {
        return Some(format!("returns no rows; header: {actual:?}"));
    }
    let expected_path = query.with_extension("expected.csv");
    let expected_name = expected_path.file_name().unwrap().to_string_lossy();
    let expected = match fs::read_to_string(&expected_path) {
        Ok(expected) => expected,
        Err(e) => {
            return Some(format!(
                "has no readable {expected_name} ({e}); its answer today:\n{actual}"
            ));
        }
    };
    (actual != expected).then(|| {
        format!(
            "answer differs from {expected_name} (- expected, + actual):\n{}",
            diff(&expected, &actual)
        )
    })
}

#[test]
fn analyst_queries_give_their_expected_answers() {
    let queries = query_files();
    assert!(
        queries.len() >= MIN_QUERIES,
        "expected at least {MIN_QUERIES} queries in {}, found {}",
        queries_dir().display(),
        queries.len()
    );

    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();

    let failures: Vec<String> = queries
        .iter()
        .filter_map(|query| {
            let name = query.file_name().unwrap().to_string_lossy();
            check(&store, query).map(|problem| format!("{name} {problem}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} analyst queries failed:\n\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n\n")
    );
}
