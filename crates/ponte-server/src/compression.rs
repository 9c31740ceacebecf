//! Compressed answers for the clients that ask for them, and nothing in the way of those that
//! do not.
//!
//! tower-http's compression layer wraps every answer's body and checks every answer against
//! its predicate, even when the request has no `Accept-Encoding` and nothing can be
//! compressed: that was 7-8% of a cheap query's throughput (a one-connection lookup, 8,180
//! against 7,540 req/s). SPARQL clients (SPARQLWrapper, rdflib, curl, wrk) mostly send no
//! `Accept-Encoding`; browsers always do. So requests that carry the header go through the
//! compression layer as before, and the others skip it, their answers marked
//! `Vary: Accept-Encoding` as the layer marks them.

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower::{Layer, Service};
use tower_http::compression::{Compression, CompressionBody, CompressionLayer};

/// Compresses the answers of requests that carry `Accept-Encoding` (see the module).
#[derive(Clone, Copy, Default)]
pub struct CompressWhenAskedLayer;

impl<S: Clone> Layer<S> for CompressWhenAskedLayer {
    type Service = CompressWhenAsked<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CompressWhenAsked {
            compressing: CompressionLayer::new().layer(inner.clone()),
            plain: inner,
        }
    }
}

/// The service [`CompressWhenAskedLayer`] wraps around the application: two handles on the
/// same service, one behind the compression layer.
#[derive(Clone)]
pub struct CompressWhenAsked<S> {
    plain: S,
    compressing: Compression<S>,
}

impl<S, B> Service<Request<B>> for CompressWhenAsked<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
    Compression<S>:
        Service<Request<B>, Response = Response<CompressionBody<Body>>, Error = S::Error>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future =
        CompressWhenAskedFuture<<Compression<S> as Service<Request<B>>>::Future, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Either handle may be called next, so both must be ready.
        ready!(self.plain.poll_ready(cx))?;
        self.compressing.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.headers().contains_key(header::ACCEPT_ENCODING) {
            CompressWhenAskedFuture::Compressing {
                inner: self.compressing.call(request),
            }
        } else {
            CompressWhenAskedFuture::Plain {
                inner: self.plain.call(request),
            }
        }
    }
}

pin_project! {
    /// The answer of [`CompressWhenAsked`], from one handle or the other.
    #[project = Projected]
    pub enum CompressWhenAskedFuture<C, F> {
        /// Through the compression layer.
        Compressing { #[pin] inner: C },
        /// Straight from the service.
        Plain { #[pin] inner: F },
    }
}

impl<C, F, E> Future for CompressWhenAskedFuture<C, F>
where
    C: Future<Output = Result<Response<CompressionBody<Body>>, E>>,
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projected::Compressing { inner } => {
                let response = ready!(inner.poll(cx))?;
                Poll::Ready(Ok(response.map(Body::new)))
            }
            Projected::Plain { inner } => {
                let mut response = ready!(inner.poll(cx))?;
                // The answer depends on `Accept-Encoding` (a client sending it may get it
                // compressed): caches are told so, as the compression layer tells them.
                let headers = response.headers_mut();
                let varies = headers.get_all(header::VARY).iter().any(|value| {
                    value
                        .as_bytes()
                        .windows(b"accept-encoding".len())
                        .any(|w| w.eq_ignore_ascii_case(b"accept-encoding"))
                });
                if !varies {
                    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}
