//! One module per group of commands, each function taking its parsed arguments.

pub mod import;
pub mod matching;
pub mod serve;
pub mod store;

use crate::args::StoreArgs;
use anyhow::{Context, bail};
use ponte_store::{PonteStore, SEED_FILES};
use tracing::info;

/// Opens an existing store to read it.
pub fn open_existing(args: &StoreArgs) -> anyhow::Result<PonteStore> {
    if !args.location.exists() {
        bail!(
            "no store at {}: run `ponte serve` or `ponte load` first, or pass --location",
            args.location.display()
        );
    }
    PonteStore::open_read_only(&args.location)
        .with_context(|| format!("cannot open the store at {}", args.location.display()))
}

/// Opens (or creates) the store for writing, with the ontology and seed data up to date: the
/// shapes that check every write need the ontology's class hierarchy.
pub fn open_for_writing(args: &StoreArgs) -> anyhow::Result<PonteStore> {
    let store = PonteStore::open(&args.location)
        .with_context(|| format!("cannot open the store at {}", args.location.display()))?;
    seeded(store)
}

/// Loads the seed files that are missing or changed.
pub fn seeded(store: PonteStore) -> anyhow::Result<PonteStore> {
    let report = store.seed(SEED_FILES).context("seeding the store failed")?;
    info!(
        loaded = report.loaded.len(),
        replaced = report.replaced.len(),
        unchanged = report.unchanged,
        removed = report.removed.len(),
        "seed data checked"
    );
    Ok(store)
}
