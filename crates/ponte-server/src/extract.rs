//! What handlers take from a request, each checked once, here: the write permission (so a
//! handler's signature shows it is protected), typed query parameters (one parser, whose errors
//! name the parameter) and the version conditions (`If-Match`, `If-None-Match`).

use crate::AppState;
use crate::auth::authorize_write;
use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ponte_app::{Collection, CollectionName, FromParams};
use ponte_store::{NamedNode, Precondition};

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

/// The address of an entity: `/api/{collection}/{id}`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntityAddress {
    /// Which entities.
    #[param(value_type = CollectionName, example = "actors")]
    collection: String,
    /// A slug (`mit`), a compact IRI (`ror:05apxxy63`) or a whole IRI, percent-encoded; any IRI
    /// the store declares the same (`owl:sameAs`) names the entity too.
    #[param(example = "kaist")]
    id: String,
}

impl EntityAddress {
    /// The collection and the IRI the address names; not found when either names nothing.
    pub fn resolve(&self) -> Result<(&'static Collection, NamedNode), Problem> {
        let collection = Collection::named(&self.collection)?;
        Ok((collection, collection.iri(&self.id)?))
    }
}

/// The address of a collection: `/api/{collection}`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CollectionAddress {
    /// Which entities.
    #[param(value_type = CollectionName, example = "actors")]
    collection: String,
}

impl CollectionAddress {
    /// The collection; not found when the name is none of them.
    pub fn resolve(&self) -> Result<&'static Collection, Problem> {
        Ok(Collection::named(&self.collection)?)
    }
}

/// The version a read is conditioned on: `304 Not Modified` while it is current.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfNoneMatch {
    /// A version from an earlier `ETag`: answers 304 while the entity is unchanged.
    #[param(rename = "If-None-Match", value_type = String, required = false)]
    if_none_match: Option<Vec<String>>,
}

impl FromRequestParts<AppState> for IfNoneMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        Ok(Self {
            if_none_match: tags(&parts.headers, header::IF_NONE_MATCH)?,
        })
    }
}

impl IfNoneMatch {
    /// Whether it names `etag` (weak comparison: `W/` is ignored) or is `*`.
    pub fn holds(&self, etag: &str) -> bool {
        self.if_none_match.as_ref().is_some_and(|tags| {
            tags.iter()
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        })
    }
}

/// The version a write on an existing entity is conditioned on (PATCH, DELETE).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// Apply only if the entity is still at this version (the `ETag` of a GET), or `*`.
    #[param(rename = "If-Match", value_type = String, required = false)]
    if_match: Option<Vec<String>>,
}

impl FromRequestParts<AppState> for IfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        if parts.headers.contains_key(header::IF_NONE_MATCH) {
            return Err(Problem::bad_request(
                "If-None-Match applies to creating (PUT); this write changes an existing entity: use If-Match",
            )
            .with("header", "if-none-match"));
        }
        Ok(Self {
            if_match: tags(&parts.headers, header::IF_MATCH)?,
        })
    }
}

impl IfMatch {
    /// The entity must exist, at the version given if any.
    pub fn precondition(&self) -> Precondition {
        match &self.if_match {
            Some(tags) if !tags.iter().any(|t| t == "*") => Precondition::Matches(unquoted(tags)),
            _ => Precondition::Exists,
        }
    }
}

/// Tags without their quotes: weak tags (`W/"…"`) stay weak and never match a write (RFC 9110
/// strong comparison).
fn unquoted(tags: &[String]) -> Vec<String> {
    tags.iter()
        .map(|t| t.trim_matches('"').to_owned())
        .collect()
}

/// The entity versions a write that may create (PUT) is conditioned on: the tags of
/// `If-Match` and `If-None-Match` as sent.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct Conditions {
    /// Apply only if the entity is still at this version (the `ETag` of a GET), or `*`: it
    /// exists.
    #[param(rename = "If-Match", value_type = String, required = false)]
    if_match: Option<Vec<String>>,
    /// `*`: apply only if the entity does not exist yet.
    #[param(rename = "If-None-Match", value_type = String, required = false)]
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
    /// The condition of a write that may create (PUT): `otherwise` when neither header is
    /// sent. Weak tags never match a write (RFC 9110 strong comparison).
    pub fn for_write(&self, otherwise: Precondition) -> Result<Precondition, Problem> {
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
}
