//! `POST /backups`: an online backup of the store, with the write token, into a new directory
//! under `--backup-dir`, while the server goes on serving and writing (a RocksDB checkpoint is
//! one point in time). `ponte restore` verifies and restores it.

use crate::AppState;
use crate::auth::authorize_write;
use crate::problem::Problem;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::{SystemTime, UNIX_EPOCH};

/// The backup route.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/backups", axum::routing::post(create))
}

/// Takes a backup; answers 201 with its name (the directory under `--backup-dir`) and what it
/// holds.
async fn create(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Problem> {
    authorize_write(&headers, state.config.write_token.as_deref())?;
    let Some(root) = state.config.backup_dir.clone() else {
        return Err(Problem::forbidden(
            "backups over HTTP are off: start the server with --backup-dir DIR",
        ));
    };
    // Seconds and nanoseconds: a name that sorts by time and is new.
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let name = format!(
        "ponte-{}.{:09}",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    );
    let target = root.join(&name);
    let store = state.store.clone();
    let manifest = state
        .executor
        .run_write(move |token| store.backup(&target, &token))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "backup": name,
            "quads": manifest.quads(),
            "graphs": manifest.graphs.len(),
        })),
    )
        .into_response())
}
