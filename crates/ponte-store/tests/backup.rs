//! Backups taken from a serving store restore to the same quads, and a copy that differs from
//! its manifest is refused; each graph's content hash (RDFC-1.0) is kept current by every write
//! and checked.

use ponte_store::sparql::{ProtocolDataset, Services, parse_update};
use ponte_store::{
    CancellationToken, GraphTarget, Manifest, NamedNode, PonteStore, RdfFormat, SEED_FILES,
    Validation, restore,
};

fn write(store: &PonteStore, graph: &str, turtle: &str) {
    store
        .write_graph(
            &GraphTarget::Named(NamedNode::new(graph).unwrap()),
            true,
            &[(RdfFormat::Turtle, turtle.as_bytes())],
            None,
            &CancellationToken::new(),
        )
        .unwrap();
}

fn nquads(store: &PonteStore) -> Vec<String> {
    let mut out = Vec::new();
    store.dump(RdfFormat::NQuads, &mut out).unwrap();
    let mut lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort_unstable();
    lines
}

#[test]
fn a_backup_restores_the_same_quads_and_a_tampered_copy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = PonteStore::open(&dir.path().join("live")).unwrap();
    store.seed(SEED_FILES).unwrap();
    write(
        &store,
        "urn:test:a",
        "<urn:s> <urn:p> \"one\" , [ <urn:q> \"blank\" ] .",
    );
    let backup = dir.path().join("backup");
    let manifest = store.backup(&backup, &CancellationToken::new()).unwrap();
    // Written after the checkpoint: not in the backup.
    write(&store, "urn:test:later", "<urn:s> <urn:p> \"later\" .");
    let before_later: Vec<String> = nquads(&store)
        .into_iter()
        .filter(|line| !line.contains("urn:test:later"))
        .collect();
    assert!(
        manifest
            .graphs
            .iter()
            .any(|g| g.graph == "<urn:test:a>" && g.quads == 3)
    );
    assert_eq!(manifest.graphs[0].graph, "default");
    assert_eq!(Manifest::read(&backup).unwrap(), manifest);

    let restored = dir.path().join("restored");
    assert_eq!(restore(&backup, &restored).unwrap(), manifest);
    let copy = PonteStore::open_read_only(&restored).unwrap();
    assert_eq!(
        nquads(&copy),
        before_later,
        "the restored store is the store at the backup"
    );
    assert_eq!(copy.len().unwrap(), manifest.quads());
    // Every graph, seed and written, has the content hash its meta graph records.
    let hashes = copy.check().unwrap().hashes;
    assert!(hashes.differing.is_empty(), "{hashes:?}");
    assert!(hashes.unhashed.is_empty(), "{hashes:?}");
    assert_eq!(
        hashes.verified,
        manifest.graphs.len() - 2,
        "all but default and meta"
    );
    drop(copy);

    // A backup goes into a new directory, a restore into a new location.
    assert!(store.backup(&backup, &CancellationToken::new()).is_err());
    assert!(restore(&backup, &restored).is_err());

    // A manifest that does not match what the backup holds is refused, naming the graph.
    let path = backup.join("ponte-backup.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().find(|l| l.ends_with("<urn:test:a>")).unwrap();
    let tampered = line.replacen(&line[..1], if &line[..1] == "0" { "1" } else { "0" }, 1);
    std::fs::write(&path, text.replace(line, &tampered)).unwrap();
    let refused = restore(&backup, &dir.path().join("again"))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("<urn:test:a> differs"), "{refused}");
}

#[test]
fn an_in_memory_store_cannot_be_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    let refused = PonteStore::in_memory()
        .unwrap()
        .backup(&dir.path().join("backup"), &CancellationToken::new())
        .unwrap_err();
    assert!(refused.to_string().contains("in-memory"), "{refused}");
}

/// Runs a SPARQL update on `store`.
fn update(store: &PonteStore, text: &str) {
    let update = parse_update(
        text,
        None,
        &ProtocolDataset::default(),
        &Services::default(),
        CancellationToken::new(),
    )
    .unwrap();
    store.execute_update(update).unwrap();
}

#[test]
fn every_write_keeps_the_content_hashes_current_and_check_names_a_graph_that_differs() {
    let store = PonteStore::in_memory().unwrap();
    store.seed(SEED_FILES).unwrap();
    let verified = |store: &PonteStore| {
        let hashes = store.check().unwrap().hashes;
        assert!(hashes.differing.is_empty(), "{hashes:?}");
        assert!(hashes.unhashed.is_empty(), "{hashes:?}");
        hashes.verified
    };
    let seeded = verified(&store);
    assert_eq!(seeded, SEED_FILES.len());
    // Graph Store writes, SPARQL updates into one graph and across graphs, a dropped graph.
    write(
        &store,
        "urn:test:a",
        "<urn:s> <urn:p> [ <urn:q> \"blank\" ] .",
    );
    assert_eq!(verified(&store), seeded + 1);
    update(
        &store,
        "INSERT DATA { GRAPH <urn:test:a> { <urn:s> <urn:p> \"more\" } }",
    );
    update(
        &store,
        "INSERT { GRAPH ?g { <urn:s> <urn:p> \"everywhere\" } } WHERE { GRAPH ?g { <urn:s> ?p ?o } }",
    );
    assert_eq!(verified(&store), seeded + 1);
    write(&store, "urn:test:b", "<urn:t> <urn:p> \"b\" .");
    update(&store, "DROP GRAPH <urn:test:b>");
    assert_eq!(verified(&store), seeded + 1);

    // A recorded hash that no longer matches (here: rewritten in the meta graph) is named.
    update(
        &store,
        "PREFIX ponte: <https://w3id.org/ponte/ontology#>
         DELETE { GRAPH ?m { <urn:test:a> ponte:canonicalSha256 ?h } }
         INSERT { GRAPH ?m { <urn:test:a> ponte:canonicalSha256 \"0000\" } }
         WHERE { GRAPH ?m { <urn:test:a> ponte:canonicalSha256 ?h } }",
    );
    let hashes = store.check().unwrap().hashes;
    assert_eq!(hashes.differing.len(), 1, "{hashes:?}");
    assert!(hashes.differing[0].contains("urn:test:a"), "{hashes:?}");
    assert_eq!(hashes.verified, seeded);
}

#[test]
fn bulk_loads_record_the_hashes_of_the_graphs_they_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = PonteStore::open(&dir.path().join("store")).unwrap();
    store.seed(SEED_FILES).unwrap();
    write(&store, "urn:test:a", "<urn:s> <urn:p> \"one\" .");
    let checked = |store: &PonteStore| {
        let hashes = store.check().unwrap().hashes;
        assert!(hashes.differing.is_empty(), "{hashes:?}");
        assert!(hashes.unhashed.is_empty(), "{hashes:?}");
        hashes.verified
    };
    // N-Quads adding to a hashed graph and making another, unvalidated (read once more for
    // their graphs) and validated (found by the validation).
    let quads = dir.path().join("more.nq");
    std::fs::write(
        &quads,
        "<urn:s> <urn:p> \"two\" <urn:test:a> .\n\
         <urn:t> <urn:p> _:b <urn:test:b> .\n_:b <urn:q> \"x\" <urn:test:b> .\n",
    )
    .unwrap();
    for validation in [Validation::Skip, Validation::Shapes] {
        store
            .bulk_load(std::slice::from_ref(&quads), None, None, validation)
            .unwrap();
        assert_eq!(checked(&store), SEED_FILES.len() + 2);
    }
    // Turtle into a named graph that has a hash already.
    let triples = dir.path().join("more.ttl");
    std::fs::write(&triples, "<urn:s> <urn:p> \"three\" .\n").unwrap();
    store
        .bulk_load(&[triples], None, Some("urn:test:a"), Validation::Skip)
        .unwrap();
    assert_eq!(checked(&store), SEED_FILES.len() + 2);
}
