//! The HTTP hub (`dangol hub`): axum on tokio over an `EventLog`.
//!
//! Storage calls are blocking (SQLite, the synchronous PostgreSQL client),
//! so each request runs its storage work on tokio's blocking pool, one at a
//! time through a mutex: ingest is serialised anyway (positions follow
//! commits), and no request can stall the accepting loop. Every body is
//! read as bytes and parsed here, so a malformed one gets a JSON refusal
//! naming what is wrong, never a panic and never a partial write.

use crate::event::{EventLog, HUB_SCHEMA_VERSION, HubError, token_hash};
use crate::frame;
use crate::state::ShopState;
use crate::wire::{
    ErrorBody, JoinAnswer, JoinRequest, MAX_BATCH, MAX_BODY, MAX_SEED_BYTES, PullAnswer, PushRequest, SNAPSHOT_POS,
    SeedAnswer,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::{Arc, Mutex};

/// The hub's shared state.
pub struct Hub {
    log: Mutex<Box<dyn EventLog>>,
    join_key_hash: [u8; 32],
    state: Option<Arc<dyn ShopState>>,
    /// The certificate served over HTTPS (counters fetch it once, at
    /// joining, and check it against the fingerprint in the join key file).
    certificate: Option<Vec<u8>>,
    /// When the last push was taken (ms since the epoch).
    last_push_ms: std::sync::atomic::AtomicI64,
    /// Credentials (hashes) found enrolled by an earlier push: the gate
    /// before a body is parsed lets them through without a database turn.
    /// Only a gate: the push itself checks the credential again.
    admitted: Mutex<std::collections::HashSet<[u8; 32]>>,
}

/// The most credentials the push gate remembers (a shop has a few
/// counters; past this it starts over).
const ADMITTED_MAX: usize = 4_096;

impl Hub {
    pub fn new(log: Box<dyn EventLog>, join_key: &str) -> Hub {
        Hub {
            log: Mutex::new(log),
            join_key_hash: token_hash(join_key.trim()),
            state: None,
            certificate: None,
            last_push_ms: std::sync::atomic::AtomicI64::new(0),
            admitted: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// How long since the last push (the shop's state catches up in the
    /// background only when the hub is quiet, leaving the cores to ingest).
    pub fn quiet_for_ms(&self) -> i64 {
        now_ms() - self.last_push_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Serves over HTTPS with this certificate (DER).
    pub fn with_certificate(mut self, der: Vec<u8>) -> Hub {
        self.certificate = Some(der);
        self
    }

    /// Serves snapshots and takes a seed through `state`.
    pub fn with_state(mut self, state: Arc<dyn ShopState>) -> Hub {
        self.state = Some(state);
        self
    }
}

/// A refusal with its HTTP status.
#[derive(Debug)]
pub struct Refusal(StatusCode, ErrorBody);

impl Refusal {
    fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Refusal {
        Refusal(status, ErrorBody { error: error.into(), message: message.into(), acked_seq: None, seq: None })
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<HubError> for Refusal {
    fn from(e: HubError) -> Refusal {
        let message = e.to_string();
        let (status, kind, acked_seq, seq) = match e {
            HubError::Gap { acked_seq, got } => (StatusCode::CONFLICT, "gap", Some(acked_seq), Some(got)),
            HubError::Rewritten { seq } => (StatusCode::CONFLICT, "rewritten", None, Some(seq)),
            HubError::EventIdReused { seq, .. } => (StatusCode::CONFLICT, "event_id_reused", None, Some(seq)),
            HubError::BadSeq { seq } => (StatusCode::BAD_REQUEST, "bad_seq", None, Some(seq)),
            HubError::CounterNewer { .. } => (StatusCode::CONFLICT, "counter_newer", None, None),
            HubError::DeviceTaken { .. } => (StatusCode::CONFLICT, "device_taken", None, None),
            HubError::Revoked { .. } => (StatusCode::FORBIDDEN, "revoked", None, None),
            HubError::Backend(_) => (StatusCode::SERVICE_UNAVAILABLE, "hub_unavailable", None, None),
            HubError::SeedRefused(_) => (StatusCode::CONFLICT, "seed_refused", None, None),
            HubError::State(_) => (StatusCode::SERVICE_UNAVAILABLE, "hub_state", None, None),
        };
        Refusal(status, ErrorBody { error: kind.into(), message, acked_seq, seq })
    }
}

type Answer<T> = Result<Json<T>, Refusal>;

/// Runs `f` on the log, on the blocking pool.
async fn with_log<T: Send + 'static>(
    hub: &Arc<Hub>,
    f: impl FnOnce(&mut dyn EventLog) -> Result<T, HubError> + Send + 'static,
) -> Result<T, Refusal> {
    let hub = Arc::clone(hub);
    tokio::task::spawn_blocking(move || {
        let mut log = hub.log.lock().unwrap_or_else(|p| p.into_inner());
        f(log.as_mut())
    })
    .await
    .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "hub_failed", e.to_string()))?
    .map_err(Refusal::from)
}

fn body<T: serde::de::DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, Refusal> {
    let bytes = bytes.map_err(|e| Refusal::new(e.status(), "bad_body", e.body_text()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Refusal::new(StatusCode::BAD_REQUEST, "bad_json", format!("the request body is not what was expected: {e}"))
    })
}

/// The system clock in milliseconds since the epoch (device enrolment and
/// revocation times).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The enrolled, unrevoked device presenting the request's credential.
/// The hash of the device credential the request presents.
fn credential(headers: &HeaderMap) -> Result<[u8; 32], Refusal> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::UNAUTHORIZED,
                "no_credential",
                "join the shop first: no device credential was sent",
            )
        })?;
    Ok(token_hash(token))
}

/// The enrolled, unrevoked device a credential belongs to.
fn enrolled(found: Option<crate::event::Device>) -> Result<uuid::Uuid, Refusal> {
    match found {
        None => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "unknown_device",
            "this device credential is not enrolled at this hub",
        )),
        Some(d) if d.revoked_at_ms.is_some() => Err(HubError::Revoked { device: d.device }.into()),
        Some(d) => Ok(d.device),
    }
}

async fn device(hub: &Arc<Hub>, headers: &HeaderMap) -> Result<uuid::Uuid, Refusal> {
    let hash = credential(headers)?;
    enrolled(with_log(hub, move |log| log.device_for(hash)).await?)
}

/// Runs `f` for the device whose credential the request presents, in the
/// same turn of the log as the credential check (one blocking task and one
/// lock per push or pull, and no revocation in between).
async fn as_device<T: Send + 'static>(
    hub: &Arc<Hub>,
    headers: &HeaderMap,
    f: impl FnOnce(&mut dyn EventLog, uuid::Uuid) -> Result<T, HubError> + Send + 'static,
) -> Result<T, Refusal> {
    let hash = credential(headers)?;
    let hub = Arc::clone(hub);
    tokio::task::spawn_blocking(move || {
        let mut log = hub.log.lock().unwrap_or_else(|p| p.into_inner());
        let device = enrolled(log.device_for(hash)?)?;
        f(log.as_mut(), device).map_err(Refusal::from)
    })
    .await
    .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "hub_failed", e.to_string()))?
}

async fn join(State(hub): State<Arc<Hub>>, bytes: Result<Bytes, BytesRejection>) -> Answer<JoinAnswer> {
    let req: JoinRequest = body(bytes)?;
    if !same(&token_hash(req.join_key.trim()), &hub.join_key_hash) {
        return Err(Refusal::new(StatusCode::UNAUTHORIZED, "bad_join_key", "the join key is not this shop's"));
    }
    if req.schema_version > HUB_SCHEMA_VERSION {
        return Err(HubError::CounterNewer { schema_version: req.schema_version }.into());
    }
    let name = req.name.trim().to_string();
    if name.is_empty()
        || name.chars().count() > 100
        || req.token.len() < 32
        || req.token.len() > 200
        || req.device.is_nil()
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_join",
            "a join needs a device id, a name of 1 to 100 characters and a credential of 32 to 200 characters",
        ));
    }
    let hash = token_hash(&req.token);
    let device = req.device;
    let (acked_seq, head, seeded, others) = with_log(&hub, move |log| {
        log.enrol(device, &name, hash, now_ms())?;
        let others = log.devices()?.iter().filter(|d| d.device != device).count();
        Ok((log.acked(device)?, log.head()?, log.seed()?, others))
    })
    .await?;
    let snapshots = hub.state.is_some();
    Ok(Json(JoinAnswer {
        device,
        hub_schema_version: HUB_SCHEMA_VERSION,
        acked_seq,
        head,
        open_for_seed: snapshots && seeded.is_none() && others == 0,
        seed: seeded,
        snapshots,
    }))
}

fn state_of(hub: &Hub) -> Result<Arc<dyn ShopState>, Refusal> {
    hub.state.clone().ok_or_else(|| {
        Refusal::new(StatusCode::NOT_IMPLEMENTED, "no_state", "this hub keeps no shop state (snapshots, seeding)")
    })
}

/// The shop's state as one SQLite file, with its log position.
async fn snapshot(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Refusal> {
    device(&hub, &headers).await?;
    let state = state_of(&hub)?;
    let snap = tokio::task::spawn_blocking(move || state.snapshot())
        .await
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "hub_failed", e.to_string()))?
        .map_err(Refusal::from)?;
    let file = tokio::fs::File::open(&snap.file)
        .await
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "hub_state", e.to_string()))?;
    // The open file is read to the end; its name goes now.
    let _ = std::fs::remove_file(&snap.file);
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 20));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.sqlite3".to_string()),
            (axum::http::header::CONTENT_LENGTH, snap.bytes.to_string()),
            (axum::http::HeaderName::from_static(SNAPSHOT_POS), snap.pos.to_string()),
        ],
        body,
    )
        .into_response())
}

/// Deletes a scratch file when dropped (an upload that failed halfway).
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first counter's history as the shop's starting state.
async fn seed(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: axum::body::Body,
) -> Answer<SeedAnswer> {
    use http_body_util::BodyExt;
    use tokio::io::AsyncWriteExt;
    let device = device(&hub, &headers).await?;
    let state = state_of(&hub)?;
    let upto = query_number(&query.unwrap_or_default(), "upto_seq", 0)?;
    // Refused before the upload when it cannot be taken.
    with_log(&hub, move |log| log.seed_position(device, upto)).await?;
    let scratch = Scratch(state.scratch_dir().join(format!("seed-{device}-{}.db", now_ms())));
    let io = |e: std::io::Error| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "hub_state", e.to_string());
    let mut file = tokio::fs::File::create(&scratch.0).await.map_err(io)?;
    let mut body = body;
    let mut written: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "bad_body", e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            written += data.len() as u64;
            if written > MAX_SEED_BYTES {
                return Err(Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "seed_too_large",
                    format!("a seed is at most {MAX_SEED_BYTES} bytes"),
                ));
            }
            file.write_all(&data).await.map_err(io)?;
        }
    }
    file.sync_all().await.map_err(io)?;
    drop(file);
    let hub2 = Arc::clone(&hub);
    let seeded = tokio::task::spawn_blocking(move || {
        let mut log = hub2.log.lock().unwrap_or_else(|p| p.into_inner());
        let pos = log.seed_position(device, upto)?;
        state.adopt_seed(&scratch.0, device, pos)?;
        log.record_seed(device, upto, now_ms())
    })
    .await
    .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "hub_failed", e.to_string()))?
    .map_err(Refusal::from)?;
    Ok(Json(SeedAnswer { pos: seeded.pos }))
}

async fn push(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer<crate::event::PushAck> {
    // No body is parsed, and the hub is not marked busy, for a request
    // whose credential is not an enrolled device's (known from an earlier
    // push, or looked up now); the push itself checks it again in its own
    // turn of the log, so a revocation in between counts.
    let hash = credential(&headers)?;
    if !admitted(&hub).contains(&hash) {
        device(&hub, &headers).await?;
        let mut known = admitted(&hub);
        if known.len() >= ADMITTED_MAX {
            known.clear();
        }
        known.insert(hash);
    }
    let events = if is_frame(headers.get(axum::http::header::CONTENT_TYPE)) {
        let bytes = bytes.map_err(|e| Refusal::new(e.status(), "bad_body", e.body_text()))?;
        frame::decode_push(&bytes, MAX_BATCH).map_err(|e| match e.too_many {
            true => Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", e.what),
            false => Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad_frame",
                format!("the request body is not a valid event frame: {e}"),
            ),
        })?
    } else {
        body::<PushRequest>(bytes)?.events
    };
    if events.len() > MAX_BATCH {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("a push carries at most {MAX_BATCH} events, this one {}", events.len()),
        ));
    }
    hub.last_push_ms.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
    let pushed = as_device(&hub, &headers, move |log, device| log.push(device, &events)).await;
    if matches!(&pushed, Err(Refusal(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _))) {
        admitted(&hub).remove(&hash);
    }
    Ok(Json(pushed?))
}

fn admitted(hub: &Hub) -> std::sync::MutexGuard<'_, std::collections::HashSet<[u8; 32]>> {
    hub.admitted.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a `Content-Type` or `Accept` header names the event frame.
fn is_frame(header: Option<&axum::http::HeaderValue>) -> bool {
    header.and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|t| t.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case(frame::MEDIA_TYPE)))
    })
}

fn query_number(query: &str, name: &str, default: i64) -> Result<i64, Refusal> {
    match query.split('&').filter_map(|p| p.split_once('=')).find(|(k, _)| *k == name) {
        None => Ok(default),
        Some((_, v)) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Refusal::new(StatusCode::BAD_REQUEST, "bad_query", format!("{name} must be a whole number ≥ 0"))
        }),
    }
}

/// The other counters' events after a position: an event frame for a
/// counter that accepts one, JSON for anyone else.
async fn pull(State(hub): State<Arc<Hub>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response, Refusal> {
    let query = query.unwrap_or_default();
    let after = query_number(&query, "after", 0)?;
    let limit = query_number(&query, "limit", 1_000)?.clamp(1, MAX_BATCH as i64) as usize;
    let framed = is_frame(headers.get(axum::http::header::ACCEPT));
    let (events, head) = as_device(&hub, &headers, move |log, device| {
        let head = log.head()?;
        Ok((log.pull(after, limit, Some(device))?, head))
    })
    .await?;
    Ok(if framed {
        ([(axum::http::header::CONTENT_TYPE, frame::MEDIA_TYPE)], frame::encode_pull(&events, head)).into_response()
    } else {
        Json(PullAnswer { events, head }).into_response()
    })
}

/// The hub's certificate (DER): public, and only ever trusted by a counter
/// whose join key file names its fingerprint.
async fn certificate(State(hub): State<Arc<Hub>>) -> Result<Response, Refusal> {
    let der = hub
        .certificate
        .clone()
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "no_certificate", "this hub serves plain HTTP"))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pkix-cert")], der).into_response())
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"ok": true, "hub_schema_version": HUB_SCHEMA_VERSION}))
}

/// The hub's routes.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/certificate", get(certificate))
        .route("/v1/join", post(join))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/snapshot", get(snapshot))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // A seed streams to a file under its own limit.
        .route("/v1/seed", post(seed).layer(DefaultBodyLimit::disable()))
        .with_state(hub)
}

/// Serves until `shutdown` resolves, on plain TCP or `tls::TlsListener`.
pub async fn serve<L>(
    listener: L,
    hub: Arc<Hub>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, router(hub)).with_graceful_shutdown(shutdown).await
}
