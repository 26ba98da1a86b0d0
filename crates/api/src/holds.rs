//! Points held for a redemption at payment: the register holds some of the
//! customer's points while they pay (once per `Idempotency-Key`), then the
//! sale that spends them names the hold (`hold` in `/v1/sales`, which
//! captures it), or the register releases it; a hold ends by itself at its
//! expiry. While open, its points are set aside from every other
//! redemption at this counter, the window's too (`dangol_store::holds`).

use crate::Api;
use crate::guard::lang;
use crate::once;
use crate::problem::{Problem, from_json_rejection};
use crate::routes::Everywhere;
use crate::sales::KeyHeader;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use dangol_domain::i18n::Lang;
use dangol_store::holds::HoldView;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

/// Points to hold.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub customer: Uuid,
    /// How many (1 or more; no more than are free: usable here, less the
    /// customer's other open holds).
    #[schema(minimum = 1)]
    pub points: i64,
    /// How long, 1–60 minutes (default 10); then it ends by itself.
    #[schema(minimum = 1, maximum = 60)]
    pub minutes: Option<i64>,
}

fn hold_id(id: Result<Path<String>, PathRejection>, lang: Lang) -> Result<Uuid, Problem> {
    crate::routes::path_id(
        id,
        lang.pick("그런 포인트 보류는 없습니다 (UUID입니다)", "no such points hold (its id is a UUID)"),
    )
}

/// Holds a customer's points for a redemption at payment, once per
/// `Idempotency-Key`. Spend it with the sale (`hold` in `/v1/sales`), or
/// release it.
#[utoipa::path(
    post,
    path = "/v1/holds",
    tag = "points",
    params(KeyHeader),
    request_body = HoldRequest,
    responses(
        (status = 201, description = "Held", body = HoldView,
            headers(("Idempotent-Replayed" = String, description = "`true` for a retry's answer"))),
        (status = 400, description = "No Idempotency-Key, or one that cannot be read, or a body that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fewer points free than asked for, a time outside 1–60 minutes, or the key already used for another request", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn hold(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Json<HoldRequest>, JsonRejection>,
) -> Result<once::Answer, Problem> {
    let lang = lang(&headers);
    let key = once::key(&headers, lang)?;
    let Json(h) = body.map_err(|r| from_json_rejection(&r, lang))?;
    let (customer, points, minutes) = (h.customer, h.points, h.minutes.unwrap_or(10));
    once::once(
        &api,
        lang,
        key,
        "POST /v1/holds",
        &h,
        &h,
        StatusCode::CREATED,
        |_| Ok(()),
        move |store, id| {
            // Made before, its answer never kept (the process stopped): that hold.
            if let Ok(made) = store.points_hold(id) {
                return Ok(made);
            }
            store.hold_points(id, customer, points, minutes)
        },
    )
    .await
}

/// A hold as it stands: held, captured (with its sale), released or
/// expired.
#[utoipa::path(
    get,
    path = "/v1/holds/{id}",
    tag = "points",
    params(("id" = Uuid, Path, description = "The hold's id")),
    responses(
        (status = 200, description = "The hold", body = HoldView),
        (status = 404, description = "No such hold, or not a hold id", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn read(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<HoldView>, Problem> {
    let lang = lang(&headers);
    let id = hold_id(id, lang)?;
    api.run(lang, move |store| store.points_hold(id)).await.map(Json)
}

/// Releases a hold: its points are free again. Releasing it again, or one
/// that expired, changes nothing; one a sale spent is refused.
#[utoipa::path(
    post,
    path = "/v1/holds/{id}/release",
    tag = "points",
    params(("id" = Uuid, Path, description = "The hold's id")),
    responses(
        (status = 200, description = "The hold, released (or as it ended before)", body = HoldView),
        (status = 404, description = "No such hold, or not a hold id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A sale already spent it", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn release(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<HoldView>, Problem> {
    let lang = lang(&headers);
    let id = hold_id(id, lang)?;
    api.run(lang, move |store| store.release_hold(id)).await.map(Json)
}
