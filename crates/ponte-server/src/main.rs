//! The `ponte` command: `serve`, `load`, `query`, `dump`, `check`.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ponte_server::{AppState, ServerConfig, default_concurrency, http_federation};
use ponte_store::sparql::{OutputFormat, QueryKind};
use ponte_store::{
    CancellationToken, PonteStore, QueryResultsFormat, RdfFormat, SEED_FILES, Validation,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tracing::info;

/// Ponte: the knowledge graph of an innovation ecosystem, served over SPARQL.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format: `json` lines, or human `text`; default: text on a terminal, json otherwise.
    #[arg(long, global = true, env = "PONTE_LOG_FORMAT")]
    log_format: Option<LogFormat>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Json,
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Serves SPARQL at /sparql and the Graph Store Protocol at /store; seeds a new store.
    Serve(ServeArgs),
    /// Bulk-loads RDF files; all of them or nothing.
    Load(LoadArgs),
    /// Runs a SPARQL query against the store and prints the answer.
    Query(QueryArgs),
    /// Writes the whole store to standard output.
    Dump(DumpArgs),
    /// Checks the store's integrity, that its seed graphs match the embedded files, and that
    /// its data conforms to the SHACL shapes.
    Check(StoreArgs),
    /// Imports an external registry into its own named graph.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Suggests partners for an actor, with scores and evidence: the answer of /api/match.
    Match(MatchArgs),
    /// Measures suggestion quality by link prediction: hides a share of the partnerships,
    /// and reports hits@10 and MRR beside random, most-connected and Jaccard baselines.
    Eval(EvalArgs),
    /// Writes a deterministic synthetic ecosystem as N-Triples to standard output.
    Generate(GenerateArgs),
    /// Measures the matchmaking on a generated ecosystem: projection build time (generation
    /// included) and size, the
    /// latency of one suggestion (p50, p99), and how the push PageRank's top 10 overlaps the
    /// exact one. Prints one Markdown row.
    BenchMatch(BenchMatchArgs),
}

#[derive(Args)]
struct BenchMatchArgs {
    /// How many actors.
    #[arg(long)]
    actors: usize,
    /// The random seed of the ecosystem and of the actors asked about.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Suggestions timed.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Seeds whose push top 10 is compared with the exact PageRank's (each exact run walks the
    /// whole graph).
    #[arg(long, default_value_t = 20)]
    overlap_seeds: usize,
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Evaluate on a generated ecosystem of this many actors instead of the store.
    #[arg(long)]
    generated: Option<usize>,
    /// The random seed (which partnerships are hidden; the generated data).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of the partnerships hidden.
    #[arg(long, default_value_t = 0.1)]
    share: f64,
    /// The most hidden partnerships asked about.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
}

#[derive(Args)]
struct GenerateArgs {
    /// How many actors.
    #[arg(long)]
    actors: usize,
    /// The random seed: the same seed gives the same ecosystem.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The links the evaluation treats as partnerships: direct collaborations, and ROR's related,
/// parent and child organisations.
const PARTNERSHIPS: [&str; 4] = [
    "https://w3id.org/ponte/ontology#collaboratesWith",
    "https://w3id.org/ponte/ontology#relatedOrganisation",
    "http://www.w3.org/ns/org#subOrganizationOf",
    "http://www.w3.org/ns/org#hasSubOrganization",
];

#[derive(Args)]
struct MatchArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The actor: a slug (`kaist`), a compact IRI (`ror:…`) or a whole IRI.
    actor: String,
    /// Only partners in these countries (ISO 3166-1 alpha-2).
    #[arg(long)]
    country: Vec<String>,
    /// Only partners in these regions (ISO 3166-2 or NUTS).
    #[arg(long)]
    region: Vec<String>,
    /// Only partners working on these topics (slugs).
    #[arg(long)]
    topic: Vec<String>,
    /// Only partners of this kind (a class name such as University).
    #[arg(long)]
    kind: Option<String>,
    /// Leave out partners already linked to the actor.
    #[arg(long)]
    exclude_connected: bool,
    /// How many suggestions.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// ROR v2 records, one JSON object per line (`.jsonl`, or `.jsonl.gz`), into
    /// https://w3id.org/ponte/graph/ror; atomic, and a second run of the same file changes nothing.
    Ror(RorArgs),
}

#[derive(Args)]
struct RorArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The ROR dump.
    file: PathBuf,
    /// What to do with a malformed record: `fail` (import nothing) or `skip` it.
    #[arg(long, default_value = "fail")]
    on_error: OnError,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnError {
    Fail,
    Skip,
}

#[derive(Args)]
struct StoreArgs {
    /// Directory of the on-disk store.
    #[arg(long, env = "PONTE_LOCATION", default_value = "ponte-data")]
    location: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Use an in-memory store instead of `--location` (lost at exit).
    #[arg(long, env = "PONTE_MEMORY", conflicts_with = "read_only")]
    memory: bool,
    /// Address to listen on.
    #[arg(long, env = "PONTE_BIND", default_value = "127.0.0.1:7878")]
    bind: String,
    /// Open the store read-only: every write is refused and nothing is seeded.
    #[arg(long, env = "PONTE_READ_ONLY")]
    read_only: bool,
    /// Bearer token required by every write; without one, the server accepts no write.
    #[arg(long, env = "PONTE_WRITE_TOKEN", hide_env_values = true)]
    write_token: Option<String>,
    /// Seconds after which a query or update is stopped and answered with 503.
    #[arg(long, env = "PONTE_QUERY_TIMEOUT", default_value_t = 30.0)]
    query_timeout: f64,
    /// Evaluations allowed at once (default: twice the cores, at least 4).
    #[arg(long, env = "PONTE_MAX_CONCURRENT_QUERIES")]
    max_concurrent_queries: Option<usize>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PONTE_MAX_BODY_BYTES", default_value_t = 64 << 20)]
    max_body_bytes: usize,
    /// Largest answer, in bytes; a bigger one is refused rather than cut off.
    #[arg(long, env = "PONTE_MAX_RESULT_BYTES", default_value_t = 256 << 20)]
    max_result_bytes: usize,
    /// Whether a query's default graph is the union of all graphs.
    #[arg(long, env = "PONTE_UNION_DEFAULT_GRAPH", default_value_t = true, action = clap::ArgAction::Set)]
    union_default_graph: bool,
    /// The URL clients reach this server at, when a proxy or TLS sits in front
    /// (e.g. https://ponte.example.org); used in minted IRIs instead of the Host header.
    #[arg(long, env = "PONTE_PUBLIC_URL")]
    public_url: Option<String>,
    /// A remote SPARQL endpoint `SERVICE` may call (repeat the flag, or comma-separate in the
    /// variable); with none, every `SERVICE` is refused. `LOAD` is always refused.
    #[arg(
        long = "federation-allow",
        env = "PONTE_FEDERATION_ALLOW",
        value_delimiter = ','
    )]
    federation_allow: Vec<String>,
}

#[derive(Args)]
struct LoadArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Files to load (format from the extension unless `--format`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Named graph for the triples (triple formats only); default: the default graph.
    #[arg(long)]
    graph: Option<String>,
    /// Format of every file.
    #[arg(long)]
    format: Option<RdfFormatName>,
    /// Load without checking the data against the SHACL shapes: only for data already checked
    /// (a `ponte dump`) or foreign to Ponte's ontology (benchmarks). Much faster on big files.
    #[arg(long)]
    skip_validation: bool,
}

#[derive(Args)]
struct QueryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The SPARQL query.
    query: String,
    /// Output format (default: json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE).
    #[arg(long)]
    format: Option<OutputName>,
    /// Seconds after which the query is stopped.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

#[derive(Args)]
struct DumpArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format (a dataset format, to keep the named graphs).
    #[arg(long, default_value = "nquads")]
    format: RdfFormatName,
}

#[derive(Clone, Copy, ValueEnum)]
enum RdfFormatName {
    Turtle,
    Ntriples,
    Nquads,
    Trig,
    Rdfxml,
    Jsonld,
}

impl From<RdfFormatName> for RdfFormat {
    fn from(name: RdfFormatName) -> Self {
        match name {
            RdfFormatName::Turtle => Self::Turtle,
            RdfFormatName::Ntriples => Self::NTriples,
            RdfFormatName::Nquads => Self::NQuads,
            RdfFormatName::Trig => Self::TriG,
            RdfFormatName::Rdfxml => Self::RdfXml,
            RdfFormatName::Jsonld => Self::JsonLd {
                profile: Default::default(),
            },
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputName {
    Json,
    Xml,
    Csv,
    Tsv,
    Turtle,
    Ntriples,
    Nquads,
    Trig,
    Rdfxml,
    Jsonld,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Load(args) => load(args),
        Command::Query(args) => query(args),
        Command::Dump(args) => dump(args),
        Command::Check(args) => check(args),
        Command::Import(ImportCommand::Ror(args)) => import_ror(args),
        Command::Match(args) => match_actor(args),
        Command::Eval(args) => eval(args),
        Command::BenchMatch(args) => bench_match(args),
        Command::Generate(args) => {
            let input = ponte_match::generate::ecosystem(args.actors, args.seed);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            ponte_match::generate::to_ntriples(&input, &mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

fn init_logging(format: Option<LogFormat>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = match format {
        Some(LogFormat::Json) => true,
        Some(LogFormat::Text) => false,
        None => !std::io::stderr().is_terminal(),
    };
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn open_existing(args: &StoreArgs) -> anyhow::Result<PonteStore> {
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
fn open_for_writing(args: &StoreArgs) -> anyhow::Result<PonteStore> {
    let store = PonteStore::open(&args.location)
        .with_context(|| format!("cannot open the store at {}", args.location.display()))?;
    seeded(store)
}

/// Loads the seed files that are missing or changed.
fn seeded(store: PonteStore) -> anyhow::Result<PonteStore> {
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

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = if args.memory {
        seeded(PonteStore::in_memory()?)?
    } else if args.read_only {
        open_existing(&args.store)?
    } else {
        open_for_writing(&args.store)?
    };
    if !args.query_timeout.is_finite() || args.query_timeout <= 0.0 {
        bail!("--query-timeout must be a positive number of seconds");
    }
    if let Some(url) = &args.public_url
        && oxigraph::model::NamedNode::new(url.as_str()).is_err()
    {
        bail!("--public-url must be an absolute URL such as https://ponte.example.org");
    }
    let federation = if args.federation_allow.is_empty() {
        None
    } else {
        info!(endpoints = ?args.federation_allow, "federation enabled");
        Some(http_federation(
            &args.federation_allow,
            Duration::from_secs_f64(args.query_timeout),
            args.max_result_bytes,
        )?)
    };
    let config = ServerConfig {
        write_token: args.write_token.filter(|t| !t.is_empty()),
        query_timeout: Duration::from_secs_f64(args.query_timeout),
        max_concurrent_queries: args
            .max_concurrent_queries
            .unwrap_or_else(default_concurrency),
        max_body_bytes: args.max_body_bytes,
        max_result_bytes: args.max_result_bytes,
        union_default_graph: args.union_default_graph,
        public_host: args.bind.clone(),
        public_url: args.public_url,
        federation,
    };
    if config.write_token.is_none() {
        info!("no write token configured: every write will be refused");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        info!(addr = %listener.local_addr()?, "listening");
        ponte_server::serve(AppState::new(store, config), listener, shutdown_signal()).await?;
        info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    info!("shutting down");
}

fn load(args: LoadArgs) -> anyhow::Result<()> {
    let store = open_for_writing(&args.store)?;
    let started = Instant::now();
    let report = store.bulk_load(
        &args.files,
        args.format.map(Into::into),
        args.graph.as_deref(),
        if args.skip_validation {
            Validation::Skip
        } else {
            Validation::Shapes
        },
    )?;
    store.flush()?;
    info!(
        files = report.files,
        bytes = report.bytes,
        seconds = started.elapsed().as_secs_f64(),
        "loaded"
    );
    Ok(())
}

fn query(args: QueryArgs) -> anyhow::Result<()> {
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

fn match_actor(args: MatchArgs) -> anyhow::Result<()> {
    let store = open_existing(&args.store)?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("actor", &args.actor);
    for (key, values) in [
        ("country", &args.country),
        ("region", &args.region),
        ("topic", &args.topic),
    ] {
        for value in values {
            query.append_pair(key, value);
        }
    }
    if let Some(kind) = &args.kind {
        query.append_pair("kind", kind);
    }
    if args.exclude_connected {
        query.append_pair("exclude", "connected");
    }
    query.append_pair("limit", &args.limit.to_string());
    let answer = ponte_server::match_answer(&store, &query.finish())
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &answer)?;
    writeln!(out)?;
    Ok(())
}

fn bench_match(args: BenchMatchArgs) -> anyhow::Result<()> {
    use ponte_match::{Seed, Weights, ppr};
    // Generated straight into the projection: the build time includes generating the data.
    let started = Instant::now();
    let projection = ponte_match::generate::projection(args.actors, args.seed);
    let build = started.elapsed();
    // The actors asked about, the same as `scripts/bench-match` asks the other tools about.
    let pick = |i: usize| {
        let k = ponte_match::generate::benchmark_actor(i, args.actors, args.seed);
        projection
            .id(&ponte_match::generate::actor_iri(k))
            .expect("generated actors are in the projection")
    };
    let weights = Weights::default();
    let mut latencies = Vec::with_capacity(args.queries);
    for i in 0..args.queries {
        let actor = pick(i);
        let started = Instant::now();
        let suggestions = ponte_match::suggest(
            &projection,
            &Seed::actor(&projection, actor),
            &weights,
            10,
            &|_| true,
        );
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(suggestions);
    }
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let top10 = |scores: Vec<(u32, f64)>| -> Vec<u32> {
        let mut scores = scores;
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scores.into_iter().take(10).map(|(n, _)| n).collect()
    };
    let mut overlap = 0.0;
    for i in 0..args.overlap_seeds {
        let seed = pick(i);
        // Ranked as the matcher ranks: PageRank over degree, whose push error is uniform.
        let normalised = |n: u32, v: f64| (n, v / projection.degree(n).max(1) as f64);
        let push = ppr::push(&projection, &[seed], ponte_match::PUSH_EPSILON);
        let exact = ppr::exact(&projection, &[seed], 1e-10);
        let approximate = top10(
            push.into_iter()
                .filter(|(n, _)| *n != seed)
                .map(|(n, v)| normalised(n, v))
                .collect(),
        );
        let exact: Vec<(u32, f64)> = exact
            .iter()
            .enumerate()
            .map(|(n, v)| normalised(n as u32, *v))
            .filter(|(n, _)| *n != seed)
            .collect();
        // A node ties into the exact top 10 when its exact score reaches the tenth best:
        // among equal scores, which ten are "the" top ten is arbitrary.
        let reference = top10(exact.clone());
        let tenth = reference.last().map_or(0.0, |n| {
            exact.iter().find(|(m, _)| m == n).map_or(0.0, |(_, v)| *v)
        });
        let exact_of = |n: u32| exact.iter().find(|(m, _)| *m == n).map_or(0.0, |(_, v)| *v);
        overlap += approximate
            .iter()
            .filter(|n| exact_of(**n) >= tenth * (1.0 - 1e-9))
            .count() as f64
            / 10.0;
    }
    let peak_mib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0);
    println!(
        "| actors | nodes | edges | build s | p50 ms | p99 ms | push top-10 overlap | projection MiB | peak RSS MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {:.2} | {:.3} | {:.3} | {:.2} | {:.0} | {:.0} |",
        args.actors,
        projection.node_count(),
        projection.edge_count(),
        build.as_secs_f64(),
        percentile(0.5),
        percentile(0.99),
        overlap / args.overlap_seeds.max(1) as f64,
        projection.heap_bytes() as f64 / (1 << 20) as f64,
        peak_mib
    );
    Ok(())
}

fn eval(args: EvalArgs) -> anyhow::Result<()> {
    let (input, source) = match args.generated {
        Some(actors) => (
            ponte_match::generate::ecosystem(actors, args.seed),
            format!("generated ecosystem, {actors} actors, seed {}", args.seed),
        ),
        None => {
            let store = open_existing(&args.store)?;
            let input =
                ponte_server::graph_input(&store).map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
            (input, format!("store at {}", args.store.location.display()))
        }
    };
    let started = std::time::Instant::now();
    let result = ponte_match::eval::evaluate(
        &input,
        &|p| PARTNERSHIPS.contains(&p) || p == ponte_match::generate::PARTNERSHIP,
        args.share,
        args.queries,
        args.seed,
    );
    println!(
        "{source}: {} partnerships, {} hidden (share {}, seed {}), {:.1} s\n",
        result.partnerships,
        result.hidden,
        args.share,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    println!("| method | hits@10 | MRR |\n|---|---:|---:|");
    for (name, scores) in [
        ("Ponte matcher", result.matcher),
        ("random", result.random),
        ("most connected", result.most_connected),
        ("Jaccard", result.jaccard),
    ] {
        println!("| {name} | {:.3} | {:.3} |", scores.hits_at_10, scores.mrr);
    }
    Ok(())
}

/// The format `--format` names, or the default for the query's kind.
fn output_format(name: Option<OutputName>, kind: QueryKind) -> OutputFormat {
    match (name, kind) {
        (None, QueryKind::Graph) => OutputFormat::Rdf(RdfFormat::Turtle),
        (None, _) | (Some(OutputName::Json), _) => OutputFormat::Results(QueryResultsFormat::Json),
        (Some(OutputName::Xml), _) => OutputFormat::Results(QueryResultsFormat::Xml),
        (Some(OutputName::Csv), _) => OutputFormat::Results(QueryResultsFormat::Csv),
        (Some(OutputName::Tsv), _) => OutputFormat::Results(QueryResultsFormat::Tsv),
        (Some(OutputName::Turtle), _) => OutputFormat::Rdf(RdfFormat::Turtle),
        (Some(OutputName::Ntriples), _) => OutputFormat::Rdf(RdfFormat::NTriples),
        (Some(OutputName::Nquads), _) => OutputFormat::Rdf(RdfFormat::NQuads),
        (Some(OutputName::Trig), _) => OutputFormat::Rdf(RdfFormat::TriG),
        (Some(OutputName::Rdfxml), _) => OutputFormat::Rdf(RdfFormat::RdfXml),
        (Some(OutputName::Jsonld), _) => OutputFormat::Rdf(RdfFormat::JsonLd {
            profile: Default::default(),
        }),
    }
}

fn dump(args: DumpArgs) -> anyhow::Result<()> {
    let store = open_existing(&args.store)?;
    let stdout = std::io::stdout().lock();
    store.dump(args.format.into(), std::io::BufWriter::new(stdout))?;
    Ok(())
}

fn check(args: StoreArgs) -> anyhow::Result<()> {
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

/// The named graph ROR records are imported into.
const ROR_GRAPH: &str = "https://w3id.org/ponte/graph/ror";

fn import_ror(args: RorArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let raw = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let content = if args.file.extension().is_some_and(|e| e == "gz") {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut text)
            .with_context(|| format!("{} is not valid gzip", args.file.display()))?;
        text
    } else {
        raw
    };
    let text = std::str::from_utf8(&content)
        .with_context(|| format!("{} is not UTF-8", args.file.display()))?;
    let mut triples = Vec::new();
    let mut errors = Vec::new();
    let mut records = 0_usize;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match ponte_ror::record_to_triples(line) {
            Ok(record) => {
                records += 1;
                triples.extend(record);
            }
            Err(error) => errors.push(format!("{}:{}: {error}", args.file.display(), index + 1)),
        }
    }
    for error in &errors {
        eprintln!("{error}");
    }
    if !errors.is_empty() && args.on_error == OnError::Fail {
        bail!(
            "{} malformed record(s); nothing imported (pass --on-error skip to import the others)",
            errors.len()
        );
    }
    let store = open_for_writing(&args.store)?;
    let source = args.file.display().to_string();
    let report = store.replace_graph(ROR_GRAPH, triples, &source, &content)?;
    store.flush()?;
    let seconds = started.elapsed().as_secs_f64();
    info!(
        records,
        skipped = errors.len(),
        triples = report.triples,
        changed = report.changed,
        seconds,
        triples_per_second = (report.triples as f64 / seconds).round(),
        "ROR import done"
    );
    Ok(())
}
