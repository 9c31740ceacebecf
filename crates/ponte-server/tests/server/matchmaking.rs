//! Partner suggestions on the seed data, in process: sensible, explained by real edges,
//! filtered as asked, and following writes without a restart.

use crate::common::*;

/// `GET /api/match` for `query`; the answer's items.
async fn suggestions(router: &Router, query: &str) -> Vec<Value> {
    let document = get_json_ld(router, &format!("/api/match?{query}")).await;
    assert_eq!(document["type"], "Collection");
    document["items"].as_array().unwrap().clone()
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["@id"].as_str().unwrap().trim_start_matches(ID).to_owned())
        .collect()
}

async fn is_triple(router: &Router, step: &Value) -> bool {
    let ask = format!(
        "ASK {{ <{}> <{}> <{}> }}",
        step["subject"].as_str().unwrap(),
        step["predicate"].as_str().unwrap(),
        step["object"].as_str().unwrap()
    );
    let (status, _, body) = send(router, get(&query_uri(&ask))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    json(&body)["boolean"] == true
}

#[tokio::test]
async fn five_actors_of_different_kinds_get_sensible_suggestions_explained_by_real_edges() {
    let router = router();
    // (actor, its kind, partners a person would expect among the first five)
    let cases = [
        (
            "kaist",
            "University",
            &["kisti-national-supercomputing-center", "cnr-nano"][..],
        ),
        (
            "mit",
            "University",
            // Johnson & Johnson, in the Boston area as well since every organisation has a
            // place, now ranks beside MassChallenge HealthTech (5th and 6th).
            &["mass-general-brigham", "boston-childrens-hospital"][..],
        ),
        ("holostem", "Company", &["stemsel", "comecer"][..]),
        (
            "ospedale-di-parma",
            "Hospital",
            &["university-of-parma"][..],
        ),
        (
            "art-er",
            "Agency",
            &["harvard-medical-school", "sanofi"][..],
        ),
    ];
    for (actor, kind, expected) in cases {
        let (_, _, body) = send(&router, get(&format!("/api/actors/{actor}"))).await;
        assert!(
            body.contains(&format!("\"{kind}\"")),
            "{actor} is a {kind}: {body}"
        );
        let items = suggestions(&router, &format!("actor={actor}&limit=5")).await;
        let found = ids(&items);
        assert_eq!(items.len(), 5, "{actor}: {found:?}");
        for partner in expected {
            assert!(
                found.iter().any(|f| f == partner),
                "{actor}: {partner} not in {found:?}"
            );
        }
        let mut previous = f64::INFINITY;
        for item in &items {
            let partner = item["@id"].as_str().unwrap();
            assert_ne!(partner, format!("{ID}{actor}"));
            // The score is the sum of its parts, and the list is best first.
            let score = item["score"].as_f64().unwrap();
            let parts: f64 = item["scoreParts"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_f64().unwrap())
                .sum();
            assert!(
                (score - parts).abs() < 1e-3,
                "{actor} → {partner}: {score} vs {parts}"
            );
            assert!(score <= previous + 1e-9);
            previous = score;
            assert!(item["label"].is_object(), "{partner} has a name");
            // One to three paths from the actor to the partner, each step a triple of the store.
            let evidence = item["evidence"].as_array().unwrap();
            assert!(
                (1..=3).contains(&evidence.len()),
                "{actor} → {partner}: {evidence:?}"
            );
            for path in evidence {
                let steps = path.as_array().unwrap();
                let mut at = format!("{ID}{actor}");
                for step in steps {
                    assert!(is_triple(&router, step).await, "not in the store: {step}");
                    let (s, o) = (
                        step["subject"].as_str().unwrap(),
                        step["object"].as_str().unwrap(),
                    );
                    at = if s == at {
                        o.to_owned()
                    } else if o == at {
                        s.to_owned()
                    } else {
                        panic!("{actor} → {partner}: the path breaks at {step}")
                    };
                    assert!(step["subjectLabel"].is_object() && step["objectLabel"].is_object());
                }
                assert_eq!(at, partner, "{actor}: the path ends at the partner");
            }
        }
    }
}

#[tokio::test]
async fn filters_narrow_the_suggestions_and_connected_partners_can_be_left_out() {
    let router = router();
    // Only partners in the United States.
    let american = ids(&suggestions(&router, "actor=art-er&country=US&limit=10").await);
    assert!(!american.is_empty());
    let in_us = ids(&json(
        &send(&router, get("/api/actors?country=US&limit=100"))
            .await
            .2,
    )["items"]
        .as_array()
        .unwrap()
        .clone());
    for partner in &american {
        assert!(in_us.contains(partner), "{partner} is not in the US");
    }
    // Only universities.
    for item in suggestions(&router, "actor=holostem&kind=University&limit=5").await {
        let (_, _, body) = send(
            &router,
            get(&format!(
                "/api/actors/{}",
                enc(item["@id"].as_str().unwrap())
            )),
        )
        .await;
        assert!(body.contains("University"), "{body}");
    }
    // Connected partners are kept and marked by default, and left out on request.
    // (People are suggested only when asked for: KAIST's vice president is linked to it.)
    let all = suggestions(&router, "actor=kaist&kind=Person&limit=30").await;
    let connected: Vec<&Value> = all.iter().filter(|i| i["connected"] == true).collect();
    assert!(
        !connected.is_empty(),
        "KAIST has direct links among its suggestions"
    );
    let unconnected = suggestions(
        &router,
        "actor=kaist&kind=Person&limit=30&exclude=connected",
    )
    .await;
    assert!(unconnected.iter().all(|i| i["connected"] == false));
    for item in connected {
        assert!(!ids(&unconnected).contains(&ids(std::slice::from_ref(item))[0]));
    }
    // Mistakes are named.
    for (query, status) in [
        ("", StatusCode::BAD_REQUEST),
        ("actor=kaist&exclude=everything", StatusCode::BAD_REQUEST),
        ("actor=kaist&q=x", StatusCode::BAD_REQUEST),
        ("actor=kaist&country=USA", StatusCode::BAD_REQUEST),
        ("actor=no-such-actor", StatusCode::NOT_FOUND),
        ("actor=mission-usa-2022", StatusCode::NOT_FOUND),
    ] {
        let (got, content_type, body) = send(&router, get(&format!("/api/match?{query}"))).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(content_type, "application/problem+json");
    }
}

crate::on_both_stores!(a_write_shows_up_in_the_next_suggestions_without_a_restart);
async fn a_write_shows_up_in_the_next_suggestions_without_a_restart(router: Router) {
    let before = ids(&suggestions(&router, "actor=holostem&limit=10").await);
    assert!(!before.contains(&"cell-lab-bologna".to_owned()));
    // A new company on Holostem's topic and mission stage.
    let insert = format!(
        "{CRAFTED_PREFIXES}PREFIX topic: <https://w3id.org/ponte/topic/>
        INSERT DATA {{ GRAPH <urn:new> {{
          id:cell-lab-bologna a ponte:Company ; rdfs:label \"Cell Lab Bologna\"@en ;
            schema:location id:bologna ; ponte:hasCompetence topic:advanced-therapies ;
            ponte:participatedIn id:mission-usa-2022-philadelphia . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", insert, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after = suggestions(&router, "actor=holostem&limit=3").await;
    let position = ids(&after).iter().position(|id| id == "cell-lab-bologna");
    let position = position.unwrap_or_else(|| panic!("{:?}", ids(&after)));
    let evidence = after[position]["evidence"].to_string();
    assert!(
        evidence.contains("advanced-therapies")
            && evidence.contains("mission-usa-2022-philadelphia"),
        "{evidence}"
    );
}

#[tokio::test]
async fn a_profile_gets_the_kinds_of_partner_it_wants_with_evidence() {
    let router = router();
    let profile = serde_json::json!({
        "topics": ["gene-and-cell-therapy", "topic:advanced-therapies"],
        "linkedTo": ["mission-usa-2022-philadelphia"],
        "wants": ["Accelerator", "Incubator"],
    });
    let request = Request::post("/api/match?limit=8")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(profile.to_string()))
        .unwrap();
    let (status, content_type, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "application/ld+json");
    let items = json(&body)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 8, "{body}");
    // The profile's topics and stage explain the suggestions; the kinds it wants count.
    assert!(
        items
            .iter()
            .any(|i| i["scoreParts"]["complementarity"].as_f64().unwrap() > 0.0),
        "{body}"
    );
    for item in &items {
        let evidence = item["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty(), "{item}");
        for step in evidence.iter().flat_map(|p| p.as_array().unwrap()) {
            assert!(is_triple(&router, step).await, "{step}");
        }
    }
    // Mistakes are named.
    for (body, uri, status) in [
        (
            serde_json::json!({"topics": []}),
            "/api/match",
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({"topics": ["no-such-topic"]}),
            "/api/match",
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({"topics": ["gene-therapy"], "colour": "red"}),
            "/api/match",
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({"topics": ["gene-therapy"]}),
            "/api/match?actor=kaist",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (got, content_type, answer) = send(&router, request).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(content_type, "application/problem+json");
    }
}

/// The IRIs of a collection page of up to 100 actors matching `filter`.
async fn actors_where(router: &Router, filter: &str) -> Vec<String> {
    let (_, _, body) = send(router, get(&format!("/api/actors?{filter}&limit=100"))).await;
    json(&body)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["@id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn brokers_bridge_the_region_and_each_ecosystem_and_gaps_name_topics_without_partners() {
    let router = router();
    let home = actors_where(&router, "region=IT-45").await;
    let american = actors_where(&router, "country=US").await;
    // Whole lists, not a first page: the checks below need every member.
    assert!(home.len() < 100 && american.len() < 100);
    let (status, _, body) = send(&router, get("/api/brokers?to=US&limit=3")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let document = json(&body);
    assert_eq!(document["home"], "IT-45");
    let ecosystems = document["items"].as_array().unwrap();
    assert_eq!(ecosystems.len(), 1, "{body}");
    assert_eq!(ecosystems[0]["ecosystem"], "US");
    let brokers = ecosystems[0]["brokers"].as_array().unwrap();
    assert!(!brokers.is_empty(), "{body}");
    for broker in brokers
        .iter()
        .filter(|b| b["betweenness"].as_f64().unwrap() > 0.0)
    {
        // The evidence runs from a home actor, through the broker, to an American actor.
        let path = broker["evidence"][0].as_array().unwrap();
        let mut nodes = Vec::new();
        for step in path {
            assert!(is_triple(&router, step).await, "{step}");
            nodes.push(step["subject"].as_str().unwrap().to_owned());
            nodes.push(step["object"].as_str().unwrap().to_owned());
        }
        let id = broker["@id"].as_str().unwrap().to_owned();
        assert!(nodes.contains(&id), "{broker}");
        assert!(
            nodes.iter().any(|n| home.contains(n)),
            "no home actor in {broker}"
        );
        assert!(
            nodes.iter().any(|n| american.contains(n)),
            "no American actor in {broker}"
        );
    }

    let (status, _, body) = send(&router, get("/api/gaps?limit=50")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gaps = json(&body)["items"].as_array().unwrap().clone();
    assert!(!gaps.is_empty(), "{body}");
    for gap in &gaps {
        let regional = gap["regionalActors"].as_array().unwrap();
        assert!(!regional.is_empty());
        for actor in regional {
            assert!(home.contains(&actor.as_str().unwrap().to_owned()), "{gap}");
        }
        for step in gap["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p.as_array().unwrap())
        {
            assert!(is_triple(&router, step).await, "{step}");
        }
    }
    // Closing a gap: a foreign actor on the topic, partner of a home actor, removes it.
    let gap = &gaps[0];
    let topic = gap["@id"].as_str().unwrap();
    let regional = gap["regionalActors"][0].as_str().unwrap();
    let insert = format!(
        "{CRAFTED_PREFIXES}INSERT DATA {{ GRAPH <urn:new> {{
          id:boston-gap-closer a ponte:Company ; rdfs:label \"Gap Closer Inc.\"@en ;
            schema:location id:boston ; ponte:hasCompetence <{topic}> ;
            ponte:collaboratesWith <{regional}> . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", insert, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, _, body) = send(&router, get("/api/gaps?limit=100")).await;
    assert!(
        !body.contains(&format!("\"@id\":\"{topic}\"")),
        "{topic} is still a gap: {body}"
    );

    for uri in [
        "/api/brokers?from=%22",
        "/api/brokers?colour=red",
        "/api/gaps?limit=0",
        "/api/gaps?to=x",
    ] {
        let (status, content_type, body) = send(&router, get(uri)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json");
    }
}

crate::on_both_stores!(
    an_advanced_therapy_company_gets_the_gene_therapy_company_its_mission_visited
);
async fn an_advanced_therapy_company_gets_the_gene_therapy_company_its_mission_visited(
    router: Router,
) {
    let items = suggestions(&router, "actor=holostem&country=US").await;
    let ranked = ids(&items);
    let spark = ranked
        .iter()
        .position(|id| id == "spark-therapeutics")
        .unwrap_or_else(|| panic!("Spark Therapeutics not suggested: {ranked:?}"));
    assert!(spark < 5, "{ranked:?}");
    let item = &items[spark];
    // The reason: Holostem's advanced therapies are above Spark's gene therapy.
    assert!(
        item["scoreParts"]["sharedTopics"].as_f64().unwrap() > 0.0,
        "{item}"
    );
    let path = item["evidence"][0].as_array().unwrap();
    let objects: Vec<&str> = path.iter().map(|s| s["object"].as_str().unwrap()).collect();
    assert!(
        objects.iter().any(|o| o.ends_with("/topic/gene-therapy")),
        "{item}"
    );
    for step in path {
        assert!(is_triple(&router, step).await, "{step}");
    }
}

#[tokio::test]
async fn the_same_pair_scores_the_same_whatever_the_filters() {
    let router = router();
    let everywhere = suggestions(&router, "actor=holostem&limit=100").await;
    let american = suggestions(&router, "actor=holostem&country=US").await;
    for item in &american {
        let same = everywhere
            .iter()
            .find(|i| i["@id"] == item["@id"])
            .unwrap_or_else(|| panic!("{} only with the filter", item["@id"]));
        assert_eq!(same["score"], item["score"], "{}", item["@id"]);
    }
}

#[tokio::test]
async fn gaps_name_the_foreign_actors_who_could_fill_them() {
    let router = router();
    let (status, _, body) = send(&router, get("/api/gaps?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gaps = json(&body)["items"].as_array().unwrap().clone();
    let foreign_of = |topic: &str| -> Vec<String> {
        gaps.iter()
            .find(|g| {
                g["@id"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/topic/{topic}"))
            })
            .map(|g| {
                g["foreignActors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().trim_start_matches(ID).to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Spark works on gene therapy, below advanced therapies; KISTI's centre on supercomputing.
    assert!(
        foreign_of("advanced-therapies").contains(&"spark-therapeutics".to_owned()),
        "{body}"
    );
    assert!(
        foreign_of("supercomputing").contains(&"kisti-national-supercomputing-center".to_owned()),
        "{body}"
    );
}

#[tokio::test]
async fn brokers_towards_a_city_include_who_ran_a_programme_aimed_at_it() {
    let router = router();
    let (status, _, body) = send(&router, get("/api/brokers?to=boston")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let document = json(&body);
    let ecosystem = &document["items"][0];
    assert_eq!(ecosystem["ecosystem"], "boston", "{body}");
    let brokers = ecosystem["brokers"].as_array().unwrap();
    let art_er = brokers
        .iter()
        .find(|b| b["@id"].as_str().unwrap().ends_with("/id/art-er"))
        .unwrap_or_else(|| panic!("ART-ER is no broker towards Boston: {body}"));
    assert!(art_er["organised"].as_u64().unwrap() >= 1, "{art_er}");
    // Its evidence: it organised the Boston programme, which is aimed at the Boston area.
    let path = art_er["evidence"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_array()
        .unwrap();
    assert!(
        path.iter().any(|s| s["subject"]
            .as_str()
            .unwrap()
            .ends_with("/id/bip-digital-health-boston-2021")),
        "{art_er}"
    );
    for step in path {
        assert!(is_triple(&router, step).await, "{step}");
    }
    // A region keeps its own code as label; a name that is no place is a 400 naming the
    // ecosystems there are.
    let (status, _, body) = send(&router, get("/api/brokers?to=US-MA")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["items"][0]["ecosystem"], "US-MA", "{body}");
    let (status, content_type, body) = send(&router, get("/api/brokers?to=atlantis")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert!(body.contains("US") && body.contains("KR"), "{body}");
}

/// Deletes every triple directly between `a` and `b`, both ways, so that a suggestion of one
/// to the other must come from what they are, not from a link already there.
async fn unlink(router: &Router, a: &str, b: &str) {
    let update = format!(
        "DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
           VALUES (?s ?o) {{ (<{ID}{a}> <{ID}{b}>) (<{ID}{b}> <{ID}{a}>) }} }}"
    );
    let (status, _, body) = send(
        router,
        post("/sparql", "application/sparql-update", update, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// The suggestion of `partner` among `actor`'s first ten for `filter`: it must be there, with
/// a complementarity part, and every evidence step must be a triple of the store.
async fn complementary_partner(router: &Router, actor: &str, filter: &str, partner: &str) {
    unlink(router, actor, partner).await;
    let items = suggestions(router, &format!("actor={actor}&{filter}")).await;
    let ranked = ids(&items);
    let position = ranked
        .iter()
        .position(|id| id == partner)
        .unwrap_or_else(|| panic!("{actor}: {partner} not in {ranked:?}"));
    let item = &items[position];
    assert!(
        item["scoreParts"]["complementarity"].as_f64().unwrap() > 0.0,
        "{actor}: {item}"
    );
    for step in item["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p.as_array().unwrap())
    {
        assert!(is_triple(router, step).await, "{step}");
    }
}

#[tokio::test]
async fn complementary_kinds_from_the_ontology_meet_without_being_asked_for() {
    let router = router();
    // KISTI's supercomputing centre and CINECA: computing centres, peers across the mission.
    complementary_partner(
        &router,
        "kisti-national-supercomputing-center",
        "country=IT",
        "cineca",
    )
    .await;
    // A regional innovation centre and a new regional startup of its field (agri-food).
    let insert = format!(
        "{CRAFTED_PREFIXES}PREFIX topic: <https://w3id.org/ponte/topic/>
        INSERT DATA {{ GRAPH <urn:new> {{
          id:seedling-startup a ponte:Startup ; rdfs:label \"Seedling\"@en ;
            schema:location id:bologna ; ponte:hasCompetence topic:agri-food . }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", insert, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    complementary_partner(&router, "ri-nova", "region=IT-45", "seedling-startup").await;
    // A hospital and a university of its city, for trials.
    complementary_partner(
        &router,
        "ospedale-di-parma",
        "limit=10",
        "university-of-parma",
    )
    .await;
}

#[tokio::test]
async fn place_counts_when_partners_are_sought_at_home_and_is_never_a_filter() {
    let router = router();
    // Searching the whole field, being near is no reason: no place part, partners abroad stay.
    let everywhere = suggestions(&router, "actor=holostem&limit=100").await;
    assert!(
        everywhere.iter().all(|i| i["scoreParts"]["place"] == 0.0),
        "{everywhere:?}"
    );
    assert!(ids(&everywhere).contains(&"spark-therapeutics".to_owned()));
    // At home (Holostem is in Emilia-Romagna), the same place counts fully, a city of the
    // region half.
    let at_home = suggestions(&router, "actor=holostem&region=IT-45&limit=50").await;
    let place_of = |id: &str| {
        at_home
            .iter()
            .find(|i| i["@id"].as_str().unwrap().ends_with(&format!("/id/{id}")))
            .map(|i| i["scoreParts"]["place"].as_f64().unwrap())
            .unwrap_or_else(|| panic!("{id} not in {:?}", ids(&at_home)))
    };
    // The documented place weight, 0.075, fully and half.
    assert_eq!(place_of("comecer"), 0.075);
    assert!(
        at_home.iter().any(|i| i["scoreParts"]["place"] == 0.0375),
        "{at_home:?}"
    );
}

/// The lower-cased texts of an actor and of its topics, read over SPARQL.
async fn words_of(router: &Router, actor: &str) -> String {
    let query = format!(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?text WHERE {{
          {{ <{ID}{actor}> ?p ?text }}
          UNION {{ <{ID}{actor}> ?r ?t . ?t a skos:Concept ; ?q ?text }}
          UNION {{ ?t ?r <{ID}{actor}> . ?t a skos:Concept ; ?q ?text }}
          FILTER(isLiteral(?text))
        }}"
    );
    let (status, _, body) = send(router, get(&query_uri(&query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    json(&body)["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"]["value"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn content_similarity_names_words_both_actors_use() {
    let router = router();
    let items = suggestions(&router, "actor=holostem&limit=20").await;
    let seed_words = words_of(&router, "holostem").await;
    let mut with_content = 0;
    for item in &items {
        let terms: Vec<&str> = item["sharedTerms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let content = item["scoreParts"]["content"].as_f64().unwrap();
        // Words shown exactly when the part counts, at most five.
        assert_eq!(content > 0.0, !terms.is_empty(), "{item}");
        assert!(terms.len() <= 5, "{item}");
        if terms.is_empty() {
            continue;
        }
        with_content += 1;
        let id = item["@id"].as_str().unwrap().trim_start_matches(ID);
        let theirs = words_of(&router, id).await;
        for term in terms {
            // Shown as the seed writes it; the partner writes it or another form of it
            // (therapy, therapies: the same stem, the same first letters).
            let stem: String = term.chars().take(term.chars().count().max(8) - 3).collect();
            assert!(
                seed_words.contains(term) && theirs.contains(&stem),
                "{term:?} is not a word of both holostem and {id}"
            );
        }
    }
    assert!(with_content >= 3, "{items:?}");
    // Spark, the gene-therapy company of the US mission, shares words about therapies.
    let us = suggestions(&router, "actor=holostem&country=US&limit=5").await;
    let spark = us
        .iter()
        .find(|i| {
            i["@id"]
                .as_str()
                .unwrap()
                .ends_with("/id/spark-therapeutics")
        })
        .unwrap_or_else(|| panic!("{:?}", ids(&us)));
    assert!(
        spark["sharedTerms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("therap")),
        "{spark}"
    );
}

/// Every step of every path in `paths` is a triple of the store.
async fn all_triples(router: &Router, paths: &Value) {
    for path in paths.as_array().unwrap() {
        for step in path.as_array().unwrap() {
            assert!(is_triple(router, step).await, "{step}");
        }
    }
}

/// The 2024 South Korea mission's topics, as its document lists them.
const KOREA_2024_TOPICS: [&str; 11] = [
    "health-life-sciences",
    "sector-big-data-ai-hpc",
    "sector-automotive",
    "sector-aerospace",
    "sector-agrifood-agrimechanics",
    "sector-life-sciences-biotech",
    "sector-green-technologies",
    "sector-culture-creativity",
    "talent-mobility",
    "joint-research",
    "investment-attraction",
];

#[tokio::test]
async fn a_plan_for_korea_invites_actors_active_on_its_topics_and_pairs_them_with_korean_actors() {
    let router = router();
    let body = serde_json::json!({"to": "KR", "topics": KOREA_2024_TOPICS, "limit": 8});
    let (status, _, answer) = send(
        &router,
        post("/api/plan", "application/json", body.to_string(), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let plan = json(&answer);
    assert_eq!(plan["type"], "MissionPlan");
    assert_eq!(
        (plan["home"].as_str(), plan["ecosystem"].as_str()),
        (Some("IT-45"), Some("KR"))
    );
    let home = actors_where(&router, "region=IT-45").await;
    let korean = actors_where(&router, "country=KR").await;
    // Invited: home actors, each with a reason drawn from the documents, every step a triple.
    let invited: Vec<&str> = plan["invite"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["@id"].as_str().unwrap())
        .collect();
    for name in ["clust-er-health", "cineca"] {
        assert!(
            invited.contains(&format!("{ID}{name}").as_str()),
            "{name} not in {invited:?}"
        );
    }
    for invitee in plan["invite"].as_array().unwrap() {
        assert!(
            home.contains(&invitee["@id"].as_str().unwrap().to_owned()),
            "{invitee}"
        );
        let reasons = ["topics", "sharedTerms", "activities", "links"]
            .iter()
            .map(|k| invitee[k].as_array().unwrap().len())
            .sum::<usize>();
        assert!(reasons > 0, "{invitee}");
        all_triples(&router, &invitee["evidence"]).await;
    }
    // The Clust-ER took part in the 2024 mission, which went to Korea.
    let cluster = &plan["invite"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["@id"] == format!("{ID}clust-er-health"))
        .unwrap();
    assert_eq!(cluster["activities"][0], format!("{ID}mission-korea-2024"));
    // Meetings: an invited actor and a Korean one, explained; CINECA meets KISTI's
    // supercomputing centre, its counterpart.
    let meetings = plan["meetings"].as_array().unwrap();
    assert!(!meetings.is_empty());
    for meeting in meetings {
        assert!(
            invited.contains(&meeting["home"].as_str().unwrap()),
            "{meeting}"
        );
        assert!(
            korean.contains(&meeting["@id"].as_str().unwrap().to_owned()),
            "{meeting}"
        );
        all_triples(&router, &meeting["evidence"]).await;
    }
    assert!(
        meetings.iter().any(|m| m["home"] == format!("{ID}cineca")
            && m["@id"] == format!("{ID}kisti-national-supercomputing-center")),
        "{meetings:?}"
    );
    // Some were met on the 2024 mission already, some are new.
    assert!(meetings.iter().any(|m| m["met"] == true));
    assert!(meetings.iter().any(|m| m["met"] == false));
    // Introducers are the brokers towards Korea.
    let brokers = get_json_ld(&router, "/api/brokers?to=KR&limit=5").await;
    assert_eq!(plan["introducers"], brokers["items"][0]["brokers"]);
}

#[tokio::test]
async fn a_past_missions_open_meetings_come_with_a_next_step_and_leave_once_followed() {
    let router = router();
    let follow_up = get_json_ld(&router, "/api/plan?mission=mission-usa-2022&limit=100").await;
    assert_eq!(follow_up["mission"], format!("{ID}mission-usa-2022"));
    let meetings = follow_up["meetings"].as_array().unwrap().clone();
    let pair = |m: &Value| {
        (
            m["home"]
                .as_str()
                .unwrap()
                .trim_start_matches(ID)
                .to_owned(),
            m["partner"]
                .as_str()
                .unwrap()
                .trim_start_matches(ID)
                .to_owned(),
        )
    };
    let pairs: Vec<(String, String)> = meetings.iter().map(pair).collect();
    // Holostem visited Spark Therapeutics on the Philadelphia stage: not partners yet, and
    // the Pennsylvania call on gene and cell therapy is the next step.
    let holostem_spark = meetings
        .iter()
        .find(|m| pair(m) == ("holostem".into(), "spark-therapeutics".into()))
        .unwrap_or_else(|| panic!("{pairs:?}"));
    assert_eq!(holostem_spark["nextStep"]["kind"], "call");
    assert_eq!(
        holostem_spark["nextStep"]["@id"],
        format!("{ID}call-pharma-gene-cell-therapy-pennsylvania-2020-21")
    );
    all_triples(&router, &holostem_spark["nextStep"]["evidence"]).await;
    for meeting in &meetings {
        // How they met is a chain of triples from the delegate to the actor met.
        let met_at = serde_json::json!([meeting["metAt"].clone()]);
        all_triples(&router, &met_at).await;
        assert_eq!(meeting["metAt"][0]["subject"], meeting["home"], "{meeting}");
    }
    // Once they are partners, the meeting is followed up and leaves the list.
    let update = format!(
        "PREFIX ponte: <https://w3id.org/ponte/ontology#>
         INSERT DATA {{ GRAPH <urn:followed> {{ <{ID}holostem> ponte:collaboratesWith <{ID}spark-therapeutics> }} }}"
    );
    let (status, _, body) = send(
        &router,
        post("/sparql", "application/sparql-update", update, Some(TOKEN)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after = get_json_ld(&router, "/api/plan?mission=mission-usa-2022&limit=100").await;
    let after: Vec<(String, String)> = after["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(pair)
        .collect();
    assert!(!after.contains(&("holostem".into(), "spark-therapeutics".into())));
    assert_eq!(after.len(), pairs.len() - 1);
}

#[tokio::test]
async fn plans_with_bad_input_are_refused_naming_what_is_wrong() {
    let router = router();
    for (body, field) in [
        (r#"{"to": "KR", "topics": ["no-such-topic"]}"#, "topics"),
        (r#"{"to": "", "topics": []}"#, "to"),
        (r#"{"to": "ZZ"}"#, "to"),
        (r#"{"to": "KR", "limit": 0}"#, "limit"),
        (r#"{"to": "KR", "followUp": "no-such-mission"}"#, "followUp"),
    ] {
        let (status, content_type, answer) =
            send(&router, post("/api/plan", "application/json", body, None)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(json(&answer)["field"], field, "{body}: {answer}");
    }
    // A key the plan does not know is a 400 naming it, never ignored.
    let (status, _, answer) = send(
        &router,
        post(
            "/api/plan",
            "application/json",
            r#"{"to": "KR", "topic": ["x"]}"#,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("topic"), "{answer}");
    let (status, _, answer) = send(&router, get("/api/plan")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(json(&answer)["parameter"], "mission");
    let (status, _, answer) = send(&router, get("/api/plan?mission=no-such-mission")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}

/// `POST uri` with a JSON body; the answer's items.
async fn post_items(router: &Router, uri: &str, body: &str) -> Vec<Value> {
    let (status, _, answer) =
        send(router, post(uri, "application/json", body.to_owned(), None)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    json(&answer)["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_match_service_answers_sparql_as_api_match_does() {
    let router = router();
    let query = format!(
        "PREFIX ponte: <https://w3id.org/ponte/ontology#>
        SELECT ?partner ?score ?rank ?connected ?why WHERE {{
          SERVICE <https://w3id.org/ponte/match> {{
            ?partner ponte:matchSeed <{ID}kaist> ; ponte:searchLimit 7 ; ponte:searchScore ?score ;
              ponte:matchRank ?rank ; ponte:alreadyConnected ?connected ; ponte:evidence ?why
          }}
        }} ORDER BY ?rank"
    );
    let (status, _, body) = send(&router, get(&query_uri(&query))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = json(&body)["results"]["bindings"]
        .as_array()
        .unwrap()
        .clone();
    let items = suggestions(&router, "actor=kaist&limit=7").await;
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(&items) {
        assert_eq!(row["partner"]["value"], item["@id"]);
        assert_eq!(
            row["score"]["value"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap(),
            item["score"].as_f64().unwrap()
        );
        assert_eq!(row["connected"]["value"], item["connected"].to_string());
        let why: Value = serde_json::from_str(row["why"]["value"].as_str().unwrap()).unwrap();
        assert_eq!(why, item["evidence"]);
    }
    // A profile of topics, joined with a pattern: only universities.
    let profile = "PREFIX ponte: <https://w3id.org/ponte/ontology#>
        SELECT ?partner WHERE {
          SERVICE <https://w3id.org/ponte/match> {
            ?partner ponte:matchTopic <https://w3id.org/ponte/topic/supercomputing> ; ponte:searchLimit 20
          }
          ?partner a ponte:University .
        }";
    let (status, _, body) = send(&router, get(&query_uri(profile))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let universities: Vec<String> = json(&body)["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["partner"]["value"]
                .as_str()
                .unwrap()
                .trim_start_matches(ID)
                .to_owned()
        })
        .collect();
    let profile_items = post_items(
        &router,
        "/api/match?limit=20",
        r#"{"topics": ["supercomputing"]}"#,
    )
    .await;
    let expected: Vec<String> = ids(&profile_items)
        .into_iter()
        .filter(|id| universities.contains(id))
        .collect();
    assert!(!universities.is_empty());
    assert_eq!(universities, expected);
    // An actor that is not there, or a pattern the service cannot read, is a 400 naming it.
    for (pattern, expected) in [
        (format!("?p ponte:matchSeed <{ID}nobody>"), "nobody"),
        (
            "?p ponte:matchSeed <urn:a> ; ponte:matchTopic <urn:t>".to_owned(),
            "do not go together",
        ),
    ] {
        let query = format!(
            "PREFIX ponte: <https://w3id.org/ponte/ontology#> SELECT * {{ SERVICE <https://w3id.org/ponte/match> {{ {pattern} }} }}"
        );
        let (status, content_type, body) = send(&router, get(&query_uri(&query))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(content_type, "application/problem+json");
        assert!(body.contains(expected), "{body}");
    }
}
