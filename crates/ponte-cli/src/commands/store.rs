//! Commands on the store itself: `load`, `query`, `dump`, `check`, `backup`, `restore`.

use super::{open_existing, open_for_writing, seeded};
use crate::args::{BackupArgs, DumpArgs, LoadArgs, OutputName, QueryArgs, RestoreArgs, StoreArgs};
use anyhow::{Context, bail};
use ponte_store::sparql::{OutputFormat, QueryKind};
use ponte_store::{CancellationToken, PonteStore, QueryResultsFormat, RdfFormat, Validation};
use std::io::Write;
use std::time::{Duration, Instant};
use tracing::info;

/// Bulk-loads files, all or nothing.
pub fn load(args: LoadArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // A dump restores a new store as it was: it carries its own ontology, seed graphs and
    // meta graph, so the new store is not seeded first (the seed graphs' blank nodes would
    // otherwise be there twice); it is seeded after, which finds the seed unchanged or
    // brings it up to date.
    let restoring = ponte_store::is_ponte_dump(&args.files, args.format.map(Into::into))?;
    let is_new =
        !args.store.location.exists() || std::fs::read_dir(&args.store.location)?.next().is_none();
    if restoring && !is_new {
        anyhow::bail!(
            "{} is a dump of a Ponte store (it holds the meta graph): load it into a new --location; loaded into a store that has data, its blank nodes would double the facts they carry",
            args.files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let store = if restoring {
        PonteStore::open(&args.store.location).with_context(|| {
            format!("cannot open the store at {}", args.store.location.display())
        })?
    } else {
        open_for_writing(&args.store)?
    };
    let validation = if args.skip_validation {
        Validation::Skip
    } else {
        Validation::Shapes
    };
    let format = args.format.map(Into::into);
    // A dump's meta graph holds the hashes of its graphs: kept, so `check` verifies the load.
    let graph = args.graph.as_deref();
    let report = if restoring {
        store.bulk_load_dump(&args.files, format, graph, validation)?
    } else {
        store.bulk_load(&args.files, format, graph, validation)?
    };
    let store = if restoring { seeded(store)? } else { store };
    store.flush()?;
    info!(
        files = report.files,
        bytes = report.bytes,
        seconds = started.elapsed().as_secs_f64(),
        "loaded"
    );
    Ok(())
}

/// Runs a query and prints the answer.
pub fn query(args: QueryArgs) -> anyhow::Result<()> {
    let store = open_existing(&args.store)?;
    let token = CancellationToken::new();
    let timeout = Duration::from_secs_f64(args.timeout.max(0.001));
    let canceller = token.clone();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        canceller.cancel();
    });
    let body = store.query(&args.query, |kind| output_format(args.format, kind), token)?;
    std::io::stdout().lock().write_all(&body)?;
    Ok(())
}

/// The format `--format` names, or the default for the query's kind.
fn output_format(name: Option<OutputName>, kind: QueryKind) -> OutputFormat {
    match (name, kind) {
        (None, QueryKind::Graph) => OutputFormat::Rdf(RdfFormat::Turtle),
        (None, _) => OutputFormat::Results(QueryResultsFormat::Json),
        (Some(OutputName::Results(format)), _) => OutputFormat::Results(format),
        (Some(OutputName::Rdf(format)), _) => OutputFormat::Rdf(format.into()),
    }
}

/// Writes the whole store to standard output.
pub fn dump(args: DumpArgs) -> anyhow::Result<()> {
    let store = open_existing(&args.store)?;
    let stdout = std::io::stdout().lock();
    store.dump(args.format.into(), std::io::BufWriter::new(stdout))?;
    Ok(())
}

/// Checks integrity, seed graphs and shapes.
pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if !args.store.location.exists() {
        bail!("no store at {}", args.store.location.display());
    }
    // Read-write: the lock tells whether a server holds the store.
    let store = PonteStore::open(&args.store.location).with_context(|| {
        format!(
            "cannot open the store at {} (if a server holds it, back it up with POST /backups)",
            args.store.location.display()
        )
    })?;
    let manifest = store.backup(&args.target, &CancellationToken::new())?;
    println!(
        "backed up {} quads in {} graphs into {}",
        manifest.quads(),
        manifest.graphs.len(),
        args.target.display()
    );
    Ok(())
}

pub fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let manifest = ponte_store::restore(&args.backup, &args.location)?;
    println!(
        "restored {} quads in {} graphs into {}; every graph matches the backup's manifest and the content hash its meta graph records",
        manifest.quads(),
        manifest.graphs.len(),
        args.location.display()
    );
    Ok(())
}

pub fn check(args: StoreArgs) -> anyhow::Result<()> {
    let store = open_existing(&args)?;
    let report = store.check()?;
    println!(
        "store {}: {} quads in {} named graphs; indexes consistent",
        args.location.display(),
        report.quads,
        report.named_graphs
    );
    if !report.stale_seed_files.is_empty() {
        bail!(
            "seed graphs missing or outdated (run `ponte serve` once to refresh them): {}",
            report.stale_seed_files.join(", ")
        )
    }
    println!("seed graphs match the embedded files");
    let hashes = &report.hashes;
    if !hashes.differing.is_empty() {
        for difference in &hashes.differing {
            println!("changed: {difference}");
        }
        bail!(
            "{} graph(s) differ from the content hash (RDFC-1.0) recorded in the meta graph",
            hashes.differing.len()
        )
    }
    println!(
        "{} graph(s) match the content hash (RDFC-1.0) recorded in the meta graph",
        hashes.verified
    );
    if !hashes.unhashed.is_empty() {
        let shown = hashes.unhashed.iter().take(5).cloned().collect::<Vec<_>>();
        let more = if hashes.unhashed.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        println!(
            "{} graph(s) have no recorded hash (written before hashes were recorded, or by an interrupted `ponte load`): {}{more}",
            hashes.unhashed.len(),
            shown.join(", ")
        );
    }
    if !report.violations.is_empty() {
        for violation in &report.violations {
            println!("violation: {violation}");
        }
        bail!(
            "{} SHACL violation(s) against ontology/shapes.ttl",
            report.violations.len()
        )
    }
    println!("the data conforms to the SHACL shapes (ontology/shapes.ttl)");
    Ok(())
}
