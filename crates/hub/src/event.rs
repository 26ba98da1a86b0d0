//! The hub's log: its events, its errors, the interface both backends
//! implement, and the acceptance rules they share.
//!
//! A counter pushes its events in its own dense order (`seq` 1, 2, 3, …).
//! The hub accepts a batch all or nothing:
//! - an event it already holds (same device and seq, same content) is a
//!   duplicate and changes nothing, so a retry after a lost answer is safe;
//! - the same device and seq with different content (a restored backup, a
//!   copied database file) is refused loudly (`HubError::Rewritten`), never
//!   merged;
//! - an event id already held under another (device, seq) is refused
//!   (`HubError::EventIdReused`);
//! - a batch that would leave a hole after the device's acknowledged
//!   sequence is refused (`HubError::Gap`) with that sequence, so the
//!   counter resends from there.
//!
//! The answer is `acked_seq`, the highest contiguous sequence the hub holds
//! for the device. Every accepted event gets a hub position (`pos`) in
//! commit order; `pull` serves events after a position, so a reader never
//! skips a row that commits later with a smaller number.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use uuid::Uuid;

/// The newest event schema this hub stores. A counter that writes newer
/// events is told to wait for the hub's upgrade (`HubError::CounterNewer`).
pub const HUB_SCHEMA_VERSION: i64 = 1;

/// Event kinds whose effect depends on their place in the hub's order (a
/// claim on the shop's points pool, a return to it, the owner's undo of a
/// merge: the first undo of a merge in the order is the one every counter
/// keeps): a pull serves them whole to their own counter too, so it
/// learns what the order decided. Its other events come back as markers
/// (no payload), so it learns where each was placed.
pub const ORDERED_KINDS: &[&str] = &["points.claimed", "points.returned", "customer.unmerged"];

/// An event as a counter pushes it (its outbox row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushedEvent {
    pub seq: i64,
    pub event_id: Uuid,
    /// Milliseconds since the epoch, as the counter dated it.
    pub at_ms: i64,
    pub kind: String,
    pub schema_version: i64,
    /// The event's JSON, as text.
    pub payload: String,
}

impl PushedEvent {
    /// What makes two pushes of one (device, seq) the same event.
    pub fn content_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.event_id.as_bytes());
        h.update(self.at_ms.to_le_bytes());
        h.update((self.kind.len() as u64).to_le_bytes());
        h.update(self.kind.as_bytes());
        h.update(self.schema_version.to_le_bytes());
        h.update(self.payload.as_bytes());
        h.finalize().into()
    }
}

/// An event held by the hub, at its position. On the wire its fields are
/// one flat object (`pos`, `device` and the pushed event's fields); that is
/// written out here rather than with `#[serde(flatten)]`, which buffers
/// every event into an intermediate map and made reading a pull page
/// several times slower.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "FlatHubEvent")]
pub struct HubEvent {
    pub pos: i64,
    pub device: Uuid,
    pub event: PushedEvent,
}

/// `HubEvent` as it travels.
#[derive(serde::Deserialize)]
struct FlatHubEvent {
    pos: i64,
    device: Uuid,
    seq: i64,
    event_id: Uuid,
    at_ms: i64,
    kind: String,
    schema_version: i64,
    payload: String,
}

impl From<FlatHubEvent> for HubEvent {
    fn from(f: FlatHubEvent) -> HubEvent {
        HubEvent {
            pos: f.pos,
            device: f.device,
            event: PushedEvent {
                seq: f.seq,
                event_id: f.event_id,
                at_ms: f.at_ms,
                kind: f.kind,
                schema_version: f.schema_version,
                payload: f.payload,
            },
        }
    }
}

impl serde::Serialize for HubEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let e = &self.event;
        let mut out = s.serialize_struct("HubEvent", 8)?;
        out.serialize_field("pos", &self.pos)?;
        out.serialize_field("device", &self.device)?;
        out.serialize_field("seq", &e.seq)?;
        out.serialize_field("event_id", &e.event_id)?;
        out.serialize_field("at_ms", &e.at_ms)?;
        out.serialize_field("kind", &e.kind)?;
        out.serialize_field("schema_version", &e.schema_version)?;
        out.serialize_field("payload", &e.payload)?;
        out.end()
    }
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushAck {
    /// The highest contiguous sequence the hub now holds for the device.
    pub acked_seq: i64,
    pub inserted: usize,
    pub duplicates: usize,
}

/// A counter enrolled at the hub.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    pub device: Uuid,
    pub name: String,
    pub joined_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub acked_seq: i64,
}

#[derive(Debug)]
pub enum HubError {
    /// The batch would leave a hole: the hub holds the device's events up
    /// to `acked_seq`, and the batch's next new event is `got`.
    Gap { acked_seq: i64, got: i64 },
    /// The device's event `seq` is already held with different content.
    Rewritten { seq: i64 },
    /// An event id already held under another device or sequence.
    EventIdReused { event_id: Uuid, seq: i64 },
    /// A sequence number below 1.
    BadSeq { seq: i64 },
    /// An event written by a newer Dangol than this hub understands.
    CounterNewer { schema_version: i64 },
    /// The device is enrolled with another credential (a second install or
    /// a copied database file claiming the same device).
    DeviceTaken { device: Uuid },
    /// The device was revoked by the owner.
    Revoked { device: Uuid },
    /// The backend failed (the text says how).
    Backend(String),
    /// A counter's history cannot seed this hub (it is not empty, or was
    /// seeded already): the text says why.
    SeedRefused(String),
    /// The shop's state (snapshots, the seed) failed; the text says how.
    State(String),
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::Gap { acked_seq, got } => write!(
                f,
                "events after {acked_seq} are missing (the batch starts its new events at {got}); resend from {}",
                acked_seq + 1
            ),
            HubError::Rewritten { seq } => write!(
                f,
                "event {seq} is already held with different content: this counter's history was rewritten (a restored backup or a copied database file)"
            ),
            HubError::EventIdReused { event_id, seq } => {
                write!(f, "event id {event_id} (seq {seq}) is already held for another event")
            }
            HubError::BadSeq { seq } => write!(f, "sequence numbers start at 1, got {seq}"),
            HubError::CounterNewer { schema_version } => write!(
                f,
                "this counter writes events of schema {schema_version}, newer than the hub's {HUB_SCHEMA_VERSION}: upgrade the hub first"
            ),
            HubError::DeviceTaken { device } => write!(
                f,
                "device {device} is already enrolled with another credential (a second install or a copied database file)"
            ),
            HubError::Revoked { device } => write!(f, "device {device} was revoked by the owner"),
            HubError::Backend(e) => write!(f, "hub database error: {e}"),
            HubError::SeedRefused(why) => write!(f, "this hub cannot be seeded: {why}"),
            HubError::State(why) => write!(f, "the shop's state failed: {why}"),
        }
    }
}

impl std::error::Error for HubError {}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Backend(e.to_string())
    }
}

impl From<postgres::Error> for HubError {
    fn from(e: postgres::Error) -> Self {
        HubError::Backend(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, HubError>;

/// The hub's storage: the event log and the enrolled devices. Implemented
/// on SQLite (`SqliteLog`) and PostgreSQL (`PgLog`); one test suite runs
/// against both.
pub trait EventLog: Send {
    /// Accepts a batch of one device's events, all or nothing (see the
    /// module's rules). The events may come in any order and may repeat.
    fn push(&mut self, device: Uuid, events: &[PushedEvent]) -> Result<PushAck>;
    /// Events after hub position `after`, oldest first, at most `limit`.
    /// `except`'s own events (a counter pulling) come as markers of their
    /// place (no payload: it holds them), except the `ORDERED_KINDS`, which
    /// come whole.
    fn pull(&mut self, after: i64, limit: usize, except: Option<Uuid>) -> Result<Vec<HubEvent>>;
    /// The highest contiguous sequence held for `device` (0: none).
    fn acked(&mut self, device: Uuid) -> Result<i64>;
    /// The last position given (0: empty).
    fn head(&mut self) -> Result<i64>;
    /// Enrols `device` with the hash of its credential. Enrolling again with
    /// the same credential is a no-op (a retried join); another credential
    /// for the same device is `DeviceTaken`; a revoked device is `Revoked`.
    fn enrol(&mut self, device: Uuid, name: &str, token_hash: [u8; 32], at_ms: i64) -> Result<()>;
    /// The device a credential belongs to, if any (revoked ones included).
    fn device_for(&mut self, token_hash: [u8; 32]) -> Result<Option<Device>>;
    /// Revokes a device; false when it is not enrolled.
    fn revoke(&mut self, device: Uuid, at_ms: i64) -> Result<bool>;
    /// Every enrolled device, in joining order.
    fn devices(&mut self) -> Result<Vec<Device>>;
    /// The seed, if a counter's history seeded this hub.
    fn seed(&mut self) -> Result<Option<Seed>>;
    /// Where `device`'s history up to `seq` ends in the log, if it may seed
    /// this hub now: it is the only device enrolled, the hub holds its
    /// events up to `seq`, and no seed was recorded. Otherwise
    /// `SeedRefused`.
    fn seed_position(&mut self, device: Uuid, seq: i64) -> Result<i64>;
    /// Records the seed (checking again, atomically, that it may).
    fn record_seed(&mut self, device: Uuid, seq: i64, at_ms: i64) -> Result<Seed>;
}

/// A counter's history from before sync, taken as the shop's starting
/// state: it holds `device`'s events up to `seq`, which end at `pos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seed {
    pub device: Uuid,
    pub seq: i64,
    pub pos: i64,
}

/// The seed rules on what a log holds (shared by both backends).
pub(crate) fn check_seed(device: Uuid, seq: i64, seeded: Option<Seed>, others_enrolled: i64, acked: i64) -> Result<()> {
    if seeded.is_some() {
        return Err(HubError::SeedRefused("it was seeded already".into()));
    }
    if others_enrolled > 0 {
        return Err(HubError::SeedRefused(format!(
            "{others_enrolled} other counter(s) joined first; only the first counter of an empty hub brings its history"
        )));
    }
    if acked < seq || seq < 0 {
        return Err(HubError::SeedRefused(format!(
            "the hub holds this counter's events up to {acked}, the history sent ends at {seq}: push first"
        )));
    }
    let _ = device;
    Ok(())
}

/// What to write for a batch, decided from what the hub holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan<'a> {
    pub new: Vec<(&'a PushedEvent, [u8; 32])>,
    pub duplicates: usize,
    pub acked: i64,
}

/// Applies the acceptance rules to a batch. `acked` is the device's
/// acknowledged sequence, `held` the hashes the hub holds for the batch's
/// sequences, `taken` the batch's event ids the hub already holds.
pub(crate) fn plan<'a>(
    acked: i64,
    events: &'a [PushedEvent],
    held: &BTreeMap<i64, [u8; 32]>,
    taken: &HashSet<Uuid>,
) -> Result<Plan<'a>> {
    let mut batch: Vec<&PushedEvent> = events.iter().collect();
    batch.sort_by_key(|e| e.seq);
    if let Some(e) = batch.iter().find(|e| e.seq < 1) {
        return Err(HubError::BadSeq { seq: e.seq });
    }
    if let Some(e) = batch.iter().find(|e| e.schema_version > HUB_SCHEMA_VERSION) {
        return Err(HubError::CounterNewer { schema_version: e.schema_version });
    }
    let mut plan = Plan { new: Vec::new(), duplicates: 0, acked };
    let mut ids: HashSet<Uuid> = HashSet::new();
    // The sequences this batch adds, with their hashes (a batch may carry
    // one event twice).
    let mut adding: BTreeMap<i64, [u8; 32]> = BTreeMap::new();
    for e in batch {
        let hash = e.content_hash();
        let known = held.get(&e.seq).or_else(|| adding.get(&e.seq)).copied();
        match known {
            Some(h) if h == hash => plan.duplicates += 1,
            Some(_) => return Err(HubError::Rewritten { seq: e.seq }),
            None if e.seq == plan.acked + 1 => {
                if taken.contains(&e.event_id) || !ids.insert(e.event_id) {
                    return Err(HubError::EventIdReused { event_id: e.event_id, seq: e.seq });
                }
                plan.new.push((e, hash));
                adding.insert(e.seq, hash);
                plan.acked = e.seq;
            }
            None => return Err(HubError::Gap { acked_seq: plan.acked, got: e.seq }),
        }
    }
    Ok(plan)
}

/// A push tried first without looking up its event ids (the `UNIQUE`
/// index refuses a reused one), then, if anything refused it, again with
/// every id looked up, so the answer names the first rule the batch breaks
/// in sequence order, as `plan` does. `once(check_ids)` is one transaction
/// answering `None` for "refused, try the checked way".
pub(crate) fn push_fast_then_checked(mut once: impl FnMut(bool) -> Result<Option<PushAck>>) -> Result<PushAck> {
    if let Some(ack) = once(false)? {
        return Ok(ack);
    }
    once(true)?.ok_or_else(|| HubError::Backend("a checked push gave no answer".into()))
}

/// The hash a credential is stored as (the token itself never is).
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The wire form is one flat object with the pushed event's fields
        /// beside `pos` and `device` (what `#[serde(flatten)]` wrote), and
        /// it reads back as the same event, whatever the payload holds.
        #[test]
        fn a_hub_event_travels_flat_and_comes_back_the_same(
            pos in any::<i64>(), seq in any::<i64>(), at_ms in any::<i64>(), schema_version in any::<i64>(),
            kind in ".{0,12}", payload in ".{0,40}", ids in any::<(u128, u128)>(),
        ) {
            let e = HubEvent {
                pos,
                device: Uuid::from_u128(ids.0),
                event: PushedEvent { seq, event_id: Uuid::from_u128(ids.1), at_ms, kind, schema_version, payload },
            };
            let v = serde_json::to_value(&e).unwrap();
            let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            prop_assert_eq!(keys, ["at_ms", "device", "event_id", "kind", "payload", "pos", "schema_version", "seq"]);
            prop_assert_eq!(&v["payload"], &serde_json::Value::String(e.event.payload.clone()));
            prop_assert_eq!(&v["device"], &serde_json::Value::String(e.device.to_string()));
            let back: HubEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            prop_assert_eq!(back, e);
        }
    }
}
