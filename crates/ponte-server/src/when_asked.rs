//! Layers that matter only when the request carries a header, applied only then.
//!
//! Compression matters only to a request with `Accept-Encoding`, CORS only to one with
//! `Origin` (every browser request across origins carries it, and no other client needs the
//! headers). tower-http's layers do their work on every answer regardless: wrapping the body
//! and checking the compression predicate, building and inserting the CORS headers. On a cheap
//! query that was 7-8% (compression) and about 3.5% (CORS) of the throughput at one
//! connection. SPARQL clients (SPARQLWrapper, rdflib, curl, wrk) send neither header, so
//! their requests skip both layers; a browser's go through them as before. An answer that
//! skipped a layer says `Vary: <header>`, so that no cache hands it to a request that has the
//! header.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, header};
use bytes::Bytes;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower::{BoxError, Layer, Service};

/// Applies `layer` to the requests that carry `header` (or use `method`), and not to the
/// others.
#[derive(Clone)]
pub struct WhenAskedLayer<L> {
    header: HeaderName,
    method: Option<Method>,
    layer: L,
}

impl<L> WhenAskedLayer<L> {
    /// `layer` for the requests with `header`.
    pub fn new(header: HeaderName, layer: L) -> Self {
        Self {
            header,
            method: None,
            layer,
        }
    }

    /// `layer` for the requests with `method` too, with the header or not (CORS answers every
    /// `OPTIONS`).
    pub fn or_method(self, method: Method) -> Self {
        Self {
            method: Some(method),
            ..self
        }
    }
}

impl<S: Clone, L: Layer<S>> Layer<S> for WhenAskedLayer<L> {
    type Service = WhenAsked<S, L::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        WhenAsked {
            header: self.header.clone(),
            method: self.method.clone(),
            layered: self.layer.layer(inner.clone()),
            plain: inner,
        }
    }
}

/// The service [`WhenAskedLayer`] wraps around the application: two handles on the same
/// service, one behind the layer.
#[derive(Clone)]
pub struct WhenAsked<S, T> {
    header: HeaderName,
    method: Option<Method>,
    plain: S,
    layered: T,
}

impl<S, T, B, TB> Service<Request<B>> for WhenAsked<S, T>
where
    S: Service<Request<B>, Response = Response<Body>>,
    T: Service<Request<B>, Response = Response<TB>, Error = S::Error>,
    TB: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    TB::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = WhenAskedFuture<T::Future, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Either handle may be called next, so both must be ready.
        ready!(self.plain.poll_ready(cx))?;
        self.layered.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.headers().contains_key(&self.header)
            || self.method.as_ref() == Some(request.method())
        {
            WhenAskedFuture::Layered {
                inner: self.layered.call(request),
            }
        } else {
            WhenAskedFuture::Plain {
                inner: self.plain.call(request),
                header: self.header.clone(),
            }
        }
    }
}

pin_project! {
    /// The answer of [`WhenAsked`], from one handle or the other.
    #[project = Projected]
    pub enum WhenAskedFuture<L, F> {
        /// Through the layer.
        Layered { #[pin] inner: L },
        /// Straight from the service; its answer varies on `header`.
        Plain { #[pin] inner: F, header: HeaderName },
    }
}

impl<L, F, LB, E> Future for WhenAskedFuture<L, F>
where
    L: Future<Output = Result<Response<LB>, E>>,
    LB: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    LB::Error: Into<BoxError>,
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            // `Body::new` does not box a body that already is one (CORS keeps the body).
            Projected::Layered { inner } => Poll::Ready(Ok(ready!(inner.poll(cx))?.map(Body::new))),
            Projected::Plain { inner, header } => {
                let mut response = ready!(inner.poll(cx))?;
                add_vary(response.headers_mut(), header);
                Poll::Ready(Ok(response))
            }
        }
    }
}

/// Adds `name` to the answer's `Vary`, unless it is there already.
fn add_vary(headers: &mut axum::http::HeaderMap, name: &HeaderName) {
    let name = name.as_str().as_bytes();
    let present = headers.get_all(header::VARY).iter().any(|value| {
        value.as_bytes() == b"*"
            || value
                .as_bytes()
                .split(|&b| b == b',')
                .any(|item| item.trim_ascii().eq_ignore_ascii_case(name))
    });
    if !present && let Ok(value) = HeaderValue::from_bytes(name) {
        headers.append(header::VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_names_each_header_once() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        );
        add_vary(&mut headers, &header::ACCEPT_ENCODING);
        add_vary(&mut headers, &header::ACCEPT_ENCODING);
        add_vary(&mut headers, &header::ACCEPT_LANGUAGE);
        let values = headers
            .get_all(header::VARY)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect::<Vec<_>>();
        assert_eq!(values, ["Accept, Accept-Language", "accept-encoding"]);
    }
}
