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

/// What any operation may answer when the server cannot run it in time.
pub struct Unavailable;

impl IntoResponses for Unavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(503, "Busy (with `Retry-After`) or over the time limit")])
    }
}

/// What a read with parameters may answer: a bad parameter, or no time.
pub struct ReadProblems;

impl IntoResponses for ReadProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = problems(&[(
            400,
            "A parameter is malformed, unknown or names nothing; `parameter` names it and the detail lists what is accepted",
        )]);
        all.extend(Unavailable::responses());
        all
    }
}

/// What any write may answer before it is tried: no token, writes off, a body too large or
/// of the wrong type, or no time.
pub struct WriteRefusals;

impl IntoResponses for WriteRefusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = problems(&[
            (401, "No valid bearer token"),
            (403, "Writes are disabled"),
            (413, "The body is too large"),
            (415, "The body is not of a media type this write reads"),
        ]);
        all.extend(Unavailable::responses());
        all
    }
}
