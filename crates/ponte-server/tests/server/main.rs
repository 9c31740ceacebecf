//! The HTTP service in process: `app()` driven through tower, every protocol path, the REST
//! API, writes and matchmaking. One test binary, so RocksDB is linked once.

mod api_writes;
mod behaviour;
mod common;
mod fuzz;
mod http;
mod matchmaking;
mod pages;
mod result_cache;
mod spill;
