//! Write authorization: every write needs `Authorization: Bearer <token>` matching the
//! configured write token; with no token configured, no write is accepted at all.

use crate::problem::Problem;
use axum::http::{HeaderMap, header};

/// Checks that the request may write. Reads never call this.
pub fn authorize_write(headers: &HeaderMap, write_token: Option<&str>) -> Result<(), Problem> {
    let Some(expected) = write_token.filter(|token| !token.is_empty()) else {
        return Err(Problem::forbidden(
            "writes are disabled: the server was started without a write token (--write-token or PONTE_WRITE_TOKEN)",
        ));
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Problem::unauthorized(
            "this write needs an 'Authorization: Bearer <token>' header",
        ));
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
    else {
        return Err(Problem::unauthorized(
            "the Authorization header must use the Bearer scheme",
        ));
    };
    if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::unauthorized("the bearer token is not valid"))
    }
}

/// Compares without an early exit, so response time does not reveal how much of a guess was
/// right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (i, byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_the_right_bearer_token_writes() {
        assert!(authorize_write(&with_auth("Bearer s3cret"), Some("s3cret")).is_ok());
        assert!(authorize_write(&with_auth("bearer s3cret"), Some("s3cret")).is_ok());
        for bad in [
            "Bearer s3cre",
            "Bearer s3cret2",
            "Basic s3cret",
            "s3cret",
            "Bearer ",
        ] {
            assert_eq!(
                authorize_write(&with_auth(bad), Some("s3cret"))
                    .unwrap_err()
                    .status(),
                401,
                "{bad}"
            );
        }
        assert_eq!(
            authorize_write(&HeaderMap::new(), Some("s3cret"))
                .unwrap_err()
                .status(),
            401
        );
        assert_eq!(
            authorize_write(&with_auth("Bearer x"), None)
                .unwrap_err()
                .status(),
            403
        );
    }
}
