//! Small request helpers shared by the endpoints: body reading under a size limit, query-string
//! and form parameters, media types, and the request's own base IRI.

use crate::ServerConfig;
use crate::body_timeout::body_timeout_in;
use crate::problem::Problem;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use mediatype::{MediaType, ReadParams};

/// Reads the whole body, refusing more than `limit` bytes with a 413.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            Problem::payload_too_large(limit)
        } else if let Some(timeout) = body_timeout_in(&error) {
            Problem::body_timeout(timeout)
        } else {
            Problem::bad_request(format!("could not read the request body: {error}"))
        }
    })
}

/// Reads the whole body after checking that its `Content-Type` is one of `accepted` (a 415
/// naming them, and `what` the body is, otherwise).
pub async fn read_typed_body(
    request: axum::extract::Request,
    limit: usize,
    accepted: &[&str],
    what: &str,
) -> Result<Bytes, Problem> {
    match content_type(request.headers())? {
        Some(media_type) if accepted.contains(&media_type.as_str()) => {
            read_body(request.into_body(), limit).await
        }
        other => Err(Problem::unsupported_media_type(format!(
            "{what} must be {}, not {}",
            accepted.join(" or "),
            other.as_deref().unwrap_or("untyped")
        ))),
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs (a query string or a form body).
pub fn parse_params(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

/// The request's `Content-Type` essence (`type/subtype`, lowercased), refusing any charset
/// other than UTF-8. `None` when the header is absent.
pub fn content_type(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| Problem::bad_request("the Content-Type header is not valid text"))?;
    let media_type = MediaType::parse(text).map_err(|_| {
        Problem::unsupported_media_type(format!("cannot read the Content-Type {text:?}"))
    })?;
    if let Some(charset) = media_type.get_param(mediatype::names::CHARSET) {
        let charset = charset.unquoted_str();
        if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
            return Err(Problem::unsupported_media_type(format!(
                "charset {charset} is not supported; send UTF-8"
            )));
        }
    }
    Ok(Some(media_type.essence().to_string().to_ascii_lowercase()))
}

/// The base URL IRIs minted for this request start with: the configured public URL when there
/// is one (a proxy or TLS in front), else `http://HOST` when the request's `Host` header names
/// a trusted host (see [`trusted_host`]), else the address the server listens on. A `Host`
/// header is the client's to choose: copied unchecked, it would let anyone put another site in
/// the IRIs, `Location` headers and `@context` links others receive.
pub fn origin(headers: &HeaderMap, config: &ServerConfig) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| trusted_host(h, config));
    format!("http://{}", host.unwrap_or(&config.public_host))
}

/// Whether `host` (a `Host` header's value) is one the server answers as: the address it
/// listens on, that port on a loopback name (`localhost`, `127.0.0.1`, `[::1]`), or one of
/// `--allowed-host`. Compared without regard to case.
pub fn trusted_host(host: &str, config: &ServerConfig) -> bool {
    if host.eq_ignore_ascii_case(&config.public_host)
        || config
            .allowed_hosts
            .iter()
            .any(|allowed| host.eq_ignore_ascii_case(allowed))
    {
        return true;
    }
    let Some((_, port)) = config.public_host.rsplit_once(':') else {
        return false;
    };
    ["localhost", "127.0.0.1", "[::1]"].iter().any(|name| {
        host.len() == name.len() + 1 + port.len()
            && host[..name.len()].eq_ignore_ascii_case(name)
            && host[name.len()..] == format!(":{port}")
    })
}

/// The body as UTF-8 text, or a 400 naming the byte where it stops being UTF-8.
pub fn utf8(body: &Bytes) -> Result<String, Problem> {
    String::from_utf8(body.to_vec()).map_err(|e| {
        Problem::bad_request(format!(
            "the request body is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// One part of a `multipart/form-data` body.
pub struct FormPart {
    /// The part's field name.
    pub name: String,
    /// Its `Content-Type`, when it has one.
    pub media_type: Option<String>,
    /// Its bytes.
    pub bytes: Bytes,
}

/// Reads every part of a `multipart/form-data` request, within the server's body limit.
pub async fn multipart_parts(
    request: axum::extract::Request,
    max_body_bytes: usize,
) -> Result<Vec<FormPart>, Problem> {
    use axum::extract::{FromRequest, Multipart};
    use axum::http::StatusCode;
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| Problem::bad_request(format!("invalid multipart body: {e}")))?;
    let failed = |e: axum::extract::multipart::MultipartError, what: &str| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::payload_too_large(max_body_bytes)
        } else if let Some(timeout) = body_timeout_in(&e) {
            Problem::body_timeout(timeout)
        } else {
            Problem::bad_request(format!("invalid multipart {what}: {e}"))
        }
    };
    let mut parts = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| failed(e, "body"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let media_type = field.content_type().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| failed(e, &format!("part '{name}'")))?;
        parts.push(FormPart {
            name,
            media_type,
            bytes,
        });
    }
    Ok(parts)
}
