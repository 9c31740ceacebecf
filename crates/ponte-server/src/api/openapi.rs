//! The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json`. It is generated
//! from the `#[utoipa::path]` annotations on the handlers and the parameter list the query
//! parser accepts ([`super::LIST_PARAMETERS`], checked by a test), so it cannot drift.

use axum::Json;
use serde_json::Value;
use utoipa::openapi::Object;
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

/// An entity to write: one JSON-LD node in any context (Ponte's own, `{origin}/api/context.jsonld`,
/// is resolved locally; any other must be inline). `@id` may be omitted on create.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub struct EntityInput {
    /// The context: Ponte's URL, or an inline object.
    #[schema(rename = "@context", value_type = Option<serde_json::Value>)]
    context: Option<Value>,
    /// The entity's IRI (compact IRIs of the context work).
    #[schema(rename = "@id")]
    id: Option<String>,
}

/// What a write did.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WriteReport {
    /// The entity's IRI.
    #[schema(rename = "@id")]
    id: String,
    /// Whether the write created it.
    created: bool,
    /// Whether the write deleted it.
    deleted: bool,
    /// Triples added (to the API graph).
    added: u64,
    /// Triples removed, from whichever source graphs held them.
    removed: u64,
    /// The graph new facts were written to.
    graph: String,
    /// The entity's new version, as in the `ETag` header; null once deleted.
    etag: Option<String>,
}

/// A JSON-LD document: one node object, or an array of them.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum JsonLdDocument {
    /// One object (with `@graph` for several nodes).
    Node(EntityInput),
    /// Several nodes.
    Nodes(Vec<EntityInput>),
}

/// Whom to find partners for.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MatchTarget {
    /// The actor: a slug (`kaist`), a compact IRI (`ror:…`) or a whole IRI.
    #[param(example = "kaist")]
    actor: String,
    /// `connected`: leave out actors already linked to it (by default they stay, marked
    /// `connected`).
    #[param(pattern = "^connected$")]
    exclude: Option<String>,
}

/// What partners to consider, beside the [`Filters`] collections take.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MatchOptions {
    /// A kind of partner: a class name of the context (`University`, `Accelerator`).
    #[param(pattern = "^((ponte|skos):)?[A-Za-z][A-Za-z0-9]*$")]
    kind: Option<String>,
    /// Suggestions to return (default 10; more than 100 reads as 100).
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// The home region and the foreign ecosystems asked about.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct EcosystemScope {
    /// The home region or country (ISO 3166-2 or NUTS, ISO 3166-1); `IT-45`, Emilia-Romagna,
    /// when not given.
    #[param(pattern = "^[A-Za-z0-9-]{2,10}$")]
    from: Option<String>,
    /// Foreign ecosystems to look at (country or region codes); every foreign country with
    /// actors when not given; repeatable.
    #[param(pattern = "^[A-Za-z0-9-]{2,10}$")]
    to: Option<Vec<String>>,
    /// How many brokers per ecosystem (default 5), or gaps (default 20); at most 100.
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// A profile to find partners for.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct MatchProfile {
    /// Topics it works on or looks for (`gene-therapy`, `topic:…`).
    topics: Option<Vec<String>>,
    /// Entities it is linked to: missions, programmes, clusters, partners (`id:…` or slugs).
    linked_to: Option<Vec<String>>,
    /// Kinds of partner wanted (`Accelerator`, `Hospital`).
    wants: Option<Vec<String>>,
}

/// Partner suggestions (a hydra `Collection`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MatchPage {
    /// The JSON-LD context.
    #[schema(rename = "@context")]
    context: String,
    /// This answer's URL.
    #[schema(rename = "@id")]
    id: String,
    /// Always `Collection`.
    r#type: String,
    /// The actor the suggestions are for.
    seed: String,
    /// How many suggestions follow.
    #[schema(rename = "totalItems")]
    total_items: u64,
    /// Each partner: `@id`, `type`, `label`, `score`, `connected`, `scoreParts` (the weighted
    /// parts, summing to the score) and `evidence` (one to three paths; each step a triple of
    /// the store: `subject`, `predicate`, `object`, with `subjectLabel` and `objectLabel`).
    items: Vec<Object>,
}

/// Where an import goes.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportOptions {
    /// The named graph for triple formats and CSV (TriG and N-Quads name their own); by
    /// default a new graph under `https://w3id.org/ponte/graph/api/import/`.
    graph: Option<String>,
    /// Empty each graph written before importing into it (default false: add).
    replace: Option<bool>,
}

/// A CSV import: the file and how its columns map to properties.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The data: CSV (`text/csv`, header line first) or any RDF format the import reads.
    #[schema(format = Binary, value_type = String)]
    data: Vec<u8>,
    /// For CSV: `{"id": "id:{slug}", "type": "Company", "columns": {"name": {"property":
    /// "label", "language": "it"}, "city": {"property": "location", "link": "id:{}"}}}`.
    mapping: Option<String>,
}

/// What an import did.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportReport {
    /// Each graph written (`@id`) and the triples the import gave it (`triples`).
    graphs: Vec<Object>,
    /// Quads the store did not hold before.
    added: u64,
    /// Whether the graphs were emptied first.
    replaced: bool,
    /// Data rows read, for CSV.
    rows: Option<u64>,
}

/// Conditions that stop lost updates.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct Conditions {
    /// Apply only if the entity is still at this version (the `ETag` of a GET), or `*`: exists.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
    /// `*`: apply only if the entity does not exist yet.
    #[param(rename = "If-None-Match", pattern = "^\\*$")]
    if_none_match: Option<String>,
}

/// The condition of a write on an existing entity.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatch {
    /// Apply only if the entity is still at this version (the `ETag` of a GET), or `*`.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

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

/// Filters shared by collections, search and matchmaking.
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
}

/// Paging through collections and search results.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Paging {
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
    paths(
        super::list,
        super::search,
        super::item,
        super::context_document,
        super::write::create,
        super::write::replace,
        super::write::patch,
        super::write::delete,
        super::import::import,
        super::matchmaking::suggestions,
        super::matchmaking::profile_suggestions,
        super::ecosystem::brokers,
        super::ecosystem::gaps,
    ),
    components(schemas(
        CollectionPage,
        Entity,
        EntityInput,
        WriteReport,
        ImportForm,
        ImportReport,
        JsonLdDocument,
        MatchPage,
        MatchProfile,
        Problem,
        CollectionName
    )),
    modifiers(&BearerToken)
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
        collection.extend(documented::<Paging>());
        collection.sort();
        assert_eq!(collection, sorted(&super::super::LIST_PARAMETERS));
        let mut search = documented::<SearchText>();
        search.extend(documented::<Filters>());
        search.extend(documented::<Paging>());
        search.sort();
        let parsed: Vec<&str> = super::super::LIST_PARAMETERS
            .iter()
            .copied()
            .filter(|p| *p != "kind")
            .collect();
        assert_eq!(search, sorted(&parsed));
        assert_eq!(
            documented::<ImportOptions>(),
            sorted(&super::super::import::IMPORT_PARAMETERS)
        );
        assert_eq!(
            documented::<MatchTarget>(),
            sorted(&super::super::matchmaking::MATCH_PARAMETERS)
        );
        let filters: Vec<&str> = super::super::LIST_PARAMETERS
            .iter()
            .copied()
            .filter(|p| !matches!(*p, "q" | "cursor"))
            .collect();
        let mut matching = documented::<MatchOptions>();
        matching.extend(documented::<Filters>());
        matching.sort();
        assert_eq!(matching, sorted(&filters));
        assert_eq!(
            documented::<EcosystemScope>(),
            sorted(&super::super::ecosystem::ECOSYSTEM_PARAMETERS)
        );
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
