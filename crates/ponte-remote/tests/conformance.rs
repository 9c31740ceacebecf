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

#[test]
fn a_store_that_never_answers_is_an_error_at_the_time_limit_not_a_hang() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sparql", listener.local_addr().unwrap());
    let endpoint = ponte_remote::Endpoint::parse(&format!("sparql:{url},{url}")).unwrap();
    let backend = HttpBackend::new(endpoint, Duration::from_millis(300));
    let started = std::time::Instant::now();
    let query = ponte_remote::ops::ask(spargebra::algebra::GraphPattern::Bgp {
        patterns: Vec::new(),
    });
    let error = backend.ask(&query).unwrap_err();
    assert!(
        matches!(error, ponte_remote::RemoteError::Unreachable { .. }),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}
