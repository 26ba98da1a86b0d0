//! Writes a register may send again: each carries an `Idempotency-Key`
//! (IETF draft `Idempotency-Key` header), and the first successful answer
//! under it is kept with a digest of the request (`Store::keep_answer`).
//! The same request again gets that answer again (`Idempotent-Replayed:
//! true`) and does nothing; another request under the key is refused. A
//! refused request is not kept, so it may be corrected and sent again
//! under the same key.
//!
//! A sale's visit id and a feedback's id are made from the key and the
//! request (a sale's less its moment, which a register may stamp again
//! when it retries), so even a retry whose first answer was never kept
//! (the process stopped in between) finds what was recorded under that id
//! and records nothing twice; another sale under a key whose answer is no
//! longer kept (after `KEPT_DAYS`) gets an id of its own and is recorded,
//! never answered with an old sale. The same key with the same sale is a
//! retry, whenever it comes: a key is for one sale. A refund in that gap
//! is refused as `already_reversed` on retry (it was done once). The
//! answer is kept in its own transaction right after the work's.

use crate::Api;
use crate::problem::Problem;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dangol_domain::i18n::Lang;
use dangol_store::requests::Earlier;
use dangol_store::{Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// The request header.
pub const KEY_HEADER: &str = "idempotency-key";
/// The longest key.
pub const MAX_KEY: usize = 255;

/// The key a write carries: 1–255 visible ASCII characters.
pub fn key(headers: &HeaderMap, lang: Lang) -> Result<String, Problem> {
    let values: Vec<&HeaderValue> = headers.get_all(KEY_HEADER).iter().collect();
    let [value] = values[..] else {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_missing",
            lang.pick(
                "이 요청에는 Idempotency-Key 헤더가 하나 있어야 합니다",
                "this request needs exactly one Idempotency-Key header",
            ),
        ));
    };
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_KEY || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
            lang.pick(
                "Idempotency-Key는 공백 없는 ASCII 1–255자여야 합니다",
                "an Idempotency-Key is 1–255 visible ASCII characters",
            ),
        ));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// An id made from an operation's key and request at a counter: the same
/// key and request, the same id. The counter is part of it: two counters
/// whose registers number their sales alike ("0001") never make the same
/// sale id; so is the request: a key used again for another sale, once its
/// first answer is forgotten, never finds the first sale.
pub fn id_from_key(counter: Uuid, operation: &str, key: &str, request: &[u8]) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(format!("dangol-api\n{counter}\n{operation}\n{key}\n").as_bytes());
    hash.update(request);
    let hash = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A write's answer: its status and JSON, and whether it is a replay.
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub replayed: bool,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static(if self.replayed { "true" } else { "false" }));
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

/// A receipt says whether it is a replay (`replayed`); it says what the
/// header says.
fn mark_replayed(body: &mut serde_json::Value, replayed: bool) {
    if let Some(flag) = body.get_mut("replayed") {
        *flag = serde_json::Value::Bool(replayed);
    }
}

enum Outcome {
    Done(Answer),
    Reused,
}

/// Runs `work` once per key: with the id made from the key and
/// `identity` (what makes the write the same write: the request, less what
/// a register may stamp again when it retries, such as a sale's moment),
/// unless the same request was answered under the key before (that answer
/// again) or another was (refused). `guard` runs first either way (a
/// refund's PIN is checked for a replay too).
#[allow(clippy::too_many_arguments)]
pub async fn once<R, I, T>(
    api: &Arc<Api>,
    lang: Lang,
    key: String,
    operation: &'static str,
    request: &R,
    identity: &I,
    status: StatusCode,
    guard: impl FnOnce(&mut Store) -> Result<(), StoreError> + Send + 'static,
    work: impl FnOnce(&mut Store, Uuid) -> Result<T, StoreError> + Send + 'static,
) -> Result<Answer, Problem>
where
    R: Serialize,
    I: Serialize,
    T: Serialize,
{
    let mut text = format!("{operation}\n").into_bytes();
    text.extend(serde_json::to_vec(request).unwrap_or_default());
    let identity = serde_json::to_vec(identity).unwrap_or_default();
    let outcome = api
        .run(lang, move |store| {
            guard(store)?;
            match store.earlier_answer(&key, &text)? {
                Earlier::Different => return Ok(Outcome::Reused),
                Earlier::Same { status, answer } => {
                    let mut body: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
                    mark_replayed(&mut body, true);
                    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                    return Ok(Outcome::Done(Answer { status, body, replayed: true }));
                }
                Earlier::Nothing => {}
            }
            let done = work(store, id_from_key(store.device(), operation, &key, &identity))?;
            let mut body = serde_json::to_value(&done).unwrap_or_default();
            // A sale found already recorded under its visit (a retry whose
            // first answer was never kept) is a replay too.
            let replayed = body.get("replayed").and_then(serde_json::Value::as_bool).unwrap_or(false);
            mark_replayed(&mut body, false);
            store.keep_answer(&key, &text, status.as_u16(), &body.to_string())?;
            mark_replayed(&mut body, replayed);
            Ok(Outcome::Done(Answer { status, body, replayed }))
        })
        .await?;
    match outcome {
        Outcome::Done(answer) => Ok(answer),
        Outcome::Reused => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            lang.pick(
                "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다. 새 요청에는 새 키를 쓰세요",
                "this Idempotency-Key was already used for another request; use a new key for a new request",
            ),
        )),
    }
}
