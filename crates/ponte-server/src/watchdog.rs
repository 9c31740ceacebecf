//! The watchdog of query evaluations: it cancels an evaluation when its deadline passes or
//! its client goes away (which a task blocked in the evaluation cannot notice by itself), and
//! keeps long evaluations to their share.
//!
//! One thread looks at every watched evaluation each [`TICK`]: a clock comparison, and for an
//! evaluation on its connection's thread a peek at the client's socket (a duplicate of the
//! connection's descriptor), which reads end of stream or an error once the client has closed
//! or reset the connection. It ticks whether or not anything is watched, so that starting an
//! evaluation never has to wake it.
//!
//! **Memory**: an evaluation whose allocations (counted by `ponte_memory::CountingAllocator`) pass
//! the memory budget is stopped, and its client told which budget it passed.
//!
//! **Long evaluations** (running past [`LONG_AFTER`], or past [`LONG_WHEN_CROWDED`] while
//! another request waits for a slot) give back their evaluation slot and take one of the few
//! long slots instead; one that finds none free is stopped with a 429. So however many heavy
//! queries clients send, the evaluation slots keep room for short ones, and a short query that
//! finds every slot taken by young heavy ones waits tens of milliseconds, not a quarter second.

use ponte_store::CancellationToken;
use socket2::Socket;
use std::collections::HashMap;
use std::mem::MaybeUninit;
use std::net::IpAddr;
use std::sync::atomic::{AtomicIsize, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How often the watchdog looks: the most a deadline or a departure is noticed late.
const TICK: Duration = Duration::from_millis(20);

/// Time after which an evaluation counts as long.
pub(crate) const LONG_AFTER: Duration = Duration::from_millis(250);

/// Time after which an evaluation counts as long while a request waits for a slot: far above
/// a lookup's or a page's query (a few milliseconds), two ticks.
pub(crate) const LONG_WHEN_CROWDED: Duration = Duration::from_millis(40);

/// Why the watchdog stopped an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Its deadline passed.
    Deadline,
    /// It ran long while every long slot was taken.
    OverShare,
    /// It held more memory than its budget.
    OverMemory,
    /// It ran long for a client holding more long slots than another that needed one.
    OverClientShare,
}

const RUNNING: u8 = 0;
const STOPPED_AT_DEADLINE: u8 = 1;
const STOPPED_OVER_SHARE: u8 = 2;
const LONG: u8 = 3;
const STOPPED_OVER_MEMORY: u8 = 4;
/// Set only on a long evaluation, so one in this state still holds its long slot until its
/// watch is dropped.
const STOPPED_OVER_CLIENT_SHARE: u8 = 5;

/// One watched evaluation.
pub(crate) struct Watched {
    token: CancellationToken,
    started: Instant,
    deadline: Instant,
    /// The client's socket, for an evaluation that blocks its connection's thread.
    client: Option<Arc<Socket>>,
    /// The client's address, read from its socket once it matters (when the evaluation runs
    /// long), so the short queries pay nothing for it; `None` for an in-process caller.
    client_ip: OnceLock<Option<IpAddr>>,
    /// Running, long, or why it was stopped.
    state: AtomicU8,
    /// The evaluation slot it holds, then its long slot.
    slot: Mutex<Option<OwnedSemaphorePermit>>,
    /// Bytes its thread has allocated and not freed since it started (see `ponte_memory`).
    memory: Arc<AtomicIsize>,
    /// The most bytes it may hold.
    memory_budget: isize,
    /// A write: held to its deadline and its budget, never moved to a long slot.
    is_write: bool,
}

impl Watched {
    /// Why the watchdog stopped it, if it did.
    pub(crate) fn stopped(&self) -> Option<Stop> {
        match self.state.load(Ordering::Acquire) {
            STOPPED_AT_DEADLINE => Some(Stop::Deadline),
            STOPPED_OVER_SHARE => Some(Stop::OverShare),
            STOPPED_OVER_MEMORY => Some(Stop::OverMemory),
            STOPPED_OVER_CLIENT_SHARE => Some(Stop::OverClientShare),
            _ => None,
        }
    }

    /// The address of the client it runs for (IPv4-mapped addresses as IPv4).
    fn client_ip(&self) -> Option<IpAddr> {
        *self.client_ip.get_or_init(|| {
            let address = self.client.as_deref()?.peer_addr().ok()?.as_socket()?;
            Some(address.ip().to_canonical())
        })
    }

    /// Whether it holds a long slot and has not been stopped.
    fn is_long(&self) -> bool {
        self.state.load(Ordering::Acquire) == LONG && !self.token.is_cancelled()
    }

    /// The counter its evaluating thread adds its allocations to.
    pub(crate) fn memory(&self) -> &Arc<AtomicIsize> {
        &self.memory
    }
}

type WatchList = Mutex<Vec<Arc<Watched>>>;

/// The watched evaluations and the thread that looks at them (started on first use; it ends
/// when the last clone of its [`Watchdog`] is dropped).
#[derive(Clone)]
pub(crate) struct Watchdog {
    watched: Arc<WatchList>,
    started: Arc<OnceLock<bool>>,
    long_slots: Arc<Semaphore>,
    max_long: usize,
    /// Requests waiting for an evaluation slot.
    waiting: Arc<AtomicUsize>,
    /// The most bytes one evaluation may hold.
    memory_budget: usize,
}

/// A request counted as waiting for an evaluation slot until dropped.
pub(crate) struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An evaluation under watch until dropped (which frees its slot).
pub(crate) struct Watch {
    watched: Arc<WatchList>,
    entry: Arc<Watched>,
}

impl Watchdog {
    /// At most `max_long` long evaluations at once, each holding at most `memory_budget`
    /// bytes.
    pub(crate) fn new(max_long: usize, memory_budget: usize) -> Self {
        let max_long = max_long.max(1);
        Self {
            watched: Arc::default(),
            started: Arc::default(),
            long_slots: Arc::new(Semaphore::new(max_long)),
            max_long,
            waiting: Arc::default(),
            memory_budget,
        }
    }

    /// The most bytes one evaluation may hold.
    pub(crate) fn memory_budget(&self) -> usize {
        self.memory_budget
    }

    /// Counts a request as waiting for an evaluation slot while the guard lives: meanwhile
    /// evaluations count as long sooner ([`LONG_WHEN_CROWDED`]).
    pub(crate) fn waiting(&self) -> Waiting {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        Waiting(Arc::clone(&self.waiting))
    }

    /// Long slots in use.
    pub(crate) fn long_running(&self) -> usize {
        self.max_long - self.long_slots.available_permits()
    }

    /// The most long evaluations at once.
    pub(crate) fn max_long(&self) -> usize {
        self.max_long
    }

    /// Watches an evaluation holding `slot`: `token` is cancelled at `deadline`, as soon as
    /// `client` (if given) has gone, or when it runs long with no long slot free. The slot
    /// comes back if the watchdog thread could not be started.
    pub(crate) fn watch(
        &self,
        token: CancellationToken,
        deadline: Instant,
        client: Option<Arc<Socket>>,
        slot: OwnedSemaphorePermit,
    ) -> Result<Watch, OwnedSemaphorePermit> {
        self.watch_as(token, deadline, client, slot, self.memory_budget, false)
    }

    /// Watches a write holding `slot`: `token` is cancelled at `deadline` or once the write
    /// holds more than `memory_budget` bytes; it runs as long as its deadline allows.
    pub(crate) fn watch_write(
        &self,
        token: CancellationToken,
        deadline: Instant,
        slot: OwnedSemaphorePermit,
        memory_budget: usize,
    ) -> Result<Watch, OwnedSemaphorePermit> {
        self.watch_as(token, deadline, None, slot, memory_budget, true)
    }

    fn watch_as(
        &self,
        token: CancellationToken,
        deadline: Instant,
        client: Option<Arc<Socket>>,
        slot: OwnedSemaphorePermit,
        memory_budget: usize,
        is_write: bool,
    ) -> Result<Watch, OwnedSemaphorePermit> {
        if !*self.started.get_or_init(|| self.start()) {
            return Err(slot);
        }
        let entry = Arc::new(Watched {
            token,
            started: Instant::now(),
            deadline,
            client,
            client_ip: OnceLock::new(),
            state: AtomicU8::new(RUNNING),
            slot: Mutex::new(Some(slot)),
            memory: Arc::default(),
            memory_budget: isize::try_from(memory_budget).unwrap_or(isize::MAX),
            is_write,
        });
        lock(&self.watched).push(Arc::clone(&entry));
        Ok(Watch {
            watched: Arc::clone(&self.watched),
            entry,
        })
    }

    fn start(&self) -> bool {
        let watched = Arc::downgrade(&self.watched);
        let long_slots = Arc::clone(&self.long_slots);
        let waiting = Arc::clone(&self.waiting);
        std::thread::Builder::new()
            .name("ponte-watchdog".into())
            .spawn(move || look_until_dropped(&watched, &long_slots, &waiting))
            .map_err(|error| tracing::error!(%error, "cannot start the evaluation watchdog"))
            .is_ok()
    }
}

impl Watch {
    /// What the watchdog knows of the evaluation (it outlives the watch).
    pub(crate) fn watched(&self) -> Arc<Watched> {
        Arc::clone(&self.entry)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        lock(&self.watched).retain(|entry| !Arc::ptr_eq(entry, &self.entry));
        self.entry
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

fn lock(watched: &WatchList) -> std::sync::MutexGuard<'_, Vec<Arc<Watched>>> {
    watched.lock().unwrap_or_else(PoisonError::into_inner)
}

fn look_until_dropped(
    watched: &Weak<WatchList>,
    long_slots: &Arc<Semaphore>,
    waiting: &AtomicUsize,
) {
    loop {
        std::thread::sleep(TICK);
        let Some(watched) = watched.upgrade() else {
            return;
        };
        let now = Instant::now();
        let long_after = if waiting.load(Ordering::Acquire) > 0 {
            LONG_WHEN_CROWDED
        } else {
            LONG_AFTER
        };
        let limits = Limits { now, long_after };
        let watched = lock(&watched);
        for entry in watched.iter() {
            look_at(entry, &limits, long_slots, &watched);
        }
    }
}

/// What one look holds evaluations to.
struct Limits {
    now: Instant,
    /// Running this long makes an evaluation long.
    long_after: Duration,
}

/// Stops `entry` if it must stop, or moves it to a long slot once it has run long (making
/// room for it at the expense of a client over its share, see [`make_room`]).
fn look_at(entry: &Watched, limits: &Limits, long_slots: &Arc<Semaphore>, all: &[Arc<Watched>]) {
    let now = limits.now;
    if entry.token.is_cancelled() {
        return;
    }
    let stop = |state| {
        entry.state.store(state, Ordering::Release);
        entry.token.cancel();
    };
    if now >= entry.deadline {
        stop(STOPPED_AT_DEADLINE);
    } else if entry.client.as_deref().is_some_and(client_gone) {
        entry.token.cancel();
    } else if entry.memory.load(Ordering::Relaxed) > entry.memory_budget {
        stop(STOPPED_OVER_MEMORY);
    } else if !entry.is_write
        && entry.state.load(Ordering::Acquire) == RUNNING
        && now.duration_since(entry.started) >= limits.long_after
    {
        match Arc::clone(long_slots).try_acquire_owned() {
            Ok(long_slot) => {
                // Gives its evaluation slot back to the short queries.
                let mut slot = entry.slot.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.is_some() {
                    *slot = Some(long_slot);
                    entry.state.store(LONG, Ordering::Release);
                }
            }
            // Still running on its evaluation slot, it tries again at the next look.
            Err(_) if make_room(entry, all) => {}
            Err(_) => stop(STOPPED_OVER_SHARE),
        }
    }
}

/// Whether a long slot is about to come free for `entry`, which needs one while all are
/// taken: one is when an evaluation stopped for a client's share has not given its slot back
/// yet, or when some client holds at least two long slots more than `entry`'s client; then
/// that client's youngest long evaluation is stopped (a 429 telling it so). So each client
/// address gets its turn at the long slots: one client alone may use them all, and a second
/// one's heavy query is not refused because the first holds every one.
fn make_room(entry: &Watched, all: &[Arc<Watched>]) -> bool {
    let freeing = |e: &&Arc<Watched>| e.state.load(Ordering::Acquire) == STOPPED_OVER_CLIENT_SHARE;
    if all.iter().any(|e| freeing(&e)) {
        return true;
    }
    let mut long_by_client: HashMap<Option<IpAddr>, Vec<&Arc<Watched>>> = HashMap::new();
    for long in all.iter().filter(|e| e.is_long()) {
        long_by_client
            .entry(long.client_ip())
            .or_default()
            .push(long);
    }
    let mine = long_by_client.get(&entry.client_ip()).map_or(0, Vec::len);
    let busiest = long_by_client.into_values().max_by_key(Vec::len);
    match busiest {
        Some(theirs) if theirs.len() > mine + 1 => {
            if let Some(youngest) = theirs.into_iter().max_by_key(|e| e.started) {
                youngest
                    .state
                    .store(STOPPED_OVER_CLIENT_SHARE, Ordering::Release);
                youngest.token.cancel();
            }
            true
        }
        _ => false,
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

    /// The server's end of a loopback connection from `client_ip` (any 127.x address).
    fn connected_from(client_ip: &str) -> (Socket, Arc<Socket>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let from: std::net::SocketAddr = format!("{client_ip}:0").parse().unwrap();
        client.bind(&from.into()).unwrap();
        client
            .connect(&listener.local_addr().unwrap().into())
            .unwrap();
        let (server_end, _) = listener.accept().unwrap();
        server_end.set_nonblocking(true).unwrap();
        (client, Arc::new(Socket::from(server_end)))
    }

    fn slot(slots: &Arc<Semaphore>) -> OwnedSemaphorePermit {
        Arc::clone(slots).try_acquire_owned().unwrap()
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
        let watchdog = Watchdog::new(1, usize::MAX);
        let slots = Arc::new(Semaphore::new(1));
        let (_client, server_end) = connected();
        let token = CancellationToken::new();
        let deadline = Instant::now() + Duration::from_millis(50);
        let watch = watchdog
            .watch(token.clone(), deadline, Some(server_end), slot(&slots))
            .ok()
            .unwrap();
        assert!(cancelled_within(&token, Duration::from_secs(1)));
        assert!(Instant::now() >= deadline);
        assert_eq!(watch.watched().stopped(), Some(Stop::Deadline));
        drop(watch);
        assert_eq!(slots.available_permits(), 1, "the slot is free again");
    }

    #[test]
    fn a_client_that_leaves_cancels_and_one_that_stays_or_sends_more_does_not() {
        let watchdog = Watchdog::new(4, usize::MAX);
        let slots = Arc::new(Semaphore::new(2));
        // Far, but before they would count as long.
        let far = Instant::now() + LONG_AFTER - TICK;
        let (mut staying, staying_end) = connected();
        let (leaving, leaving_end) = connected();
        let stays = CancellationToken::new();
        let leaves = CancellationToken::new();
        let _stays = watchdog
            .watch(stays.clone(), far, Some(staying_end), slot(&slots))
            .ok()
            .unwrap();
        let leaves_watch = watchdog
            .watch(leaves.clone(), far, Some(leaving_end), slot(&slots))
            .ok()
            .unwrap();
        // A pipelined next request is not a departure.
        std::io::Write::write_all(&mut staying, b"GET / HTTP/1.1\r\n").unwrap();
        drop(leaving);
        assert!(cancelled_within(&leaves, Duration::from_secs(1)));
        assert_eq!(leaves_watch.watched().stopped(), None);
        std::thread::sleep(TICK * 3);
        assert!(!stays.is_cancelled());
    }

    #[test]
    fn long_evaluations_give_back_their_slot_and_beyond_their_share_are_stopped() {
        let watchdog = Watchdog::new(1, usize::MAX);
        let slots = Arc::new(Semaphore::new(3));
        let far = Instant::now() + Duration::from_secs(60);
        let first = CancellationToken::new();
        let first_watch = watchdog
            .watch(first.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        std::thread::sleep(TICK * 2);
        let second = CancellationToken::new();
        let second_watch = watchdog
            .watch(second.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        // The first runs long and takes the one long slot; the second, long after it, is over
        // the share.
        assert!(cancelled_within(&second, LONG_AFTER * 4));
        assert_eq!(second_watch.watched().stopped(), Some(Stop::OverShare));
        assert!(!first.is_cancelled());
        assert_eq!(first_watch.watched().stopped(), None);
        assert_eq!(watchdog.long_running(), 1);
        drop(second_watch);
        assert_eq!(
            slots.available_permits(),
            3,
            "the long one gave its slot back"
        );
        drop(first_watch);
        assert_eq!(watchdog.long_running(), 0);
    }

    #[test]
    fn a_client_holding_the_long_slots_gives_one_up_for_another_clients_long_query() {
        let watchdog = Watchdog::new(2, usize::MAX);
        let slots = Arc::new(Semaphore::new(4));
        let far = Instant::now() + Duration::from_secs(60);
        let watch_from = |client: &Arc<Socket>| {
            let token = CancellationToken::new();
            let watch = watchdog
                .watch(token.clone(), far, Some(Arc::clone(client)), slot(&slots))
                .ok()
                .unwrap();
            (token, watch)
        };
        let (_a, a_end) = connected_from("127.0.0.1");
        let (_b, b_end) = connected_from("127.0.0.2");
        // Alone, one client may run as many long queries as there are long slots.
        let (older, older_watch) = watch_from(&a_end);
        std::thread::sleep(TICK * 2);
        let (younger, younger_watch) = watch_from(&a_end);
        let started = Instant::now();
        while watchdog.long_running() < 2 && started.elapsed() < LONG_AFTER * 4 {
            std::thread::sleep(TICK);
        }
        assert_eq!(watchdog.long_running(), 2);
        assert!(!older.is_cancelled() && !younger.is_cancelled());
        // Another client's query runs long: the first client's youngest long query is stopped
        // and says why; the other keeps running.
        let (other, other_watch) = watch_from(&b_end);
        assert!(cancelled_within(&younger, LONG_AFTER * 4));
        assert_eq!(
            younger_watch.watched().stopped(),
            Some(Stop::OverClientShare)
        );
        assert!(!older.is_cancelled() && !other.is_cancelled());
        // Once the stopped query has given its long slot back, the other client's takes it.
        drop(younger_watch);
        let started = Instant::now();
        while watchdog.long_running() < 2 && started.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(TICK);
        }
        assert_eq!(watchdog.long_running(), 2);
        std::thread::sleep(TICK * 3);
        assert!(!older.is_cancelled() && !other.is_cancelled());
        assert_eq!(other_watch.watched().stopped(), None);
        drop((older_watch, other_watch));
        assert_eq!(watchdog.long_running(), 0);
    }

    #[test]
    fn a_waiting_request_makes_evaluations_long_sooner() {
        let watchdog = Watchdog::new(1, usize::MAX);
        let slots = Arc::new(Semaphore::new(2));
        let far = Instant::now() + Duration::from_secs(60);
        let first = CancellationToken::new();
        let _first = watchdog
            .watch(first.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        let second = CancellationToken::new();
        let second_watch = watchdog
            .watch(second.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        // Nobody waits: both are still short after more than the crowded threshold.
        std::thread::sleep(LONG_WHEN_CROWDED + TICK * 2);
        assert_eq!(slots.available_permits(), 0);
        assert_eq!(watchdog.long_running(), 0);
        let waiting = watchdog.waiting();
        // Now one takes the long slot (freeing its slot) and the other is over the share.
        let started = Instant::now();
        while slots.available_permits() == 0 && started.elapsed() < LONG_AFTER {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(
            started.elapsed() < LONG_AFTER / 2,
            "a slot came free after {:?}",
            started.elapsed()
        );
        // The first watched is looked at first: it takes the long slot.
        assert!(cancelled_within(&second, LONG_AFTER / 2));
        assert_eq!(second_watch.watched().stopped(), Some(Stop::OverShare));
        assert!(!first.is_cancelled());
        drop(waiting);
        drop(second_watch);
        assert_eq!(watchdog.long_running(), 1);
    }

    #[test]
    fn an_evaluation_over_its_memory_budget_is_stopped_and_says_so() {
        let watchdog = Watchdog::new(1, 1 << 20);
        let slots = Arc::new(Semaphore::new(2));
        let far = Instant::now() + Duration::from_secs(60);
        let (light, heavy) = (CancellationToken::new(), CancellationToken::new());
        let light_watch = watchdog
            .watch(light.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        let heavy_watch = watchdog
            .watch(heavy.clone(), far, None, slot(&slots))
            .ok()
            .unwrap();
        light_watch
            .watched()
            .memory()
            .store(1 << 20, Ordering::Relaxed);
        heavy_watch
            .watched()
            .memory()
            .store((1 << 20) + 1, Ordering::Relaxed);
        assert!(cancelled_within(&heavy, TICK * 5));
        assert_eq!(heavy_watch.watched().stopped(), Some(Stop::OverMemory));
        assert!(!light.is_cancelled(), "at the budget is within it");
    }

    #[test]
    fn a_finished_evaluation_is_no_longer_watched() {
        let watchdog = Watchdog::new(1, usize::MAX);
        let slots = Arc::new(Semaphore::new(1));
        let (_client, server_end) = connected();
        let token = CancellationToken::new();
        let watch = watchdog
            .watch(
                token.clone(),
                Instant::now() + Duration::from_millis(30),
                Some(server_end),
                slot(&slots),
            )
            .ok()
            .unwrap();
        drop(watch);
        assert!(lock(&watchdog.watched).is_empty());
        std::thread::sleep(TICK * 4);
        assert!(!token.is_cancelled());
    }
}
