//! The matchmaking benchmark behind `ponte bench-match`: build a generated ecosystem's
//! projection, time suggestions, and measure how well the push PageRank's top 10 agrees with
//! the exact one.

use crate::{NodeId, PUSH_EPSILON, Seed, Weights, generate, ppr, suggest};
use std::time::Instant;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// Actors generated.
    pub actors: usize,
    /// Nodes of the projection.
    pub nodes: usize,
    /// Edges of the projection.
    pub edges: usize,
    /// Seconds to generate and build the projection.
    pub build_seconds: f64,
    /// Median latency of one suggestion, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Mean share of the push top 10 that is in the exact top 10 (ties counted in).
    pub overlap: f64,
    /// The projection's heap size, in MiB.
    pub projection_mib: f64,
}

impl BenchRow {
    /// The Markdown table header the rows go under.
    pub const HEADER: &'static str = "| actors | nodes | edges | build s | p50 ms | p99 ms | push top-10 overlap | projection MiB | peak RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    /// The row, with the process's peak memory (`peak_mib`) as the last column.
    pub fn markdown(&self, peak_mib: f64) -> String {
        format!(
            "| {} | {} | {} | {:.2} | {:.3} | {:.3} | {:.2} | {:.0} | {:.0} |",
            self.actors,
            self.nodes,
            self.edges,
            self.build_seconds,
            self.p50_ms,
            self.p99_ms,
            self.overlap,
            self.projection_mib,
            peak_mib
        )
    }
}

/// Generates `actors` actors with `seed`, times `queries` suggestions and compares the push
/// PageRank's top 10 with the exact one for `overlap_seeds` actors.
pub fn run(actors: usize, seed: u64, queries: usize, overlap_seeds: usize) -> BenchRow {
    // Generated straight into the projection: the build time includes generating the data.
    let started = Instant::now();
    let projection = generate::projection(actors, seed);
    let build = started.elapsed();
    // The actors asked about, the same as `scripts/bench-match` asks the other tools about.
    let pick = |i: usize| {
        let k = generate::benchmark_actor(i, actors, seed);
        projection
            .id(&generate::actor_iri(k))
            .expect("generated actors are in the projection")
    };
    let weights = Weights::default();
    let mut latencies = Vec::with_capacity(queries);
    for i in 0..queries {
        let actor = pick(i);
        let started = Instant::now();
        let suggestions = suggest(
            &projection,
            &Seed::actor(&projection, actor),
            &weights,
            10,
            &|_| true,
        );
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(suggestions);
    }
    let mut overlap = 0.0;
    for i in 0..overlap_seeds {
        let seed = pick(i);
        // Ranked as the matcher ranks: PageRank over degree, whose push error is uniform.
        let normalised = |n: NodeId, v: f64| (n, v / projection.degree(n).max(1) as f64);
        let push: Vec<(NodeId, f64)> = ppr::push(&projection, &[seed], PUSH_EPSILON)
            .into_iter()
            .filter(|(n, _)| *n != seed)
            .map(|(n, v)| normalised(n, v))
            .collect();
        let exact: Vec<(NodeId, f64)> = projection
            .nodes()
            .zip(ppr::exact(&projection, &[seed], 1e-10))
            .map(|(n, v)| normalised(n, v))
            .filter(|(n, _)| *n != seed)
            .collect();
        overlap += top10_overlap(&push, &exact);
    }
    BenchRow {
        actors,
        nodes: projection.node_count(),
        edges: projection.edge_count(),
        build_seconds: build.as_secs_f64(),
        p50_ms: percentile(&mut latencies, 0.5),
        p99_ms: percentile(&mut latencies, 0.99),
        overlap: overlap / overlap_seeds.max(1) as f64,
        projection_mib: projection.heap_bytes() as f64 / (1 << 20) as f64,
    }
}

/// The `p` quantile of `values` (nearest rank); NaN when there are none.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

/// The ten best nodes of `scores`, best first, ties by node.
fn top10(scores: &[(NodeId, f64)]) -> Vec<(NodeId, f64)> {
    let mut scores = scores.to_vec();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scores.truncate(10);
    scores
}

/// The share of `approximate`'s top 10 that is in `exact`'s. A node ties into the exact top
/// 10 when its exact score reaches the tenth best: among equal scores, which ten are "the"
/// top ten is arbitrary.
pub fn top10_overlap(approximate: &[(NodeId, f64)], exact: &[(NodeId, f64)]) -> f64 {
    let tenth = top10(exact).last().map_or(0.0, |(_, v)| *v);
    let exact_of = |n: NodeId| exact.iter().find(|(m, _)| *m == n).map_or(0.0, |(_, v)| *v);
    top10(approximate)
        .iter()
        .filter(|(n, _)| exact_of(*n) >= tenth * (1.0 - 1e-9))
        .count() as f64
        / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NodeKind, ProjectionBuilder};

    #[test]
    fn ties_count_into_the_top_ten() {
        // Node ids are only made by a projection, so the scores are about one of 110 nodes.
        let mut builder = ProjectionBuilder::new();
        for n in 0..110 {
            builder.node(&format!("urn:n{n}"), NodeKind::Actor, None);
        }
        let node: Vec<NodeId> = builder.build().nodes().collect();
        let exact: Vec<(NodeId, f64)> = (0..20)
            .map(|n| (node[n], if n < 5 { 2.0 } else { 1.0 }))
            .collect();
        // The approximation picks other tied nodes than the exact order does: still all in.
        let approximate: Vec<(NodeId, f64)> =
            (0..5).chain(15..20).map(|n| (node[n], 1.0)).collect();
        assert_eq!(top10_overlap(&approximate, &exact), 1.0);
        let worse: Vec<(NodeId, f64)> = (100..110).map(|n| (node[n], 1.0)).collect();
        assert_eq!(top10_overlap(&worse, &exact), 0.0);
        assert_eq!(percentile(&mut [3.0, 1.0, 2.0], 0.5), 2.0);
    }

    #[test]
    fn a_small_run_measures_everything() {
        let row = run(300, 1, 20, 2);
        assert_eq!(row.actors, 300);
        assert!(row.nodes > 300 && row.edges > 0, "{row:?}");
        assert!(row.p50_ms > 0.0 && row.p99_ms >= row.p50_ms, "{row:?}");
        assert!((0.0..=1.0).contains(&row.overlap), "{row:?}");
        assert!(row.markdown(1.0).starts_with("| 300 |"));
    }
}
