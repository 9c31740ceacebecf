//! The accept loop: hyper serving each connection (on a connection thread when one is free),
//! with what `axum::serve` lacks against slow and many clients. A request's headers must
//! arrive within [`HEADER_READ_TIMEOUT`]; at most `max_connections` are open at once, and a
//! new client at the cap closes the oldest connection that has no request in progress (an idle
//! keep-alive, or a request whose head is still being trickled in), so that thousands of
//! half-sent requests cannot keep a real client out, nor use up the process's file
//! descriptors.

use crate::body_timeout::TimedBody;
use crate::connection_threads::{ConnectionThreads, MAX_THREADS};
use crate::executor::CLIENT_SOCKET;
use crate::hyper_errors::ProblemIo;
use axum::Router;
use axum::extract::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Time a client has to send a request's whole head (request line and headers).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Default time a connection may stay idle before it is closed (nginx keeps 75 s).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How many connections may be open, and how long one may stay idle.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most connections open at once.
    pub max_connections: usize,
    /// Time without a request begun and nothing sent or read, after which a connection is
    /// closed (it also frees the connection's thread for another client).
    pub idle_timeout: Duration,
}

/// One open connection, as the cap sees it.
struct Open {
    /// Requests of the connection inside the application now.
    in_progress: Arc<AtomicUsize>,
    /// Told to close the connection.
    close: Arc<Notify>,
}

/// The open connections, oldest first (ids only grow).
#[derive(Default)]
struct Registry {
    next_id: u64,
    open: BTreeMap<u64, Open>,
}

impl Registry {
    /// Registers a new connection under the cap: at the cap, the oldest connection with no
    /// request in progress is told to close. `None` when every open connection is busy.
    fn admit(&mut self, max: usize) -> Option<(u64, Arc<AtomicUsize>, Arc<Notify>)> {
        if self.open.len() >= max {
            let oldest_idle = self
                .open
                .iter()
                .find(|(_, open)| open.in_progress.load(Ordering::Acquire) == 0)
                .map(|(id, _)| *id)?;
            if let Some(evicted) = self.open.remove(&oldest_idle) {
                evicted.close.notify_one();
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let in_progress = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        self.open.insert(
            id,
            Open {
                in_progress: Arc::clone(&in_progress),
                close: Arc::clone(&close),
            },
        );
        Some((id, in_progress, close))
    }
}

/// Counts a request as in progress on its connection until its answer is ready.
struct InProgress(Arc<AtomicUsize>);

impl InProgress {
    fn start(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(counter))
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Removes a connection from the registry when its serving ends (or never starts).
struct Registered {
    registry: Arc<Mutex<Registry>>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .open
            .remove(&self.id);
    }
}

/// One admitted connection, and what serving it needs.
struct Connection {
    app: Router,
    builder: Builder<TokioExecutor>,
    watcher: Watcher,
    in_progress: Arc<AtomicUsize>,
    close: Arc<Notify>,
    registered: Registered,
    idle_timeout: Duration,
}

impl Connection {
    /// Serves the connection until it ends or is told to close. With the `client`'s socket,
    /// its queries may be evaluated on this task (see `executor`).
    async fn serve(self, stream: tokio::net::TcpStream, client: Option<Arc<socket2::Socket>>) {
        let Self {
            app,
            builder,
            watcher,
            in_progress,
            close,
            registered,
            idle_timeout,
        } = self;
        let service = TowerToHyperService::new(tower::service_fn(move |request: Request<_>| {
            let counted = InProgress::start(&in_progress);
            let answer = app
                .clone()
                .oneshot(request.map(|body| axum::body::Body::new(TimedBody::new(body))));
            async move {
                let answer = answer.await;
                drop(counted);
                answer
            }
        }));
        let connection = builder.serve_connection_with_upgrades(
            TokioIo::new(
                ProblemIo::new(stream)
                    .with_head_timeout(HEADER_READ_TIMEOUT)
                    .with_idle_timeout(idle_timeout),
            ),
            service,
        );
        let connection = watcher.watch(connection.into_owned());
        let served = async {
            tokio::select! {
                _ = connection => {}
                () = close.notified() => {}
            }
        };
        match client {
            Some(client) => CLIENT_SOCKET.scope(client, served).await,
            None => served.await,
        }
        drop(registered);
    }
}

/// Serves `app` on `listener` (HTTP/1.1 and HTTP/2) until `shutdown` completes, then lets the
/// requests in progress finish. A connection is served on a connection thread while there is
/// one (see `connection_threads`), where its queries are evaluated without changing threads;
/// on this runtime otherwise.
pub async fn serve_connections(
    app: Router,
    listener: TcpListener,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let max_connections = limits.max_connections.max(1);
    let registry = Arc::new(Mutex::new(Registry::default()));
    let graceful = GracefulShutdown::new();
    let threads = ConnectionThreads::new(MAX_THREADS);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // `ProblemIo` answers 408 at `HEADER_READ_TIMEOUT`; hyper's own limit, a second
        // later, would close the connection without a word.
        .header_read_timeout(HEADER_READ_TIMEOUT + Duration::from_secs(1));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: go on.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let admitted = registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .admit(max_connections);
        let Some((id, in_progress, close)) = admitted else {
            // Every connection has a request in progress: this one waits for none.
            tracing::warn!(
                max_connections,
                "connection refused: every connection is busy"
            );
            continue;
        };
        let connection = Connection {
            app: app.clone(),
            builder: builder.clone(),
            watcher: graceful.watcher(),
            in_progress,
            close,
            registered: Registered {
                registry: Arc::clone(&registry),
                id,
            },
            idle_timeout: limits.idle_timeout,
        };
        match threads.reserve() {
            Some(thread) => {
                // A second descriptor of the socket, for the watchdog of queries evaluated on
                // the connection's thread (see `executor`).
                let client = socket2::SockRef::from(&stream)
                    .try_clone()
                    .map(Arc::new)
                    .map_err(|error| tracing::warn!(%error, "cannot duplicate a client's socket"))
                    .ok();
                // Leaves this runtime's reactor, to join the connection thread's.
                let stream = match stream.into_std() {
                    Ok(stream) => stream,
                    Err(error) => {
                        tracing::warn!(%error, "cannot hand a connection to its thread");
                        continue;
                    }
                };
                thread.run(Box::new(move |runtime: &Runtime| {
                    runtime.block_on(async move {
                        match tokio::net::TcpStream::from_std(stream) {
                            Ok(stream) => connection.serve(stream, client).await,
                            Err(error) => tracing::warn!(%error, "cannot serve a connection"),
                        }
                    });
                }));
            }
            None => {
                tokio::spawn(connection.serve(stream, None));
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_oldest_idle_connection_makes_room() {
        let mut registry = Registry::default();
        let (first, first_busy, _) = registry.admit(3).unwrap();
        let (second, _, second_close) = registry.admit(3).unwrap();
        let (third, _, _) = registry.admit(3).unwrap();
        first_busy.fetch_add(1, Ordering::AcqRel);
        // The first is busy: the second, the oldest idle one, is told to close.
        let (fourth, _, _) = registry.admit(3).unwrap();
        assert_eq!(
            registry.open.keys().copied().collect::<Vec<_>>(),
            vec![first, third, fourth]
        );
        assert!(
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
                .block_on(async {
                    tokio::time::timeout(Duration::from_millis(100), second_close.notified()).await
                })
                .is_ok(),
            "the evicted connection ({second}) was told"
        );
        // All busy: no room.
        for open in registry.open.values() {
            open.in_progress.fetch_add(1, Ordering::AcqRel);
        }
        assert!(registry.admit(3).is_none());
    }
}
