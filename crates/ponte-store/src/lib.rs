//! Ponte's store: the only crate that opens or writes the oxigraph store.
//!
//! It seeds a new store with the ontology and seed data, bulk-loads files atomically, evaluates
//! SPARQL under a cancellation token and a result cap, serves the Graph Store Protocol operations,
//! dumps and checks the store. Its API is synchronous, like oxigraph's: async callers run it on a
//! blocking thread.

mod backup;
pub use backup::{GraphDigest, Manifest, restore};
mod body_check;
pub mod canonical;
pub use body_check::{MAX_RDF_NESTING, check_body};
pub use canonical::HashCheck;
mod entities;
pub use entities::{
    EntityFilter, FacetValues, PlaceMemo, Point, PreparedFilter, SearchableText, distinct_triples,
};
mod entity_writes;
pub use entity_writes::{API_GRAPH, EntityChange, EntityWriteReport, Precondition, entity_tag};
mod error;
mod graph_store;
mod graph_view;
mod import;
mod load;
mod rdf_xml;
mod replica;
pub use replica::{DEFAULT_GRAPH, RemoteStatus, SKOLEM_PREFIX, VERSIONS_GRAPH};
mod seed;
pub mod sparql;
mod validation;
pub mod vocab;

pub use error::StoreError;
pub use graph_store::GraphTarget;
pub use import::{ImportReport, QuadImportReport};
pub use load::{LoadReport, Validation, is_ponte_dump};
pub use oxigraph::io::RdfFormat;
pub use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, TermRef, Triple,
};
pub use oxigraph::sparql::CancellationToken;
pub use oxigraph::sparql::results::QueryResultsFormat;
pub use ponte_shacl::Violation;
pub use seed::{LoadedGraph, SEED_FILES, SeedFile, SeedReport};

use oxigraph::store::Store;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A handle on the ecosystem graph; cheap to clone (clones share the same store).
#[derive(Clone)]
pub struct PonteStore {
    store: Store,
    read_only: bool,
    /// Whether the store lives on disk (only such a store can be backed up).
    on_disk: bool,
    /// Serializes writers: oxigraph transactions are repeatable-read, so two concurrent
    /// read-modify-write updates could otherwise both commit on stale reads.
    write_lock: Arc<Mutex<()>>,
    /// Counts committed writes, so derived views (the search index) know when to refresh.
    generation: Arc<AtomicU64>,
    /// The remote store this one is a copy of, when Ponte runs over one
    /// ([`PonteStore::over_remote`]).
    remote: Option<Arc<replica::Replica>>,
}

/// What `ponte check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Number of quads in the store.
    pub quads: usize,
    /// Number of named graphs.
    pub named_graphs: usize,
    /// Embedded seed files whose graph is missing or differs from the file.
    pub stale_seed_files: Vec<String>,
    /// Where the data breaks the SHACL shapes of `ontology/shapes.ttl`.
    pub violations: Vec<Violation>,
    /// Each graph compared with the content hash the meta graph records for it.
    pub hashes: HashCheck,
}

impl PonteStore {
    /// Opens (or creates) the on-disk store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::new(Store::open(path)?, false, true))
    }

    /// Opens the on-disk store at `path` for reading only; every write is refused.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::new(Store::open_read_only(path)?, true, true))
    }

    /// Creates an empty in-memory store.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self::new(Store::new()?, false, false))
    }

    fn new(store: Store, read_only: bool, on_disk: bool) -> Self {
        Self {
            store,
            read_only,
            on_disk,
            write_lock: Arc::new(Mutex::new(())),
            generation: Arc::new(AtomicU64::new(0)),
            remote: None,
        }
    }

    /// How many writes this handle's store has committed since it was opened: a view built at
    /// generation N is current while this still returns N.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Records a committed write.
    fn wrote(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Refuses writes on a read-only store; otherwise waits for the write lock, held until the
    /// returned guard is dropped. Over a remote store, the copy is first brought up to date, so
    /// the write starts from the latest state.
    fn lock_for_writing(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        // A writer that panicked left no partial commit behind (transactions are atomic).
        let guard = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.catch_up()?;
        Ok(guard)
    }

    /// Number of quads in the store.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.store.len()?)
    }

    /// Whether the store holds no quad.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.store.is_empty()?)
    }

    /// Writes every quad of the store to `writer` in a dataset `format` (N-Quads, TriG,
    /// JSON-LD); a triple format is refused, since Ponte keeps its facts in named graphs.
    pub fn dump(&self, format: RdfFormat, writer: impl std::io::Write) -> Result<(), StoreError> {
        if !format.supports_datasets() {
            return Err(StoreError::BadRequest(format!(
                "{} holds one graph; dump in a dataset format (nquads, trig) to keep the named graphs",
                format.name()
            )));
        }
        self.store
            .dump_to_writer(format, writer)
            .map(|_| ())
            .map_err(|e| match e {
                oxigraph::store::SerializerError::Storage(e) => StoreError::Storage(e),
                other => StoreError::Internal(other.to_string()),
            })
    }

    /// Checks the integrity of the store (indexes agree with each other), that the seed
    /// graphs match the embedded files, that each graph has the content hash recorded for it,
    /// and validates every node against the SHACL shapes.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        self.store.validate()?;
        Ok(CheckReport {
            quads: self.store.len()?,
            named_graphs: self.store.named_graphs().count(),
            stale_seed_files: seed::stale_files(&self.store, SEED_FILES)?,
            violations: self.validate_all()?,
            hashes: canonical::verify_recorded_hashes(&self.store, &CancellationToken::new())?,
        })
    }

    /// Backs the store up into the new directory `target` while it serves: a consistent
    /// checkpoint and the manifest of what it holds (see [`Manifest`]); [`restore`] verifies
    /// and restores it.
    pub fn backup(&self, target: &Path, token: &CancellationToken) -> Result<Manifest, StoreError> {
        if !self.on_disk {
            return Err(StoreError::BadRequest(
                "an in-memory store cannot be backed up; dump it instead".into(),
            ));
        }
        backup::back_up(&self.store, target, token)
    }

    /// Flushes memory buffers to disk (used before a clean shutdown).
    pub fn flush(&self) -> Result<(), StoreError> {
        if !self.read_only {
            self.store.flush()?;
        }
        Ok(())
    }
}
