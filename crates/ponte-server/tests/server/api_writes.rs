//! In-process tests of the REST API's writes: entities from JSON-LD in any context, versions
//! (ETag, If-Match), the bulk import, and refusals that change nothing.

use crate::common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

const OURS: &str = "http://127.0.0.1:7878/api/context.jsonld";

/// Sends `request`; returns the status, the `ETag` and `Location` headers, and the body.
async fn send_tagged(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, Option<String>, Option<String>, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let header_of = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (etag, location) = (header_of(header::ETAG), header_of(header::LOCATION));
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        etag,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// A JSON-LD write with the token and, when given, `If-Match`.
fn json_write(method: &str, uri: &str, body: &Value, if_match: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:7878")
        .header(header::CONTENT_TYPE, "application/ld+json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

fn delete(uri: &str, if_match: Option<&str>) -> Request<Body> {
    let mut builder = Request::delete(uri).header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(Body::empty()).unwrap()
}

async fn quads(router: &Router) -> u64 {
    count(router, "GRAPH ?g { ?s ?p ?o }").await
}

crate::on_both_stores!(an_entity_is_created_read_replaced_patched_and_deleted_with_versions);
async fn an_entity_is_created_read_replaced_patched_and_deleted_with_versions(router: Router) {
    let write_alfa = async |method: &str, body: &Value, if_match: Option<&str>| {
        let request = json_write(method, "/api/actors/alfa-biotech", body, if_match);
        send_tagged(&router, request).await
    };
    // Created from Ponte's own context, without an @id: the IRI comes from the name.
    let company = serde_json::json!({
        "@context": OURS,
        "type": "Startup",
        "label": {"it": "Biotecnologie Àlfa", "en": "Alfa Biotech"},
        "location": "id:bologna",
        "foundingDate": "2021-03-04",
    });
    let (status, etag, location, body) =
        send_tagged(&router, json_write("POST", "/api/actors", &company, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        location.as_deref(),
        Some("http://127.0.0.1:7878/api/actors/alfa-biotech")
    );
    let report = json(&body);
    assert_eq!(report["@id"], format!("{ID}alfa-biotech"));
    assert_eq!(report["added"], 5);
    let etag = etag.expect("an ETag");
    assert_eq!(report["etag"], etag.as_str());

    // It reads back with the same version, and If-None-Match answers 304 while unchanged.
    let (status, read_tag, _, body) = send_tagged(&router, get("/api/actors/alfa-biotech")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(read_tag.as_ref(), Some(&etag));
    let entity = json(&body);
    assert_eq!(entity["foundingDate"], "2021-03-04");
    assert_eq!(entity["label"]["it"], "Biotecnologie Àlfa");
    let request = Request::get("/api/actors/alfa-biotech")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, request).await.0, StatusCode::NOT_MODIFIED);
    // Searchable at once.
    let (_, _, body) = send(&router, get("/api/search?q=alfa%20biotech")).await;
    assert!(body.contains("alfa-biotech"), "{body}");

    // The same @id again is a conflict; the store is unchanged.
    let before = quads(&router).await;
    let mut again = company.clone();
    again["@id"] = "id:alfa-biotech".into();
    let (status, _, _, body) =
        send_tagged(&router, json_write("POST", "/api/actors", &again, None)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(json(&body)["field"], "@id");
    assert_eq!(quads(&router).await, before);

    // Replaced from a wholly different, inline context, conditioned on the version read.
    let replacement = serde_json::json!({
        "@context": {
            "nome": {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@language": "en"},
            "sede": {"@id": "http://schema.org/location", "@type": "@id"},
            "Startup": "https://w3id.org/ponte/ontology#Startup",
        },
        "@type": "Startup",
        "nome": "Alfa Biotech Ltd",
        "sede": "https://w3id.org/ponte/id/bologna",
    });
    let (status, new_tag, _, body) = write_alfa("PUT", &replacement, Some(&etag)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = json(&body);
    assert_eq!(
        (report["added"].as_u64(), report["removed"].as_u64()),
        (Some(1), Some(3))
    );
    let new_tag = new_tag.unwrap();
    assert_ne!(new_tag, etag);
    let (_, _, body) = send(&router, get("/api/actors/alfa-biotech")).await;
    let entity = json(&body);
    assert_eq!(
        entity["label"],
        serde_json::json!({"en": "Alfa Biotech Ltd"})
    );
    assert!(entity.get("foundingDate").is_none(), "{body}");

    // A second writer holding the old version is refused: no lost update.
    let before = quads(&router).await;
    let (status, _, _, body) = write_alfa("PUT", &company, Some(&etag)).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert_eq!(json(&body)["currentEtag"], new_tag.as_str());
    assert_eq!(quads(&router).await, before);

    // A merge patch: set one property, remove another with null; the rest stays.
    let patch = serde_json::json!({
        "@context": OURS,
        "foundingDate": "2020-01-02",
        "label": null,
    });
    let (status, _, _, body) = write_alfa("PATCH", &patch, Some(&new_tag)).await;
    // Removing the only name breaks the label shape: refused, named, nothing written.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problem = json(&body);
    assert!(
        problem["violations"].as_array().unwrap().iter().any(|v| {
            v["focusNode"]
                .as_str()
                .is_some_and(|n| n.ends_with("/alfa-biotech"))
                && v["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("rdf-schema#label") || p == "rdfs:label")
        }),
        "{body}"
    );
    let patch = serde_json::json!({"@context": OURS, "foundingDate": "2020-01-02"});
    let (status, patched_tag, _, body) = write_alfa("PATCH", &patch, Some(&new_tag)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, body) = send(&router, get("/api/actors/alfa-biotech")).await;
    let entity = json(&body);
    assert_eq!(entity["foundingDate"], "2020-01-02");
    assert_eq!(
        entity["label"],
        serde_json::json!({"en": "Alfa Biotech Ltd"})
    );

    // Deleted, conditioned on the last version; then gone, and deleting again is a 404.
    let (status, _, _, body) = send_tagged(
        &router,
        delete("/api/actors/alfa-biotech", patched_tag.as_deref()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["deleted"], true);
    assert_eq!(
        send(&router, get("/api/actors/alfa-biotech")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send_tagged(&router, delete("/api/actors/alfa-biotech", None))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

crate::on_both_stores!(writes_keep_the_source_of_unchanged_facts_and_refuse_dangling_links);
async fn writes_keep_the_source_of_unchanged_facts_and_refuse_dangling_links(router: Router) {
    // KAIST from the seed data: its names replaced by a patch; its other seed facts stay put.
    let seed_facts = "GRAPH ?g { <https://w3id.org/ponte/id/kaist> ?p ?o FILTER(STRSTARTS(STR(?g), \"https://w3id.org/ponte/graph/seed-data/\")) }";
    let before = count(&router, seed_facts).await;
    let patch = serde_json::json!({
        "@context": OURS,
        "label": {"en": "KAIST", "ko": "카이스트"},
    });
    let (status, _, _, body) = send_tagged(
        &router,
        json_write("PATCH", "/api/actors/kaist", &patch, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let in_api_graph = count(
        &router,
        "GRAPH <https://w3id.org/ponte/graph/api> { <https://w3id.org/ponte/id/kaist> ?p \"카이스트\"@ko }",
    )
    .await;
    assert_eq!(in_api_graph, 1, "{body}");
    // The names the patch replaced left their seed graph; every other seed fact stayed there.
    let removed = json(&body)["removed"].as_u64().unwrap();
    assert_eq!(count(&router, seed_facts).await, before - removed);
    // The API graph is described in the meta graph, like every loaded graph.
    assert_eq!(
        count(&router, "GRAPH <https://w3id.org/ponte/graph/meta> { <https://w3id.org/ponte/graph/api> <http://purl.org/dc/terms/source> \"REST API\" }").await,
        1
    );

    // Deleting KAIST would leave missions and projects pointing at nothing: 422, unchanged.
    let total = quads(&router).await;
    let (status, _, _, body) = send_tagged(&router, delete("/api/actors/kaist", None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        json(&body)["violationCount"].as_u64().unwrap() >= 1,
        "{body}"
    );
    assert_eq!(quads(&router).await, total);
}

crate::on_both_stores!(bad_entity_writes_are_4xx_problems_naming_the_fault_and_change_nothing);
async fn bad_entity_writes_are_4xx_problems_naming_the_fault_and_change_nothing(router: Router) {
    let total = quads(&router).await;
    let cases: Vec<(&str, &str, Value, StatusCode, &str)> = vec![
        // A company is not a mission.
        (
            "POST",
            "/api/missions",
            serde_json::json!({"@context": OURS, "type": "Company", "label": {"en": "X"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "@type",
        ),
        // No name and no @id: nothing to mint an IRI from.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": OURS, "type": "Company"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "@id",
        ),
        // An @id but no name: the label shape says so.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": OURS, "@id": "id:nameless", "type": "Company"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "label",
        ),
        // A date that is not one.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": OURS, "type": "Company", "label": {"en": "Dated"}, "foundingDate": "2021-13-45"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "foundingDate",
        ),
        // Two nodes in one write.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": OURS, "@graph": [{"@id": "id:a", "type": "Company", "label": {"en": "A"}}, {"@id": "id:b", "type": "Company", "label": {"en": "B"}}]}),
            StatusCode::BAD_REQUEST,
            "2 nodes",
        ),
        // A context the server will not fetch.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": "http://169.254.169.254/latest/meta-data", "type": "Company"}),
            StatusCode::BAD_REQUEST,
            "169.254.169.254",
        ),
        // A body about another entity than the address.
        (
            "PUT",
            "/api/actors/kaist",
            serde_json::json!({"@context": OURS, "@id": "id:mit", "type": "University", "label": {"en": "MIT"}}),
            StatusCode::BAD_REQUEST,
            "@id",
        ),
        // Patching what is not there.
        (
            "PATCH",
            "/api/actors/no-such-actor",
            serde_json::json!({"@context": OURS, "label": {"en": "Ghost"}}),
            StatusCode::NOT_FOUND,
            "no-such-actor",
        ),
        // A property the body's context does not define cannot be removed.
        (
            "PATCH",
            "/api/actors/kaist",
            serde_json::json!({"@context": OURS, "nonsense": null}),
            StatusCode::BAD_REQUEST,
            "nonsense",
        ),
        // Injection text is only text: a name with SPARQL in it is stored verbatim, not run.
        (
            "POST",
            "/api/actors",
            serde_json::json!({"@context": OURS, "type": "Company", "label": {"en": "' } ; DROP ALL ; {"}, "location": "id:bologna"}),
            StatusCode::CREATED,
            "drop-all",
        ),
    ];
    for (method, uri, body, expected, words) in cases {
        let (status, _, _, answer) =
            send_tagged(&router, json_write(method, uri, &body, None)).await;
        assert_eq!(status, expected, "{method} {uri} {body}: {answer}");
        assert!(
            answer.contains(words),
            "{method} {uri}: {words:?} not in {answer}"
        );
        if !expected.is_success() {
            assert_eq!(
                quads(&router).await,
                total,
                "{method} {uri} changed the store"
            );
        }
    }
    // The one accepted write stored the payload as a name; the seed data is all still there.
    assert_eq!(
        count(
            &router,
            "?s <http://www.w3.org/2000/01/rdf-schema#label> \"' } ; DROP ALL ; {\"@en"
        )
        .await,
        1
    );
    assert!(quads(&router).await > total);

    // Not JSON-LD at all: 415 and 400 naming the line.
    let request = write(
        "POST",
        "/api/actors",
        "text/turtle",
        "<a> <b> <c> .",
        Some(TOKEN),
    );
    assert_eq!(
        send(&router, request).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let request = write(
        "POST",
        "/api/actors",
        "application/ld+json",
        "{\n\"@id\": \"id:x\",\n oops }",
        Some(TOKEN),
    );
    let (status, content_type, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(json(&body)["line"], 3, "{body}");
}

/// A `multipart/form-data` body with a CSV `data` part and a JSON `mapping` part.
fn csv_form(csv: &str, mapping: &str) -> (String, String) {
    let boundary = "ponte-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"actors.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\nContent-Type: application/json\r\n\r\n{mapping}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const MAPPING: &str = r#"{"id": "id:{slug}", "type": "{kind}",
    "columns": {"name": {"property": "label", "language": "it"},
                "city": {"property": "location", "link": "id:{}"},
                "founded": {"property": "foundingDate"},
                "topics": {"property": "hasCompetence", "link": "topic:{}", "separator": ";"}}}"#;

crate::on_both_stores!(a_csv_import_with_a_mapping_writes_every_row_or_names_the_bad_one);
async fn a_csv_import_with_a_mapping_writes_every_row_or_names_the_bad_one(router: Router) {
    let total = quads(&router).await;
    // The fourth line has an impossible date: nothing of the file is written, and the
    // problem names that line.
    let csv = "slug,kind,name,city,founded,topics\n\
        csv-alfa,Startup,Alfa Salute,bologna,2020-02-03,gene-therapy;telemedicine\n\
        csv-beta,Company,Beta Farmaceutici,parma,2011-07-08,\n\
        csv-gamma,Company,Gamma Dispositivi,modena,2019-02-30x,\n";
    let (content_type, body) = csv_form(csv, MAPPING);
    let (status, _, answer) = send(
        &router,
        post(
            "/api/import?graph=urn:csv",
            &content_type,
            body,
            Some(TOKEN),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let problem = json(&answer);
    let violation = &problem["violations"][0];
    assert_eq!(violation["row"], 4, "{answer}");
    assert_eq!(violation["focusNode"], format!("{ID}csv-gamma"));
    assert_eq!(quads(&router).await, total);

    // A row whose id column is empty is named before anything is written.
    let (content_type, body) = csv_form(
        "slug,kind,name,city,founded,topics\ncsv-alfa,Startup,Alfa,bologna,,\n,Company,Nameless,,,\n",
        MAPPING,
    );
    let (status, _, answer) = send(
        &router,
        post("/api/import", &content_type, body, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(json(&answer)["row"], 3, "{answer}");
    assert_eq!(quads(&router).await, total);

    // A mapping that names a column the file lacks is refused, naming the field.
    let (content_type, body) = csv_form("slug,name\ncsv-alfa,Alfa\n", MAPPING);
    let (status, _, answer) = send(
        &router,
        post("/api/import", &content_type, body, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        json(&answer)["field"]
            .as_str()
            .unwrap()
            .starts_with("mapping."),
        "{answer}"
    );

    // The good rows import in one go, with a report; the entities are in the API at once.
    let good = csv.lines().take(3).collect::<Vec<_>>().join("\n");
    let (status, answer) = import_csv(&router, "graph=urn:csv", &good).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let report = json(&answer);
    assert_eq!(report["rows"], 2);
    assert_eq!(report["graphs"][0]["@id"], "urn:csv");
    assert_eq!(report["graphs"][0]["triples"], 10, "{answer}");
    let (status, _, body) = send(&router, get("/api/actors/csv-alfa")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["type"], "Startup");
    let hits = send(
        &router,
        get("/api/actors?topic=gene-and-cell-therapy&limit=100"),
    )
    .await
    .2;
    assert!(hits.contains("csv-alfa"), "{hits}");

    // replace=true empties the graph first: importing one row leaves one entity.
    let one = csv.lines().take(2).collect::<Vec<_>>().join("\n");
    let (status, answer) = import_csv(&router, "graph=urn:csv&replace=true", &one).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        send(&router, get("/api/actors/csv-beta")).await.0,
        StatusCode::NOT_FOUND
    );
}

crate::on_both_stores!(rdf_imports_are_atomic_and_name_the_bad_line);
async fn rdf_imports_are_atomic_and_name_the_bad_line(router: Router) {
    let total = quads(&router).await;
    let turtle = "@prefix id: <https://w3id.org/ponte/id/> .\n\
        @prefix ponte: <https://w3id.org/ponte/ontology#> .\n\
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
        id:ttl-one a ponte:Company ; rdfs:label \"Uno\"@it .\n\
        id:ttl-two a ponte:Company ; rdfs:label \"Due\"@it ;\n\
        id:ttl-three a ponte:Company .\n";
    let (status, _, answer) = send(
        &router,
        post("/api/import", "text/turtle", turtle, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(json(&answer)["line"], 6, "{answer}");
    assert_eq!(quads(&router).await, total);

    // N-Quads name their graphs; JSON-LD may use Ponte's context; both are validated.
    let nquads = "<https://w3id.org/ponte/id/nq-one> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ponte/ontology#Company> <urn:nq> .\n\
        <https://w3id.org/ponte/id/nq-one> <http://www.w3.org/2000/01/rdf-schema#label> \"NQ\"@en <urn:nq> .\n\
        <https://w3id.org/ponte/id/nq-one> <http://schema.org/location> <https://w3id.org/ponte/id/bologna> <urn:nq> .\n";
    let (status, _, answer) = send(
        &router,
        post("/api/import", "application/n-quads", nquads, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(json(&answer)["graphs"][0]["@id"], "urn:nq");
    let jsonld = serde_json::json!({"@context": OURS, "@graph": [
        {"@id": "id:jl-one", "type": "Company", "label": {"en": "JL one"}, "location": "id:bologna"},
        {"@id": "id:jl-two", "type": "University", "label": {"en": "JL two"}, "memberOf": "id:jl-one", "location": "id:modena"},
    ]});
    let request = Request::post("/api/import?graph=urn:jl")
        .header(header::HOST, "127.0.0.1:7878")
        .header(header::CONTENT_TYPE, "application/ld+json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(jsonld.to_string()))
        .unwrap();
    let (status, _, answer) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(json(&answer)["graphs"][0]["triples"], 7, "{answer}");
    // A shape violation anywhere in the file refuses all of it.
    let broken = "<https://w3id.org/ponte/id/nq-two> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ponte/ontology#Company> <urn:nq2> .\n";
    let before = quads(&router).await;
    let (status, _, answer) = send(
        &router,
        post("/api/import", "application/n-quads", broken, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.contains("nq-two"), "{answer}");
    assert_eq!(quads(&router).await, before);
    // A graph parameter with a quad format, an unknown parameter, RDF/XML: refused.
    for (uri, content_type, status) in [
        (
            "/api/import?graph=urn:x",
            "application/n-quads",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/import?mode=add",
            "text/turtle",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/import?replace=yes",
            "text/turtle",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/import",
            "application/rdf+xml",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("/api/import", "text/csv", StatusCode::BAD_REQUEST),
    ] {
        let (got, problem_type, body) =
            send(&router, post(uri, content_type, "", Some(TOKEN))).await;
        assert_eq!(got, status, "{uri} {content_type}: {body}");
        assert_eq!(problem_type, "application/problem+json");
    }
}

#[tokio::test]
async fn every_write_path_the_openapi_lists_refuses_without_the_token() {
    let router = router();
    let (_, _, openapi) = send(&router, get("/api/openapi.json")).await;
    let openapi = json(&openapi);
    let mut writes = Vec::new();
    for (path, operations) in openapi["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation.get("security").is_some() {
                let uri = path
                    .replace("{collection}", "actors")
                    .replace("{id}", "kaist");
                writes.push((method.to_uppercase(), uri));
            }
        }
    }
    assert_eq!(writes.len(), 5, "{writes:?}");
    let total = quads(&router).await;
    let body =
        serde_json::json!({"@context": OURS, "type": "Company", "label": {"en": "Intruder"}})
            .to_string();
    for (method, uri) in &writes {
        for token in [None, Some("wrong-token")] {
            let request = write(method, uri, "application/ld+json", body.clone(), token);
            let (status, content_type, answer) = send(&router, request).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {answer}");
            assert_eq!(content_type, "application/problem+json");
        }
    }
    // A server started without a token refuses every write, whoever asks.
    let closed = app(seeded_state(ServerConfig::default()));
    for (method, uri) in &writes {
        let request = write(
            method,
            uri,
            "application/ld+json",
            body.clone(),
            Some(TOKEN),
        );
        assert_eq!(
            send(&closed, request).await.0,
            StatusCode::FORBIDDEN,
            "{method} {uri}"
        );
    }
    assert_eq!(quads(&router).await, total);
}

/// Imports `csv` with [`MAPPING`] through `POST /api/import?{query}`, with the token.
async fn import_csv(router: &Router, query: &str, csv: &str) -> (StatusCode, String) {
    let (content_type, body) = csv_form(csv, MAPPING);
    let uri = format!("/api/import?{query}");
    let (status, _, answer) = send(router, post(&uri, &content_type, body, Some(TOKEN))).await;
    (status, answer)
}

#[tokio::test]
async fn an_entity_iri_is_http_in_normal_form_or_a_400_that_changes_nothing() {
    let router = router();
    let before = quads(&router).await;
    let company = |id: &str| {
        serde_json::json!({
            "@context": OURS,
            "@id": id,
            "type": "Startup",
            "label": {"en": "Mallory"},
            "location": "id:bologna",
        })
    };
    for id in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "urn:x",
        "https://w3id.org/ponte/id/../../x",
        "https://w3id.org/ponte/id/%2e%2E/x",
        "https://W3ID.org/ponte/id/x",
        "https://user@w3id.org/ponte/id/x",
    ] {
        let (status, _, _, body) = send_tagged(
            &router,
            json_write("POST", "/api/actors", &company(id), None),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{id}: {body}");
        assert_eq!(json(&body)["field"], "@id", "{id}: {body}");
    }
    // The same through an address: PUT creates what is absent.
    for uri in [
        "/api/actors/..%2F..%2Fx",
        "/api/actors/https%3A%2F%2Fw3id.org%2Fponte%2Fid%2F..%2Fx",
    ] {
        let mut body = company("x");
        body.as_object_mut().unwrap().remove("@id");
        let (status, _, _, answer) =
            send_tagged(&router, json_write("PUT", uri, &body, None)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
    }
    assert_eq!(
        quads(&router).await,
        before,
        "a refused write changed the store"
    );
    // A plain IRI elsewhere on the web is fine.
    let (status, _, _, body) = send_tagged(
        &router,
        json_write(
            "POST",
            "/api/actors",
            &company("https://mallory.example/about#org"),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

crate::on_both_stores!(a_graph_imported_again_with_other_blank_node_labels_is_unchanged);
async fn a_graph_imported_again_with_other_blank_node_labels_is_unchanged(router: Router) {
    // A project with two budgets, each a blank node; the second file says the same thing with
    // other labels, in another order.
    let first = "<https://w3id.org/ponte/id/reimported> <urn:test:budget> _:a , _:b .\n\
        _:a <urn:test:amount> 5 ; <urn:test:currency> \"EUR\" .\n\
        _:b <urn:test:amount> 7 .\n";
    let again = "_:y <urn:test:amount> 7 .\n\
        _:x <urn:test:currency> \"EUR\" ; <urn:test:amount> 5 .\n\
        <https://w3id.org/ponte/id/reimported> <urn:test:budget> _:y , _:x .\n";
    let import = |query: &'static str, turtle: &'static str| {
        let router = router.clone();
        async move {
            let uri = format!("/api/import?graph=urn:test:reimported{query}");
            let (status, _, answer) =
                send(&router, post(&uri, "text/turtle", turtle, Some(TOKEN))).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            json(&answer)
        }
    };
    let report = import("", first).await;
    assert_eq!(report["graphs"][0]["triples"], 5, "{report}");
    assert_eq!(report["graphs"][0]["unchanged"], false, "{report}");
    let total = quads(&router).await;
    // Replaced or added again: recognised, nothing written, no budget doubled.
    for query in ["&replace=true", ""] {
        let report = import(query, again).await;
        assert_eq!(report["graphs"][0]["unchanged"], true, "{query}: {report}");
        assert_eq!(report["added"], 0, "{query}: {report}");
        assert_eq!(quads(&router).await, total, "{query}");
    }
    // One amount changed: a new graph content, written.
    let changed = "<https://w3id.org/ponte/id/reimported> <urn:test:budget> _:a , _:b .\n\
        _:a <urn:test:amount> 5 ; <urn:test:currency> \"EUR\" .\n\
        _:b <urn:test:amount> 8 .\n";
    let report = import("&replace=true", changed).await;
    assert_eq!(report["graphs"][0]["unchanged"], false, "{report}");
    assert_eq!(
        quads(&router).await,
        total,
        "the same number of facts, one of them new"
    );
    assert_eq!(
        count(
            &router,
            "GRAPH <urn:test:reimported> { ?b <urn:test:amount> 8 }"
        )
        .await,
        1
    );
}
