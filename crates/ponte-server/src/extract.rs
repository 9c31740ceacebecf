//! What handlers take from a request, each checked once, here: the write permission (so a
//! handler's signature shows it is protected), typed query parameters (one parser, whose errors
//! name the parameter) and the version conditions (`If-Match`, `If-None-Match`).

use crate::AppState;
use crate::auth::authorize_write;
use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ponte_app::FromParams;
use ponte_store::Precondition;

/// Proof that the request carries the write token; taken before the body is read.
pub struct WriteAccess;

impl FromRequestParts<AppState> for WriteAccess {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        authorize_write(&parts.headers, state.config.write_token.as_deref())?;
        Ok(Self)
    }
}

/// A typed request read from the query string; an unknown or malformed parameter is a 400
/// naming it.
pub struct Params<T>(pub T);

impl<T: FromParams + Send> FromRequestParts<AppState> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        Ok(Self(T::from_query(parts.uri.query().unwrap_or_default())?))
    }
}

/// The entity versions a request is conditioned on: the tags of `If-Match` and
/// `If-None-Match`, unquoted.
pub struct Conditions {
    if_match: Option<Vec<String>>,
    if_none_match: Option<Vec<String>>,
}

impl FromRequestParts<AppState> for Conditions {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        Ok(Self {
            if_match: tags(&parts.headers, header::IF_MATCH)?,
            if_none_match: tags(&parts.headers, header::IF_NONE_MATCH)?,
        })
    }
}

/// The tags of one condition header, or `None` when it is absent.
fn tags(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<Vec<String>>, Problem> {
    let mut tags = Vec::new();
    for value in headers.get_all(&name) {
        let text = value.to_str().map_err(|_| {
            Problem::bad_request(format!("{name} is not valid text")).with("header", name.as_str())
        })?;
        for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            tags.push(tag.to_owned());
        }
    }
    Ok((!tags.is_empty()).then_some(tags))
}

impl Conditions {
    /// Whether a read's `If-None-Match` names `etag` (weak comparison: `W/` is ignored).
    pub fn none_match_holds(&self, etag: &str) -> bool {
        self.if_none_match.as_ref().is_some_and(|tags| {
            tags.iter()
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        })
    }

    /// The condition of a write that may create (PUT): `otherwise` when neither header is
    /// sent. Weak tags never match a write (RFC 9110 strong comparison).
    pub fn for_write(&self, otherwise: Precondition) -> Result<Precondition, Problem> {
        let unquoted = |tags: &Vec<String>| -> Vec<String> {
            tags.iter()
                .map(|t| t.trim_matches('"').to_owned())
                .collect()
        };
        Ok(match (&self.if_match, &self.if_none_match) {
            (Some(_), Some(_)) => {
                return Err(
                    Problem::bad_request("send If-Match or If-None-Match, not both")
                        .with("header", "if-none-match"),
                );
            }
            (Some(tags), None) if tags.iter().any(|t| t == "*") => Precondition::Exists,
            (Some(tags), None) => Precondition::Matches(unquoted(tags)),
            (None, Some(tags)) if tags.iter().all(|t| t == "*") => Precondition::Absent,
            (None, Some(_)) => {
                return Err(Problem::bad_request(
                    "for a write, If-None-Match takes only * (create, never replace)",
                )
                .with("header", "if-none-match"));
            }
            (None, None) => otherwise,
        })
    }

    /// The condition of a write on an existing entity (PATCH, DELETE): it must exist, at the
    /// version given if any. `If-None-Match` makes no sense there.
    pub fn for_existing(&self) -> Result<Precondition, Problem> {
        if self.if_none_match.is_some() {
            return Err(Problem::bad_request(
                "If-None-Match applies to creating (PUT); this write changes an existing entity: use If-Match",
            )
            .with("header", "if-none-match"));
        }
        self.for_write(Precondition::Exists)
    }
}
