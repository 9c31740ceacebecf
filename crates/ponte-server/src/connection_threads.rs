//! The threads that serve connections: each serves one connection at a time on its own
//! single-threaded Tokio runtime, so that a request is read, evaluated and answered on one
//! thread with no hand-off between threads (as `oxigraph serve` does). A thread that finishes
//! a connection waits for the next one, and ends after [`IDLE_LIFETIME`] without one.
//!
//! There are at most [`MAX_THREADS`]: a thread costs about a megabyte of memory (the
//! allocator's per-thread pages) and a few milliseconds to start, which thousands of idle
//! connections must not be able to claim. Connections beyond them are served on the shared
//! runtime, with their queries evaluated on the evaluation workers.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::runtime::Runtime;

/// How long a thread with no connection to serve waits before it ends.
const IDLE_LIFETIME: Duration = Duration::from_secs(60);

/// Stack of each connection thread: queries are evaluated on it, and oxigraph parses and
/// evaluates recursively.
pub(crate) const STACK_BYTES: usize = 64 << 20;

/// Most connection threads alive at once.
pub(crate) const MAX_THREADS: usize = 64;

/// Name of the connection threads.
pub(crate) const THREAD_NAME: &str = "ponte-conn";

/// Serving one connection, given the thread's runtime.
pub(crate) type Job = Box<dyn FnOnce(&Runtime) + Send>;

/// The connection threads, started as needed.
pub(crate) struct ConnectionThreads {
    sender: Sender<Job>,
    receiver: Receiver<Job>,
    /// Threads waiting for a connection that no [`Reservation`] has counted on yet.
    idle: Arc<AtomicUsize>,
    /// Threads alive (serving, idle, or reserved and about to start).
    alive: Arc<AtomicUsize>,
    max_threads: usize,
}

/// A thread counted on for one connection: an idle one, or one to start.
pub(crate) struct Reservation<'a> {
    threads: &'a ConnectionThreads,
    /// Whether an idle thread was claimed (otherwise a new one is to start).
    idle: bool,
    used: bool,
}

impl ConnectionThreads {
    /// At most `max_threads` threads.
    pub(crate) fn new(max_threads: usize) -> Self {
        let (sender, receiver) = unbounded();
        Self {
            sender,
            receiver,
            idle: Arc::new(AtomicUsize::new(0)),
            alive: Arc::new(AtomicUsize::new(0)),
            max_threads,
        }
    }

    /// A thread for one more connection: an idle one, or a new one while there are fewer
    /// than the most; `None` when every thread is serving a connection.
    pub(crate) fn reserve(&self) -> Option<Reservation<'_>> {
        let idle = take_one(&self.idle);
        if !idle {
            self.alive
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    (n < self.max_threads).then_some(n + 1)
                })
                .ok()?;
        }
        Some(Reservation {
            threads: self,
            idle,
            used: false,
        })
    }
}

impl Reservation<'_> {
    /// Runs `job` on the reserved thread. If a new thread cannot be started the job is
    /// dropped (its connection closes) and the error logged.
    pub(crate) fn run(mut self, job: Job) {
        self.used = true;
        let threads = self.threads;
        if self.idle {
            // The claimed thread cannot retire: it retires only by taking an unclaimed count.
            let _sent = threads.sender.send(job);
            return;
        }
        let receiver = threads.receiver.clone();
        let idle = Arc::clone(&threads.idle);
        let alive = Arc::clone(&threads.alive);
        let started = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                serve_jobs(job, &receiver, &idle);
                alive.fetch_sub(1, Ordering::AcqRel);
            });
        if let Err(error) = started {
            threads.alive.fetch_sub(1, Ordering::AcqRel);
            tracing::error!(%error, "cannot start a connection thread: connection closed");
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.used {
            return;
        }
        if self.idle {
            self.threads.idle.fetch_add(1, Ordering::AcqRel);
        } else {
            self.threads.alive.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Takes one from `counter` if it is not zero.
fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
        .is_ok()
}

/// A connection thread: its first job, then whatever comes until it has been idle too long.
fn serve_jobs(first: Job, receiver: &Receiver<Job>, idle: &AtomicUsize) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot build a connection thread's runtime: connection closed");
            return;
        }
    };
    first(&runtime);
    loop {
        idle.fetch_add(1, Ordering::AcqRel);
        loop {
            match receiver.recv_timeout(IDLE_LIFETIME) {
                Ok(job) => {
                    job(&runtime);
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Retire only if no sender is counting on this thread.
                    if take_one(idle) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn jobs_run_on_named_threads_which_are_reused() {
        let threads = ConnectionThreads::new(4);
        let (done, finished) = mpsc::channel();
        let report = |done: mpsc::Sender<_>| -> Job {
            Box::new(move |runtime: &Runtime| {
                let flavor = runtime.block_on(async {
                    tokio::task::yield_now().await;
                    tokio::runtime::Handle::current().runtime_flavor()
                });
                let current = std::thread::current();
                let _ = done.send((current.name().map(str::to_owned), current.id(), flavor));
            })
        };
        threads.reserve().unwrap().run(report(done.clone()));
        let (name, first_id, flavor) = finished.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(name.as_deref(), Some(THREAD_NAME));
        assert_eq!(flavor, tokio::runtime::RuntimeFlavor::CurrentThread);
        // The thread is idle again: the next job is its.
        let started = std::time::Instant::now();
        while threads.idle.load(Ordering::Acquire) == 0 {
            assert!(started.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
        threads.reserve().unwrap().run(report(done));
        let (_, second_id, _) = finished.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first_id, second_id);
    }

    #[test]
    fn busy_threads_do_not_hold_up_a_new_connection_and_the_most_are_kept() {
        let threads = ConnectionThreads::new(2);
        let (release, blocked) = mpsc::channel::<()>();
        let blocked = Arc::new(std::sync::Mutex::new(blocked));
        let (done, finished) = mpsc::channel();
        for _ in 0..2 {
            let blocked = Arc::clone(&blocked);
            let done = done.clone();
            threads.reserve().unwrap().run(Box::new(move |_: &Runtime| {
                let _ = done.send(());
                let _ = blocked.lock().unwrap().recv();
            }));
        }
        // Both threads run at once; a third connection finds none.
        for _ in 0..2 {
            finished.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        assert!(threads.reserve().is_none());
        // An unused reservation gives its thread back.
        drop(release);
        let started = std::time::Instant::now();
        while threads.idle.load(Ordering::Acquire) < 2 {
            assert!(started.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(threads.reserve().unwrap());
        assert_eq!(threads.idle.load(Ordering::Acquire), 2);
        assert_eq!(threads.alive.load(Ordering::Acquire), 2);
    }
}
