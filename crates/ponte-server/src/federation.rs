//! The HTTP transport of federated `SERVICE` calls, used only for the endpoints an operator
//! allowed with `--federation-allow`.

use ponte_store::StoreError;
use ponte_store::sparql::{Federation, Fetch};
use std::sync::Arc;
use std::time::Duration;

/// A [`Federation`] over HTTP(S) to exactly `allowed`: no redirects (a redirect could lead
/// anywhere), the query's own time limit, and answers capped at `max_bytes`.
pub fn http_federation(
    allowed: &[String],
    timeout: Duration,
    max_bytes: usize,
) -> Result<Federation, StoreError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let max_bytes = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let fetch: Fetch = Arc::new(move |endpoint: &str, query: &str| {
        let mut response = agent
            .post(endpoint)
            .header("Content-Type", "application/sparql-query")
            .header(
                "Accept",
                "application/sparql-results+json, application/sparql-results+xml;q=0.9",
            )
            .send(query)
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP status {status}"));
        }
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .body_mut()
            .with_config()
            .limit(max_bytes)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        Ok((media_type, body))
    });
    Federation::new(allowed, fetch)
}
