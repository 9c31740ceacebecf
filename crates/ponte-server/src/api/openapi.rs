//! The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json`. It is generated
//! from the `#[utoipa::path]` annotations on the handlers and the parameter list the query
//! parser accepts ([`super::LIST_PARAMETERS`], checked by a test), so it cannot drift.

use axum::Json;
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// A page of a collection or of search results (a hydra `Collection` in JSON-LD).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CollectionPage {
    /// The JSON-LD context: `{origin}/api/context.jsonld`.
    #[schema(rename = "@context")]
    context: String,
    /// This page's URL.
    #[schema(rename = "@id")]
    id: String,
    /// Always `Collection`.
    r#type: String,
    /// How many entities match, over all pages.
    #[schema(rename = "totalItems")]
    total_items: u64,
    /// The next page's URL, when there is one.
    next: Option<String>,
    /// The entities of this page: `@id`, `type`, names, and `score` for searches.
    items: Vec<Entity>,
}

/// An entity in JSON-LD: its IRI as `@id`, its `type`, and one key per property (terms of
/// the published context, or compact IRIs).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Entity {
    /// The entity's IRI.
    #[schema(rename = "@id")]
    id: String,
}

/// An error (RFC 9457): what went wrong and, for a bad parameter, which one.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `about:blank`.
    r#type: String,
    /// The kind of problem.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What is wrong, for a person.
    detail: String,
    /// The request parameter at fault, when there is one.
    parameter: Option<String>,
}

/// The collections.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum CollectionName {
    /// Organisations, people and groups.
    Actors,
    /// Missions and their stages.
    Missions,
    /// Programmes, funding programmes, initiatives and strategies.
    Programmes,
    /// Calls.
    Calls,
    /// Events, meetings, visits.
    Events,
    /// Projects and proposals.
    Projects,
    /// Topics and competences (SKOS concepts).
    Topics,
    /// Places.
    Places,
}

/// What a collection listing is narrowed to: words and a kind.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CollectionText {
    /// Words to look for in names and descriptions (accents and case ignored; the last word
    /// may be unfinished). Results come by relevance.
    #[param(pattern = "[^\\W_]", max_length = 256)]
    q: Option<String>,
    /// A kind of entity: a class name of the context (`University`, or `ponte:University`);
    /// a kind the collection does not hold gives an empty page.
    #[param(pattern = "^((ponte|skos):)?[A-Za-z][A-Za-z0-9]*$")]
    kind: Option<String>,
}

/// The words a search looks for.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchText {
    /// Words to look for in names and descriptions (accents and case ignored; the last word
    /// may be unfinished). Results come by relevance.
    #[param(pattern = "[^\\W_]", max_length = 256)]
    q: String,
}

/// Filters and paging, shared by collections and search.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Filters {
    /// ISO 3166-1 alpha-2 country codes (`IT`); repeatable.
    #[param(pattern = "^[A-Za-z]{2}$")]
    country: Option<Vec<String>>,
    /// ISO 3166-2 (`IT-45`) or NUTS (`ITH5`) region codes; repeatable.
    #[param(pattern = "^[A-Za-z0-9-]{2,10}$")]
    region: Option<Vec<String>>,
    /// Topics (a slug such as `gene-therapy`, or `topic:…`); each includes its narrower
    /// topics; repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    topic: Option<Vec<String>>,
    /// Missions the entities took part in (a slug, or `id:…`); repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    mission: Option<Vec<String>>,
    /// Programmes the entities took part in (a slug, or `id:…`); repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    programme: Option<Vec<String>>,
    /// Entities per page; more than 100 is read as 100.
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// Where to continue: copied from a `next` link.
    #[param(pattern = "^([0-9a-fA-F]{2})*$")]
    cursor: Option<String>,
}

/// The names `P` documents, for the test that keeps the description and the parser in step.
#[cfg(test)]
fn documented<P: IntoParams>() -> Vec<String> {
    let mut names: Vec<String> = P::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    names
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ponte REST API",
        description = "The innovation ecosystem as linked data: collections, entities and search, in JSON-LD with Ponte's published context."
    ),
    paths(super::list, super::search, super::item, super::context_document),
    components(schemas(CollectionPage, Entity, Problem, CollectionName))
)]
struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_parameters_are_the_ones_the_parser_takes() {
        let sorted = |names: &[&str]| {
            let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
            names.sort();
            names
        };
        let mut collection = documented::<CollectionText>();
        collection.extend(documented::<Filters>());
        collection.sort();
        assert_eq!(collection, sorted(&super::super::LIST_PARAMETERS));
        let mut search = documented::<SearchText>();
        search.extend(documented::<Filters>());
        search.sort();
        let parsed: Vec<&str> = super::super::LIST_PARAMETERS
            .iter()
            .copied()
            .filter(|p| *p != "kind")
            .collect();
        assert_eq!(search, sorted(&parsed));
    }

    #[test]
    fn the_description_is_openapi_3_1_with_every_route() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/{collection}",
            "/api/{collection}/{id}",
            "/api/search",
            "/api/context.jsonld",
        ] {
            assert!(document["paths"][path].is_object(), "{path} missing");
        }
    }
}
