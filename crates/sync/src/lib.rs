//! One sync round for a counter: join the shop's hub (first time only),
//! push every own event the hub has not acknowledged, then pull and apply
//! the other counters' events, then move points in escrow to where the
//! customers are (returns and claims, pushed and pulled back in the same
//! round). Push comes before pull (PowerSync's rule:
//! nothing computed from the hub is trusted before it holds this counter's
//! own events).
//!
//! The store is only held for its own steps (`Counter::with_store`), never
//! while a request is on the network, so a window syncing in the background
//! never makes the cashier wait for the hub.
//!
//! Every step is safe to repeat: the credential is stored before the join
//! leaves; a push whose answer is lost is sent again and the hub answers
//! with the same acknowledgement; a pulled page is applied with its cursor
//! in one transaction. A round that fails leaves the counter as it was
//! plus whatever was acknowledged or applied before the failure; the next
//! round goes on from there.

pub mod replica;

use dangol_domain::i18n::Lang;
use dangol_hub::client::{ClientError, HubClient, new_device, new_token};
use dangol_hub::wire::JoinRequest;
use dangol_hub::{HubEvent, PushedEvent};
use dangol_store::sync::{IncomingEvent, OutgoingEvent, SCHEMA_VERSION};
use dangol_store::{Store, StoreError, SystemIds};
use serde::Serialize;
use std::time::Duration;

/// How a counter reaches its hub.
#[derive(Debug, Clone)]
pub struct Options {
    /// The hub's address, e.g. `http://192.168.0.10:7000`.
    pub hub: String,
    /// The shop's join key (needed the first time only).
    pub join_key: String,
    /// How this counter is named at the hub ("계산대 1").
    pub name: String,
    /// How long one request may take.
    pub timeout: Duration,
    /// Events per push and per pull.
    pub batch: usize,
    /// How long a snapshot download or a seed upload may take.
    pub transfer_timeout: Duration,
    /// The hub certificate's fingerprint from the join key file
    /// (`sha256:…`): an HTTPS hub is trusted only with that certificate.
    pub pin: Option<String>,
    /// Where copies for seeding are written (the counter's own folder:
    /// the same disk, and never a RAM disk).
    pub scratch_dir: std::path::PathBuf,
}

impl Options {
    pub fn new(hub: &str, join_key: &str, name: &str) -> Options {
        Options {
            hub: hub.to_string(),
            join_key: join_key.to_string(),
            name: name.to_string(),
            timeout: Duration::from_secs(30),
            batch: 1_000,
            transfer_timeout: Duration::from_secs(3_600),
            pin: None,
            scratch_dir: std::env::temp_dir(),
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    /// Own events the hub newly acknowledged in this round.
    pub pushed: i64,
    /// Other counters' events pulled.
    pub pulled: usize,
    pub applied: usize,
    pub quarantined: usize,
    pub anomalies: usize,
    /// The hub's acknowledgement of this counter's events after the round.
    pub acked_seq: i64,
    /// The hub position applied up to.
    pub pulled_pos: i64,
    /// True when the round joined the shop.
    pub joined: bool,
    /// Escrow returns and claims written (points following customers).
    pub escrow_moves: usize,
    /// This round's counter brought its history to an empty hub (the
    /// position where it ends), or started from the hub's snapshot.
    pub seeded_at: Option<i64>,
    pub snapshot_at: Option<i64>,
}

fn hub_error(hub: &str, e: ClientError) -> StoreError {
    match e {
        ClientError::Refused { body, .. } => StoreError::HubRefused { refusal: body.error, detail: body.message },
        other => StoreError::HubUnreachable { hub: hub.to_string(), detail: other.to_string() },
    }
}

fn outgoing(e: OutgoingEvent) -> PushedEvent {
    PushedEvent {
        seq: e.seq,
        event_id: e.event_id,
        at_ms: e.at_ms,
        kind: e.kind,
        schema_version: e.schema_version,
        payload: e.payload,
    }
}

pub(crate) fn incoming(e: HubEvent) -> IncomingEvent {
    IncomingEvent {
        pos: e.pos,
        device: e.device,
        seq: e.event.seq,
        event_id: e.event.event_id,
        at_ms: e.event.at_ms,
        kind: e.event.kind,
        schema_version: e.event.schema_version,
        payload: e.event.payload,
    }
}

/// Access to a counter's store, one step at a time.
pub trait Counter {
    fn with_store<R>(&self, f: &mut dyn FnMut(&mut Store) -> Result<R, StoreError>) -> Result<R, StoreError>;
}

/// A store owned by the caller (the command line).
pub struct Owned<'a>(std::cell::RefCell<&'a mut Store>);

impl Counter for Owned<'_> {
    fn with_store<R>(&self, f: &mut dyn FnMut(&mut Store) -> Result<R, StoreError>) -> Result<R, StoreError> {
        f(&mut self.0.borrow_mut())
    }
}

/// Runs one round on a store the caller holds.
pub fn round(store: &mut Store, opts: &Options) -> Result<RoundReport, StoreError> {
    round_via(&Owned(std::cell::RefCell::new(store)), opts)
}

/// Runs one round, holding the store only for its own steps; the outcome
/// is recorded for the status bar either way.
pub fn round_via(counter: &impl Counter, opts: &Options) -> Result<RoundReport, StoreError> {
    let result = run(counter, opts);
    let error = result.as_ref().err().map(|e| e.message(Lang::En));
    // A failure to record the outcome must not hide the round's own result.
    let _ = counter.with_store(&mut |s| s.sync_attempt(error.as_deref()));
    result
}

fn run(counter: &impl Counter, opts: &Options) -> Result<RoundReport, StoreError> {
    let me = counter.with_store(&mut |s| s.sync_identity(&opts.hub, new_token))?;
    let held = counter.with_store(&mut |s| s.sync_hub_certificate())?;
    let cert = trusted_certificate(&me.hub, opts, held)?;
    if let Some(der) = &cert {
        counter.with_store(&mut |s| s.sync_pin_certificate(der))?;
    }
    let client = HubClient::pinned(&me.hub, opts.timeout, cert.as_deref()).with_token(&me.token);
    let mut report = RoundReport::default();
    // A counter holding data no event carries (the demo's bulk load) must
    // bring its whole history to an empty hub before anything of it goes.
    let (outside, base) = counter.with_store(&mut |s| Ok((s.history_outside_events()?, s.sync_base()?)))?;
    let mut must_seed = outside && base.is_none();
    if !me.joined || must_seed {
        let answer = client
            .join(&JoinRequest {
                join_key: opts.join_key.trim().to_string(),
                device: me.device,
                name: opts.name.clone(),
                token: me.token.clone(),
                schema_version: SCHEMA_VERSION,
            })
            .map_err(|e| hub_error(&me.hub, e))?;
        match answer.seed {
            // This counter's own seed, whose answer was lost.
            Some(seed) if seed.device == me.device => {
                counter.with_store(&mut |s| s.sync_seeded())?;
                must_seed = false;
            }
            Some(_) if base.is_none() => {
                return Err(StoreError::HubRefused {
                    refusal: "hub_seeded".into(),
                    detail: "this hub started from another counter's history, which this file does not have: join it with a new file (dangol sync --db NEW.db), which starts from the hub's snapshot".into(),
                });
            }
            _ if must_seed && !answer.open_for_seed => {
                return Err(StoreError::HubRefused {
                    refusal: "hub_not_empty".into(),
                    detail: "this counter holds history no event carries (a bulk load from before sync); only the first counter of an empty hub with snapshots may bring it".into(),
                });
            }
            _ => {}
        }
        if !me.joined {
            counter.with_store(&mut |s| s.sync_joined(answer.acked_seq))?;
            report.joined = true;
        }
    }
    let start = counter.with_store(&mut |s| s.sync_status())?.pushed_seq;
    push(counter, &client, opts, &me.hub)?;
    if must_seed {
        report.seeded_at = Some(seed(counter, &client, opts, &me.hub)?);
    }
    pull(counter, &client, opts, &me.hub, &mut report)?;
    // Points follow the customers: returns and claims go out in the same
    // round, and the claims come back with what the hub's order granted.
    let moved = counter.with_store(&mut |s| s.escrow_rebalance(&mut SystemIds))?;
    if moved > 0 {
        push(counter, &client, opts, &me.hub)?;
        pull(counter, &client, opts, &me.hub, &mut report)?;
    }
    report.escrow_moves = moved;
    report.acked_seq = counter.with_store(&mut |s| s.sync_status())?.pushed_seq;
    report.pushed = report.acked_seq - start;
    Ok(report)
}

/// The certificate an HTTPS hub must present: the one this counter
/// already trusts, or (first time, or a new join key file naming another
/// fingerprint) the hub's, fetched and checked against the file's pin.
/// `None` for plain HTTP.
fn trusted_certificate(hub: &str, opts: &Options, held: Option<Vec<u8>>) -> Result<Option<Vec<u8>>, StoreError> {
    if !hub.trim().to_ascii_lowercase().starts_with("https://") {
        return Ok(None);
    }
    let pin = opts.pin.as_deref().map(str::trim).filter(|p| !p.is_empty());
    match (held, pin) {
        (Some(der), None) => Ok(Some(der)),
        (Some(der), Some(pin)) if dangol_hub::tls::fingerprint(&der).eq_ignore_ascii_case(pin) => Ok(Some(der)),
        (_, Some(pin)) => {
            HubClient::fetch_certificate(hub, opts.timeout, pin).map(Some).map_err(|e| hub_error(hub, e))
        }
        (None, None) => Err(StoreError::HubRefused {
            refusal: "no_pin".into(),
            detail: "an HTTPS hub is trusted only with the certificate fingerprint its join key file carries; copy the key file from the hub again".into(),
        }),
    }
}

/// Sends a consistent copy of the counter as the hub's starting state,
/// once every own event it holds is at the hub. Returns the position
/// where its history ends.
fn seed(counter: &impl Counter, client: &HubClient, opts: &Options, hub: &str) -> Result<i64, StoreError> {
    let copy = opts.scratch_dir.join(format!("dangol-seed-{}.db", uuid::Uuid::now_v7()));
    let io = |source| StoreError::Io { path: copy.clone(), source };
    let upto = counter.with_store(&mut |s| s.seed_copy(&copy));
    let result = upto.and_then(|upto| {
        push(counter, client, opts, hub)?;
        let answer = client.seed(&copy, upto, opts.transfer_timeout).map_err(|e| hub_error(hub, e))?;
        counter.with_store(&mut |s| s.sync_seeded())?;
        Ok(answer.pos)
    });
    match std::fs::remove_file(&copy) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound && result.is_ok() => Err(io(e)),
        _ => result,
    }
}

/// Makes a counter file that does not exist yet from the hub's snapshot
/// of the shop (joining with a new device and credential), so it starts
/// with every customer, visit and balance at once and then pulls only the
/// events after the snapshot. Returns the snapshot's position; `None` when
/// the file exists (nothing to do).
pub fn bootstrap(path: &std::path::Path, opts: &Options) -> Result<Option<i64>, StoreError> {
    if path.exists() {
        return Ok(None);
    }
    let device = new_device();
    let token = new_token();
    let cert = trusted_certificate(&opts.hub, opts, None)?;
    let client = HubClient::pinned(&opts.hub, opts.timeout, cert.as_deref()).with_token(&token);
    let answer = client
        .join(&JoinRequest {
            join_key: opts.join_key.trim().to_string(),
            device,
            name: opts.name.clone(),
            token: token.clone(),
            schema_version: SCHEMA_VERSION,
        })
        .map_err(|e| hub_error(&opts.hub, e))?;
    let download = std::path::PathBuf::from(format!("{}.download", path.display()));
    let cleanup = |p: &std::path::Path| {
        for f in [p.to_path_buf(), replica::lock_file(p)] {
            let _ = std::fs::remove_file(f);
        }
    };
    cleanup(&download);
    let pos = if answer.snapshots {
        client.snapshot(&download, opts.transfer_timeout).map_err(|e| {
            cleanup(&download);
            hub_error(&opts.hub, e)
        })?
    } else {
        0
    };
    let made = (|| {
        let mut store = Store::open(&download)?;
        store.adopt_snapshot(device, &opts.hub, &token, pos)?;
        if let Some(der) = &cert {
            store.sync_pin_certificate(der)?;
        }
        Ok::<(), StoreError>(())
    })();
    if let Err(e) = made {
        cleanup(&download);
        return Err(e);
    }
    let _ = std::fs::remove_file(replica::lock_file(&download));
    std::fs::rename(&download, path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    Ok(Some(pos))
}

/// Pushes until the hub holds every own event; returns the acknowledgement.
fn push(counter: &impl Counter, client: &HubClient, opts: &Options, hub: &str) -> Result<i64, StoreError> {
    let mut acked = counter.with_store(&mut |s| s.sync_status())?.pushed_seq;
    loop {
        let batch: Vec<PushedEvent> =
            counter.with_store(&mut |s| s.sync_outgoing(opts.batch))?.into_iter().map(outgoing).collect();
        let Some(last) = batch.last().map(|e| e.seq) else { break };
        let ack = match client.push(&batch) {
            Ok(ack) => ack.acked_seq,
            // The hub holds less than this counter believed acknowledged
            // is impossible (cursors only move forward); a gap names what
            // the hub holds, and the next batch starts after it.
            Err(ClientError::Refused { body, .. })
                if body.error == "gap" && body.acked_seq.is_some_and(|a| a >= acked) =>
            {
                body.acked_seq.unwrap_or(acked)
            }
            Err(e) => return Err(hub_error(hub, e)),
        };
        counter.with_store(&mut |s| s.sync_acked(ack))?;
        if ack <= acked && ack < last {
            return Err(StoreError::HubRefused {
                refusal: "no_progress".into(),
                detail: format!("the hub acknowledged {ack} for a batch ending at {last}"),
            });
        }
        acked = ack;
    }
    Ok(acked)
}

/// Pulls and applies until the hub has nothing newer. The next page is
/// fetched while this one is applied (`HubClient::pages`); each page is
/// applied with its cursor in one transaction, in order, so a failure
/// leaves the counter at the last page applied, and a page fetched ahead
/// of it is only dropped.
fn pull(
    counter: &impl Counter,
    client: &HubClient,
    opts: &Options,
    hub: &str,
    report: &mut RoundReport,
) -> Result<(), StoreError> {
    let after = counter.with_store(&mut |s| s.sync_status())?.pulled_pos;
    let own = counter.with_store(&mut |s| Ok(s.device()))?;
    for page in client.pages(after, opts.batch) {
        let page = page.map_err(|e| hub_error(hub, e))?;
        if page.events.is_empty() {
            break;
        }
        let events: Vec<IncomingEvent> = page.events.into_iter().map(incoming).collect();
        // This counter's own events come back as markers of their place.
        report.pulled += events.iter().filter(|e| e.device != own).count();
        let applied = counter.with_store(&mut |s| s.sync_apply(&events))?;
        report.applied += applied.applied;
        report.quarantined += applied.quarantined;
        report.anomalies += applied.anomalies;
    }
    report.pulled_pos = counter.with_store(&mut |s| s.sync_status())?.pulled_pos;
    Ok(())
}
