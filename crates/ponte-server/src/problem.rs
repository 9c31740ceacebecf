//! Every error the HTTP API returns: an `application/problem+json` body (RFC 9457) naming what
//! is wrong and, for syntax errors, where.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ponte_store::{StoreError, Term, Violation};
use serde_json::{Map, Value, json};

/// An HTTP error with its problem details.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    title: &'static str,
    detail: String,
    extra: Map<String, Value>,
    www_authenticate: bool,
}

impl ApiError {
    /// A problem with `status`, a short `title` naming its kind and a `detail` for a person.
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            extra: Map::new(),
            www_authenticate: false,
        }
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

impl From<StoreError> for ApiError {
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
            StoreError::Remote(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "Remote endpoint failed", detail)
            }
            other => {
                // The cause is logged, never sent: it may name files or internals.
                tracing::error!(error = %other, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the server failed to handle the request; the cause is in its log",
                )
            }
        }
    }
}

/// The most violations a 422 lists; `violationCount` gives the total.
const MAX_LISTED_VIOLATIONS: usize = 100;

/// 422 for a write the SHACL shapes refuse: each violation names the node, the property, the
/// value, the shape and what is wrong, and the `row` of the input that wrote the node when
/// `row_of` knows it.
pub fn violations_problem(
    violations: &[Violation],
    row_of: impl Fn(&Term) -> Option<usize>,
) -> ApiError {
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
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Data does not conform to the shapes",
        detail,
    )
    .with("violationCount", violations.len())
    .with("violations", listed)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.status, body.to_string()).into_response();
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
        if self.title == "Server busy" {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
