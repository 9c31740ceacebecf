//! Every error the HTTP service returns: an `application/problem+json` body (RFC 9457) naming
//! what is wrong and where. The status and headers come from the error's kind ([`AppError`]'s
//! or [`StoreError`]'s variant), never from its text.

use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use ponte_app::{AppError, Location};
use ponte_store::{StoreError, Term, Violation};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower::{Layer, Service};

/// An HTTP error with its problem details.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    title: &'static str,
    detail: String,
    extra: Map<String, Value>,
    www_authenticate: bool,
    /// Seconds after which the client may retry (the server was busy).
    retry_after: Option<u64>,
    /// The methods the resource allows, for a 405.
    allow: Option<String>,
}

impl Problem {
    /// A problem with `status`, a short `title` naming its kind and a `detail` for a person.
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            extra: Map::new(),
            www_authenticate: false,
            retry_after: None,
            allow: None,
        }
    }

    /// 429: the request needs more than the client's share of the server now (it ran long
    /// while as many long evaluations as allowed were running); retry after `seconds`.
    pub fn over_share(detail: impl Into<String>, seconds: u64) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many long queries",
            detail,
        );
        problem.retry_after = Some(seconds.max(1));
        problem
    }

    /// 503: no evaluation slot became free in time; the client may retry.
    pub fn busy(detail: impl Into<String>) -> Self {
        let mut problem = Self::unavailable("Server busy", detail);
        problem.retry_after = Some(1);
        problem
    }

    /// 405: the resource does not take this method; `allow` lists those it takes.
    pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> Self {
        let mut problem = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            format!("{path} does not take {method}; it takes {allow}"),
        );
        problem.allow = Some(allow.to_owned());
        problem
    }

    /// 500: something broke inside; `error` is logged, never sent.
    pub fn internal(error: &dyn std::error::Error) -> Self {
        let request_id = crate::access_log::current_request_id().unwrap_or_default();
        tracing::error!(request_id, error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server failed to handle the request; the cause is in its log",
        )
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    /// 401: the write needs a valid bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::UNAUTHORIZED, "Authentication required", detail);
        error.www_authenticate = true;
        error
    }

    /// 403: the server refuses this operation whoever asks.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    /// 404: nothing at this address.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// 406: no representation the client accepts.
    pub fn not_acceptable(offered: &[&str]) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!(
                "no acceptable representation; this resource is available as: {}",
                offered.join(", ")
            ),
        )
    }

    /// 415: the request body's media type is not one this endpoint reads.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            detail,
        )
    }

    /// 413: the request body is larger than allowed.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
            format!("the request body exceeds the {limit} bytes this server accepts"),
        )
        .with("limit", limit)
    }

    /// 408: the request body stopped arriving, or took too long as a whole.
    pub fn body_timeout(timeout: &crate::body_timeout::BodyTimeout) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request body too slow",
            format!("{timeout}; nothing of the request was applied"),
        )
    }

    /// 503: the server could not run the request in time.
    pub fn unavailable(title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, title, detail)
    }

    /// Adds a member to the problem body (`line`, `column`, `parameter`, ...).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// What went wrong, for a person.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        let detail = error.to_string();
        let with_location = |problem: Self, line: Option<u64>, column: Option<u64>| {
            let problem = match line {
                Some(line) => problem.with("line", line),
                None => problem,
            };
            match column {
                Some(column) => problem.with("column", column),
                None => problem,
            }
        };
        if error.is_disk_full() {
            tracing::error!(%error, "the store's disk is full");
            return Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "Disk full",
                "the store's disk is full: the write was not applied; reads go on, and writes \
                 are taken again once space is freed",
            );
        }
        match error {
            StoreError::SparqlSyntax { line, column, .. } => with_location(
                Self::new(StatusCode::BAD_REQUEST, "SPARQL syntax error", detail),
                line,
                column,
            ),
            StoreError::RdfSyntax { line, column, .. } => with_location(
                Self::new(StatusCode::BAD_REQUEST, "RDF syntax error", detail),
                line,
                column,
            ),
            StoreError::Refused(_) | StoreError::ReadOnly => Self::forbidden(detail),
            StoreError::Cancelled => Self::unavailable("Query timeout", detail),
            StoreError::ResultTooLarge(limit) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Result too large", detail)
                    .with("limit", limit)
            }
            StoreError::BadRequest(_) => Self::bad_request(detail),
            StoreError::Invalid(violations) => violations_problem(&violations, |_| None),
            StoreError::PreconditionFailed { current, .. } => {
                let problem = Self::new(
                    StatusCode::PRECONDITION_FAILED,
                    "Precondition failed",
                    detail,
                );
                match current {
                    Some(tag) => problem.with("currentEtag", format!("\"{tag}\"")),
                    None => problem,
                }
            }
            StoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "Conflict", detail),
            StoreError::Remote(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "Remote endpoint failed", detail)
            }
            // The cause is logged, never sent: it may name files or internals.
            other => Self::internal(&other),
        }
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        let detail = error.to_string();
        match error {
            AppError::NotFound { parameter, .. } => match parameter {
                Some(parameter) => Self::not_found(detail).with("parameter", parameter),
                None => Self::not_found(detail),
            },
            AppError::InvalidParameter { parameter, .. } => {
                Self::bad_request(detail).with("parameter", parameter)
            }
            AppError::InvalidBody { at, .. } => located(Self::bad_request(detail), at),
            AppError::UnsupportedFormat(_) => Self::unsupported_media_type(detail),
            AppError::Unprocessable { title, field, .. } => with_field(
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, title, detail),
                field,
            ),
            AppError::Conflict { field, .. } => with_field(
                Self::new(StatusCode::CONFLICT, "Entity exists", detail),
                field,
            ),
            AppError::Refused { violations, rows } => {
                violations_problem(&violations, |node| match node {
                    Term::NamedNode(n) => rows.get(n.as_str()).copied(),
                    _ => None,
                })
            }
            AppError::Store(error) => error.into(),
            error @ AppError::Internal { .. } => Self::internal(&error),
        }
    }
}

/// `problem` with the members that say where in the body it lies.
fn located(problem: Problem, at: Location) -> Problem {
    let mut problem = with_field(problem, at.field);
    for (key, value) in [("line", at.line), ("column", at.column), ("row", at.row)] {
        if let Some(value) = value {
            problem = problem.with(key, value);
        }
    }
    problem
}

fn with_field(problem: Problem, field: Option<String>) -> Problem {
    match field {
        Some(field) => problem.with("field", field),
        None => problem,
    }
}

/// The most violations a 422 lists; `violationCount` gives the total.
const MAX_LISTED_VIOLATIONS: usize = 100;

/// 422 for a write the SHACL shapes refuse: each violation names the node, the property, the
/// value, the shape and what is wrong, and the `row` of the input that wrote the node when
/// `row_of` knows it.
fn violations_problem(
    violations: &[Violation],
    row_of: impl Fn(&Term) -> Option<usize>,
) -> Problem {
    let plain = |term: &Term| match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        other => other.to_string(),
    };
    let listed: Vec<Value> = violations
        .iter()
        .take(MAX_LISTED_VIOLATIONS)
        .map(|v| {
            let mut listed = json!({
                "focusNode": plain(&v.focus_node),
                "path": v.path,
                "value": v.value.as_ref().map(|t| t.to_string()),
                "shape": v.shape,
                "constraint": v.component,
                "message": v.message,
            });
            if let Some(row) = row_of(&v.focus_node) {
                listed["row"] = json!(row);
            }
            listed
        })
        .collect();
    let detail = match violations.first() {
        Some(first) if violations.len() == 1 => {
            format!("the data breaks a SHACL shape; nothing was written: {first}")
        }
        Some(first) => format!(
            "the data breaks the SHACL shapes in {} places; nothing was written. First: {first}",
            violations.len()
        ),
        None => "the data breaks the SHACL shapes; nothing was written".to_owned(),
    };
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Data does not conform to the shapes",
        detail,
    )
    .with("violationCount", violations.len())
    .with("violations", listed)
}

/// The body of every error (RFC 9457): what went wrong and, as further members, where
/// (`parameter`, `field`, `line`, `column`, `row`, `header`) or what would help (`limit`,
/// `currentEtag`, `violations`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProblemDocument {
    /// `about:blank`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The kind of problem.
    title: &'static str,
    /// The HTTP status.
    status: u16,
    /// What is wrong, for a person.
    detail: String,
    /// Where, or what would help.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    members: Map<String, Value>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemDocument {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail,
            members: self.extra,
        };
        let text = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (self.status, text).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ponte\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            headers.insert(header::ALLOW, allow);
        }
        response
    }
}

/// Makes any error answer that is not a problem yet into one, keeping its headers (`Allow` on
/// a 405): answers made below Ponte's handlers, such as a method the router does not route, a
/// path segment that does not decode, or a body an extractor refused.
pub async fn as_problem(response: Response) -> Response {
    if !needs_problem(&response) {
        return response;
    }
    let status = response.status();
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 << 10)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let allow = parts
        .headers
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let title = status.canonical_reason().unwrap_or("Error");
    let problem = match allow {
        Some(allow) if status == StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            title,
            format!("this resource does not take that method; it takes {allow}"),
        ),
        _ if text.is_empty() => Problem::new(status, title, title.to_lowercase()),
        _ => Problem::new(status, title, text),
    };
    let mut response = problem.into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// The value of `X-Content-Type-Options` on every answer.
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");

/// Whether `response` is an error answer that is not explained yet. A problem document, or an
/// error page made for a browser by the web pages, is already what the client should see.
fn needs_problem(response: &Response) -> bool {
    let status = response.status();
    let is_explained = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(b"application/problem+json")
                || v.as_bytes().starts_with(b"text/html")
        });
    !is_explained && (status.is_client_error() || status.is_server_error())
}

/// Applies [`as_problem`] to every answer of the service it wraps, and marks every answer
/// `X-Content-Type-Options: nosniff` (a browser must not guess that a Turtle file or a JSON
/// answer holding user text is HTML). Answers that need no change (nearly all) pass through
/// without a boxed future or a copy of the service.
#[derive(Clone, Copy, Default)]
pub struct ProblemLayer;

impl<S> Layer<S> for ProblemLayer {
    type Service = AsProblem<S>;

    fn layer(&self, inner: S) -> AsProblem<S> {
        AsProblem { inner }
    }
}

/// The service [`ProblemLayer`] wraps around the application.
#[derive(Clone)]
pub struct AsProblem<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for AsProblem<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ProblemFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ProblemFuture::Inner {
            future: self.inner.call(request),
        }
    }
}

pin_project! {
    /// The answer of [`AsProblem`]: the inner answer, made a problem first if it needs it.
    #[project = ProblemFutureProjection]
    pub enum ProblemFuture<F> {
        /// Waiting for the inner answer.
        Inner { #[pin] future: F },
        /// Reading an unexplained error answer's text to make it a problem.
        Converting { future: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl<F, E> Future for ProblemFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                ProblemFutureProjection::Inner { future } => {
                    let mut response = ready!(future.poll(cx))?;
                    response
                        .headers_mut()
                        .insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
                    if !needs_problem(&response) {
                        return Poll::Ready(Ok(response));
                    }
                    self.set(ProblemFuture::Converting {
                        future: Box::pin(as_problem(response)),
                    });
                }
                ProblemFutureProjection::Converting { future } => {
                    return future.as_mut().poll(cx).map(|mut response| {
                        response
                            .headers_mut()
                            .insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
                        Ok(response)
                    });
                }
            }
        }
    }
}
