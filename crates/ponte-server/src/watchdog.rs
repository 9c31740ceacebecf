//! The watchdog of evaluations that run on their connection's own task: it cancels an
//! evaluation when its deadline passes or its client goes away, which the blocked task cannot
//! notice by itself.
//!
//! One thread looks at every watched evaluation each [`TICK`]: a clock comparison, and a peek
//! at the client's socket (a duplicate of the connection's descriptor), which reads end of
//! stream or an error once the client has closed or reset the connection. It ticks whether or
//! not anything is watched, so that starting an evaluation never has to wake it.

use ponte_store::CancellationToken;
use socket2::Socket;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How often the watchdog looks: the most a deadline or a departure is noticed late.
const TICK: Duration = Duration::from_millis(20);

/// One watched evaluation.
struct Watched {
    token: CancellationToken,
    deadline: Instant,
    client: Arc<Socket>,
    /// Set when the watchdog cancelled it at its deadline.
    timed_out: AtomicBool,
}

type WatchList = Mutex<Vec<Arc<Watched>>>;

/// The watched evaluations and the thread that looks at them (started on first use; it ends
/// when the last clone of its [`Watchdog`] is dropped).
#[derive(Default, Clone)]
pub(crate) struct Watchdog {
    watched: Arc<WatchList>,
    started: Arc<OnceLock<bool>>,
}

/// An evaluation under watch until dropped.
pub(crate) struct Watch {
    watched: Arc<WatchList>,
    entry: Arc<Watched>,
}

impl Watchdog {
    /// Watches an evaluation: `token` is cancelled at `deadline`, or as soon as `client` has
    /// gone. `None` if the watchdog thread could not be started (the caller then runs the
    /// evaluation where a blocked task is not needed to stop it).
    pub(crate) fn watch(
        &self,
        token: CancellationToken,
        deadline: Instant,
        client: Arc<Socket>,
    ) -> Option<Watch> {
        if !*self.started.get_or_init(|| self.start()) {
            return None;
        }
        let entry = Arc::new(Watched {
            token,
            deadline,
            client,
            timed_out: AtomicBool::new(false),
        });
        lock(&self.watched).push(Arc::clone(&entry));
        Some(Watch {
            watched: Arc::clone(&self.watched),
            entry,
        })
    }

    fn start(&self) -> bool {
        let watched = Arc::downgrade(&self.watched);
        std::thread::Builder::new()
            .name("ponte-watchdog".into())
            .spawn(move || look_until_dropped(&watched))
            .map_err(|error| tracing::error!(%error, "cannot start the evaluation watchdog"))
            .is_ok()
    }
}

impl Watch {
    /// Whether the watchdog stopped the evaluation because its deadline passed.
    pub(crate) fn timed_out(&self) -> bool {
        self.entry.timed_out.load(Ordering::Acquire)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        lock(&self.watched).retain(|entry| !Arc::ptr_eq(entry, &self.entry));
    }
}

fn lock(watched: &WatchList) -> std::sync::MutexGuard<'_, Vec<Arc<Watched>>> {
    watched.lock().unwrap_or_else(PoisonError::into_inner)
}

fn look_until_dropped(watched: &Weak<WatchList>) {
    loop {
        std::thread::sleep(TICK);
        let Some(watched) = watched.upgrade() else {
            return;
        };
        let now = Instant::now();
        for entry in lock(&watched).iter() {
            if entry.token.is_cancelled() {
                continue;
            }
            if now >= entry.deadline {
                entry.timed_out.store(true, Ordering::Release);
                entry.token.cancel();
            } else if client_gone(&entry.client) {
                entry.token.cancel();
            }
        }
    }
}

/// Whether the peer has closed or reset the connection: a peek that reads end of stream or
/// fails. Pending bytes (a pipelined request) or nothing to read yet mean it is still there.
fn client_gone(client: &Socket) -> bool {
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    match client.peek(&mut byte) {
        Ok(read) => read == 0,
        Err(error) => !matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    /// The server's end of a loopback connection, non-blocking as Tokio leaves it.
    fn connected() -> (TcpStream, Arc<Socket>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server_end, _) = listener.accept().unwrap();
        server_end.set_nonblocking(true).unwrap();
        (client, Arc::new(Socket::from(server_end)))
    }

    fn cancelled_within(token: &CancellationToken, limit: Duration) -> bool {
        let started = Instant::now();
        while !token.is_cancelled() {
            if started.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    #[test]
    fn a_deadline_cancels_and_says_so() {
        let watchdog = Watchdog::default();
        let (_client, server_end) = connected();
        let token = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_millis(50);
        let watch = watchdog.watch(token.clone(), deadline, server_end).unwrap();
        assert!(cancelled_within(&token, Duration::from_secs(1)));
        assert!(Instant::now() >= deadline);
        assert!(watch.timed_out());
    }

    #[test]
    fn a_client_that_leaves_cancels_and_one_that_stays_or_sends_more_does_not() {
        let watchdog = Watchdog::default();
        let far = Instant::now() + Duration::from_secs(60);
        let (mut staying, staying_end) = connected();
        let (leaving, leaving_end) = connected();
        let stays = CancellationToken::new();
        let leaves = CancellationToken::new();
        let _stays = watchdog.watch(stays.clone(), far, staying_end).unwrap();
        let leaves_watch = watchdog.watch(leaves.clone(), far, leaving_end).unwrap();
        // A pipelined next request is not a departure.
        std::io::Write::write_all(&mut staying, b"GET / HTTP/1.1\r\n").unwrap();
        drop(leaving);
        assert!(cancelled_within(&leaves, Duration::from_secs(1)));
        assert!(!leaves_watch.timed_out());
        std::thread::sleep(TICK * 3);
        assert!(!stays.is_cancelled());
    }

    #[test]
    fn a_finished_evaluation_is_no_longer_watched() {
        let watchdog = Watchdog::default();
        let (_client, server_end) = connected();
        let token = CancellationToken::new();
        let watch = watchdog
            .watch(
                token.clone(),
                Instant::now() + Duration::from_millis(30),
                server_end,
            )
            .unwrap();
        drop(watch);
        assert!(lock(&watchdog.watched).is_empty());
        std::thread::sleep(TICK * 4);
        assert!(!token.is_cancelled());
    }
}
