//! `ponte load`: bulk loading that is atomic across all the files of one call.

use crate::seed::{description, now_xsd_date_time};
use crate::validation::{AddedQuads, Changes, WithAdded, validate_changes};
use crate::{PonteStore, RdfFormat, StoreError, canonical};
use oxigraph::io::RdfParser;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{GraphName, Literal, NamedNode};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The largest graph whose content hash a bulk load records: canonicalizing costs about 7 µs
/// a quad here (sophia_c14n sorts by serializing terms at each comparison), 1.5 s for 200,000
/// and 6.8 s for a million, more than the load itself; a larger graph is left unhashed.
const MAX_HASHED_QUADS: usize = 200_000;

/// Whether a bulk load is checked against the SHACL shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// Validate what the files add before loading anything (the default).
    Shapes,
    /// Trust the files (a dump of a Ponte store, benchmark data): load at full speed.
    Skip,
}

/// What a bulk load did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Number of files loaded.
    pub files: usize,
    /// Total size of the files, in bytes.
    pub bytes: u64,
}

/// Whether any of `files` is a dump of a Ponte store: a dataset that holds Ponte's meta graph
/// (and so its ontology and seed graphs, with their blank nodes). Such a file restores a new
/// store; loaded into a store that has data, its blank nodes would be new nodes beside the
/// store's own, doubling every fact they carry (a project with two budgets).
/// Only dataset files (`format`, or each file's extension) can hold graphs, so only they are
/// read; a triple file costs nothing here.
pub fn is_ponte_dump(files: &[PathBuf], format: Option<RdfFormat>) -> Result<bool, StoreError> {
    use std::io::Read;
    let needle = format!("<{}>", crate::vocab::META_GRAPH.as_str()).into_bytes();
    for path in files {
        let is_dataset = match format {
            Some(format) => format.supports_datasets(),
            None => format_of(path).is_ok_and(|format| format.supports_datasets()),
        };
        if !is_dataset {
            continue;
        }
        let mut file = File::open(path).map_err(|source| io_error(path, source))?;
        // Chunks that overlap by the needle's length, so that no occurrence is cut in two.
        let mut buffer = vec![0_u8; 1 << 20];
        let mut kept = 0;
        loop {
            let read = file
                .read(&mut buffer[kept..])
                .map_err(|source| io_error(path, source))?;
            if read == 0 {
                break;
            }
            let filled = kept + read;
            if buffer[..filled]
                .windows(needle.len())
                .any(|window| window == needle.as_slice())
            {
                return Ok(true);
            }
            kept = needle.len().min(filled);
            buffer.copy_within(filled - kept..filled, 0);
        }
    }
    Ok(false)
}

impl PonteStore {
    /// Loads `files` with oxigraph's bulk loader, checking what they add against the SHACL
    /// shapes (at the same time, committing only if they conform) unless `validation` says to
    /// skip it. Nothing is visible until every file parsed and
    /// the loader committed all its SST files in one RocksDB ingestion: a parse error or a kill
    /// midway leaves the store as it was. With `graph`, triples go to that named graph, which is
    /// described in the meta graph (source files, load time) within the same ingestion. Once
    /// committed, the content hash of each named graph the files wrote is recorded (see
    /// [`crate::canonical`]), in a second transaction: the loader cannot read what it loads.
    pub fn bulk_load(
        &self,
        files: &[PathBuf],
        format: Option<RdfFormat>,
        graph: Option<&str>,
        validation: Validation,
    ) -> Result<LoadReport, StoreError> {
        self.bulk_load_hashing(files, format, graph, validation, true)
    }

    /// [`Self::bulk_load`] of a Ponte dump into a new store: the hashes its meta graph
    /// records are kept, not computed again, so that `check` verifies the load against them.
    pub fn bulk_load_dump(
        &self,
        files: &[PathBuf],
        format: Option<RdfFormat>,
        graph: Option<&str>,
        validation: Validation,
    ) -> Result<LoadReport, StoreError> {
        self.bulk_load_hashing(files, format, graph, validation, false)
    }

    fn bulk_load_hashing(
        &self,
        files: &[PathBuf],
        format: Option<RdfFormat>,
        graph: Option<&str>,
        validation: Validation,
        record_hashes: bool,
    ) -> Result<LoadReport, StoreError> {
        if self.remote.is_some() {
            return Err(StoreError::Refused(
                "a bulk load writes the embedded store; over a remote store, load the remote \
                 store with its own tools, or import through Ponte"
                    .into(),
            ));
        }
        let _writing = self.lock_for_writing()?;
        let graph = graph
            .map(|iri| {
                NamedNode::new(iri)
                    .map_err(|e| StoreError::BadRequest(format!("invalid graph IRI <{iri}>: {e}")))
            })
            .transpose()?;
        let formats = files
            .iter()
            .map(|path| format.map_or_else(|| format_of(path), Ok))
            .collect::<Result<Vec<_>, _>>()?;
        // Every file is checked for nesting before any parser reads it, as a body sent to the
        // server is: the parsers recurse, and a deep file would abort the process.
        for (path, format) in files.iter().zip(&formats) {
            crate::body_check::check_file(*format, path)
                .map_err(|e| e.in_file(&path.display().to_string()))?;
        }
        // The shapes are checked on a second thread while the loader parses and sorts: its
        // SST files become visible only at `commit`, so a violation found meanwhile drops them
        // and the store is left as it was. Both read the files; neither waits for the other.
        let (bytes, written) = std::thread::scope(|scope| {
            let validating = (validation == Validation::Shapes)
                .then(|| scope.spawn(|| self.validate_files(files, &formats, graph.as_ref())));
            let loaded = self.load_files(files, &formats, graph.as_ref());
            let written = match validating {
                Some(validating) => validating.join().map_err(|_| {
                    StoreError::Internal("the validation of the files panicked".into())
                })??,
                None if record_hashes => graphs_written(files, &formats, graph.as_ref())?,
                None => HashSet::new(),
            };
            let (loader, bytes) = loaded?;
            loader.commit()?;
            Ok::<_, StoreError>((bytes, written))
        })?;
        self.wrote();
        if record_hashes && !written.is_empty() {
            let mut transaction = self.store.start_transaction()?;
            canonical::record_hashes_up_to(&mut transaction, &written, Some(MAX_HASHED_QUADS))?;
            transaction.commit()?;
        }
        Ok(LoadReport {
            files: files.len(),
            bytes,
        })
    }

    /// Parses `files` into oxigraph's bulk loader (with `graph`'s description in the meta
    /// graph), without committing: nothing is visible yet.
    fn load_files(
        &self,
        files: &[PathBuf],
        formats: &[RdfFormat],
        graph: Option<&NamedNode>,
    ) -> Result<(oxigraph::store::BulkLoader<'_>, u64), StoreError> {
        let mut loader = self.store.bulk_loader();
        let mut bytes = 0;
        for (path, &format) in files.iter().zip(formats) {
            let mut parser = RdfParser::from_format(format);
            if let Some(graph) = graph {
                if format.supports_datasets() {
                    return Err(StoreError::BadRequest(format!(
                        "{}: --graph applies to triple formats only; {} files name their own graphs",
                        path.display(),
                        format.name()
                    )));
                }
                parser = parser.with_default_graph(graph.clone());
            }
            bytes += std::fs::metadata(path)
                .map_err(|source| io_error(path, source))?
                .len();
            let result = if matches!(format, RdfFormat::NTriples | RdfFormat::NQuads) {
                loader.parallel_load_from_file(parser, path)
            } else {
                let file = File::open(path).map_err(|source| io_error(path, source))?;
                loader.load_from_reader(parser, BufReader::new(file))
            };
            result.map_err(|e| StoreError::from(e).in_file(&path.display().to_string()))?;
        }
        if let Some(graph) = graph {
            let source = files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let now = Literal::new_typed_literal(now_xsd_date_time(), xsd::DATE_TIME);
            // Not counted: that would read the files twice (the hash is recorded once loaded).
            loader.load_quads(description(graph, &source, &now))?;
        }
        Ok((loader, bytes))
    }
}

impl PonteStore {
    /// Parses `files` into memory and validates what they add against the shapes, over the store
    /// as it will be: the bulk loader's data cannot be read before it commits. Answers the
    /// graphs the files write.
    fn validate_files(
        &self,
        files: &[PathBuf],
        formats: &[RdfFormat],
        graph: Option<&NamedNode>,
    ) -> Result<HashSet<GraphName>, StoreError> {
        let mut added = AddedQuads::default();
        let mut changes = Changes::default();
        let mut written = HashSet::new();
        for (path, &format) in files.iter().zip(formats) {
            // Lenient: the loader parses the same file strictly beside it, and any syntax
            // error there fails the whole load, so checking every IRI twice (a tenth of the
            // load's CPU) would only repeat its verdict.
            let mut parser = RdfParser::from_format(format).lenient();
            if let Some(graph) = graph {
                parser = parser.with_default_graph(graph.clone());
            }
            let file = File::open(path).map_err(|source| io_error(path, source))?;
            for quad in parser.for_reader(BufReader::new(file)) {
                let quad =
                    quad.map_err(|e| StoreError::from(e).in_file(&path.display().to_string()))?;
                if !written.contains(&quad.graph_name) {
                    written.insert(quad.graph_name.clone());
                }
                changes.record(quad.as_ref());
                added.push(quad);
            }
        }
        validate_changes(
            &WithAdded {
                store: &self.store,
                added: &added,
            },
            &changes,
        )?;
        Ok(written)
    }
}

/// The graphs `files` write, for a load that skips validation (which finds them as it goes):
/// `graph` for triple formats, and for dataset formats the graphs their quads name, found by
/// reading them once more.
fn graphs_written(
    files: &[PathBuf],
    formats: &[RdfFormat],
    graph: Option<&NamedNode>,
) -> Result<HashSet<GraphName>, StoreError> {
    let mut written = HashSet::new();
    for (path, &format) in files.iter().zip(formats) {
        if !format.supports_datasets() {
            written.insert(graph.map_or(GraphName::DefaultGraph, |g| g.clone().into()));
            continue;
        }
        let file = File::open(path).map_err(|source| io_error(path, source))?;
        for quad in RdfParser::from_format(format)
            .lenient()
            .for_reader(BufReader::new(file))
        {
            let quad =
                quad.map_err(|e| StoreError::from(e).in_file(&path.display().to_string()))?;
            written.insert(quad.graph_name);
        }
    }
    Ok(written)
}

/// The RDF format of `path` from its extension.
pub fn format_of(path: &Path) -> Result<RdfFormat, StoreError> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(RdfFormat::from_extension)
        .ok_or_else(|| {
            StoreError::BadRequest(format!(
                "{}: cannot tell the RDF format from the extension; pass --format",
                path.display()
            ))
        })
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_bad_line_in_the_second_file_loads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.nt");
        let bad = dir.path().join("bad.ttl");
        let mut f = File::create(&good).unwrap();
        for i in 0..1000 {
            writeln!(f, "<urn:s{i}> <urn:p> <urn:o> .").unwrap();
        }
        std::fs::write(
            &bad,
            "<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> \"unclosed .\n",
        )
        .unwrap();
        let store = PonteStore::open(&dir.path().join("store")).unwrap();
        let error = store
            .bulk_load(&[good.clone(), bad], None, None, Validation::Shapes)
            .unwrap_err();
        let StoreError::RdfSyntax { line, message, .. } = error else {
            panic!("expected a syntax error, got {error}");
        };
        assert_eq!(line, Some(2));
        assert!(message.contains("bad.ttl"));
        assert!(store.is_empty().unwrap());
        store
            .bulk_load(&[good], None, Some("urn:graph"), Validation::Shapes)
            .unwrap();
        // 1000 triples, the graph's description and its content hash.
        assert_eq!(store.len().unwrap(), 1004);
    }

    #[test]
    fn a_violation_found_while_the_loader_runs_lands_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("companies.nt");
        let mut f = File::create(&file).unwrap();
        for i in 0..5000 {
            writeln!(f, "<urn:s{i}> <urn:p> \"{i}\" .").unwrap();
        }
        // A company without a name breaks the shapes.
        writeln!(
            f,
            "<https://w3id.org/ponte/id/acme> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ponte/ontology#Company> ."
        )
        .unwrap();
        drop(f);
        let store = PonteStore::open(&dir.path().join("store")).unwrap();
        store.seed(crate::SEED_FILES).unwrap();
        let before = store.len().unwrap();
        let error = store
            .bulk_load(std::slice::from_ref(&file), None, None, Validation::Shapes)
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error}");
        assert_eq!(store.len().unwrap(), before);
        store
            .bulk_load(&[file], None, None, Validation::Skip)
            .unwrap();
        assert_eq!(store.len().unwrap(), before + 5001);
    }

    #[test]
    fn a_file_nested_too_deep_is_refused_before_parsing_even_unvalidated() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("deep.ttl");
        // 100,000 nested triple terms after 1,000 good lines: enough to overflow the
        // parser's stack if it ever read them.
        let mut f = File::create(&deep).unwrap();
        for i in 0..1000 {
            writeln!(f, "<urn:s{i}> <urn:p> \"\"\"a [ long\nstring ( \"\"\" .").unwrap();
        }
        write!(f, "<urn:s> <urn:p> ").unwrap();
        for _ in 0..100_000 {
            write!(f, "<< <urn:a> <urn:b> ").unwrap();
        }
        drop(f);
        let store = PonteStore::open(&dir.path().join("store")).unwrap();
        for validation in [Validation::Skip, Validation::Shapes] {
            let error = store
                .bulk_load(std::slice::from_ref(&deep), None, None, validation)
                .unwrap_err();
            let StoreError::RdfSyntax { line, message, .. } = error else {
                panic!("expected a nesting error, got {error}");
            };
            assert!(
                message.contains("deep.ttl") && message.contains("nest"),
                "{message}"
            );
            // Each good line spans two (its string holds a line end).
            assert_eq!(line, Some(2001));
            assert!(store.is_empty().unwrap());
        }
    }

    #[test]
    fn graph_is_refused_for_quad_formats() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data.nq");
        std::fs::write(&file, "<urn:a> <urn:p> <urn:b> <urn:g> .\n").unwrap();
        let store = PonteStore::in_memory().unwrap();
        assert!(matches!(
            store.bulk_load(&[file], None, Some("urn:x"), Validation::Shapes),
            Err(StoreError::BadRequest(_))
        ));
    }
}
