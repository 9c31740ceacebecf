//! Matchmaking on the command line: `match` (the answer of `/api/match`), `eval`, `generate`
//! and `bench-match`.

use super::open_existing;
use crate::args::{BenchMatchArgs, EvalArgs, GenerateArgs, MatchArgs, PlanArgs};
use anyhow::Context;
use ponte_app::request::{MatchOptions, MatchRequest, MatchTarget};
use ponte_app::{App, vocab};
use std::io::Write;

/// The links the evaluation treats as partnerships: direct collaborations, and ROR's related,
/// parent and child organisations.
const PARTNERSHIPS: [&str; 4] = [
    vocab::COLLABORATES_WITH,
    "https://w3id.org/ponte/ontology#relatedOrganisation",
    "http://www.w3.org/ns/org#subOrganizationOf",
    "http://www.w3.org/ns/org#hasSubOrganization",
];

/// The base of the answer's own links on the command line: Ponte's permanent address.
const PERMANENT_BASE: &str = "https://w3id.org/ponte";

/// Prints the suggestions `GET /api/match` gives for the same request.
pub fn suggest(args: MatchArgs) -> anyhow::Result<()> {
    let app = App::new(open_existing(&args.store)?).with_weights(read_weights(&args.weights)?);
    let request = MatchRequest {
        target: MatchTarget {
            actor: Some(args.actor),
            exclude: args.exclude_connected.then(|| "connected".to_owned()),
        },
        options: MatchOptions {
            kind: args.kind,
            limit: Some(args.limit.to_string()),
            filters: args.filters,
        },
    };
    let mut answer = app.suggest(&request, PERMANENT_BASE)?;
    answer.head.context = vocab::CONTEXT_IRI.to_owned();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &answer)?;
    writeln!(out)?;
    Ok(())
}

/// Prints the plan `POST /api/plan` gives for the same request, or with only `--mission` the
/// follow-up `GET /api/plan?mission=…` gives.
pub fn plan(args: PlanArgs) -> anyhow::Result<()> {
    let app = App::new(open_existing(&args.store)?).with_weights(read_weights(&args.weights)?);
    let answer = match args.to {
        Some(to) => serde_json::to_value(app.plan(
            &ponte_app::PlanRequest {
                to,
                from: args.from,
                topics: args.topics,
                follow_up: args.mission,
                limit: args.limit,
            },
            PERMANENT_BASE,
        )?)?,
        None => serde_json::to_value(app.follow_up(
            &ponte_app::FollowUpRequest {
                mission: args.mission,
                limit: args.limit.map(|l| l.to_string()),
            },
            PERMANENT_BASE,
        )?)?,
    };
    let mut answer = answer;
    // The published context, as `ponte match` answers.
    answer["@context"] = vocab::CONTEXT_IRI.into();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &answer)?;
    writeln!(out)?;
    Ok(())
}

/// Writes a generated ecosystem as N-Triples.
pub fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let input = ponte_match::generate::ecosystem(args.actors, args.seed);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    ponte_match::generate::to_ntriples(&input, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Prints one Markdown row of the matchmaking benchmark.
pub fn bench(args: BenchMatchArgs) -> anyhow::Result<()> {
    let row = ponte_match::bench::run(args.actors, args.seed, args.queries, args.overlap_seeds);
    println!("{}", ponte_match::bench::BenchRow::HEADER);
    println!("{}", row.markdown(peak_memory_mib()));
    Ok(())
}

/// The process's peak resident memory, in MiB (NaN where `/proc` does not say).
fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// The match weights in `path` (`--weights`), or the documented ones.
pub fn read_weights(path: &Option<std::path::PathBuf>) -> anyhow::Result<ponte_app::Weights> {
    let Some(path) = path else {
        return Ok(ponte_app::Weights::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the weights file {}", path.display()))?;
    ponte_app::parse_weights(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Measures suggestion quality by link prediction, beside the baselines.
pub fn eval(args: EvalArgs) -> anyhow::Result<()> {
    let (input, source) = match args.generated {
        Some(actors) => (
            ponte_match::generate::ecosystem(actors, args.seed),
            format!("generated ecosystem, {actors} actors, seed {}", args.seed),
        ),
        None => {
            let store = open_existing(&args.store)?;
            let input = ponte_app::graph_input(&store)?;
            (input, format!("store at {}", args.store.location.display()))
        }
    };
    let is_partnership =
        |p: &str| PARTNERSHIPS.contains(&p) || p == ponte_match::generate::PARTNERSHIP;
    if args.fit {
        return fit(&input, &source, &is_partnership, &args);
    }
    let started = std::time::Instant::now();
    let result = ponte_match::eval::evaluate_with(
        &input,
        &is_partnership,
        args.share,
        args.queries,
        args.seed,
        &read_weights(&args.weights)?,
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
        ("Adamic-Adar alone", result.adamic_adar),
        ("personalized PageRank alone", result.pagerank),
        ("content similarity alone", result.content),
        ("same place, most connected", result.same_place),
    ] {
        println!("| {name} | {:.3} | {:.3} |", scores.hits_at_10, scores.mrr);
    }
    Ok(())
}

/// `ponte eval --fit`: the fitted weights beside the defaults, both measured on partnerships
/// the fit did not see; written out with `--write-weights`.
fn fit(
    input: &ponte_match::GraphInput,
    source: &str,
    is_partnership: &dyn Fn(&str) -> bool,
    args: &EvalArgs,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let fit = ponte_match::eval::fit(input, is_partnership, args.share, args.queries, args.seed);
    println!(
        "{source}: weights fitted on the partnerships hidden with seed {}, measured on those \
         hidden with seed {} ({} evaluations, {:.1} s)\n",
        args.seed.wrapping_add(1),
        args.seed,
        fit.rounds,
        started.elapsed().as_secs_f64()
    );
    println!("| part | default | fitted |\n|---|---:|---:|");
    for ((name, default), fitted) in ponte_match::PART_NAMES
        .iter()
        .zip(fit.defaults.values())
        .zip(fit.fitted.values())
    {
        println!("| {name} | {default:.3} | {fitted:.3} |");
    }
    println!("\n| weights | hits@10 | MRR |\n|---|---:|---:|");
    for (name, scores) in [
        ("default", fit.default_scores),
        ("fitted", fit.fitted_scores),
    ] {
        println!("| {name} | {:.3} | {:.3} |", scores.hits_at_10, scores.mrr);
    }
    if let Some(path) = &args.write_weights {
        let json = serde_json::to_string_pretty(&ponte_app::weights_json(&fit.fitted))?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "\nwrote {} (ponte serve --weights {})",
            path.display(),
            path.display()
        );
    }
    Ok(())
}
