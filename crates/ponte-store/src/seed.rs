//! Seeding: the embedded `ontology/` and `seed-data/` files, each in its own named graph,
//! described in the meta graph with its source, load time and content hash.

use crate::validation::Scope;
use crate::vocab::{
    CANONICAL_SHA256, DCTERMS_SOURCE, GRAPH_PREFIX, LOADED_GRAPH, META_GRAPH,
    PROV_GENERATED_AT_TIME, SHA256, VOID_TRIPLES,
};
use crate::{PonteStore, RdfFormat, StoreError};
use oxigraph::io::RdfParser;
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::store::Store;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::time::SystemTime;

/// One RDF file embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct SeedFile {
    /// Path relative to the repository root, e.g. `seed-data/002-us-mission-2022.ttl`.
    pub path: &'static str,
    /// The file's bytes.
    pub content: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/seed_files.rs"));

impl SeedFile {
    /// The named graph this file is loaded into: `GRAPH_PREFIX` + path without extension.
    pub fn graph(&self) -> NamedNode {
        let stem = self
            .path
            .rsplit_once('.')
            .map_or(self.path, |(stem, _)| stem);
        NamedNode::new_unchecked(format!("{GRAPH_PREFIX}{stem}"))
    }

    fn format(&self) -> Result<RdfFormat, StoreError> {
        self.path
            .rsplit_once('.')
            .and_then(|(_, ext)| RdfFormat::from_extension(ext))
            .ok_or_else(|| StoreError::BadRequest(format!("unknown RDF format: {}", self.path)))
    }

    fn sha256(&self) -> String {
        sha256_hex(self.content)
    }
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Files loaded for the first time.
    pub loaded: Vec<String>,
    /// Files whose graph was replaced because the file changed.
    pub replaced: Vec<String>,
    /// Files already present, unchanged.
    pub unchanged: usize,
    /// Graphs of files that are no longer embedded, removed with their description.
    pub removed: Vec<String>,
}

impl PonteStore {
    /// Loads each of `files` whose graph is missing or stale, all in one transaction, so a
    /// restart loads nothing twice and a crash midway leaves the previous state.
    pub fn seed(&self, files: &[SeedFile]) -> Result<SeedReport, StoreError> {
        let _writing = self.lock_for_writing()?;
        let mut report = SeedReport::default();
        let mut transaction = self.store.start_transaction()?;
        let now = Literal::new_typed_literal(now_xsd_date_time(), xsd::DATE_TIME);
        let mut written = HashSet::new();
        for file in files {
            let graph = file.graph();
            let hash = file.sha256();
            match recorded_hash(&self.store, &graph)? {
                Some(recorded) if recorded == hash => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => {
                    transaction.clear_graph(&graph)?;
                    remove_description(&mut transaction, &self.store, &graph)?;
                    report.replaced.push(file.path.to_owned());
                }
                None => report.loaded.push(file.path.to_owned()),
            }
            written.insert(graph.clone().into());
            let parser = RdfParser::from_format(file.format()?)
                .with_base_iri(format!("https://w3id.org/ponte/{}", file.path))
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .with_default_graph(graph.clone());
            let mut triples = 0_u64;
            for quad in parser.rename_blank_nodes().for_slice(file.content) {
                let quad = quad.map_err(|e| StoreError::from(e).in_file(file.path))?;
                transaction.insert(&quad);
                triples += 1;
            }
            for quad in &hashed_description(&graph, file.path, &now, &hash, triples) {
                transaction.insert(quad);
            }
        }
        // A seed file renamed or deleted leaves a graph nobody maintains: drop it.
        let current: Vec<NamedNode> = files.iter().map(SeedFile::graph).collect();
        for graph in seeded_graphs(&self.store)? {
            if !current.contains(&graph) {
                transaction.remove_named_graph(&graph)?;
                remove_description(&mut transaction, &self.store, &graph)?;
                written.insert(graph.clone().into());
                report.removed.push(graph.into_string());
            }
        }
        // Seed files are data like any other: they must conform to the shapes.
        self.commit_validated(transaction, &Scope::Graphs(written), None)?;
        Ok(report)
    }
}

/// The loaded graphs that came from embedded seed files (`ontology/` or `seed-data/`).
fn seeded_graphs(store: &Store) -> Result<Vec<NamedNode>, StoreError> {
    let mut graphs = Vec::new();
    for quad in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(LOADED_GRAPH.into()),
        Some(META_GRAPH.into()),
    ) {
        if let oxigraph::model::NamedOrBlankNode::NamedNode(graph) = quad?.subject {
            let is_seed = ["ontology/", "seed-data/"].iter().any(|dir| {
                graph
                    .as_str()
                    .strip_prefix(GRAPH_PREFIX)
                    .is_some_and(|rest| rest.starts_with(dir))
            });
            if is_seed {
                graphs.push(graph);
            }
        }
    }
    Ok(graphs)
}

/// The description of a loaded graph in the meta graph: its kind, source and load time.
pub(crate) fn description(graph: &NamedNode, source: &str, loaded_at: &Literal) -> Vec<Quad> {
    vec![
        Quad::new(graph.clone(), rdf::TYPE, LOADED_GRAPH, META_GRAPH),
        Quad::new(
            graph.clone(),
            DCTERMS_SOURCE,
            Literal::from(source),
            META_GRAPH,
        ),
        Quad::new(
            graph.clone(),
            PROV_GENERATED_AT_TIME,
            loaded_at.clone(),
            META_GRAPH,
        ),
    ]
}

/// [`description`] plus the content hash that makes reloading idempotent and the triple count.
pub(crate) fn hashed_description(
    graph: &NamedNode,
    source: &str,
    loaded_at: &Literal,
    hash: &str,
    triples: u64,
) -> Vec<Quad> {
    let mut quads = description(graph, source, loaded_at);
    quads.push(Quad::new(
        graph.clone(),
        SHA256,
        Literal::from(hash),
        META_GRAPH,
    ));
    quads.push(Quad::new(
        graph.clone(),
        VOID_TRIPLES,
        Literal::from(i64::try_from(triples).unwrap_or(i64::MAX)),
        META_GRAPH,
    ));
    quads
}

pub(crate) fn remove_description(
    transaction: &mut oxigraph::store::Transaction<'_>,
    store: &Store,
    graph: &NamedNode,
) -> Result<(), StoreError> {
    for quad in store.quads_for_pattern(Some(graph.into()), None, None, Some(META_GRAPH.into())) {
        transaction.remove(&quad?);
    }
    Ok(())
}

/// Hex SHA-256 of `content`.
pub(crate) fn sha256_hex(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn recorded_hash(
    store: &Store,
    graph: &NamedNode,
) -> Result<Option<String>, StoreError> {
    let hash = store
        .quads_for_pattern(
            Some(graph.into()),
            Some(SHA256),
            None,
            Some(GraphNameRef::from(META_GRAPH)),
        )
        .next()
        .transpose()?;
    Ok(hash.and_then(|quad| match quad.object {
        Term::Literal(literal) => Some(literal.value().to_owned()),
        _ => None,
    }))
}

/// The embedded files whose graph is missing or was loaded from different content.
pub(crate) fn stale_files(store: &Store, files: &[SeedFile]) -> Result<Vec<String>, StoreError> {
    let mut stale = Vec::new();
    for file in files {
        if recorded_hash(store, &file.graph())?.as_deref() != Some(file.sha256().as_str()) {
            stale.push(file.path.to_owned());
        }
    }
    Ok(stale)
}

/// The current time as an `xsd:dateTime` lexical form in UTC.
pub(crate) fn now_xsd_date_time() -> String {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &'static str, content: &'static [u8]) -> SeedFile {
        SeedFile { path, content }
    }

    #[test]
    fn converts_days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn seeding_twice_loads_nothing_twice() {
        let store = PonteStore::in_memory().unwrap();
        let files = [file("seed-data/test.ttl", b"<https://w3id.org/ponte/id/a> <http://www.w3.org/2000/01/rdf-schema#label> \"A\" ; a <urn:Thing> .")];
        let first = store.seed(&files).unwrap();
        assert_eq!(first.loaded, vec!["seed-data/test.ttl".to_owned()]);
        let len = store.len().unwrap();
        let second = store.seed(&files).unwrap();
        assert_eq!(second.unchanged, 1);
        assert!(second.loaded.is_empty());
        assert_eq!(store.len().unwrap(), len);
        assert!(stale_files(&store.store, &files).unwrap().is_empty());
    }

    #[test]
    fn a_changed_file_replaces_its_graph() {
        let store = PonteStore::in_memory().unwrap();
        let v1 = [file("seed-data/t.ttl", b"<urn:a> <urn:p> \"1\" .")];
        let v2 = [file("seed-data/t.ttl", b"<urn:a> <urn:p> \"2\" .")];
        store.seed(&v1).unwrap();
        let report = store.seed(&v2).unwrap();
        assert_eq!(report.replaced, vec!["seed-data/t.ttl".to_owned()]);
        let graph = v2[0].graph();
        let objects: Vec<_> = store
            .store
            .quads_for_pattern(None, None, None, Some((&graph).into()))
            .map(|q| q.unwrap().object.to_string())
            .collect();
        assert_eq!(objects, vec!["\"2\"".to_owned()]);
        // One description, not two.
        assert_eq!(
            store
                .store
                .quads_for_pattern(Some((&graph).into()), Some(SHA256), None, None)
                .count(),
            1
        );
    }

    #[test]
    fn the_graph_of_a_removed_seed_file_is_dropped() {
        let store = PonteStore::in_memory().unwrap();
        let old = file("seed-data/old.ttl", b"<urn:a> <urn:p> 1 .");
        let new = file("seed-data/new.ttl", b"<urn:b> <urn:p> 2 .");
        store.seed(&[old, new]).unwrap();
        let report = store.seed(&[new]).unwrap();
        assert_eq!(report.removed, vec![old.graph().into_string()]);
        assert!(!store.store.contains_named_graph(&old.graph()).unwrap());
        assert_eq!(
            store
                .store
                .quads_for_pattern(Some((&old.graph()).into()), None, None, None)
                .count(),
            0
        );
    }

    #[test]
    fn a_broken_seed_file_changes_nothing_and_names_the_file() {
        let store = PonteStore::in_memory().unwrap();
        let files = [
            file("seed-data/good.ttl", b"<urn:a> <urn:p> <urn:b> ."),
            file("seed-data/bad.ttl", b"<urn:a> <urn:p> \n <urn:b"),
        ];
        let error = store.seed(&files).unwrap_err();
        assert!(error.to_string().contains("seed-data/bad.ttl"), "{error}");
        assert!(store.is_empty().unwrap());
    }

    #[test]
    fn the_embedded_seed_files_parse_and_load() {
        let store = PonteStore::in_memory().unwrap();
        let report = store.seed(SEED_FILES).unwrap();
        assert_eq!(report.loaded.len(), SEED_FILES.len());
        assert!(store.check().unwrap().stale_seed_files.is_empty());
    }
}

/// A graph the meta graph describes: where its facts came from and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedGraph {
    /// The graph.
    pub graph: NamedNode,
    /// Its source: a file, an import, the REST API.
    pub source: Option<String>,
    /// When it was (last) loaded, as `xsd:dateTime` text.
    pub loaded_at: Option<String>,
    /// The SHA-256 of the content it was loaded from, for files.
    pub sha256: Option<String>,
    /// The SHA-256 of its content's RDFC-1.0 canonical form, recorded by its last write.
    pub canonical_sha256: Option<String>,
    /// The triples it holds now.
    pub triples: usize,
}

impl PonteStore {
    /// Where the facts of `graph` came from (a file, an import, the REST API), as the meta
    /// graph records it; `None` for a graph it does not describe.
    pub fn graph_source(&self, graph: NamedNodeRef<'_>) -> Result<Option<String>, StoreError> {
        for quad in self.store.quads_for_pattern(
            Some(graph.into()),
            Some(DCTERMS_SOURCE),
            None,
            Some(META_GRAPH.into()),
        ) {
            if let oxigraph::model::Term::Literal(literal) = quad?.object {
                return Ok(Some(literal.value().to_owned()));
            }
        }
        Ok(None)
    }

    /// Every graph the meta graph describes, in IRI order, with the triples it holds now.
    pub fn loaded_graphs(&self) -> Result<Vec<LoadedGraph>, StoreError> {
        let mut graphs = Vec::new();
        for quad in self.store.quads_for_pattern(
            None,
            Some(rdf::TYPE),
            Some(LOADED_GRAPH.into()),
            Some(META_GRAPH.into()),
        ) {
            let oxigraph::model::NamedOrBlankNode::NamedNode(graph) = quad?.subject else {
                continue;
            };
            let value = |predicate: oxigraph::model::NamedNodeRef<'_>| -> Result<Option<String>, StoreError> {
                for quad in self.store.quads_for_pattern(
                    Some(graph.as_ref().into()),
                    Some(predicate),
                    None,
                    Some(META_GRAPH.into()),
                ) {
                    if let oxigraph::model::Term::Literal(literal) = quad?.object {
                        return Ok(Some(literal.value().to_owned()));
                    }
                }
                Ok(None)
            };
            let mut triples = 0;
            for quad in self
                .store
                .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
            {
                quad?;
                triples += 1;
            }
            graphs.push(LoadedGraph {
                source: value(DCTERMS_SOURCE)?,
                loaded_at: value(PROV_GENERATED_AT_TIME)?,
                sha256: value(SHA256)?,
                canonical_sha256: value(CANONICAL_SHA256)?,
                triples,
                graph,
            });
        }
        graphs.sort_by(|a, b| a.graph.cmp(&b.graph));
        Ok(graphs)
    }
}
