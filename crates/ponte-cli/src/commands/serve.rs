//! `ponte serve`: the HTTP service on the store, until SIGINT or SIGTERM.

use super::{open_existing, open_for_writing, seeded};
use crate::args::ServeArgs;
use anyhow::{Context, bail};
use ponte_server::{AppState, ServerConfig, default_concurrency, http_federation};
use ponte_store::PonteStore;
use std::time::Duration;
use tracing::info;

/// What a remote `SERVICE` answer may take in memory at least (its former cap, unchanged when
/// answers learnt to spill to disk).
const MIN_REMOTE_ANSWER_BYTES: usize = 256 << 20;

/// Serves the store until a signal asks to stop.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = if let Some(spec) = &args.remote {
        over_remote(spec, &args)?
    } else if args.memory {
        seeded(PonteStore::in_memory()?)?
    } else if args.read_only {
        open_existing(&args.store)?
    } else {
        open_for_writing(&args.store)?
    };
    for (flag, seconds) in [
        ("--query-timeout", args.query_timeout),
        ("--write-timeout", args.write_timeout),
    ] {
        if !seconds.is_finite() || seconds <= 0.0 {
            bail!("{flag} must be a positive number of seconds");
        }
    }
    if let Some(url) = &args.public_url
        && oxigraph::model::NamedNode::new(url.as_str()).is_err()
    {
        bail!("--public-url must be an absolute URL such as https://ponte.example.org");
    }
    let federation = if args.federation_allow.is_empty() {
        None
    } else {
        info!(endpoints = ?args.federation_allow, "federation enabled");
        Some(http_federation(
            &args.federation_allow,
            Duration::from_secs_f64(args.query_timeout),
            // A remote answer is read into memory: the in-memory share of an answer bounds it.
            args.result_memory_bytes
                .max(MIN_REMOTE_ANSWER_BYTES)
                .min(args.max_result_bytes),
        )?)
    };
    let public_url = args.public_url.clone();
    let match_weights = crate::commands::matching::read_weights(&args.weights)?;
    let config = ServerConfig {
        match_weights,
        write_token: args.write_token.filter(|t| !t.is_empty()),
        query_timeout: Duration::from_secs_f64(args.query_timeout),
        write_timeout: Duration::from_secs_f64(args.write_timeout),
        max_connections: args.max_connections,
        idle_timeout: Duration::from_secs_f64(args.idle_timeout),
        max_query_bytes: args.max_query_bytes,
        max_concurrent_queries: args
            .max_concurrent_queries
            .unwrap_or_else(default_concurrency),
        max_body_bytes: args.max_body_bytes,
        max_result_bytes: args.max_result_bytes,
        result_memory_bytes: args.result_memory_bytes,
        max_query_memory: args.max_query_memory,
        max_write_memory: args.max_write_memory,
        spill_dir: args.spill_dir,
        backup_dir: args.backup_dir,
        union_default_graph: args.union_default_graph,
        result_cache_bytes: args.result_cache_bytes,
        public_host: args.bind.clone(),
        allowed_hosts: args.allowed_hosts,
        public_url: args.public_url,
        federation,
    };
    if config.write_token.is_none() {
        info!("no write token configured: every write will be refused");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = listen(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        info!(addr = %address, "listening");
        let base = match &public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{address}"),
        };
        for (path, what) in [
            ("/", "web pages (open in a browser)"),
            ("/sparql", "SPARQL 1.1 endpoint"),
            ("/store", "Graph Store Protocol"),
            ("/api/actors", "REST API (JSON-LD)"),
            ("/api/openapi.json", "OpenAPI description"),
            ("/health", "health"),
        ] {
            info!(url = %format!("{base}{path}"), "{what}");
        }
        ponte_server::serve(AppState::new(store, config), listener, shutdown_signal()).await?;
        info!("stopped");
        Ok(())
    })
}

/// Copies the graphs Ponte keeps in the remote store `spec`, seeds it (again, when another
/// process seeding at the same time won the race), and starts watching it for other writers.
fn over_remote(spec: &str, args: &ServeArgs) -> anyhow::Result<PonteStore> {
    if !args.remote_poll.is_finite() || args.remote_poll <= 0.0 {
        bail!("--remote-poll must be a positive number of seconds");
    }
    let endpoint = ponte_remote::Endpoint::parse(spec)?;
    let backend =
        ponte_remote::HttpBackend::new(endpoint, Duration::from_secs_f64(args.write_timeout));
    let store = PonteStore::over_remote(std::sync::Arc::new(backend))
        .context("reading the remote store failed")?;
    let store = match store.seed(ponte_store::SEED_FILES) {
        Err(ponte_store::StoreError::Conflict(_)) => seeded(store)?,
        other => {
            other.context("seeding the remote store failed")?;
            store
        }
    };
    let at = store.remote_status().map(|status| status.store);
    info!(store = %at.unwrap_or_default(), quads = store.len()?, "remote store copied");
    store.poll_remote(Duration::from_secs_f64(args.remote_poll), |error| {
        tracing::warn!(%error, "reading the remote store's changes failed; retrying");
    })?;
    Ok(store)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    info!("shutting down");
}

/// Connections the kernel queues for the accept loop; tokio's default is 1,024.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `bind` (the first of its addresses that works) with a queue of
/// [`LISTEN_BACKLOG`] connections: when a flood of connections fills a shorter queue, the
/// kernel drops a new client's SYN and that client waits a whole second to try again.
async fn listen(bind: &str) -> std::io::Result<tokio::net::TcpListener> {
    let mut last_error = None;
    for address in tokio::net::lookup_host(bind).await? {
        let socket = if address.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As `TcpListener::bind` does: a restarted server can take its port back at once.
        socket.set_reuseaddr(true)?;
        match socket
            .bind(address)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{bind} names no address"),
        )
    }))
}
