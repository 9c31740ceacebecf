//! Personalized PageRank by forward push (Andersen, Chung, Lang 2006): only the seeds'
//! neighbourhood is touched, so one answer costs microseconds to milliseconds whatever the size
//! of the graph. An exact power iteration over the CSR is here too, to check the push against.

use crate::projection::Projection;
use std::collections::HashMap;

/// The probability of jumping back to the seeds at each step.
pub const ALPHA: f64 = 0.15;

/// Forward push from `seeds` (uniform restart): returns the approximate PageRank of every node
/// it reached. A node's residual is pushed while it exceeds `epsilon` times its degree, so the
/// error on each node is at most `epsilon` times its degree.
pub fn push(projection: &Projection, seeds: &[u32], epsilon: f64) -> HashMap<u32, f64> {
    let mut estimate: HashMap<u32, f64> = HashMap::new();
    let mut residual: HashMap<u32, f64> = HashMap::new();
    if seeds.is_empty() {
        return estimate;
    }
    let share = 1.0 / seeds.len() as f64;
    let mut queue = Vec::new();
    for &seed in seeds {
        *residual.entry(seed).or_default() += share;
        queue.push(seed);
    }
    while let Some(node) = queue.pop() {
        let degree = projection.degree(node);
        let r = residual.get(&node).copied().unwrap_or(0.0);
        // Edges are walkable both ways, so only an isolated seed has no neighbour: its walk
        // ends there (the same in `exact`).
        if r <= epsilon * degree.max(1) as f64 {
            continue;
        }
        *estimate.entry(node).or_default() += ALPHA * r;
        residual.insert(node, 0.0);
        if degree == 0 {
            continue;
        }
        let spread = (1.0 - ALPHA) * r / degree as f64;
        for neighbour in projection.neighbours(node) {
            let neighbour = *neighbour;
            let entry = residual.entry(neighbour).or_default();
            let before = *entry;
            *entry += spread;
            let threshold = epsilon * projection.degree(neighbour).max(1) as f64;
            // Queue a node once, when it first crosses its threshold.
            if before <= threshold && *entry > threshold {
                queue.push(neighbour);
            }
        }
    }
    estimate
}

/// Personalized PageRank by power iteration over every node, until the L1 change is below
/// `tolerance`: the reference the push is measured against.
pub fn exact(projection: &Projection, seeds: &[u32], tolerance: f64) -> Vec<f64> {
    let n = projection.node_count();
    let mut restart = vec![0.0; n];
    for &seed in seeds {
        restart[seed as usize] += 1.0 / seeds.len() as f64;
    }
    let mut rank = restart.clone();
    for _ in 0..200 {
        let mut next: Vec<f64> = restart.iter().map(|r| ALPHA * r).collect();
        for node in projection.nodes() {
            let degree = projection.degree(node);
            let mass = rank[node as usize];
            if degree == 0 {
                continue;
            }
            let spread = (1.0 - ALPHA) * mass / degree as f64;
            for neighbour in projection.neighbours(node) {
                next[*neighbour as usize] += spread;
            }
        }
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if change < tolerance {
            break;
        }
    }
    rank
}
