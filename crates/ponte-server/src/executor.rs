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
    jobs: Sender<Job>,
}

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
    /// At most `max_concurrent` evaluations at once, each stopped after `timeout`.
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
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
        let deadline = Instant::now() + self.timeout;
        let seconds = self.timeout.as_secs_f64();
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
        let (sender, receiver) = oneshot::channel();
        let job: Job = Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(token)));
            drop(permit);
            let _client_gone = sender.send(result);
        });
        if self.jobs.send(job).is_err() {
            return Err(Problem::unavailable(
                "Shutting down",
                "the server is shutting down",
            ));
        }
        let result = tokio::time::timeout_at(deadline, receiver).await;
        match result {
            Ok(Ok(Ok(result))) => {
                guard.0 = None;
                result.map_err(Into::into)
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
                drop(guard);
                Err(Problem::unavailable(
                    "Query timeout",
                    format!("the evaluation was stopped after the {seconds} s time limit"),
                ))
            }
        }
    }
}
