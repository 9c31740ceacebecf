//! Error answers many operations share, documented once for the OpenAPI description: each is a
//! problem (`ProblemDocument`) with its status and what it means.

use std::collections::BTreeMap;
use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};

/// Problems with these statuses and descriptions.
fn problems(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDocument")))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content("application/problem+json", content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a group of documented problems: these statuses with these descriptions, and every
/// problem of the groups after `+`.
macro_rules! problem_group {
    ($(#[$doc:meta])* $name:ident [$(($status:literal, $text:literal)),* $(,)?] $(+ $more:ident)*) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let mut all = problems(&[$(($status, $text)),*]);
                all.extend(std::iter::empty()$(.chain($more::responses()))*);
                all
            }
        }
    };
}

problem_group! {
    /// What any operation may answer when the server cannot run it in time.
    Unavailable [
        (429, "Ran long while the most long operations the server runs at once were running (with `Retry-After`)"),
        (503, "Busy (with `Retry-After`) or over the time limit"),
    ]
}

problem_group! {
    /// What a read with parameters may answer: a bad parameter, or no time.
    ReadProblems [(400, "A parameter is malformed, unknown or names nothing; `parameter` names it and the detail lists what is accepted")]
        + Unavailable
}

problem_group! {
    /// What any write may answer before it is tried: no token, writes off, a body too large or
    /// of the wrong type, or no time.
    WriteRefusals [
        (401, "No valid bearer token"),
        (403, "Writes are disabled"),
        (413, "The body is too large"),
        (415, "The body is not of a media type this write reads"),
    ] + Unavailable
}

problem_group! {
    /// What a write of one entity may answer besides its success: the body, the address, the
    /// version or the shapes refuse it, or it is refused before it is tried.
    EntityWriteProblems [
        (400, "The body is not JSON-LD of one node about this entity, its context does not define a key, or a condition header is malformed; `field`, `header`, `line` or `column` say where"),
        (404, "No such collection, or no such entity in it (or the id makes no IRI)"),
        (412, "`If-Match` or `If-None-Match` does not hold; `currentEtag` is the version now"),
        (422, "The result breaks the shapes (each violation names its node), the entity is not of this collection's kinds, or others still link to what a delete removes"),
    ] + WriteRefusals
}

problem_group! {
    /// What a profile search may answer besides its suggestions.
    ProfileProblems [
        (400, "The profile or a parameter is malformed, or names nothing in the graph; `field` or `parameter` says which"),
        (413, "The body is too large"),
        (415, "The body is not JSON"),
    ] + Unavailable
}

problem_group! {
    /// What a bulk import may answer besides its report; nothing is written on any of them.
    ImportProblems [
        (400, "A syntax error or a bad mapping; `line`, `row` or `field` say where. Nothing was written"),
        (422, "The data breaks the shapes; each violation names its node (and `row` for CSV). Nothing was written"),
    ] + WriteRefusals
}
