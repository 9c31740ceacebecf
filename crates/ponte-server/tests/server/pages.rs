//! The web pages in process: entity IRIs answer HTML to a browser and data to everything else,
//! pages show what the API answers (the same suggestions in the same order), in the reader's
//! language, and bad input is an error page with a 4xx, never a silent 200.

use crate::common::*;

/// What Chromium sends for a page.
const BROWSER: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// A page as a browser asks for it: status, headers, body.
async fn page(
    router: &Router,
    uri: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Vec<(String, String)>, String) {
    let mut request = Request::get(uri).header(header::ACCEPT, BROWSER);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = tower::ServiceExt::oneshot(router.clone(), request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The `href`s between `start` and `end` in `html`, in order.
fn hrefs_between(html: &str, start: &str, end: &str) -> Vec<String> {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"));
    let rest = &html[from..];
    let rest = &rest[..rest.find(end).unwrap_or(rest.len())];
    rest.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// The page paths of an API answer's items (`https://w3id.org/ponte/id/kaist` → `/id/kaist`),
/// in order.
fn item_paths(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["@id"].as_str().unwrap().replace(ID, "/id/"))
        .collect()
}

/// The suggestions a match view shows, in order, as page paths.
fn shown_suggestions(html: &str) -> Vec<String> {
    html.split("<h3 class=\"suggestion\"><a href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn an_entity_iri_answers_html_to_a_browser_and_data_to_rdf_clients() {
    let router = router();
    let (status, headers, html) = page(&router, "/id/kaist", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        header_of(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        header_of(&headers, "content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        html.contains("<h1>Korea Advanced Institute of Science and Technology (KAIST)</h1>"),
        "{html}"
    );
    assert!(header_of(&headers, "vary").unwrap().contains("accept"));

    for (accept, expected) in [
        ("", "application/ld+json"),
        ("*/*", "application/ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("text/turtle", "text/turtle; charset=utf-8"),
        (
            "text/turtle;q=0.9, text/html;q=0.5",
            "text/turtle; charset=utf-8",
        ),
    ] {
        let request = match accept {
            "" => get("/id/kaist"),
            accept => get_accept("/id/kaist", accept),
        };
        let (status, content_type, body) = send(&router, request).await;
        assert_eq!(status, StatusCode::OK, "{accept}: {body}");
        assert_eq!(content_type, expected, "{accept}");
    }
    let (status, headers, html) = page(&router, "/topic/digital-health", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        header_of(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
}

crate::on_both_stores!(an_entity_page_shows_every_incoming_relation_and_the_source_of_each_fact);
async fn an_entity_page_shows_every_incoming_relation_and_the_source_of_each_fact(router: Router) {
    // Every distinct subject that points at KAIST, whatever the relation.
    let query = "SELECT DISTINCT ?s ?p WHERE { ?s ?p <https://w3id.org/ponte/id/kaist> \
                 FILTER(?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }";
    let (_, _, body) = send(&router, get(&query_uri(query))).await;
    let rows = json(&body)["results"]["bindings"]
        .as_array()
        .unwrap()
        .clone();
    assert!(rows.len() >= 8, "{body}");
    let (_, _, html) = page(&router, "/id/kaist", &[]).await;
    let incoming = hrefs_between(&html, "id=\"incoming\"", "</section>");
    for row in &rows {
        let subject = row["s"]["value"].as_str().unwrap();
        let shown = subject.replace("https://w3id.org/ponte/id/", "/id/");
        assert!(
            incoming.contains(&shown),
            "{shown} missing from {incoming:?}"
        );
    }
    assert_eq!(incoming.len(), rows.len(), "{incoming:?}");
    // The item shows them all too, under @reverse.
    let item = get_json_ld(&router, "/api/actors/kaist").await;
    let reverse = item["@reverse"].as_object().unwrap();
    let listed: usize = reverse
        .values()
        .map(|v| v.as_array().map_or(1, Vec::len))
        .sum();
    assert_eq!(listed, rows.len(), "{item}");

    // Each fact names the source it came from, linked to that source's page.
    let facts = &html[html.find("id=\"facts\"").unwrap()..html.find("id=\"incoming\"").unwrap()];
    assert!(
        facts.contains("seed-data/004-korea-mission-2024.ttl"),
        "{facts}"
    );
    let sources = hrefs_between(facts, "<tbody>", "</tbody>");
    assert!(
        sources.iter().any(|h| h.starts_with("/source?graph=")),
        "{sources:?}"
    );
}

crate::on_both_stores!(the_match_view_shows_the_api_suggestions_in_the_same_order);
async fn the_match_view_shows_the_api_suggestions_in_the_same_order(router: Router) {
    for query in [
        "actor=holostem",
        "actor=holostem&country=US",
        "actor=kaist&limit=5",
        "actor=art-er&kind=Company",
    ] {
        let api = get_json_ld(&router, &format!("/api/match?{query}")).await;
        let expected = item_paths(&api);
        assert!(!expected.is_empty(), "{query}: {api}");
        let (status, _, html) = page(&router, &format!("/match?{query}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let shown = shown_suggestions(&html);
        assert_eq!(shown, expected, "{query}");
        // Every score part is a bar that carries its number; the evidence is also a graph.
        assert!(html.contains("<meter"), "{html}");
        assert_eq!(
            html.matches("<svg class=\"evidence-graph\"").count(),
            expected.len(),
            "{html}"
        );
    }
    // The actor's page shows the first five of the same list.
    let api = get_json_ld(&router, "/api/match?actor=kaist&limit=5").await;
    let (_, _, html) = page(&router, "/id/kaist", &[]).await;
    let partners = hrefs_between(&html, "id=\"partners\"", "</ol>");
    let expected = item_paths(&api);
    assert_eq!(partners, expected);
}

#[tokio::test]
async fn the_language_comes_from_the_query_then_the_cookie_then_accept_language() {
    let router = router();
    let (_, headers, html) = page(&router, "/?lang=it", &[("accept-language", "en")]).await;
    assert!(html.contains("<html lang=\"it\">"), "{html}");
    assert!(
        header_of(&headers, "set-cookie")
            .unwrap()
            .starts_with("ponte-lang=it;")
    );
    let (_, headers, html) = page(
        &router,
        "/actors",
        &[("cookie", "ponte-lang=it"), ("accept-language", "en")],
    )
    .await;
    assert!(
        html.contains("<html lang=\"it\">") && html.contains("Attori"),
        "{html}"
    );
    assert!(header_of(&headers, "set-cookie").is_none());
    let (_, _, html) = page(
        &router,
        "/actors",
        &[("accept-language", "de-DE, it;q=0.7, en;q=0.3")],
    )
    .await;
    assert!(html.contains("<html lang=\"it\">"), "{html}");
    let (_, _, html) = page(&router, "/actors", &[]).await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    // Names follow the language: the 2024 mission's Italian and English names.
    let (_, _, it) = page(&router, "/id/mission-korea-2024?lang=it", &[]).await;
    let (_, _, en) = page(&router, "/id/mission-korea-2024?lang=en", &[]).await;
    assert!(
        it.contains("<h1>Missione di sistema della Regione Emilia-Romagna in Corea del Sud"),
        "{it}"
    );
    assert!(
        en.contains("<h1>Emilia-Romagna Region system mission to South Korea"),
        "{en}"
    );
}

crate::on_both_stores!(lists_filter_as_the_api_does_and_bad_input_is_an_error_page);
async fn lists_filter_as_the_api_does_and_bad_input_is_an_error_page(router: Router) {
    let api = get_json_ld(&router, "/api/actors?country=IT&kind=University").await;
    let total = api["totalItems"].as_u64().unwrap();
    assert!(total >= 3, "{api}");
    // An empty form field is no filter; the URL keeps every choice made.
    let (status, _, html) =
        page(&router, "/actors?q=&country=IT&kind=University&topic=", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&format!("of {total}")), "{html}");
    assert!(
        html.contains("href=\"/actors?country=IT&#38;kind=University&#38;lang=it\""),
        "{html}"
    );

    for (uri, status, named) in [
        ("/actors?country=ITA", StatusCode::BAD_REQUEST, "country"),
        ("/actors?bogus=1", StatusCode::BAD_REQUEST, "bogus"),
        ("/?lang=de", StatusCode::BAD_REQUEST, "lang"),
        (
            "/match?actor=nobody-at-all",
            StatusCode::NOT_FOUND,
            "nobody-at-all",
        ),
        ("/elephants", StatusCode::NOT_FOUND, "elephants"),
        ("/id/nobody-at-all", StatusCode::NOT_FOUND, "nobody-at-all"),
    ] {
        let (got, headers, html) = page(&router, uri, &[]).await;
        assert_eq!(got, status, "{uri}: {html}");
        assert_eq!(
            header_of(&headers, "content-type"),
            Some("text/html; charset=utf-8"),
            "{uri}"
        );
        assert!(html.contains(named), "{uri}: {html}");
    }
    // In Italian, the page says what went wrong in Italian; the operation's own detail (the
    // API's English text) follows, marked as English for screen readers.
    let (status, _, html) = page(&router, "/actors?country=ITA&lang=it", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("La richiesta non è valida"), "{html}");
    assert!(
        html.contains("Dettaglio tecnico (in inglese): <span lang=\"en\">"),
        "{html}"
    );
    let (_, _, html) = page(&router, "/id/nobody-at-all?lang=it", &[]).await;
    assert!(
        html.contains("Qui non c&#39;è niente") || html.contains("Qui non c'è niente"),
        "{html}"
    );
}

#[tokio::test]
async fn lists_count_each_filter_value_over_the_whole_selection() {
    let router = router();
    let (_, _, html) = page(&router, "/actors?limit=5", &[]).await;
    assert!(html.contains("Showing 1–5 of"), "{html}");
    // The count shown beside a country is the API's total for that filter.
    for (country, label) in [
        ("KR", "South Korea (KR)"),
        ("US", "United States of America (US)"),
    ] {
        let api = get_json_ld(&router, &format!("/api/actors?country={country}")).await;
        let total = api["totalItems"].as_u64().unwrap();
        assert!(total > 0);
        let needle = format!("{label} <span class=\"count\">({total})</span>");
        assert!(html.contains(&needle), "{needle} not in the page");
    }
    // Programmes too: taking part in one of its missions or stages counts, as the filter has it.
    let api = get_json_ld(
        &router,
        "/api/actors?programme=bip-digital-health-boston-2021&limit=100",
    )
    .await;
    let total = api["totalItems"].as_u64().unwrap();
    assert!(total > 0);
    let needle = format!(
        "Bridging Innovation Program – Digital Health – Boston 2021 <span class=\"count\">({total})</span>"
    );
    assert!(html.contains("name=\"programme\""), "no programme filter");
    assert!(html.contains(&needle), "{needle} not in the page");
    // Choosing a value keeps it checked and narrows the counts.
    let (_, _, html) = page(&router, "/actors?country=KR&limit=100", &[]).await;
    assert!(html.contains("value=\"KR\" checked"), "{html}");
    assert!(!html.contains("value=\"US\""), "{html}");
    // The next page carries every choice.
    let (_, _, html) = page(&router, "/actors?country=IT&limit=2", &[]).await;
    let next = hrefs_between(&html, "rel=\"next\"", "</p>");
    assert!(
        next.iter()
            .any(|h| h.contains("country=IT") && h.contains("cursor=")),
        "{next:?}"
    );
}

#[tokio::test]
async fn a_mission_page_has_its_timeline_and_an_ecosystem_page_its_actors_brokers_and_gaps() {
    let router = router();
    let (status, _, html) = page(&router, "/id/mission-korea-2024", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let timeline = hrefs_between(&html, "id=\"timeline\"", "</section>");
    for stage in [
        "/id/mission-korea-2024-meeting-embassy",
        "/id/kaist",
        "/id/seoul",
    ] {
        assert!(
            timeline.iter().any(|h| h == stage),
            "{stage} not in {timeline:?}"
        );
    }
    assert!(html.contains("<time datetime=\"2024-03-23\">"), "{html}");
    // What the mission led to: the collaboration discussed at its KAIST visit.
    let follow_ups = hrefs_between(&html, "id=\"follow-ups\"", "</section>");
    assert!(
        follow_ups
            .iter()
            .any(|h| h == "/id/collaboration-kaist-emilia-romagna-academic-exchange"),
        "{follow_ups:?}"
    );
    assert!(
        follow_ups
            .iter()
            .any(|h| h == "/id/mission-korea-2024-visit-kaist")
    );
    // The 2022 US mission's timeline reaches the visits of its Boston leg, and what it led to
    // includes the programme launched at MassChallenge.
    let (_, _, html) = page(&router, "/id/mission-usa-2022", &[]).await;
    let timeline = hrefs_between(&html, "id=\"timeline\"", "</section>");
    assert!(
        timeline
            .iter()
            .any(|h| h == "/id/mission-usa-2022-visit-masschallenge"),
        "{timeline:?}"
    );
    let follow_ups = hrefs_between(&html, "id=\"follow-ups\"", "</section>");
    assert!(
        follow_ups
            .iter()
            .any(|h| h == "/id/bip-digital-health-boston-2022"),
        "{follow_ups:?}"
    );

    let (status, _, html) = page(&router, "/ecosystems", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("href=\"/ecosystems/KR\""), "{html}");
    let (status, _, html) = page(&router, "/ecosystems/KR", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("/id/kaist"), "{html}");
    // Brokers and gaps are /api/brokers' and /api/gaps' for the same ecosystem.
    let brokers = get_json_ld(&router, "/api/brokers?to=KR").await;
    for broker in brokers["items"][0]["brokers"].as_array().unwrap() {
        let href = broker["@id"].as_str().unwrap().replace(ID, "/id/");
        assert!(html.contains(&format!("<h3><a href=\"{href}\">")), "{href}");
    }
    let gaps = get_json_ld(&router, "/api/gaps?to=KR").await;
    let shown = html.matches("<th scope=\"row\">").count();
    assert_eq!(shown, gaps["items"].as_array().unwrap().len());
    let (status, _, _) = page(&router, "/ecosystems/ZZ", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_profile_form_gives_the_api_profile_suggestions_and_the_shortlist_exports_as_csv() {
    let router = router();
    let (status, _, html) = page(
        &router,
        "/match/profile?topics=gene-therapy&topics=digital-health&wants=Hospital&limit=5",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let request = Request::post("/api/match?limit=5")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"topics": ["gene-therapy", "digital-health"], "wants": ["Hospital"]}"#,
        ))
        .unwrap();
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected = item_paths(&json(&body));
    let shown = shown_suggestions(&html);
    assert_eq!(shown, expected);
    assert!(html.contains("value=\"gene-therapy\" selected"), "{html}");

    let (status, headers, csv) = page(&router, "/match.csv?actor=kaist&limit=3", &[]).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(
        header_of(&headers, "content-type"),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with("rank,id,name,kinds,score,sharedTopics"),
        "{csv}"
    );
    let api = get_json_ld(&router, "/api/match?actor=kaist&limit=3").await;
    assert!(lines[1].starts_with(&format!("1,{},", api["items"][0]["@id"].as_str().unwrap())));
    let (status, _, _) = page(&router, "/match/profile?colour=blue", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_console_runs_a_query_as_the_endpoint_does_names_its_entities_and_says_what_it_cut() {
    let router = router();
    let (status, _, html) = page(&router, "/console", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Every analyst query is one click away.
    let examples = hrefs_between(&html, "id=\"examples\"", "</section>");
    assert_eq!(examples.len(), 20, "{examples:?}");
    let (status, _, html) = page(&router, &examples[5].replace("&amp;", "&"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Who met whom on the 2024 South Korea mission"),
        "{html}"
    );
    let answer = hrefs_between(&html, "id=\"answer\"", "</section>");
    assert!(answer.iter().any(|h| h == "/id/kaist"), "{answer:?}");

    // More rows than a page shows: the first 100, said so, and all of them to download.
    let query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 250";
    let (_, _, html) = page(&router, &format!("/console?query={}", enc(query)), &[]).await;
    assert!(html.contains("First 100 of 250 rows"), "{html}");
    assert_eq!(html.matches("<tr><td>").count(), 100);
    let (status, headers, csv) = page(
        &router,
        &format!("/console/download?query={}&accept=text/csv", enc(query)),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(
        header_of(&headers, "content-disposition")
            .unwrap()
            .contains("answer.csv")
    );
    assert_eq!(csv.lines().count(), 251);

    let (_, _, html) = page(
        &router,
        &format!("/console?query={}", enc("ASK { ?s ?p ?o }")),
        &[],
    )
    .await;
    assert!(html.contains("<strong>true</strong>"), "{html}");
    let construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3";
    let (_, _, html) = page(&router, &format!("/console?query={}", enc(construct)), &[]).await;
    assert!(html.contains("3 lines"), "{html}");

    // A refused query is shown on the page, with the endpoint's status and the query kept.
    let broken = "SELECT ?s WHERE { ?s ?p }";
    let (status, _, html) = page(&router, &format!("/console?query={}", enc(broken)), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("SELECT ?s WHERE { ?s ?p }"), "{html}");
    // Updates are not queries: the console never writes.
    let update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }";
    let (status, _, _) = page(&router, &format!("/console?query={}", enc(update)), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_console_editor_is_served_by_the_binary_and_completes_the_stores_own_vocabulary() {
    let router = router();
    let (_, _, html) = page(&router, "/console", &[]).await;
    for asset in [
        "/assets/vendor/yasqe.min.js",
        "/assets/vendor/yasqe.min.css",
        "/assets/console.js",
    ] {
        assert!(html.contains(&format!("\"{asset}\"")), "{asset} not linked");
        let (status, headers, body) = page(&router, asset, &[]).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(body.len() > 1_000, "{asset}");
        assert!(header_of(&headers, "cache-control").is_some(), "{asset}");
    }
    // The completion list is the store's: Ponte's classes, the properties its data uses, the
    // context's prefixes; and it is listed on the page too, for a reader without scripts.
    let start = html.find("data-vocabulary=\"").unwrap() + "data-vocabulary=\"".len();
    let end = start + html[start..].find('"').unwrap();
    let json = html[start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"");
    let json = json.replace("&#38;", "&").replace("&amp;", "&");
    let vocabulary: serde_json::Value = serde_json::from_str(&json).expect(&json);
    let listed =
        |key: &str, iri: &str| vocabulary[key].as_array().unwrap().iter().any(|v| v == iri);
    assert!(listed("classes", "https://w3id.org/ponte/ontology#IRCCS"));
    assert!(listed(
        "properties",
        "https://w3id.org/ponte/ontology#hasCompetence"
    ));
    assert!(listed(
        "properties",
        "http://www.w3.org/2000/01/rdf-schema#label"
    ));
    assert_eq!(
        vocabulary["prefixes"]["ponte"],
        "https://w3id.org/ponte/ontology#"
    );
    assert!(
        html.contains("<code title=\"https://w3id.org/ponte/ontology#IRCCS\">ponte:IRCCS</code>")
    );
    // Nothing of the editor's stock set-up reaches outside the server.
    let (_, _, script) = page(&router, "/assets/console.js", &[]).await;
    assert!(!script.contains("http"), "console.js names no other host");
}

#[tokio::test]
async fn an_entity_iri_with_an_extension_is_its_data_in_that_format_and_pages_link_to_it() {
    let router = router();
    for (path, expected) in [
        ("/id/kaist.ttl", "text/turtle; charset=utf-8"),
        ("/id/kaist.nt", "application/n-triples"),
        ("/id/kaist.jsonld", "application/ld+json"),
        ("/id/kaist.rdf", "application/rdf+xml"),
        ("/topic/digital-health.ttl", "text/turtle; charset=utf-8"),
    ] {
        // Even a browser's Accept: the extension decides.
        let (status, headers, body) = page(&router, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(
            header_of(&headers, "content-type"),
            Some(expected),
            "{path}"
        );
    }
    let (_, _, html) = page(&router, "/id/kaist", &[]).await;
    let data = hrefs_between(&html, "id=\"data\"", "</section>");
    for link in [
        "/api/actors/kaist",
        "/id/kaist.ttl",
        "/id/kaist.nt",
        "/id/kaist.rdf",
    ] {
        assert!(data.iter().any(|h| h == link), "{link} not in {data:?}");
    }
    let (status, _, _) = page(&router, "/id/nobody.ttl", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, headers, js) = page(&router, "/assets/typeahead.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.contains("/api/search"));
    let (status, _, html) = page(&router, "/accessibility?lang=it", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("WCAG 2.1"), "{html}");
}

#[tokio::test]
async fn the_map_shows_the_filtered_actors_as_points_and_the_same_actors_in_a_table() {
    let router = router();
    let (status, headers, html) = page(&router, "/map?country=KR", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(header_of(&headers, "content-security-policy").is_some());
    assert!(html.contains("<svg viewBox=\"0 0 360 170\""), "{html}");
    let points = html.matches("<circle class=\"point").count();
    let rows = hrefs_between(&html, "<tbody>", "</tbody>");
    assert_eq!(points, rows.len(), "{html}");
    assert!(rows.iter().any(|h| h == "/id/kaist"), "{rows:?}");
    // Every actor of the filter is on the map or counted as without a point.
    let api = get_json_ld(&router, "/api/actors?country=KR&limit=100").await;
    let total = api["totalItems"].as_u64().unwrap() as usize;
    let unplaced = total - points;
    if unplaced > 0 {
        assert!(html.contains(&format!(", {unplaced} without")), "{html}");
    }
    // KAIST is in Daejeon: its point is Daejeon's.
    assert!(html.contains("<td>36.3214</td><td>127.4197</td>"), "{html}");
    let (status, _, _) = page(&router, "/map?country=KOR", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // MIT is known to be in the Boston area only: its point is the centre of the area's known
    // places (Boston, Cambridge…), drawn and listed as approximate.
    let (_, _, html) = page(&router, "/map?country=US", &[]).await;
    let rows = hrefs_between(&html, "<tbody>", "</tbody>");
    assert!(rows.iter().any(|h| h == "/id/mit"), "{rows:?}");
    assert!(
        html.contains("<circle class=\"point approximate\""),
        "{html}"
    );
    assert!(html.contains("<td>≈ 42."), "{html}");
    assert!(html.contains("the centre of the region"), "{html}");

    // An entity page with a place has a small map of the part of the world around it, the
    // coordinates written beside it, and only the outlines near it (the page stays small).
    let (_, _, html) = page(&router, "/id/kaist", &[]).await;
    assert!(html.contains("<figure class=\"map small-map\">"), "{html}");
    assert!(
        html.contains("Latitude 36.3214, Longitude 127.4197"),
        "{html}"
    );
    assert!(html.len() < 40_000, "entity page of {} bytes", html.len());
    let (_, _, html) = page(&router, "/id/mit", &[]).await;
    assert!(html.contains("Latitude ≈ 42."), "{html}");
}
