//! The hub's log on PostgreSQL: a chain's shops, on the database they grow
//! into (docs/scaling.md).
//!
//! The ordering trap: a `bigserial` is taken when a row is inserted, but
//! transactions commit in another order, so a reader paging by position can
//! pass a row that commits later with a smaller number and never see it.
//! Every push therefore takes the shop's advisory lock
//! (`pg_advisory_xact_lock`) first: one ingest at a time per shop, held until commit, so positions
//! are given in commit order and `pos > cursor` never skips. Events are
//! insert-only (a trigger).

use crate::event::{
    Device, EventLog, HubError, HubEvent, ORDERED_KINDS, PushAck, PushedEvent, Result, Seed, check_seed, plan,
    push_fast_then_checked,
};
use postgres::{Client, GenericClient, NoTls, Statement};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// The advisory lock key serialising ingest (ASCII "dangolhb"), mixed
/// with the shop's schema so shops do not wait for each other.
const INGEST_LOCK: i64 = 0x64616e676f6c6862;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    device    UUID PRIMARY KEY,
    acked_seq BIGINT NOT NULL CHECK (acked_seq >= 0)
);
CREATE TABLE IF NOT EXISTS events (
    pos            BIGSERIAL PRIMARY KEY,
    device         UUID NOT NULL,
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    event_id       UUID NOT NULL UNIQUE,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    schema_version BIGINT NOT NULL,
    payload        TEXT NOT NULL,
    hash           BYTEA NOT NULL CHECK (length(hash) = 32),
    UNIQUE (device, seq)
);
-- The device column is not a foreign key: PostgreSQL checks one row at a
-- time, which made a push of 1,000 events half again as slow. Every push
-- writes its device's row before its events, in the same transaction
-- (`PgLog::push_once`), and nothing deletes a device. Hubs made before
-- lose the key here.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_device_fkey;
CREATE OR REPLACE FUNCTION dangol_insert_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'hub events are insert-only'; END $$;
DROP TRIGGER IF EXISTS events_insert_only ON events;
CREATE TRIGGER events_insert_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION dangol_insert_only();
CREATE TABLE IF NOT EXISTS seed (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    device UUID NOT NULL,
    seq    BIGINT NOT NULL,
    pos    BIGINT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolled (
    device     UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    joined_at  BIGINT NOT NULL,
    revoked_at BIGINT
);
";

/// The hub's log on PostgreSQL.
pub struct PgLog {
    client: Client,
    lock: i64,
    st: Statements,
}

/// The statements a push, a pull and a credential check run, prepared once
/// per connection: a statement named by its text is parsed again on every
/// call, one more round trip each.
struct Statements {
    lock: Statement,
    acked: Statement,
    held: Statement,
    owners: Statement,
    add_device: Statement,
    insert: Statement,
    set_acked: Statement,
    pull: Statement,
    head: Statement,
    device_for: Statement,
}

impl Statements {
    fn prepare(c: &mut Client) -> Result<Statements> {
        Ok(Statements {
            lock: c.prepare("SELECT pg_advisory_xact_lock($1)")?,
            acked: c.prepare("SELECT acked_seq FROM devices WHERE device = $1")?,
            // A range keeps to the (device, seq) index even before the
            // planner has statistics (`= ANY` read the device's whole
            // history).
            held: c.prepare("SELECT seq, hash FROM events WHERE device = $1 AND seq BETWEEN $2 AND $3")?,
            owners: c.prepare(
                "SELECT e.event_id, e.device, e.seq FROM unnest($1::uuid[]) AS b (id) JOIN events e ON e.event_id = b.id",
            )?,
            add_device: c.prepare("INSERT INTO devices (device, acked_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING")?,
            // One statement for the batch, in sequence order (WITH
            // ORDINALITY keeps the positions in that order).
            insert: c.prepare(
                "INSERT INTO events (device, seq, event_id, at, kind, schema_version, payload, hash)
                 SELECT $1, s, i, a, k, v, p, h
                 FROM unnest($2::bigint[], $3::uuid[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bytea[])
                      WITH ORDINALITY AS b (s, i, a, k, v, p, h, n)
                 ORDER BY n",
            )?,
            set_acked: c.prepare("UPDATE devices SET acked_seq = $2 WHERE device = $1")?,
            pull: c.prepare(
                "SELECT pos, device, seq, event_id, at, kind, schema_version,
                        CASE WHEN device = $2 AND NOT kind = ANY($4) THEN '' ELSE payload END
                 FROM events WHERE pos > $1 ORDER BY pos LIMIT $3",
            )?,
            head: c.prepare("SELECT coalesce(max(pos), 0) FROM events")?,
            device_for: c.prepare(&format!("{DEVICE_COLUMNS} WHERE e.token_hash = $1"))?,
        })
    }
}

/// Whether `shop` can name a shop's schema: 1 to 40 lower-case ASCII
/// letters, digits and underscores.
pub fn valid_shop(shop: &str) -> bool {
    (1..=40).contains(&shop.len()) && shop.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl PgLog {
    /// Connects (`postgres://user@host:port/db` or `host=… user=…`) and
    /// creates the shop's schema (`shop_<shop>`) and tables if needed. A
    /// chain keeps one schema per shop in one database: partitioning by
    /// shop (docs/scaling.md). Plain TCP or a Unix socket: the database is
    /// on the hub's machine or its private network.
    pub fn connect(url: &str, shop: &str) -> Result<PgLog> {
        if !valid_shop(shop) {
            return Err(HubError::Backend(format!(
                "a shop name is 1 to 40 lower-case letters, digits or underscores, not {:?}",
                shop.chars().take(40).collect::<String>()
            )));
        }
        let mut client = Client::connect(url, NoTls)?;
        let schema = format!("shop_{shop}");
        let lock =
            INGEST_LOCK ^ i64::from_le_bytes(crate::event::token_hash(&schema)[..8].try_into().unwrap_or([0; 8]));
        client.batch_execute(&format!("SET client_min_messages = warning; SET search_path = {schema}"))?;
        let mut tx = client.transaction()?;
        // Two hubs starting at once must not race on CREATE.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock])?;
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        let st = Statements::prepare(&mut client)?;
        Ok(PgLog { client, lock, st })
    }

    fn device_row(r: &postgres::Row) -> Device {
        Device {
            device: r.get(0),
            name: r.get(1),
            joined_at_ms: r.get(2),
            revoked_at_ms: r.get(3),
            acked_seq: r.get(4),
        }
    }
}

const DEVICE_COLUMNS: &str = "SELECT e.device, e.name, e.joined_at, e.revoked_at, coalesce(d.acked_seq, 0)
     FROM enrolled e LEFT JOIN devices d ON d.device = e.device";

impl PgLog {
    /// One push in one transaction (see `SqliteLog::push_once`: without
    /// `check_ids` the event ids are left to the `UNIQUE` index, and `None`
    /// says it, or a rule, refused the batch).
    fn push_once(&mut self, device: Uuid, events: &[PushedEvent], check_ids: bool) -> Result<Option<PushAck>> {
        let st = &self.st;
        let mut tx = self.client.transaction()?;
        tx.execute(&st.lock, &[&self.lock])?;
        let acked: i64 = tx.query_opt(&st.acked, &[&device])?.map(|r| r.get(0)).unwrap_or(0);
        // Only sequences up to the acknowledged one can be held.
        let (low, high) = (
            events.iter().map(|e| e.seq).min().unwrap_or(0),
            events.iter().map(|e| e.seq).max().unwrap_or(0).min(acked),
        );
        let mut held = BTreeMap::new();
        if low <= high {
            for r in tx.query(&st.held, &[&device, &low, &high])? {
                let hash: Vec<u8> = r.get(1);
                if let Ok(h) = <[u8; 32]>::try_from(hash) {
                    held.insert(r.get::<_, i64>(0), h);
                }
            }
        }
        let mut taken = HashSet::new();
        if check_ids {
            let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
            let by_id: BTreeMap<Uuid, i64> = events.iter().map(|e| (e.event_id, e.seq)).collect();
            for r in tx.query(&st.owners, &[&ids])? {
                let (id, d, s): (Uuid, Uuid, i64) = (r.get(0), r.get(1), r.get(2));
                if d != device || by_id.get(&id) != Some(&s) {
                    taken.insert(id);
                }
            }
        }
        let plan = match plan(acked, events, &held, &taken) {
            Ok(p) => p,
            Err(e) if check_ids => return Err(e),
            Err(_) => return Ok(None),
        };
        tx.execute(&st.add_device, &[&device])?;
        if !plan.new.is_empty() {
            let n = plan.new.len();
            let (mut seq, mut id, mut at, mut kind, mut version, mut payload, mut hash) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for (e, h) in &plan.new {
                seq.push(e.seq);
                id.push(e.event_id);
                at.push(e.at_ms);
                kind.push(e.kind.as_str());
                version.push(e.schema_version);
                payload.push(e.payload.as_str());
                hash.push(h.to_vec());
            }
            let inserted = tx.execute(&st.insert, &[&device, &seq, &id, &at, &kind, &version, &payload, &hash]);
            match inserted {
                Ok(_) => {}
                Err(e) if !check_ids && e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.execute(&st.set_acked, &[&device, &plan.acked])?;
        tx.commit()?;
        Ok(Some(PushAck { acked_seq: plan.acked, inserted: plan.new.len(), duplicates: plan.duplicates }))
    }
}

impl EventLog for PgLog {
    fn push(&mut self, device: Uuid, events: &[PushedEvent]) -> Result<PushAck> {
        push_fast_then_checked(|check_ids| self.push_once(device, events, check_ids))
    }

    fn pull(&mut self, after: i64, limit: usize, except: Option<Uuid>) -> Result<Vec<HubEvent>> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self.client.query(&self.st.pull, &[&after, &except, &limit, &ORDERED_KINDS])?;
        Ok(rows
            .iter()
            .map(|r| HubEvent {
                pos: r.get(0),
                device: r.get(1),
                event: PushedEvent {
                    seq: r.get(2),
                    event_id: r.get(3),
                    at_ms: r.get(4),
                    kind: r.get(5),
                    schema_version: r.get(6),
                    payload: r.get(7),
                },
            })
            .collect())
    }

    fn acked(&mut self, device: Uuid) -> Result<i64> {
        Ok(self.client.query_opt(&self.st.acked, &[&device])?.map(|r| r.get(0)).unwrap_or(0))
    }

    fn head(&mut self) -> Result<i64> {
        Ok(self.client.query_one(&self.st.head, &[])?.get(0))
    }

    fn enrol(&mut self, device: Uuid, name: &str, token_hash: [u8; 32], at_ms: i64) -> Result<()> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&self.lock])?;
        let held = tx.query_opt("SELECT token_hash, revoked_at FROM enrolled WHERE device = $1", &[&device])?;
        let hash = token_hash.to_vec();
        match held.map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, Option<i64>>(1))) {
            Some((_, Some(_))) => return Err(HubError::Revoked { device }),
            Some((h, None)) if h == hash => {}
            Some(_) => return Err(HubError::DeviceTaken { device }),
            None => {
                if tx.query_opt("SELECT 1 FROM enrolled WHERE token_hash = $1", &[&hash])?.is_some() {
                    return Err(HubError::DeviceTaken { device });
                }
                tx.execute(
                    "INSERT INTO enrolled (device, name, token_hash, joined_at) VALUES ($1, $2, $3, $4)",
                    &[&device, &name, &hash, &at_ms],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn device_for(&mut self, token_hash: [u8; 32]) -> Result<Option<Device>> {
        let hash = token_hash.to_vec();
        Ok(self.client.query_opt(&self.st.device_for, &[&hash])?.map(|r| PgLog::device_row(&r)))
    }

    fn revoke(&mut self, device: Uuid, at_ms: i64) -> Result<bool> {
        Ok(self.client.execute(
            "UPDATE enrolled SET revoked_at = coalesce(revoked_at, $2) WHERE device = $1",
            &[&device, &at_ms],
        )? > 0)
    }

    fn devices(&mut self) -> Result<Vec<Device>> {
        Ok(self
            .client
            .query(&format!("{DEVICE_COLUMNS} ORDER BY e.joined_at, e.device"), &[])?
            .iter()
            .map(PgLog::device_row)
            .collect())
    }

    fn seed(&mut self) -> Result<Option<Seed>> {
        seed_of(&mut self.client)
    }

    fn seed_position(&mut self, device: Uuid, seq: i64) -> Result<i64> {
        seed_position(&mut self.client, device, seq)
    }

    fn record_seed(&mut self, device: Uuid, seq: i64, at_ms: i64) -> Result<Seed> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&self.lock])?;
        let pos = seed_position(&mut tx, device, seq)?;
        tx.execute(
            "INSERT INTO seed (id, device, seq, pos, at) VALUES (1, $1, $2, $3, $4)",
            &[&device, &seq, &pos, &at_ms],
        )?;
        tx.commit()?;
        Ok(Seed { device, seq, pos })
    }
}

fn seed_of(db: &mut impl GenericClient) -> Result<Option<Seed>> {
    Ok(db.query_opt("SELECT device, seq, pos FROM seed WHERE id = 1", &[])?.map(|r| Seed {
        device: r.get(0),
        seq: r.get(1),
        pos: r.get(2),
    }))
}

/// The seed rules (`check_seed`) on what the log holds, and where
/// `device`'s events up to `seq` end.
fn seed_position(db: &mut impl GenericClient, device: Uuid, seq: i64) -> Result<i64> {
    let others: i64 = db.query_one("SELECT count(*) FROM enrolled WHERE device <> $1", &[&device])?.get(0);
    let acked: i64 =
        db.query_opt("SELECT acked_seq FROM devices WHERE device = $1", &[&device])?.map(|r| r.get(0)).unwrap_or(0);
    let seeded = seed_of(db)?;
    check_seed(device, seq, seeded, others, acked)?;
    Ok(db
        .query_one(
            "SELECT coalesce(max(pos), 0)::BIGINT FROM events WHERE device = $1 AND seq <= $2",
            &[&device, &seq],
        )?
        .get(0))
}
