//! The command line: every subcommand, its flags and their documentation (`ponte --help`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use ponte_store::{QueryResultsFormat, RdfFormat};
use std::path::PathBuf;

/// Ponte: the knowledge graph of an innovation ecosystem. `ponte serve` answers web pages for
/// a browser (/), SPARQL 1.1 (/sparql), the Graph Store Protocol (/store), and a REST API in
/// JSON-LD (/api/: collections, entities, search, writes, imports, partner suggestions, brokers,
/// gaps; described at /api/openapi.json); the other commands work on the store directly.
#[derive(Parser)]
#[command(version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format: `json` lines, or human `text` (coloured only on a terminal); default: text
    /// on a terminal, json otherwise.
    #[arg(long, global = true, env = "PONTE_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serves the web pages at / (for a browser, in Italian or English), SPARQL at /sparql, the
    /// Graph Store Protocol at /store and the REST API at /api/ (OpenAPI at /api/openapi.json),
    /// with /health; seeds a new store.
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
    /// Backs a store that no server holds up into a new directory (a server backs its own
    /// store up with `POST /backups`): a consistent copy and a manifest of its graphs' digests.
    Backup(BackupArgs),
    /// Restores a backup into a new location, verifying it against its manifest before and
    /// after the copy.
    Restore(RestoreArgs),
    /// Imports an external registry into its own named graph.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Suggests partners for an actor, with scores and evidence: the answer of /api/match.
    Match(MatchArgs),
    /// Plans a mission to a foreign ecosystem (whom to invite, whom they meet, who introduces
    /// them, which gaps close): the answer of POST /api/plan. With only --mission, the open
    /// meetings of a past mission: the answer of GET /api/plan?mission=….
    Plan(PlanArgs),
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
pub struct BenchMatchArgs {
    /// How many actors.
    #[arg(long)]
    pub actors: usize,
    /// The random seed of the ecosystem and of the actors asked about.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Suggestions timed.
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// Seeds whose push top 10 is compared with the exact PageRank's (each exact run walks the
    /// whole graph).
    #[arg(long, default_value_t = 20)]
    pub overlap_seeds: usize,
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Evaluate on a generated ecosystem of this many actors instead of the store.
    #[arg(long)]
    pub generated: Option<usize>,
    /// The random seed (which partnerships are hidden; the generated data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of the partnerships hidden.
    #[arg(long, default_value_t = 0.1)]
    pub share: f64,
    /// The most hidden partnerships asked about.
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// Fit the weights of the score's parts on partnerships hidden with seed + 1 (coordinate
    /// ascent on hits@10), and compare them with the defaults on those hidden with `--seed`.
    #[arg(long)]
    pub fit: bool,
    /// With `--fit`: write the fitted weights to this JSON file (`ponte serve --weights`).
    #[arg(long, requires = "fit")]
    pub write_weights: Option<PathBuf>,
    /// Measure these weights (a JSON file as `--write-weights` writes it) instead of the
    /// documented ones.
    #[arg(long, conflicts_with = "fit")]
    pub weights: Option<PathBuf>,
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Weights of the score's parts, as for `ponte serve --weights`.
    #[arg(long, env = "PONTE_WEIGHTS")]
    pub weights: Option<PathBuf>,
    /// The foreign ecosystem: a country or region code (KR, US-MA) or a place (boston).
    #[arg(long, required_unless_present = "mission")]
    pub to: Option<String>,
    /// The home region or country (default IT-45).
    #[arg(long)]
    pub from: Option<String>,
    /// A topic of the mission (a slug such as digital-health, or topic:…); repeatable.
    #[arg(long = "topic")]
    pub topics: Vec<String>,
    /// A past mission to follow up (a slug such as mission-usa-2022): with --to, its open
    /// meetings join the plan; alone, they are the answer.
    #[arg(long)]
    pub mission: Option<String>,
    /// How many home actors to invite (default 10), or open meetings to list (default 20).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// How many actors.
    #[arg(long)]
    pub actors: usize,
    /// The random seed: the same seed gives the same ecosystem.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Weights of the score's parts, as for `ponte serve --weights`.
    #[arg(long, env = "PONTE_WEIGHTS")]
    pub weights: Option<PathBuf>,
    /// The actor: a slug (`kaist`), a compact IRI (`ror:…`) or a whole IRI.
    pub actor: String,
    /// Only partners these filters keep, as on `/api/match`.
    #[command(flatten)]
    pub filters: ponte_app::request::Filters,
    /// Only partners of this kind (a class name such as University).
    #[arg(long)]
    pub kind: Option<String>,
    /// Leave out partners already linked to the actor.
    #[arg(long)]
    pub exclude_connected: bool,
    /// How many suggestions.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// ROR v2 records, one JSON object per line (`.jsonl`, or `.jsonl.gz`), into
    /// https://w3id.org/ponte/graph/ror; atomic, and a second run of the same file changes nothing.
    Ror(RorArgs),
}

#[derive(Args)]
pub struct RorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The ROR dump.
    pub file: PathBuf,
    /// What to do with a malformed record: `fail` (import nothing) or `skip` it.
    #[arg(long, default_value = "fail")]
    pub on_error: OnError,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    Fail,
    Skip,
}

#[derive(Args)]
pub struct StoreArgs {
    /// Directory of the on-disk store.
    #[arg(long, env = "PONTE_LOCATION", default_value = "ponte-data")]
    pub location: PathBuf,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Weights of the match score's parts, a JSON file as `ponte eval --fit --write-weights`
    /// writes it (a part it does not name keeps its documented weight).
    #[arg(long, env = "PONTE_WEIGHTS")]
    pub weights: Option<PathBuf>,
    /// Use an in-memory store instead of `--location` (lost at exit).
    #[arg(long, env = "PONTE_MEMORY", conflicts_with = "read_only")]
    pub memory: bool,
    /// Keep the data in another triple store instead of `--location`:
    /// `sparql:QUERY_URL,UPDATE_URL[,GSP_URL]` (credentials from PONTE_STORE_USER and
    /// PONTE_STORE_PASSWORD). Ponte answers from an in-memory copy of the graphs it keeps there
    /// and sends every write to it first (see docs/REMOTE.md).
    #[arg(long = "store", env = "PONTE_STORE", conflicts_with_all = ["memory", "read_only"])]
    pub remote: Option<String>,
    /// Seconds between two looks at the remote store for other processes' writes.
    #[arg(long, env = "PONTE_REMOTE_POLL", default_value_t = 0.5)]
    pub remote_poll: f64,
    /// Address to listen on.
    #[arg(long, env = "PONTE_BIND", default_value = "127.0.0.1:7878")]
    pub bind: String,
    /// Open the store read-only: every write is refused and nothing is seeded.
    #[arg(long, env = "PONTE_READ_ONLY")]
    pub read_only: bool,
    /// Bearer token required by every write; without one, the server accepts no write.
    #[arg(long, env = "PONTE_WRITE_TOKEN", hide_env_values = true)]
    pub write_token: Option<String>,
    /// Seconds after which a query is stopped and answered with 503.
    #[arg(long, env = "PONTE_QUERY_TIMEOUT", default_value_t = 30.0)]
    pub query_timeout: f64,
    /// Seconds after which a write (SPARQL update, Graph Store or REST write, import) is
    /// stopped, not applied, and answered with 503; waiting for the write lock counts.
    #[arg(long, env = "PONTE_WRITE_TIMEOUT", default_value_t = 120.0)]
    pub write_timeout: f64,
    /// Evaluations allowed at once (default: twice the cores, at least 4).
    #[arg(long, env = "PONTE_MAX_CONCURRENT_QUERIES")]
    pub max_concurrent_queries: Option<usize>,
    /// Most client connections open at once; at the cap a new client closes the oldest
    /// connection with no request in progress. A request's headers must arrive within 10 s.
    #[arg(long, env = "PONTE_MAX_CONNECTIONS", default_value_t = ponte_server::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a connection may stay idle (no request begun, nothing sent or read) before it
    /// is closed.
    #[arg(long, env = "PONTE_IDLE_TIMEOUT", default_value_t = ponte_server::DEFAULT_IDLE_TIMEOUT.as_secs_f64())]
    pub idle_timeout: f64,
    /// Largest SPARQL query or form body read from a client without the write token, in
    /// bytes; a larger one is 413 before it is read.
    #[arg(long, env = "PONTE_MAX_QUERY_BYTES", default_value_t = ponte_server::DEFAULT_MAX_QUERY_BYTES)]
    pub max_query_bytes: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PONTE_MAX_BODY_BYTES", default_value_t = 64 << 20)]
    pub max_body_bytes: usize,
    /// Largest answer, in bytes; a bigger one is refused rather than cut off.
    #[arg(long, env = "PONTE_MAX_RESULT_BYTES", default_value_t = ponte_server::DEFAULT_MAX_RESULT_BYTES)]
    pub max_result_bytes: usize,
    /// Bytes of one SPARQL answer kept in memory; a larger one is written to a temporary file
    /// (still complete before its first byte is sent), so memory stays bounded.
    #[arg(long, env = "PONTE_RESULT_MEMORY_BYTES", default_value_t = ponte_server::DEFAULT_RESULT_MEMORY_BYTES)]
    pub result_memory_bytes: usize,
    /// Directory of those temporary files (default: the system's temporary directory).
    #[arg(long, env = "PONTE_SPILL_DIR")]
    pub spill_dir: Option<std::path::PathBuf>,
    /// Bytes one query's evaluation may hold in memory (sorting, grouping, DISTINCT, joins);
    /// a query that needs more is stopped with 422.
    #[arg(long, env = "PONTE_MAX_QUERY_MEMORY", default_value_t = ponte_server::DEFAULT_MAX_QUERY_MEMORY)]
    pub max_query_memory: usize,
    /// Bytes one write may hold in memory (its parsed data, the transaction, its
    /// validation); a write that needs more is stopped with 413 and nothing is applied.
    #[arg(long, env = "PONTE_MAX_WRITE_MEMORY", default_value_t = ponte_server::DEFAULT_MAX_WRITE_MEMORY)]
    pub max_write_memory: usize,
    /// Directory where `POST /backups` (with the write token) puts online backups of the
    /// store; without it, backups over HTTP are off.
    #[arg(long, env = "PONTE_BACKUP_DIR")]
    pub backup_dir: Option<std::path::PathBuf>,
    /// Bytes of query answers kept between writes, so a repeated query costs a lookup; any
    /// write empties it. 0 switches it off.
    #[arg(long, env = "PONTE_RESULT_CACHE_BYTES", default_value_t = ponte_server::DEFAULT_RESULT_CACHE_BYTES)]
    pub result_cache_bytes: usize,
    /// Whether a query's default graph is the union of all graphs.
    #[arg(long, env = "PONTE_UNION_DEFAULT_GRAPH", default_value_t = true, action = clap::ArgAction::Set)]
    pub union_default_graph: bool,
    /// The URL clients reach this server at, when a proxy or TLS sits in front
    /// (e.g. https://ponte.example.org); used in minted IRIs instead of the Host header.
    #[arg(long, env = "PONTE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A `Host` header value (host and port, e.g. ponte.lan:7878) trusted in minted IRIs when
    /// there is no --public-url (repeat the flag, or comma-separate in the variable). The
    /// address listened on and its loopback names are always trusted; any other Host is
    /// replaced by the address listened on.
    #[arg(
        long = "allowed-host",
        env = "PONTE_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// A remote SPARQL endpoint `SERVICE` may call (repeat the flag, or comma-separate in the
    /// variable); with none, every `SERVICE` is refused. `LOAD` is always refused.
    #[arg(
        long = "federation-allow",
        env = "PONTE_FEDERATION_ALLOW",
        value_delimiter = ','
    )]
    pub federation_allow: Vec<String>,
}

#[derive(Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Files to load (format from the extension unless `--format`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Named graph for the triples (triple formats only); default: the default graph.
    #[arg(long)]
    pub graph: Option<String>,
    /// Format of every file.
    #[arg(long)]
    pub format: Option<RdfFormatName>,
    /// Load without checking the data against the SHACL shapes: only for data already checked
    /// (a `ponte dump`) or foreign to Ponte's ontology (benchmarks). Much faster on big files.
    #[arg(long)]
    pub skip_validation: bool,
}

#[derive(Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The SPARQL query.
    pub query: String,
    /// Output format: json, xml, csv or tsv for SELECT/ASK (default json); turtle, ntriples,
    /// nquads, trig, rdfxml or jsonld for CONSTRUCT/DESCRIBE (default turtle).
    #[arg(long)]
    pub format: Option<OutputName>,
    /// Seconds after which the query is stopped.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The new directory to back up into.
    pub target: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup's directory (it holds `ponte-backup.txt` and `store/`).
    pub backup: PathBuf,
    /// The new location of the restored store.
    #[arg(long)]
    pub location: PathBuf,
}

#[derive(Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format (a dataset format, to keep the named graphs).
    #[arg(long, default_value = "nquads")]
    pub format: RdfFormatName,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RdfFormatName {
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

/// What `ponte query` writes: SPARQL results for SELECT and ASK, RDF for CONSTRUCT and
/// DESCRIBE.
#[derive(Clone, Copy)]
pub enum OutputName {
    /// `json`, `xml`, `csv` or `tsv`.
    Results(QueryResultsFormat),
    /// One of the RDF formats.
    Rdf(RdfFormatName),
}

impl std::str::FromStr for OutputName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let results =
            match name.to_ascii_lowercase().as_str() {
                "json" => QueryResultsFormat::Json,
                "xml" => QueryResultsFormat::Xml,
                "csv" => QueryResultsFormat::Csv,
                "tsv" => QueryResultsFormat::Tsv,
                _ => {
                    return RdfFormatName::from_str(name, true).map(Self::Rdf).map_err(|_| {
                    "not json, xml, csv, tsv, turtle, ntriples, nquads, trig, rdfxml or jsonld"
                        .to_owned()
                });
                }
            };
        Ok(Self::Results(results))
    }
}
