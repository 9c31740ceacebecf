//! Personalized PageRank by forward push (Andersen, Chung, Lang 2006): only the seeds'
//! neighbourhood is touched, so one answer costs microseconds to milliseconds whatever the size
//! of the graph. An exact power iteration over the CSR is here too, to check the push against.

use crate::projection::{NodeId, Projection};
use std::collections::HashMap;

/// The probability of jumping back to the seeds at each step.
pub const ALPHA: f64 = 0.15;

/// Forward push from `seeds` (uniform restart): returns the approximate PageRank of every node
/// it reached. A node's residual is pushed while it exceeds `epsilon` times its degree, so the
/// error on each node is at most `epsilon` times its degree: the PageRank divided by the degree,
/// which is what the matcher ranks by, is within `epsilon` everywhere.
pub fn push(projection: &Projection, seeds: &[NodeId], epsilon: f64) -> HashMap<NodeId, f64> {
    push_sparse(projection, seeds, epsilon)
        .into_iter()
        .collect()
}

/// [`push`] as a list of the nodes reached and their estimates, in no particular order: no
/// hashing, for the matcher's hot path.
pub fn push_sparse(projection: &Projection, seeds: &[NodeId], epsilon: f64) -> Vec<(NodeId, f64)> {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        scratch.run(projection, seeds, epsilon)
    })
}

thread_local! {
    /// Dense arrays reused between pushes on one thread: only the entries a push touched are
    /// reset, so a push costs what it visits, not the size of the graph.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

#[derive(Default)]
struct Scratch {
    estimate: Vec<f64>,
    residual: Vec<f64>,
    touched: Vec<NodeId>,
    queue: Vec<NodeId>,
}

impl Scratch {
    fn run(
        &mut self,
        projection: &Projection,
        seeds: &[NodeId],
        epsilon: f64,
    ) -> Vec<(NodeId, f64)> {
        let n = projection.node_count();
        if self.estimate.len() < n {
            self.estimate.resize(n, 0.0);
            self.residual.resize(n, 0.0);
        }
        let mut answer = Vec::new();
        if seeds.is_empty() {
            return answer;
        }
        let share = 1.0 / seeds.len() as f64;
        for &seed in seeds {
            self.touch(seed);
            self.residual[seed.index()] += share;
            self.queue.push(seed);
        }
        while let Some(node) = self.queue.pop() {
            let degree = projection.degree(node);
            let r = self.residual[node.index()];
            // Edges are walkable both ways, so only an isolated seed has no neighbour: its
            // walk ends there (the same in `exact`).
            if r <= epsilon * degree.max(1) as f64 {
                continue;
            }
            self.estimate[node.index()] += ALPHA * r;
            self.residual[node.index()] = 0.0;
            if degree == 0 {
                continue;
            }
            let spread = (1.0 - ALPHA) * r / degree as f64;
            for neighbour in projection.neighbours(node) {
                self.touch(neighbour);
                let before = self.residual[neighbour.index()];
                let after = before + spread;
                self.residual[neighbour.index()] = after;
                let threshold = epsilon * projection.degree(neighbour).max(1) as f64;
                // Queue a node once, when it first crosses its threshold.
                if before <= threshold && after > threshold {
                    self.queue.push(neighbour);
                }
            }
        }
        answer.reserve(self.touched.len());
        for &node in &self.touched {
            let value = self.estimate[node.index()];
            if value > 0.0 {
                answer.push((node, value));
            }
            self.estimate[node.index()] = 0.0;
            self.residual[node.index()] = 0.0;
        }
        self.touched.clear();
        answer
    }

    /// Records that a push wrote to `node` (the first time its residual is zero and unseen).
    fn touch(&mut self, node: NodeId) {
        if self.residual[node.index()] == 0.0 && self.estimate[node.index()] == 0.0 {
            self.touched.push(node);
        }
    }
}

/// Personalized PageRank by power iteration over every node, until the L1 change is below
/// `tolerance`: the reference the push is measured against. The answer is indexed by
/// [`NodeId::index`].
pub fn exact(projection: &Projection, seeds: &[NodeId], tolerance: f64) -> Vec<f64> {
    let n = projection.node_count();
    let mut restart = vec![0.0; n];
    for &seed in seeds {
        restart[seed.index()] += 1.0 / seeds.len() as f64;
    }
    let mut rank = restart.clone();
    for _ in 0..200 {
        let mut next: Vec<f64> = restart.iter().map(|r| ALPHA * r).collect();
        for node in projection.nodes() {
            let degree = projection.degree(node);
            let mass = rank[node.index()];
            if degree == 0 {
                continue;
            }
            let spread = (1.0 - ALPHA) * mass / degree as f64;
            for neighbour in projection.neighbours(node) {
                next[neighbour.index()] += spread;
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
