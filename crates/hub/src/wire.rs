//! The HTTP protocol's bodies (JSON; push and pull also as `frame`s),
//! shared by the hub and the counters.
//!
//! - `POST /v1/join` `JoinRequest` → `JoinAnswer`: the shop's join key and
//!   a credential the counter made itself, so a retried join is the same
//!   join;
//! - `POST /v1/push` (`Authorization: Bearer TOKEN`) `PushRequest`, or
//!   the same events as an event frame (`frame`, what counters send) →
//!   `PushAck`;
//! - `GET /v1/pull?after=POS&limit=N` (bearer) → `PullAnswer`: the other
//!   devices' events in commit order (an event frame when the request
//!   accepts `application/vnd.dangol.events`, as counters do);
//! - `GET /v1/snapshot` (bearer) → the shop's state as a SQLite file, its
//!   log position in the `x-dangol-pos` header (a new counter starts
//!   there);
//! - `POST /v1/seed?upto_seq=N` (bearer), the body a counter's database →
//!   `SeedAnswer`: the first counter of an empty hub brings its history;
//! - `GET /v1/health` → `{"ok": true}`.
//!
//! Every refusal is `ErrorBody` with an HTTP status that says whether a
//! retry can help (409 gap: resend from `acked_seq + 1`; 5xx: retry later;
//! other 4xx: it will not).

use crate::event::{HubEvent, PushedEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinRequest {
    pub join_key: String,
    pub device: Uuid,
    pub name: String,
    /// The credential the counter will present (the hub keeps its hash).
    pub token: String,
    /// The newest event schema the counter writes.
    pub schema_version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinAnswer {
    pub device: Uuid,
    pub hub_schema_version: i64,
    /// What the hub already holds of this device (a rejoin after a lost
    /// answer, or a counter that pushed before).
    pub acked_seq: i64,
    pub head: i64,
    /// A counter's history seeded this hub (which counter, up to which of
    /// its events): a counter joining it starts from its snapshot.
    #[serde(default)]
    pub seed: Option<crate::event::Seed>,
    /// This counter may seed the hub with its history (nobody else joined,
    /// nothing seeded yet).
    #[serde(default)]
    pub open_for_seed: bool,
    /// The hub serves snapshots (`GET /v1/snapshot`).
    #[serde(default)]
    pub snapshots: bool,
}

/// `POST /v1/seed?upto_seq=N` answers with where the history ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedAnswer {
    pub pos: i64,
}

/// The header carrying a snapshot's log position.
pub const SNAPSHOT_POS: &str = "x-dangol-pos";
/// The largest history a counter may seed the hub with.
pub const MAX_SEED_BYTES: u64 = 64 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub events: Vec<PushedEvent>,
}

/// A `PushRequest` as a counter writes it, borrowing its events.
#[derive(Debug, Serialize)]
pub struct PushBody<'a> {
    pub events: &'a [PushedEvent],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullAnswer {
    pub events: Vec<HubEvent>,
    /// The hub's last position when it answered.
    pub head: i64,
}

/// A refusal: `error` is a stable kind, `message` an English sentence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// The most events one push may carry, and one pull returns.
pub const MAX_BATCH: usize = 5_000;
/// The largest request body the hub reads.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
