//! The access log: one INFO line per request, when its answer's head is ready, with the
//! request's id, method, path, status and time taken.
//!
//! It is one event, not a span around the request: with the JSON log format a span costs a
//! formatted copy of its fields, a re-parse of them on every event inside it and bookkeeping on
//! every poll, which together were a sixth of a cheap query's CPU (`docs/BENCHMARKS.md`). The few
//! lines written while a request runs (an internal error) name its id through
//! [`current_request_id`] instead.

use axum::http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
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

/// Logs every request that passes through it; the request id must be set outside it.
#[derive(Clone)]
pub struct AccessLogLayer {
    header: HeaderName,
}

impl AccessLogLayer {
    /// Reads the request's id from `header`.
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

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let request_id = request.headers().get(&self.header).cloned();
        let entry = Entry {
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: request_id.clone(),
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
        let result = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(entry)) = (&result, this.entry.take()) {
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
