//! Strings a query names, makes or decodes are right whether the view kept its own copy or
//! read them from the store: the view keeps the first 256 KiB (the strings a query names
//! without asking the store, the strings it decodes once read), and past that only what the
//! store lacks.

use crate::default_graph::update;
use ponte_store::sparql::OutputFormat;
use ponte_store::{CancellationToken, PonteStore, QueryResultsFormat};

#[test]
fn strings_named_and_made_decode_right_past_what_the_view_keeps_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let store = PonteStore::open(dir.path()).unwrap();
    // 2,000 subjects with IRIs of about 100 bytes, in the store: decoding them and making
    // 2,000 strings as long goes well past the 256 KiB the view keeps.
    let long = "x".repeat(70);
    let data = (0..2000)
        .map(|i| format!("<http://example.org/{long}/{i}> <http://example.org/n> {i} .\n"))
        .collect::<String>();
    update(
        &store,
        &format!("INSERT DATA {{ GRAPH <http://example.org/g> {{ {data} }} }}"),
    );
    let query = format!(
        "SELECT ?made ?iri ?again WHERE {{
            ?s <http://example.org/n> ?n .
            BIND(CONCAT(STR(?s), '#', STR(?n)) AS ?made)
            BIND(IRI(STR(?s)) AS ?iri)
            BIND(STR(<http://example.org/{long}/7>) AS ?again)
        }}"
    );
    let csv = store
        .query(
            &query,
            |_| OutputFormat::Results(QueryResultsFormat::Csv),
            CancellationToken::new(),
        )
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut rows = csv.lines().skip(1).collect::<Vec<_>>();
    rows.sort_unstable();
    assert_eq!(rows.len(), 2000);
    for row in rows {
        let [made, iri, again] = row.split(',').collect::<Vec<_>>()[..] else {
            panic!("{row}")
        };
        let (subject, number) = made.split_once('#').unwrap();
        assert_eq!(subject, iri, "{row}");
        assert_eq!(
            subject,
            format!("http://example.org/{long}/{number}"),
            "{row}"
        );
        assert_eq!(again, format!("http://example.org/{long}/7"), "{row}");
    }
}

#[test]
fn strings_decode_right_after_other_queries_and_stores_pushed_them_out_of_the_shared_cache() {
    // Strings decoded by any query are kept for every later query of the process, up to
    // 16 MiB. 180,000 IRIs of about 100 bytes are more than that: decoding them all, twice,
    // pushes most of them out while the queries run. A second store holding some of the same
    // strings decodes them right too (a string's key is its content's hash).
    let long = "y".repeat(80);
    let stores = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let open = |dir: &tempfile::TempDir, every: usize| {
        let store = PonteStore::open(dir.path()).unwrap();
        for chunk in (0..180_000)
            .step_by(every)
            .collect::<Vec<_>>()
            .chunks(60_000)
        {
            let data = chunk
                .iter()
                .map(|i| format!("<http://example.org/{long}/{i}> <http://example.org/n> {i} .\n"))
                .collect::<String>();
            update(
                &store,
                // The default graph: no content hash to compute at each write.
                &format!("INSERT DATA {{ {data} }}"),
            );
        }
        store
    };
    let all = open(&stores[0], 1);
    let some = open(&stores[1], 7);
    let decoded = |store: &PonteStore| {
        let csv = store
            .query(
                "SELECT ?s ?n WHERE { ?s <http://example.org/n> ?n }",
                |_| OutputFormat::Results(QueryResultsFormat::Csv),
                CancellationToken::new(),
            )
            .unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let mut rows = 0;
        for row in csv.lines().skip(1) {
            let (subject, number) = row.split_once(',').unwrap();
            assert_eq!(subject, format!("http://example.org/{long}/{number}"));
            rows += 1;
        }
        rows
    };
    for _ in 0..2 {
        assert_eq!(decoded(&all), 180_000);
        assert_eq!(decoded(&some), 180_000_usize.div_ceil(7));
    }
}
