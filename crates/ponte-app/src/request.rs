//! The typed requests of the operations, as every face builds them: the HTTP API from query
//! parameters (through [`FromParams`]), the command line from its flags. Each field's doc is its
//! OpenAPI description. Values stay as given until an operation validates them, so an error can
//! quote them and a `next` link can repeat them.
//!
//! Adding a collection filter: a field of [`Filters`] (with its line in `take`, `to_store` and
//! `append_to`, all below), and the store's `EntityFilter` that applies it.

use crate::error::AppError;
use crate::params::{FromParams, Params};
use crate::vocab;
use ponte_store::{EntityFilter, NamedNode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Entities listed per page when the request does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// The most entities (or suggestions, brokers, gaps) one answer lists.
pub const MAX_LIMIT: usize = 100;
/// The longest `q` accepted.
pub const MAX_Q_CHARS: usize = 256;

/// Filters shared by collections, search and matchmaking (and `ponte match`'s flags).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// ISO 3166-1 alpha-2 country codes (`IT`); repeatable.
    #[param(pattern = "^[A-Za-z]{2}$")]
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub country: Vec<String>,
    /// ISO 3166-2 (`IT-45`) or NUTS (`ITH5`) region codes; repeatable.
    #[param(pattern = "^[A-Za-z0-9-]{2,10}$")]
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub region: Vec<String>,
    /// Topics (a slug such as `gene-therapy`, or `topic:…`); each includes its narrower
    /// topics; repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub topic: Vec<String>,
    /// Missions the entities took part in (a slug, or `id:…`); repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub mission: Vec<String>,
    /// Programmes the entities took part in (a slug, or `id:…`); repeatable.
    #[param(pattern = "^((topic|id):)?[A-Za-z0-9._~-]+$")]
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub programme: Vec<String>,
}

impl FromParams for Filters {
    fn take(params: &mut Params) -> Self {
        Self {
            country: params.all("country"),
            region: params.all("region"),
            topic: params.all("topic"),
            mission: params.all("mission"),
            programme: params.all("programme"),
        }
    }
}

impl Filters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The store's filter, each value checked; a bad value names its parameter.
    pub fn to_store(&self) -> Result<EntityFilter, AppError> {
        let mut filter = EntityFilter::default();
        for value in &self.country {
            if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic())) {
                return Err(AppError::parameter(
                    "country",
                    format!(
                        "country is an ISO 3166-1 alpha-2 code such as IT or US, not {value:?}"
                    ),
                ));
            }
            filter.countries.push(value.clone());
        }
        for value in &self.region {
            if !is_place_code(value) {
                return Err(AppError::parameter(
                    "region",
                    format!(
                        "region is an ISO 3166-2 code (IT-45) or a NUTS code (ITH5), not {value:?}"
                    ),
                ));
            }
            filter.regions.push(value.clone());
        }
        for value in &self.topic {
            filter
                .topics
                .push(reference("topic", value, vocab::TOPIC_NAMESPACE)?);
        }
        for value in &self.mission {
            filter
                .missions
                .push(reference("mission", value, vocab::ID_NAMESPACE)?);
        }
        for value in &self.programme {
            filter
                .programmes
                .push(reference("programme", value, vocab::ID_NAMESPACE)?);
        }
        Ok(filter)
    }

    /// Adds the filters to a query string (for `next` and self links).
    pub fn append_to(&self, query: &mut form_urlencoded::Serializer<'_, String>) {
        for (key, values) in [
            ("country", &self.country),
            ("region", &self.region),
            ("topic", &self.topic),
            ("mission", &self.mission),
            ("programme", &self.programme),
        ] {
            for value in values {
                query.append_pair(key, value);
            }
        }
    }
}

/// An ISO 3166 or NUTS code: 2 to 10 letters, digits and hyphens.
pub(crate) fn is_place_code(value: &str) -> bool {
    (2..=10).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The IRI a `topic`, `mission` or `programme` value names: a slug in `namespace`
/// (`gene-therapy`) or a compact IRI (`topic:…`, `id:…`).
pub(crate) fn reference(
    parameter: &str,
    value: &str,
    namespace: &str,
) -> Result<NamedNode, AppError> {
    let (namespace, local) = if let Some(local) = value.strip_prefix("topic:") {
        (vocab::TOPIC_NAMESPACE, local)
    } else if let Some(local) = value.strip_prefix("id:") {
        (vocab::ID_NAMESPACE, local)
    } else {
        (namespace, value)
    };
    if local.is_empty()
        || !local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
    {
        return Err(AppError::parameter(
            parameter,
            format!("{parameter} is a slug such as gene-therapy, or topic:… / id:…, not {value:?}"),
        ));
    }
    Ok(NamedNode::new_unchecked(format!("{namespace}{local}")))
}

/// A `limit`: any whole number from 1 up; above [`MAX_LIMIT`] reads as the maximum.
pub(crate) fn limit(value: Option<&str>, default: usize) -> Result<usize, AppError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .map(|n| usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT))
        .ok_or_else(|| {
            AppError::parameter(
                "limit",
                format!(
                    "limit must be a whole number of at least 1 (more than {MAX_LIMIT} reads as {MAX_LIMIT}), not {value:?}"
                ),
            )
        })
}

/// Paging through collections and search results.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Entities per page; more than 100 is read as 100.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Where to continue: copied from a `next` link.
    #[param(pattern = "^([0-9a-fA-F]{2})*$")]
    pub cursor: Option<String>,
}

impl FromParams for Paging {
    fn take(params: &mut Params) -> Self {
        Self {
            limit: params.one("limit"),
            cursor: params.one("cursor"),
        }
    }
}

/// What a collection listing is narrowed to: words and a kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionText {
    /// Words to look for in names and descriptions (accents and case ignored; the last word
    /// may be unfinished). Results come by relevance.
    #[param(pattern = "[^\\W_]", max_length = 256)]
    pub q: Option<String>,
    /// A kind of entity: a class name of the context (`University`, or `ponte:University`);
    /// a kind the collection does not hold gives an empty page, a name that is no class a 400.
    #[param(pattern = "^((ponte|skos):)?[A-Za-z][A-Za-z0-9]*$")]
    pub kind: Option<String>,
}

impl FromParams for CollectionText {
    fn take(params: &mut Params) -> Self {
        Self {
            q: params.one("q"),
            kind: params.one("kind"),
        }
    }
}

/// A request for one page of a collection (`GET /api/{collection}`), or of search results
/// (no `kind` then).
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Words and kind.
    pub text: CollectionText,
    /// The filters.
    pub filters: Filters,
    /// Which page.
    pub paging: Paging,
}

impl FromParams for ListRequest {
    const WHAT: &'static str = "a collection";

    fn take(params: &mut Params) -> Self {
        Self {
            text: CollectionText::take(params),
            filters: Filters::take(params),
            paging: Paging::take(params),
        }
    }
}

/// The words a search looks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchText {
    /// Words to look for in names and descriptions (accents and case ignored; the last word
    /// may be unfinished). Results come by relevance.
    #[param(pattern = "[^\\W_]", max_length = 256)]
    pub q: String,
}

/// A search over every collection (`GET /api/search`).
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The words, required.
    pub q: Option<String>,
    /// The filters.
    pub filters: Filters,
    /// Which page.
    pub paging: Paging,
}

impl FromParams for SearchRequest {
    const WHAT: &'static str = "search";

    fn take(params: &mut Params) -> Self {
        Self {
            q: params.one("q"),
            filters: Filters::take(params),
            paging: Paging::take(params),
        }
    }
}

impl SearchRequest {
    /// The same request as a collection listing without a collection.
    pub fn into_list(self) -> Result<ListRequest, AppError> {
        let Some(q) = self.q else {
            return Err(AppError::parameter(
                "q",
                "search needs q, the words to look for",
            ));
        };
        Ok(ListRequest {
            text: CollectionText {
                q: Some(q),
                kind: None,
            },
            filters: self.filters,
            paging: self.paging,
        })
    }
}

/// Whom to find partners for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchTarget {
    /// The actor: a slug (`kaist`), a compact IRI (`ror:…`) or a whole IRI.
    #[param(example = "kaist", required = true, value_type = String)]
    pub actor: Option<String>,
    /// `connected`: leave out actors already linked to it (by default they stay, marked
    /// `connected`).
    #[param(pattern = "^connected$")]
    pub exclude: Option<String>,
}

impl FromParams for MatchTarget {
    fn take(params: &mut Params) -> Self {
        Self {
            actor: params.one("actor"),
            exclude: params.one("exclude"),
        }
    }
}

/// What partners to consider, beside the [`Filters`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchOptions {
    /// A kind of partner: a class name of the context (`University`, `Accelerator`).
    #[param(pattern = "^((ponte|skos):)?[A-Za-z][A-Za-z0-9]*$")]
    pub kind: Option<String>,
    /// Suggestions to return (default 10; more than 100 reads as 100).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// The filters.
    #[serde(skip)]
    #[param(ignore)]
    pub filters: Filters,
}

impl FromParams for MatchOptions {
    const WHAT: &'static str = "POST /api/match";

    fn take(params: &mut Params) -> Self {
        Self {
            kind: params.one("kind"),
            limit: params.one("limit"),
            filters: Filters::take(params),
        }
    }
}

/// Partners for an actor of the graph (`GET /api/match`, `ponte match`).
#[derive(Debug, Clone, Default)]
pub struct MatchRequest {
    /// Whom for.
    pub target: MatchTarget,
    /// Which partners.
    pub options: MatchOptions,
}

impl FromParams for MatchRequest {
    const WHAT: &'static str = "/api/match";

    fn take(params: &mut Params) -> Self {
        Self {
            target: MatchTarget::take(params),
            options: MatchOptions::take(params),
        }
    }
}

/// A profile to find partners for, when the one looking is not (yet) in the graph
/// (`POST /api/match`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// Topics it works on or looks for (slugs such as `gene-therapy`, or `topic:…`).
    #[serde(default)]
    pub topics: Vec<String>,
    /// Entities it is linked to: missions, programmes, clusters, partners (slugs or `id:…`).
    #[serde(default)]
    pub linked_to: Vec<String>,
    /// Kinds of partner wanted (class names such as `Accelerator`, `Hospital`).
    #[serde(default)]
    pub wants: Vec<String>,
}

/// The home region and the foreign ecosystems asked about (`/api/brokers`, `/api/gaps`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EcosystemScope {
    /// The home region or country (ISO 3166-2 or NUTS, ISO 3166-1); `IT-45`, Emilia-Romagna,
    /// when not given.
    #[param(pattern = "^[A-Za-z0-9-]{2,10}$")]
    pub from: Option<String>,
    /// Foreign ecosystems to look at: a country or region code (`US`, `US-MA`) or a place's
    /// slug (`boston`, `id:seoul`); every foreign country with actors when not given;
    /// repeatable.
    #[param(pattern = "^[A-Za-z0-9:._~-]{2,80}$")]
    #[serde(default)]
    pub to: Vec<String>,
    /// How many brokers per ecosystem (default 5), or gaps (default 20); at most 100.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
}

impl FromParams for EcosystemScope {
    const WHAT: &'static str = "this";

    fn take(params: &mut Params) -> Self {
        Self {
            from: params.one("from"),
            to: params.all("to"),
            limit: params.one("limit"),
        }
    }
}

/// Where an import goes (`POST /api/import`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// The named graph for triple formats and CSV (TriG and N-Quads name their own); by
    /// default a new graph under `https://w3id.org/ponte/graph/api/import/`.
    pub graph: Option<String>,
    /// Empty each graph written before importing into it (default false: add).
    #[param(value_type = Option<bool>)]
    pub replace: Option<String>,
}

impl ImportOptions {
    /// The graph (when given) and whether to replace, checked.
    pub fn check(&self) -> Result<(Option<NamedNode>, bool), AppError> {
        let graph = match &self.graph {
            Some(value) => Some(NamedNode::new(value).map_err(|e| {
                AppError::parameter("graph", format!("graph is an IRI; <{value}> is not: {e}"))
            })?),
            None => None,
        };
        let replace = match self.replace.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(AppError::parameter(
                    "replace",
                    format!("replace is true or false, not {other:?}"),
                ));
            }
        };
        Ok((graph, replace))
    }
}

impl FromParams for ImportOptions {
    const WHAT: &'static str = "the import";

    fn take(params: &mut Params) -> Self {
        Self {
            graph: params.one("graph"),
            replace: params.one("replace"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names `P` documents, sorted.
    fn documented<P: IntoParams>() -> Vec<String> {
        let mut names: Vec<String> =
            P::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
                .into_iter()
                .map(|p| p.name)
                .collect();
        names.sort();
        names
    }

    fn parsed<P: FromParams>() -> Vec<String> {
        let mut names: Vec<String> = P::names().into_iter().map(str::to_owned).collect();
        names.sort();
        names
    }

    #[test]
    fn the_documented_parameters_are_the_ones_the_parser_takes() {
        assert_eq!(documented::<Filters>(), parsed::<Filters>());
        assert_eq!(documented::<Paging>(), parsed::<Paging>());
        assert_eq!(documented::<CollectionText>(), parsed::<CollectionText>());
        assert_eq!(documented::<MatchTarget>(), parsed::<MatchTarget>());
        assert_eq!(documented::<EcosystemScope>(), parsed::<EcosystemScope>());
        assert_eq!(documented::<ImportOptions>(), parsed::<ImportOptions>());
        let mut search = documented::<SearchText>();
        search.extend(documented::<Filters>());
        search.extend(documented::<Paging>());
        search.sort();
        assert_eq!(search, parsed::<SearchRequest>());
        let mut options = documented::<MatchOptions>();
        options.extend(documented::<Filters>());
        options.sort();
        assert_eq!(options, parsed::<MatchOptions>());
    }

    #[test]
    fn a_bad_filter_value_names_its_parameter() {
        for (query, parameter) in [
            ("country=ITA", "country"),
            ("region=IT_45", "region"),
            ("topic=a/b", "topic"),
            ("mission=", "mission"),
        ] {
            let filters = Filters::from_query(query).unwrap();
            let error = filters.to_store().unwrap_err();
            assert!(
                matches!(&error, AppError::InvalidParameter { parameter: p, .. } if p == parameter),
                "{query}: {error:?}"
            );
        }
        assert!(matches!(
            limit(Some("0"), 10),
            Err(AppError::InvalidParameter { .. })
        ));
        assert_eq!(limit(Some("1000"), 10).unwrap(), MAX_LIMIT);
        assert_eq!(limit(None, 10).unwrap(), 10);
    }
}
