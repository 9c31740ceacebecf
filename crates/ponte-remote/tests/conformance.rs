//! The conformance suite on both backends: the embedded oxigraph store and a real Virtuoso.

use ponte_remote::virtuoso::TestServer;
use ponte_remote::{Backend, Dialect, EmbeddedBackend, HttpBackend, conformance};
use std::time::Duration;

#[test]
fn the_embedded_store_conforms() {
    let failures = conformance::run(&EmbeddedBackend::new().unwrap());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn virtuoso_conforms_and_is_recognised() {
    let server = TestServer::start().unwrap();
    let backend = HttpBackend::new(server.endpoint(), Duration::from_secs(30));
    let failures = conformance::run(&backend);
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(backend.dialect(), Some(Dialect::Virtuoso));
    // Without the graph store URL, graphs are read by SELECT: the same suite passes.
    let endpoint =
        ponte_remote::Endpoint::parse(&format!("sparql:{0},{0}", server.sparql_url())).unwrap();
    let by_select = HttpBackend::new(endpoint, Duration::from_secs(30));
    let failures = conformance::run(&by_select);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(by_select.describe().contains(&server.sparql_url()));
}
