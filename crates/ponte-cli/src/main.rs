//! The `ponte` command. `args` says what it takes; each command is a function of `commands`
//! that calls `ponte-app` (or, for `serve`, `ponte-server`) directly.

mod access_line;
mod args;
mod commands;
mod log_output;

use args::{Cli, Command, ImportCommand, LogFormat};
use clap::Parser;
use log_output::LogOutput;
use std::io::IsTerminal;

/// mimalloc instead of glibc's malloc: query evaluation allocates and frees small values for
/// every solution, and glibc's malloc took about a fifth of a small query's time. Counted, so
/// that each query is held to its memory budget (`--max-query-memory`).
#[global_allocator]
static ALLOCATOR: ponte_memory::CountingAllocator<mimalloc::MiMalloc> =
    ponte_memory::CountingAllocator(mimalloc::MiMalloc);

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let log = init_logging(cli.log_format);
    let outcome = run(cli);
    log.flush();
    outcome
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Load(args) => commands::store::load(args),
        Command::Query(args) => commands::store::query(args),
        Command::Dump(args) => commands::store::dump(args),
        Command::Check(args) => commands::store::check(args),
        Command::Backup(args) => commands::store::backup(args),
        Command::Restore(args) => commands::store::restore(args),
        Command::Import(ImportCommand::Ror(args)) => commands::import::ror(args),
        Command::Match(args) => commands::matching::suggest(args),
        Command::Plan(args) => commands::matching::plan(args),
        Command::Eval(args) => commands::matching::eval(args),
        Command::Generate(args) => commands::matching::generate(args),
        Command::BenchMatch(args) => commands::matching::bench(args),
    }
}

/// Sets up the log and returns its output, to be flushed at exit.
fn init_logging(format: Option<LogFormat>) -> LogOutput {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let terminal = std::io::stderr().is_terminal();
    // A person at a terminal sees each line at once; a pipe or a file gets them gathered.
    let output = LogOutput::new(!terminal);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(output.clone())
        // Colour codes only where a person reads them, never into a pipe or a file.
        .with_ansi(terminal);
    let json = match format {
        Some(LogFormat::Json) => true,
        Some(LogFormat::Text) => false,
        None => !terminal,
    };
    if json {
        builder
            .json()
            .event_format(access_line::AccessLineFirst(
                tracing_subscriber::fmt::format().json(),
            ))
            .init();
    } else {
        builder.init();
    }
    output
}
