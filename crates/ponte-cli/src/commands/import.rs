//! `ponte import ror`: a ROR dump into its own named graph.

use super::open_for_writing;
use crate::args::{OnError, RorArgs};
use std::time::Instant;
use tracing::info;

/// Imports the dump, all of it or (with `--on-error fail`) nothing.
pub fn ror(args: RorArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // The dump is read first: a refused one creates no store.
    let dump = ponte_app::read_ror(&args.file, args.on_error == OnError::Skip)?;
    for skipped in &dump.skipped {
        eprintln!("{skipped}");
    }
    let skipped = dump.skipped.len();
    let store = open_for_writing(&args.store)?;
    let report = ponte_app::import_ror(&store, dump)?;
    store.flush()?;
    let seconds = started.elapsed().as_secs_f64();
    info!(
        records = report.records,
        skipped,
        triples = report.triples,
        changed = report.changed,
        seconds,
        triples_per_second = (report.triples as f64 / seconds).round(),
        "ROR import done"
    );
    Ok(())
}
