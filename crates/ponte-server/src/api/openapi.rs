//! The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json`: generated from
//! the handlers' `#[utoipa::path]` annotations and the real request and answer types of
//! `ponte-app`. This module is the only one that names the handlers. At serving time the
//! kinds the ontology holds are added as the `kind` parameters' list of values.

pub use super::import::ImportForm;
use crate::AppState;
use axum::Json;
use axum::extract::State;
use ponte_app::{
    BrokersAnswer, Collection, CollectionPage, EntityInput, GapsAnswer, ImportReport,
    JsonLdDocument, MatchAnswer, WriteReport, request::Profile,
};
use serde_json::Value;
use utoipa::OpenApi;

pub use crate::problem::ProblemDocument;

/// Adds the bearer token scheme the writes require.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ponte REST API",
        description = "The innovation ecosystem as linked data: collections, entities and search, writes and imports, partner suggestions, mission plans, brokers and gaps, in JSON-LD with Ponte's published context."
    ),
    paths(
        super::entities::list,
        super::entities::search,
        super::entities::item,
        super::context_document,
        super::graphs,
        super::writes::create,
        super::writes::replace,
        super::writes::patch,
        super::writes::delete,
        super::import::import,
        super::matching::suggestions,
        super::matching::profile_suggestions,
        super::matching::plan,
        super::matching::follow_up,
        super::ecosystem::brokers,
        super::ecosystem::gaps,
    ),
    components(schemas(
        CollectionPage,
        EntityInput,
        WriteReport,
        ImportForm,
        ImportReport,
        JsonLdDocument,
        MatchAnswer,
        Profile,
        ponte_app::PlanRequest,
        ponte_app::PlanAnswer,
        ponte_app::FollowUpAnswer,
        BrokersAnswer,
        GapsAnswer,
        ponte_app::GraphsAnswer,
        ProblemDocument,
        ponte_app::CollectionName
    )),
    modifiers(&BearerToken)
)]
struct ApiDoc;

/// `GET /api/openapi.json`, with the kinds of the ontology listed where a `kind` is asked.
pub async fn document(State(state): State<AppState>) -> Json<Value> {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let app = state.app.clone();
    let kinds = state
        .executor
        .run(move |_token| -> Result<_, ponte_app::AppError> {
            let mut all = Vec::new();
            for collection in ponte_app::COLLECTIONS {
                all.extend(app.kinds(collection)?);
            }
            all.sort();
            all.dedup();
            Ok((
                all,
                app.kinds(Collection::named("actors")?)?,
                app.place_codes()?,
            ))
        })
        .await;
    if let Ok((all, actors, places)) = kinds {
        list_kinds(&mut document, &all, &actors);
        list_values(&mut document, &["/api/brokers", "/api/gaps"], "to", &places);
        list_values(
            &mut document,
            &["/api/brokers", "/api/gaps"],
            "from",
            &places,
        );
    }
    Json(document)
}

/// Sets the values the query parameter `name` of the operations at `paths` may take.
fn list_values(document: &mut Value, paths: &[&str], name: &str, values: &[String]) {
    for path in paths {
        let Some(item) = document
            .pointer_mut(&format!("/paths/{}", path.replace('/', "~1")))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters
                .iter_mut()
                .filter(|p| p["name"] == name && p["in"] == "query")
            {
                let schema = &mut parameter["schema"];
                // A repeatable parameter lists its values on its items.
                let target = if schema.get("items").is_some() {
                    &mut schema["items"]
                } else {
                    schema
                };
                if let Some(target) = target.as_object_mut() {
                    target.remove("pattern");
                    target.insert("enum".into(), serde_json::json!(values));
                }
            }
        }
    }
}

/// Sets the values a `kind` may take: any kind on collections, an actor's kind on `/api/match`
/// (and in a profile's `wants`).
fn list_kinds(document: &mut Value, all: &[String], actors: &[String]) {
    list_values(document, &["/api/{collection}"], "kind", all);
    list_values(document, &["/api/match"], "kind", actors);
    if let Some(wants) = document.pointer_mut("/components/schemas/Profile/properties/wants/items")
    {
        wants["enum"] = serde_json::json!(actors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_is_openapi_3_1_with_every_route_and_plain_tags() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/{collection}",
            "/api/{collection}/{id}",
            "/api/search",
            "/api/context.jsonld",
            "/api/match",
            "/api/brokers",
            "/api/gaps",
            "/api/import",
            "/api/graphs",
        ] {
            assert!(document["paths"][path].is_object(), "{path} missing");
        }
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for tag in operation["tags"].as_array().unwrap() {
                    let tag = tag.as_str().unwrap();
                    assert!(
                        tag.chars().all(|c| c.is_ascii_lowercase()),
                        "a tag becomes a package name in generated clients: {tag}"
                    );
                }
            }
        }
        // A profile's answer has no seed: the schema must not require one.
        // (A list answer is its `CollectionHead` and its own fields: look at every part.)
        let answer = &document["components"]["schemas"]["MatchAnswer"];
        let parts = answer["allOf"]
            .as_array()
            .map_or(vec![answer], |all| all.iter().collect());
        let required: Vec<&Value> = parts
            .iter()
            .filter_map(|part| part["required"].as_array())
            .flatten()
            .collect();
        assert!(required.contains(&&Value::from("items")), "{answer}");
        assert!(!required.contains(&&Value::from("seed")), "{answer}");
    }
}
