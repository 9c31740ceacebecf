//! `POST /api/import`: bulk import of Turtle, N-Triples, TriG, N-Quads, JSON-LD, or CSV with a
//! column mapping in a `multipart/form-data` form. The body is read here; the import itself is
//! `ponte-app`'s.

use super::Answer;
use super::responses::ImportProblems;
use crate::AppState;
use crate::extract::{Params, WriteAccess};
use crate::http_util::{self, content_type, origin, read_body};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;
use ponte_app::request::ImportOptions;
use ponte_app::{ImportInput, ImportReport, JsonLdDocument};

/// The import's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/import", post(import))
}

/// A form import: the data (with the media type of its part) and, for CSV, how its columns map
/// to properties.
#[derive(Default, utoipa::ToSchema)]
pub struct ImportForm {
    /// The data: CSV (`text/csv`, header line first) or any RDF format the import reads.
    #[schema(format = Binary, value_type = String, required = true)]
    data: Option<Bytes>,
    /// For CSV: `{"id": "id:{slug}", "type": "Company", "columns": {"name": {"property":
    /// "label", "language": "it"}, "city": {"property": "location", "link": "id:{}"}}}`.
    #[schema(value_type = Option<String>)]
    mapping: Option<Bytes>,
    /// The `Content-Type` of the data part.
    #[schema(ignore)]
    data_type: Option<String>,
}

/// `POST /api/import?graph=IRI&replace=true`: the body's facts, in one transaction, validated
/// by the shapes. The body is an RDF document (its `Content-Type` names the format) or a
/// `multipart/form-data` form with a `data` part and, for CSV, a `mapping` part.
#[utoipa::path(
    post,
    path = "/api/import",
    tag = "import",
    params(ImportOptions),
    request_body(content(
        (String = "text/turtle"),
        (String = "application/n-triples"),
        (String = "application/trig"),
        (String = "application/n-quads"),
        (JsonLdDocument = "application/ld+json"),
        (ImportForm = "multipart/form-data"),
    ), description = "The facts to import; CSV goes in a form with its column mapping"),
    security(("bearer" = [])),
    responses((status = 200, description = "Imported; the report lists each graph written", body = ImportReport), ImportProblems),
)]
pub async fn import(
    _: WriteAccess,
    State(state): State<AppState>,
    Params(options): Params<ImportOptions>,
    request: Request,
) -> Answer {
    // A bad option is refused before a large body is read.
    options.check()?;
    let origin = origin(request.headers(), &state.config);
    let (media_type, data, mapping) = match content_type(request.headers())?.as_deref() {
        Some("multipart/form-data") => {
            let mut form = ImportForm::default();
            for part in http_util::multipart_parts(request, state.config.max_body_bytes).await? {
                match part.name.as_str() {
                    "data" => {
                        form.data = Some(part.bytes);
                        form.data_type = part.media_type;
                    }
                    "mapping" => form.mapping = Some(part.bytes),
                    other => {
                        return Err(Problem::bad_request(format!(
                            "unknown form part {other:?}; the import takes data and mapping"
                        ))
                        .with("field", other));
                    }
                }
            }
            let Some(data) = form.data else {
                return Err(
                    Problem::bad_request("the form needs a data part").with("field", "data")
                );
            };
            let mapping = form.mapping;
            let media_type = form
                .data_type
                .map(|m| {
                    m.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                })
                .ok_or_else(|| {
                    Problem::unsupported_media_type("the data part needs a Content-Type")
                })?;
            (media_type, data, mapping)
        }
        Some(media_type) => {
            let media_type = media_type.to_owned();
            let data = read_body(request.into_body(), state.config.max_body_bytes).await?;
            (media_type, data, None)
        }
        None => {
            return Err(Problem::unsupported_media_type(
                "the body needs a Content-Type naming its format (text/turtle, application/n-quads, text/csv in a form, ...)",
            ));
        }
    };
    let app = state.app.clone();
    let report = state
        .executor
        .run_write(move |token| {
            let input = ImportInput {
                media_type: &media_type,
                data: &data,
                mapping: mapping.as_deref(),
                options: &options,
                origin: &origin,
            };
            app.import(&input, &token)
        })
        .await?;
    Ok(axum::Json(report).into_response())
}
