//! Importing a ROR dump into its own named graph (`ponte import ror`): read and checked first,
//! so a refused dump touches no store, then written in one transaction.

use crate::error::AppError;
use ponte_store::PonteStore;
use std::path::Path;

/// The named graph ROR records are imported into.
pub const ROR_GRAPH: &str = "https://w3id.org/ponte/graph/ror";

/// A dump read and accepted, ready to import.
#[derive(Debug)]
pub struct RorDump {
    source: String,
    content: Vec<u8>,
    dump: ponte_ror::Dump,
    /// Each malformed record skipped, as `file:line: error`.
    pub skipped: Vec<String>,
}

/// What a ROR import did.
#[derive(Debug)]
pub struct RorImport {
    /// Records imported.
    pub records: usize,
    /// Triples in the graph.
    pub triples: usize,
    /// Whether the graph changed (a second run of the same file changes nothing).
    pub changed: bool,
}

/// Reads the dump at `path` (`.jsonl`, or `.jsonl.gz`). A malformed record refuses the whole
/// dump, each one named with its line, unless `skip_malformed`.
pub fn read_ror(path: &Path, skip_malformed: bool) -> Result<RorDump, AppError> {
    let content = std::fs::read(path).map_err(|source| ponte_store::StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let gzipped = path.extension().is_some_and(|e| e == "gz");
    let dump = ponte_ror::read_dump(&content, gzipped)
        .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?;
    let skipped: Vec<String> = dump
        .errors
        .iter()
        .map(|(line, error)| format!("{}:{line}: {error}", path.display()))
        .collect();
    if !skipped.is_empty() && !skip_malformed {
        return Err(AppError::invalid(format!(
            "{} malformed record(s); nothing imported (pass --on-error skip to import the others):\n{}",
            skipped.len(),
            skipped.join("\n")
        )));
    }
    Ok(RorDump {
        source: path.display().to_string(),
        content,
        dump,
        skipped,
    })
}

/// Writes the dump into [`ROR_GRAPH`], replacing what was there, in one validated transaction.
pub fn import_ror(store: &PonteStore, dump: RorDump) -> Result<RorImport, AppError> {
    let records = dump.dump.records;
    let report = store.replace_graph(ROR_GRAPH, dump.dump.triples, &dump.source, &dump.content)?;
    Ok(RorImport {
        records,
        triples: report.triples,
        changed: report.changed,
    })
}
