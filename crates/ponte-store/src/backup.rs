//! Online backups and verified restores.
//!
//! A backup is a directory: `store/`, a RocksDB checkpoint of the store taken while it serves
//! (consistent: one point in time; cheap: hard links to the immutable files when on the same
//! file system), and `ponte-backup.txt`, its manifest, one line per graph with the SHA-256 of
//! the graph's quads as N-Quads in the store's own order, their count, and the graph. The
//! digests are computed from the checkpoint, so they describe exactly what was saved; a
//! restore copies `store/` to a new location, computes them again there and refuses a copy
//! that differs.
//!
//! Blank nodes are hashed with the labels the store gives them, which a checkpoint and its
//! copies keep; a graph loaded anew from a dump gets other labels, so these digests prove a
//! copy intact, not two stores isomorphic.

use crate::StoreError;
use oxigraph::model::{GraphNameRef, NamedOrBlankNodeRef, QuadRef};
use oxigraph::sparql::CancellationToken;
use oxigraph::store::Store;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// The manifest's file name in a backup directory.
pub const MANIFEST: &str = "ponte-backup.txt";

/// The checkpoint's directory name in a backup directory.
pub const STORE_DIR: &str = "store";

/// What a backup holds: per graph, its digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// One entry per graph, the default graph first, then the named graphs in store order.
    pub graphs: Vec<GraphDigest>,
}

/// The digest of one graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphDigest {
    /// The graph's IRI or blank node in N-Quads syntax, or `default`.
    pub graph: String,
    /// How many quads it holds.
    pub quads: usize,
    /// SHA-256 of its quads as N-Quads lines, in the store's order, lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// All the quads the backup holds.
    pub fn quads(&self) -> usize {
        self.graphs.iter().map(|g| g.quads).sum()
    }

    /// Computes the manifest of `store`.
    pub(crate) fn of(store: &Store, token: &CancellationToken) -> Result<Self, StoreError> {
        let mut graphs = vec![digest(
            store,
            GraphNameRef::DefaultGraph,
            "default".into(),
            token,
        )?];
        let names: Vec<_> = store.named_graphs().collect::<Result<_, _>>()?;
        for name in &names {
            let graph = match name.as_ref() {
                NamedOrBlankNodeRef::NamedNode(iri) => GraphNameRef::NamedNode(iri),
                NamedOrBlankNodeRef::BlankNode(node) => GraphNameRef::BlankNode(node),
            };
            graphs.push(digest(store, graph, name.to_string(), token)?);
        }
        Ok(Self { graphs })
    }

    fn to_text(&self) -> String {
        let mut text = String::from(
            "# Ponte backup. The store is in store/; one line per graph: the SHA-256 of its quads\n\
             # as N-Quads in the store's order, their count, and the graph.\n",
        );
        for graph in &self.graphs {
            let _ = writeln!(text, "{}  {}  {}", graph.sha256, graph.quads, graph.graph);
        }
        text
    }

    fn parse(text: &str) -> Option<Self> {
        let graphs = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let mut parts = line.splitn(3, "  ");
                let sha256 = parts.next()?.to_owned();
                let quads = parts.next()?.parse().ok()?;
                let graph = parts.next()?.to_owned();
                (sha256.len() == 64).then_some(GraphDigest {
                    graph,
                    quads,
                    sha256,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { graphs })
    }

    /// Reads the manifest of the backup in `directory`.
    pub fn read(directory: &Path) -> Result<Self, StoreError> {
        let path = directory.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).ok_or_else(|| {
            StoreError::BadRequest(format!("{} is not a Ponte backup manifest", path.display()))
        })
    }

    /// The differences from `expected`, one line each (empty when they agree).
    pub fn differences(&self, expected: &Self) -> Vec<String> {
        let mut differences = Vec::new();
        for want in &expected.graphs {
            match self.graphs.iter().find(|g| g.graph == want.graph) {
                None => differences.push(format!("graph {} is missing", want.graph)),
                Some(got) if got != want => differences.push(format!(
                    "graph {} differs: {} quads (sha256 {}) where the backup has {} (sha256 {})",
                    want.graph, got.quads, got.sha256, want.quads, want.sha256
                )),
                Some(_) => {}
            }
        }
        for got in &self.graphs {
            if !expected.graphs.iter().any(|g| g.graph == got.graph) {
                differences.push(format!("graph {} is not in the backup", got.graph));
            }
        }
        differences
    }
}

/// The digest of one graph of `store`.
fn digest(
    store: &Store,
    graph: GraphNameRef<'_>,
    name: String,
    token: &CancellationToken,
) -> Result<GraphDigest, StoreError> {
    let mut hasher = Sha256::new();
    let mut quads = 0;
    let mut line = String::new();
    for quad in store.quads_for_pattern(None, None, None, Some(graph)) {
        let quad = quad?;
        line.clear();
        let _ = writeln!(
            line,
            "{} .",
            QuadRef::new(
                quad.subject.as_ref(),
                quad.predicate.as_ref(),
                quad.object.as_ref(),
                graph
            )
        );
        hasher.update(line.as_bytes());
        quads += 1;
        if quads % 4096 == 0 && token.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
    }
    let mut sha256 = String::with_capacity(64);
    for byte in hasher.finalize() {
        let _ = write!(sha256, "{byte:02x}");
    }
    Ok(GraphDigest {
        graph: name,
        quads,
        sha256,
    })
}

/// Backs `store` up into `target` (which must not exist yet), then writes the manifest of
/// what the checkpoint holds. Stopped by `token` (or failing), it leaves no directory.
pub(crate) fn back_up(
    store: &Store,
    target: &Path,
    token: &CancellationToken,
) -> Result<Manifest, StoreError> {
    if target.exists() {
        return Err(StoreError::BadRequest(format!(
            "{} already exists: a backup goes into a new directory",
            target.display()
        )));
    }
    std::fs::create_dir_all(target).map_err(|source| StoreError::Write {
        path: target.display().to_string(),
        source,
    })?;
    let written = (|| {
        let checkpoint = target.join(STORE_DIR);
        store.backup(&checkpoint)?;
        let manifest = Manifest::of(&Store::open_read_only(&checkpoint)?, token)?;
        let path = target.join(MANIFEST);
        std::fs::write(&path, manifest.to_text()).map_err(|source| StoreError::Write {
            path: path.display().to_string(),
            source,
        })?;
        Ok(manifest)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(target);
    }
    written
}

/// Checks the backup in `backup` against its manifest, copies its store to `location` (which
/// must not exist, or be empty), and checks the copy again.
pub fn restore(backup: &Path, location: &Path) -> Result<Manifest, StoreError> {
    let expected = Manifest::read(backup)?;
    let checkpoint = backup.join(STORE_DIR);
    verify(
        &Store::open_read_only(&checkpoint)?,
        &expected,
        "the backup",
    )?;
    let is_empty = |path: &Path| std::fs::read_dir(path).map(|mut d| d.next().is_none());
    if location.exists() && !is_empty(location).unwrap_or(false) {
        return Err(StoreError::BadRequest(format!(
            "{} is not empty: a backup is restored into a new location",
            location.display()
        )));
    }
    copy_dir(&checkpoint, location)?;
    let restored = Store::open_read_only(location)?;
    verify(&restored, &expected, "the restored copy")?;
    // The manifest proves the copy is the checkpoint; the hashes in the meta graph prove each
    // graph is still what its last write left.
    let hashes = crate::canonical::verify_recorded_hashes(&restored, &CancellationToken::new())?;
    if !hashes.differing.is_empty() {
        return Err(StoreError::Refused(format!(
            "the restored copy's graphs differ from the content hashes recorded in its meta graph: {}",
            hashes.differing.join("; ")
        )));
    }
    Ok(expected)
}

/// Whether `store` holds what `expected` says, as an error naming each difference.
fn verify(store: &Store, expected: &Manifest, what: &str) -> Result<(), StoreError> {
    let differences = Manifest::of(store, &CancellationToken::new())?.differences(expected);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Refused(format!(
            "{what} does not match its manifest: {}",
            differences.join("; ")
        )))
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), StoreError> {
    let read = |path: &Path| {
        let path = path.display().to_string();
        move |source| StoreError::Io { path, source }
    };
    let write = |path: &Path| {
        let path = path.display().to_string();
        move |source| StoreError::Write { path, source }
    };
    std::fs::create_dir_all(to).map_err(write(to))?;
    for entry in std::fs::read_dir(from).map_err(read(from))? {
        let entry = entry.map_err(read(from))?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(read(&entry.path()))?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(write(&target))?;
        }
    }
    Ok(())
}
