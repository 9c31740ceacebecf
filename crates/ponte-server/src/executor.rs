//! Runs store work on its own worker threads under the server's limits: a bounded number of
//! evaluations at once, a deadline that cancels the evaluation itself (not just the wait), and
//! cancellation when the client goes away.
//!
//! A query asked on an HTTP/1 connection that has a thread of its own (see
//! `connection_threads`) is evaluated on that thread, which it blocks: a [`Watchdog`] cancels the
//! evaluation at its deadline or when the client leaves, which the blocked thread cannot see.
//! This saves the two thread wake-ups of a hand-off, which on a small query cost more time
//! than the evaluation. Everything else (writes, HTTP/2 streams, in-process callers) runs on
//! the evaluation workers.
//!
//! Every thread that evaluates has a large stack because oxigraph parses and evaluates
//! recursively: a long but legal query (thousands of chained `UNION`s) must not depend on the
//! caller's runtime settings.

use crate::problem::Problem;
use crate::watchdog::{LONG_AFTER, LONG_WHEN_CROWDED, Stop, Watch, Watchdog, Watched};
use axum::http::StatusCode;
use crossbeam_channel::{Sender, unbounded};
use ponte_store::{CancellationToken, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::time::Instant;

tokio::task_local! {
    /// The client's socket (a duplicate of the connection's descriptor), for requests of an
    /// HTTP/1 connection on its connection thread: they may be evaluated on this task.
    pub(crate) static CLIENT_SOCKET: Arc<socket2::Socket>;
}

/// Admission and time limits shared by all requests.
#[derive(Clone)]
pub struct Executor {
    permits: Arc<Semaphore>,
    max_concurrent: usize,
    timeout: Duration,
    write_timeout: Duration,
    /// The most bytes one write may hold.
    write_memory_budget: usize,
    jobs: Sender<Job>,
    watchdog: Watchdog,
}

/// How long a write that missed its deadline may take to stop before the client is answered:
/// writes check their token between batches and before committing, so they stop within it.
const WRITE_STOP_GRACE: Duration = Duration::from_secs(1);

type Job = Box<dyn FnOnce() + Send>;

/// Stack of each worker thread (as large as a connection thread's).
const WORKER_STACK_BYTES: usize = crate::connection_threads::STACK_BYTES;

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
    /// each write after `write_timeout`. Half of them (at least one) may be long: a query
    /// that runs past [`LONG_AFTER`] (sooner while others wait) gives its slot back and takes a long slot, or is stopped
    /// with a 429 when there is none, so that heavy queries never hold every slot. A query
    /// whose evaluation holds more than `memory_budget` bytes is stopped with a 422, a write
    /// that holds more than `write_memory_budget` with a 413 (nothing applied).
    pub fn new(
        max_concurrent: usize,
        timeout: Duration,
        write_timeout: Duration,
        memory_budget: usize,
        write_memory_budget: usize,
    ) -> Self {
        let max_concurrent = max_concurrent.max(1);
        let watchdog = Watchdog::new(max_concurrent / 2, memory_budget);
        // One worker per slot, long ones included: a request holding a slot always finds a
        // free worker. The workers end when the last `Executor` clone (and so the sender) is
        // dropped.
        // crossbeam's receivers spin briefly before sleeping, which saves a futex wake-up per
        // request when requests come back to back.
        let (jobs, receiver) = unbounded::<Job>();
        for i in 0..max_concurrent + watchdog.max_long() {
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
            write_memory_budget,
            jobs,
            watchdog,
        }
    }

    /// Evaluations running now, including cancelled ones that have not stopped yet.
    pub fn running(&self) -> usize {
        self.max_concurrent - self.permits.available_permits() + self.watchdog.long_running()
    }

    /// Runs `work` with a fresh cancellation token. Waiting for a slot counts against the
    /// deadline; when the deadline passes the token is cancelled (the evaluator checks it on
    /// every row) and the answer is a 503. The slot is held until the work has really stopped,
    /// so cancelled work cannot pile up.
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
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Every slot is taken: while this request waits, running queries count as
                // long sooner, so young heavy ones make room for it.
                let _waiting = self.watchdog.waiting();
                tokio::time::timeout_at(deadline, Arc::clone(&self.permits).acquire_owned())
                    .await
                    .map_err(|_| {
                        Problem::busy(format!(
                            "no evaluation slot became free within the {seconds} s limit; \
                             retry later"
                        ))
                    })?
                    .map_err(|_| {
                        Problem::unavailable("Shutting down", "the server is shutting down")
                    })?
            }
        };
        let token = CancellationToken::new();
        if is_write {
            // A write must be answered at its deadline even if it is slow to stop, and it gets
            // its grace period there; it may run as long as its limit allows, watched for
            // its memory only.
            let held = match self.watchdog.watch_write(
                token.clone(),
                deadline.into_std(),
                permit,
                self.write_memory_budget,
            ) {
                Ok(watch) => Held::Watch(watch),
                Err(permit) => Held::Slot(permit),
            };
            return self
                .run_on_worker(held, token, deadline, seconds, true, work)
                .await;
        }
        let client = CLIENT_SOCKET.try_with(Arc::clone).ok();
        let on_own_thread = client.is_some();
        let held = match self
            .watchdog
            .watch(token.clone(), deadline.into_std(), client, permit)
        {
            Ok(watch) if on_own_thread => return self.run_here(watch, token, seconds, work),
            Ok(watch) => Held::Watch(watch),
            // No watchdog: the evaluation worker's own deadline and disconnect checks.
            Err(permit) => Held::Slot(permit),
        };
        self.run_on_worker(held, token, deadline, seconds, false, work)
            .await
    }

    /// Runs a query on this task, blocking its thread, under the watchdog's eye.
    fn run_here<T, E: Into<Problem>>(
        &self,
        watch: Watch,
        token: CancellationToken,
        seconds: f64,
        work: impl FnOnce(CancellationToken) -> Result<T, E>,
    ) -> Result<T, Problem> {
        let watched = watch.watched();
        let result = evaluate_counted(Some(&watched), || work(token));
        drop(watch);
        match (watched.stopped(), result) {
            (Some(Stop::Deadline), _) => Err(query_timeout(seconds)),
            (Some(Stop::OverMemory), Err(_) | Ok(Err(_))) => Err(self.over_memory()),
            (Some(Stop::OverShare), Err(_) | Ok(Err(_))) => Err(self.over_share(seconds)),
            (Some(Stop::OverClientShare), Err(_) | Ok(Err(_))) => {
                Err(self.over_client_share(seconds))
            }
            (_, Ok(Ok(value))) => Ok(value),
            (_, Ok(Err(error))) => Err(error.into()),
            (_, Err(_panic)) => Err(panicked()),
        }
    }

    /// The 422 of a query stopped for holding more memory than its budget.
    fn over_memory(&self) -> Problem {
        let budget = self.watchdog.memory_budget();
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Query over its memory budget",
            format!(
                "the evaluation held more than {} MiB (--max-query-memory) and was stopped; \
                 sorting, grouping, DISTINCT and joins keep their rows in memory: narrow the \
                 query, add a LIMIT, or ask the operator for a larger budget",
                budget >> 20
            ),
        )
        .with("limit", budget)
    }

    /// The 413 of a write stopped for holding more memory than its budget.
    fn write_over_memory(&self) -> Problem {
        let budget = self.write_memory_budget;
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Write over its memory budget",
            format!(
                "the write held more than {} MiB (--max-write-memory) and was stopped; nothing \
                 was applied: send it in smaller parts, or load it with `ponte load`",
                budget >> 20
            ),
        )
        .with("limit", budget)
    }

    /// The 429 of a query stopped for running long beyond the share of long queries.
    fn over_share(&self, seconds: f64) -> Problem {
        Problem::over_share(
            format!(
                "the query ran past {} ms ({} ms while other requests waited for a slot) \
                 while {} other long queries were running, the most the server runs at once; \
                 retry later",
                LONG_AFTER.as_millis(),
                LONG_WHEN_CROWDED.as_millis(),
                self.watchdog.max_long()
            ),
            seconds.ceil() as u64,
        )
    }

    /// The 429 of a long query stopped to give its long slot to another client's.
    fn over_client_share(&self, seconds: f64) -> Problem {
        Problem::over_share(
            format!(
                "the query was stopped to make room for another client's long query: the server \
                 runs at most {} long queries at once and shares them between client addresses, \
                 and this address held at least two more than the other; retry later",
                self.watchdog.max_long()
            ),
            seconds.ceil() as u64,
        )
    }

    /// Runs `work` on an evaluation worker, holding its slot until it stops; the answer is
    /// given at the deadline (for a query) whether or not the work has stopped yet.
    async fn run_on_worker<T: Send + 'static, E: Into<Problem> + Send + 'static>(
        &self,
        held: Held,
        token: CancellationToken,
        deadline: Instant,
        seconds: f64,
        is_write: bool,
        work: impl FnOnce(CancellationToken) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Problem> {
        // What the watchdog says of it outlives the job, which drops the watch when done.
        let watched = held.watched();
        let mut guard = CancelOnDrop(Some(token.clone()));
        let (sender, mut receiver) = oneshot::channel();
        let job_token = token.clone();
        let job: Job = Box::new(move || {
            let result = evaluate_counted(held.watched().as_ref(), || work(job_token));
            drop(held);
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
        let stopped = || watched.as_ref().and_then(|w| w.stopped());
        match result {
            Ok(Ok(Ok(result))) => {
                guard.0 = None;
                match result {
                    Ok(value) => Ok(value),
                    // It failed because it was stopped over its budget or at the deadline (or
                    // failed anyway): either way nothing was applied.
                    Err(_) if is_write && stopped() == Some(Stop::OverMemory) => {
                        Err(self.write_over_memory())
                    }
                    Err(_) if is_write && token.is_cancelled() => Err(write_timeout(seconds)),
                    Err(_) if stopped() == Some(Stop::OverShare) => Err(self.over_share(seconds)),
                    Err(_) if stopped() == Some(Stop::OverClientShare) => {
                        Err(self.over_client_share(seconds))
                    }
                    Err(_) if stopped() == Some(Stop::OverMemory) => Err(self.over_memory()),
                    Err(error) => Err(error.into()),
                }
            }
            Ok(Ok(Err(_panic))) => Err(panicked()),
            Ok(Err(_closed)) => Err(Problem::from(StoreError::Internal(
                "evaluation worker stopped".into(),
            ))),
            Err(_elapsed) => {
                // Cancels a query's evaluation; a write's token is cancelled already.
                drop(guard);
                Err(if is_write {
                    write_timeout(seconds)
                } else {
                    query_timeout(seconds)
                })
            }
        }
    }
}

/// What an evaluation holds while it runs, given back when it is dropped.
enum Held {
    /// Its evaluation slot.
    Slot(#[allow(dead_code)] OwnedSemaphorePermit),
    /// Its watch, which holds its slot.
    Watch(Watch),
}

impl Held {
    /// What the watchdog knows of the evaluation, when it watches it.
    fn watched(&self) -> Option<Arc<Watched>> {
        match self {
            Self::Slot(_) => None,
            Self::Watch(watch) => Some(watch.watched()),
        }
    }
}

/// The problem of work that panicked (logged: it is a bug).
fn panicked() -> Problem {
    tracing::error!("evaluation panicked");
    Problem::from(StoreError::Internal("evaluation panicked".into()))
}

/// The 503 of a query stopped at its time limit.
fn query_timeout(seconds: f64) -> Problem {
    Problem::unavailable(
        "Query timeout",
        format!("the evaluation was stopped after the {seconds} s time limit"),
    )
}

/// The 503 of a write stopped at its time limit.
fn write_timeout(seconds: f64) -> Problem {
    Problem::unavailable(
        "Write timeout",
        format!("the write was stopped after the {seconds} s write time limit and not applied"),
    )
}
/// Runs `work` on this thread, catching a panic, with the thread's allocations counted into
/// `watched`'s memory (none for a write, which has no budget).
fn evaluate_counted<T>(
    watched: Option<&Arc<Watched>>,
    work: impl FnOnce() -> T,
) -> std::thread::Result<T> {
    let _counting = watched.map(|watched| ponte_memory::count_on_this_thread(watched.memory()));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
}
