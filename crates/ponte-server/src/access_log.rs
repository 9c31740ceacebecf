//! Request ids and the access log: each request gets an id (the client's `X-Request-Id`, or
//! one made here), returned with its answer, and one INFO line when its answer's head is
//! ready, with the id, method, path, status and time taken.
//!
//! One layer does the three, where tower-http's `SetRequestId` and `PropagateRequestId` and a
//! logging layer were three futures wrapped around every request (a few percent of a cheap
//! query's CPU).
//!
//! It is one event, not a span around the request: with the JSON log format a span costs a
//! formatted copy of its fields, a re-parse of them on every event inside it and bookkeeping on
//! every poll, which together were a sixth of a cheap query's CPU (`docs/BENCHMARKS.md`). The few
//! lines written while a request runs (an internal error) name its id through
//! [`current_request_id`] instead.

use axum::http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use pin_project_lite::pin_project;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

tokio::task_local! {
    /// The id of the request the current task serves.
    static REQUEST_ID: Option<HeaderValue>;
}

/// The id of the request being served on this task, for a log line written while it runs.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID
        .try_with(|id| id.as_ref().and_then(|v| v.to_str().ok()).map(str::to_owned))
        .ok()
        .flatten()
}

/// Makes the id of a request that came without one: a prefix drawn at random when the process
/// starts, then a counter (`3f9c0a6e12b4d7e5-42`), unique across the server's life and its
/// restarts. A random UUID per request, as before, cost a `getrandom` system call each.
fn new_request_id() -> Option<HeaderValue> {
    /// This process's prefix (the standard library seeds `RandomState` from the OS).
    static PREFIX: LazyLock<u64> = LazyLock::new(|| RandomState::new().hash_one(0_u8));
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::try_from(format!("{:016x}-{n}", *PREFIX)).ok()
}

/// Gives every request that passes through it an id, returns the id with the answer and logs
/// the request.
#[derive(Clone)]
pub struct AccessLogLayer {
    header: HeaderName,
}

impl AccessLogLayer {
    /// Reads and writes the request's id in `header`.
    pub fn new(header: HeaderName) -> Self {
        Self { header }
    }
}

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog {
            inner,
            header: self.header.clone(),
        }
    }
}

/// The service [`AccessLogLayer`] wraps around the application.
#[derive(Clone)]
pub struct AccessLog<S> {
    inner: S,
    header: HeaderName,
}

/// What the log line says about the request, taken before it is handed on.
struct Entry {
    method: Method,
    uri: Uri,
    request_id: Option<HeaderValue>,
    header: HeaderName,
    started: Instant,
}

impl<S, B, C> Service<Request<B>> for AccessLog<S>
where
    S: Service<Request<B>, Response = Response<C>>,
{
    type Response = Response<C>;
    type Error = S::Error;
    type Future = AccessLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let request_id = match request.headers().get(&self.header) {
            Some(id) => Some(id.clone()),
            None => new_request_id().inspect(|id| {
                request
                    .headers_mut()
                    .insert(self.header.clone(), id.clone());
            }),
        };
        let entry = Entry {
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: request_id.clone(),
            header: self.header.clone(),
            started: Instant::now(),
        };
        AccessLogFuture {
            inner: REQUEST_ID.scope(request_id, self.inner.call(request)),
            entry: Some(entry),
        }
    }
}

pin_project! {
    /// The answer of [`AccessLog`]: the inner answer, logged when it is ready.
    pub struct AccessLogFuture<F> {
        #[pin]
        inner: TaskLocalFuture<Option<HeaderValue>, F>,
        entry: Option<Entry>,
    }
}

impl<F, C, E> Future for AccessLogFuture<F>
where
    F: Future<Output = Result<Response<C>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut result = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(entry)) = (&mut result, this.entry.take()) {
            if let Some(id) = &entry.request_id
                && !response.headers().contains_key(&entry.header)
            {
                response
                    .headers_mut()
                    .insert(entry.header.clone(), id.clone());
            }
            let request_id = entry
                .request_id
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info!(
                target: "ponte::access",
                request_id,
                method = entry.method.as_str(),
                path = entry.uri.path(),
                status = response.status().as_u16(),
                latency_ms = entry.started.elapsed().as_secs_f64() * 1e3,
                "request"
            );
        }
        Poll::Ready(result)
    }
}
