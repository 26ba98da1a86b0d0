//! Dangol's hub: the shop's event log from every counter.
//!
//! - `event`: the log's rules (exactly once per (device, seq) and event id,
//!   gaps and rewritten histories refused), its errors, and the `EventLog`
//!   interface;
//! - `sqlite`, `pg`: the two backends (one shop; a chain);
//! - `cluster`: a throw-away PostgreSQL cluster for tests and benchmarks;
//! - `wire`: the HTTP protocol's bodies, shared by the server and clients;
//! - `frame`: push and pull bodies in binary (the payloads as they are);
//! - `server`: the HTTP hub (`dangol hub`);
//! - `state`: the shop's state beside the log (snapshots for new counters,
//!   the first counter's history as the seed);
//! - `tls`: HTTPS with the hub's own certificate, pinned by the counters;
//! - `client`: the counter's side of the protocol;
//! - `faults`: an HTTP-aware fault-injecting proxy for testing sync.

pub mod client;
pub mod cluster;
pub mod event;
pub mod faults;
pub mod frame;
pub mod pg;
pub mod server;
pub mod sqlite;
pub mod state;
pub mod tls;
pub mod wire;

pub use event::{
    Device, EventLog, HUB_SCHEMA_VERSION, HubError, HubEvent, ORDERED_KINDS, PushAck, PushedEvent, Seed, token_hash,
};
pub use pg::PgLog;
pub use sqlite::SqliteLog;
