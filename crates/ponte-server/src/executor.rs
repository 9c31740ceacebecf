//! Runs store work on its own worker threads under the server's limits: a bounded number of
//! evaluations at once, a deadline that cancels the evaluation itself (not just the wait), and
//! cancellation when the client goes away.
//!
//! The workers have large stacks because oxigraph parses and evaluates recursively: a long but
//! legal query (thousands of chained `UNION`s) must not depend on the caller's runtime settings.

use crate::problem::Problem;
use crossbeam_channel::{Sender, unbounded};
use ponte_store::{CancellationToken, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};
use tokio::time::Instant;

/// Admission and time limits shared by all requests.
#[derive(Clone)]
pub struct Executor {
    permits: Arc<Semaphore>,
    max_concurrent: usize,
    timeout: Duration,
    write_timeout: Duration,
    jobs: Sender<Job>,
}

/// How long a write that missed its deadline may take to stop before the client is answered:
/// writes check their token between batches and before committing, so they stop within it.
const WRITE_STOP_GRACE: Duration = Duration::from_secs(1);

type Job = Box<dyn FnOnce() + Send>;

/// Stack of each worker thread.
const WORKER_STACK_BYTES: usize = 64 << 20;

/// Cancels the token when dropped: if the handler's future is dropped because the client
/// disconnected, the evaluation stops too.
struct CancelOnDrop(Option<CancellationToken>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

impl Executor {
    /// At most `max_concurrent` evaluations at once, each query stopped after `timeout` and
    /// each write after `write_timeout`.
    pub fn new(max_concurrent: usize, timeout: Duration, write_timeout: Duration) -> Self {
        let max_concurrent = max_concurrent.max(1);
        // One worker per permit: a request holding a permit always finds a free worker. The
        // workers end when the last `Executor` clone (and so the sender) is dropped.
        // crossbeam's receivers spin briefly before sleeping, which saves a futex wake-up per
        // request when requests come back to back.
        let (jobs, receiver) = unbounded::<Job>();
        for i in 0..max_concurrent {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("ponte-eval-{i}"))
                .stack_size(WORKER_STACK_BYTES)
                .spawn(move || {
                    while let Ok(job) = receiver.recv() {
                        job();
                    }
                })
                .expect("spawn an evaluation worker");
        }
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent)),
            max_concurrent,
            timeout,
            write_timeout,
            jobs,
        }
    }

    /// Evaluations running now, including cancelled ones that have not stopped yet.
    pub fn running(&self) -> usize {
        self.max_concurrent - self.permits.available_permits()
    }

    /// Runs `work` with a fresh cancellation token. Waiting for a slot counts against the
    /// deadline; when the deadline passes the token is cancelled (the store checks it on every
    /// quad it reads) and a 503 is returned at once. The slot is held until the work has really
    /// stopped, so cancelled work cannot pile up.
    pub async fn run<T: Send + 'static, E: Into<Problem> + Send + 'static>(
        &self,
        work: impl FnOnce(CancellationToken) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Problem> {
        self.run_within(self.timeout, false, work).await
    }

    /// Runs a write as [`run`](Self::run) runs a query, under the write time limit. At the
    /// deadline the token is cancelled and the answer waits (up to a second) for the write to
    /// stop, so that it tells the truth: a write that committed just before its deadline is a
    /// success, one that stopped is a 503, and either way the write lock is free again.
    pub async fn run_write<T: Send + 'static, E: Into<Problem> + Send + 'static>(
        &self,
        work: impl FnOnce(CancellationToken) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Problem> {
        self.run_within(self.write_timeout, true, work).await
    }

    async fn run_within<T: Send + 'static, E: Into<Problem> + Send + 'static>(
        &self,
        timeout: Duration,
        is_write: bool,
        work: impl FnOnce(CancellationToken) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Problem> {
        let deadline = Instant::now() + timeout;
        let seconds = timeout.as_secs_f64();
        let permit = tokio::time::timeout_at(deadline, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| {
                Problem::busy(format!(
                    "no evaluation slot became free within the {seconds} s limit; retry later"
                ))
            })?
            .map_err(|_| Problem::unavailable("Shutting down", "the server is shutting down"))?;
        let token = CancellationToken::new();
        let mut guard = CancelOnDrop(Some(token.clone()));
        let (sender, mut receiver) = oneshot::channel();
        let job_token = token.clone();
        let job: Job = Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(job_token)));
            drop(permit);
            let _client_gone = sender.send(result);
        });
        if self.jobs.send(job).is_err() {
            return Err(Problem::unavailable(
                "Shutting down",
                "the server is shutting down",
            ));
        }
        let mut result = tokio::time::timeout_at(deadline, &mut receiver).await;
        if is_write && result.is_err() {
            guard.0 = None;
            token.cancel();
            result = tokio::time::timeout(WRITE_STOP_GRACE, &mut receiver).await;
        }
        match result {
            Ok(Ok(Ok(result))) => {
                guard.0 = None;
                match result {
                    Ok(value) => Ok(value),
                    // It failed because it was stopped at the deadline (or failed anyway):
                    // either way nothing was applied.
                    Err(_) if is_write && token.is_cancelled() => Err(write_timeout(seconds)),
                    Err(error) => Err(error.into()),
                }
            }
            Ok(Ok(Err(_panic))) => {
                tracing::error!("evaluation panicked");
                Err(Problem::from(StoreError::Internal(
                    "evaluation panicked".into(),
                )))
            }
            Ok(Err(_closed)) => Err(Problem::from(StoreError::Internal(
                "evaluation worker stopped".into(),
            ))),
            Err(_elapsed) => {
                // Cancels a query's evaluation; a write's token is cancelled already.
                drop(guard);
                Err(if is_write {
                    write_timeout(seconds)
                } else {
                    Problem::unavailable(
                        "Query timeout",
                        format!("the evaluation was stopped after the {seconds} s time limit"),
                    )
                })
            }
        }
    }
}

/// The 503 of a write stopped at its time limit.
fn write_timeout(seconds: f64) -> Problem {
    Problem::unavailable(
        "Write timeout",
        format!("the write was stopped after the {seconds} s write time limit and not applied"),
    )
}
