//! The writes a register reports: a completed sale (through the checkout
//! gate, exactly once per `Idempotency-Key`), a refund as a reversal (the
//! owner's PIN), and the customer's voice. Each runs once per key
//! (`once.rs`).

use crate::Api;
use crate::guard::lang;
use crate::live::{Choices, Dismissal};
use crate::once::{self, Answer};
use crate::problem::{Problem, from_json_rejection};
use crate::routes::{Everywhere, in_window, invalid_time};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::feedback::FeedbackKind;
use dangol_store::SystemIds;
use dangol_store::checkout::CheckoutRequest;
use dangol_store::counter::views::{FeedbackView, Receipt, RefundReceipt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

/// A completed sale, as the register took payment for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleReport {
    /// The customer (absent: a walk-in sale).
    pub customer: Option<Uuid>,
    /// What was sold (1–999 of each; at most 200 lines).
    #[schema(max_items = 200)]
    pub lines: Vec<CartLine>,
    /// The discounts applied (rule ids), as the quote's `selected` or the
    /// cashier's choice.
    pub apply: Vec<String>,
    /// Eligible discounts left off, each with the reason given. A sale
    /// that leaves off a discount that would still save money, without a
    /// reason, is refused (`checkout_refused`).
    #[serde(default)]
    pub dismiss: Vec<Dismissal>,
    /// The points hold this sale spends (`/v1/holds`): its points are this
    /// sale's to redeem, and the sale captures it.
    pub hold: Option<Uuid>,
    /// The register whose pushed cart this sale completes: it is closed.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub register: Option<String>,
    /// The sale's moment, in the years 2000–2099 (default: now). The store
    /// refuses a moment far from its clock.
    pub at: Option<DateTime<Utc>>,
    /// The cashier confirmed an unusually large sale.
    #[serde(default)]
    pub confirm_large: bool,
}

/// The header every write carries.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct KeyHeader {
    /// A key the register makes for this write (a UUID is a good one) and
    /// sends again, unchanged, when it retries: 1–255 visible ASCII
    /// characters.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 255, pattern = "^[!-~]+$")]
    idempotency_key: String,
}

/// Records a completed sale through the checkout gate, exactly once per
/// `Idempotency-Key`: a retry (the answer was lost) returns the recorded
/// sale with `Idempotent-Replayed: true`; the same key with another body
/// is refused. Points and stamps are earned as at the counter.
#[utoipa::path(
    post,
    path = "/v1/sales",
    tag = "sales",
    params(KeyHeader),
    request_body = SaleReport,
    responses(
        (status = 201, description = "The sale, recorded (or recorded before, for a retry)", body = Receipt,
            headers(("Idempotent-Replayed" = String, description = "`true` for a retry's answer"))),
        (status = 400, description = "No Idempotency-Key, or one that cannot be read, or a body that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The visit was completed with another cart or customer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The gate refused (an eligible discount neither applied nor left off with a reason: `checkout_refused`), a cart that is not valid, a large sale not confirmed, a moment refused, or the key already used for another request (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn report(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Json<SaleReport>, JsonRejection>,
) -> Result<Answer, Problem> {
    let lang = lang(&headers);
    let key = once::key(&headers, lang)?;
    let Json(sale) = body.map_err(|r| from_json_rejection(&r, lang))?;
    if sale.at.is_some_and(|at| !in_window(at)) {
        return Err(invalid_time(lang));
    }
    if let Some(r) = &sale.register {
        crate::carts::register_name(r, lang)?;
    }
    let choices = Choices { apply: None, dismiss: sale.dismiss.clone() };
    let request = CheckoutRequest {
        visit: Uuid::nil(),
        customer: sale.customer,
        cart: Cart { lines: sale.lines.clone() },
        decision: choices.decision(&sale.apply),
        at: sale.at.unwrap_or_default(),
        lang,
        goodwill: None,
        confirm_large: sale.confirm_large,
    };
    crate::carts::check_choices(&choices, lang)?;
    let given_at = sale.at;
    let hold = sale.hold;
    let answer = once::once(
        &api,
        lang,
        key,
        "POST /v1/sales",
        &sale,
        // The same sale whatever moment a retry stamps on it.
        &SaleReport { at: None, ..sale.clone() },
        StatusCode::CREATED,
        |_| Ok(()),
        move |store, visit| {
            request.cart.check()?;
            let at = given_at.unwrap_or_else(|| store.now());
            store.using_hold(hold, |s| s.checkout(&CheckoutRequest { visit, at, ..request }, None, &mut SystemIds))
        },
    )
    .await?;
    // The register's cart is closed by the sale that completes it: not by a
    // replay (the register may be on the next customer's cart by then),
    // and not another customer's cart.
    if let Some(r) = &sale.register
        && !answer.replayed
        && api.live.cart(r).is_some_and(|c| c.customer == sale.customer)
    {
        api.live.close(r);
    }
    Ok(answer)
}

/// A refund: the sale reversed (points and stamps given back or taken
/// back), with the owner's PIN.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The sale's id (the receipt's `sale_id`).
    pub sale: Uuid,
    /// Why (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// The owner's PIN: a refund is the owner's to approve.
    #[serde(skip_serializing)]
    #[schema(min_length = 1, max_length = 64)]
    pub owner_pin: String,
}

/// Reverses a sale, once per `Idempotency-Key` (and once per sale): the
/// owner's PIN approves it; wrong PINs slow further tries.
#[utoipa::path(
    post,
    path = "/v1/refunds",
    tag = "sales",
    params(KeyHeader),
    request_body = RefundRequest,
    responses(
        (status = 201, description = "The reversal", body = RefundReceipt,
            headers(("Idempotent-Replayed" = String, description = "`true` for a retry's answer"))),
        (status = 400, description = "No Idempotency-Key, or one that cannot be read, or a body that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The owner's PIN is wrong, not set, or locked for a while after wrong tries", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such sale", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The sale is already refunded", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reason that is empty or too long, a sale that is itself a refund, or the key already used for another request", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn refund(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Json<RefundRequest>, JsonRejection>,
) -> Result<Answer, Problem> {
    let lang = lang(&headers);
    let key = once::key(&headers, lang)?;
    let Json(r) = body.map_err(|e| from_json_rejection(&e, lang))?;
    let (sale, reason, pin) = (r.sale, r.reason.clone(), r.owner_pin.clone());
    // The PIN is checked for a replay too: the key alone shows nothing.
    let guard_pin = pin.clone();
    let guard = move |store: &mut dangol_store::Store| store.authenticate_owner(&guard_pin, &mut SystemIds).map(|_| ());
    once::once(&api, lang, key, "POST /v1/refunds", &r, &r, StatusCode::CREATED, guard, move |store, _| {
        let owner = store.authenticate_owner(&pin, &mut SystemIds)?;
        let at = store.now();
        store.refund(&owner, sale, &reason, at, &mut SystemIds)
    })
    .await
}

/// What the customer said.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub kind: FeedbackKind,
    /// A short label, e.g. "맛", "서비스", "대기".
    #[schema(min_length = 1, max_length = 100)]
    pub category: String,
    /// In the customer's words (at most 2,000 bytes).
    #[schema(max_length = 2000)]
    pub text: String,
}

/// Logs a complaint, compliment or request for a customer, once per
/// `Idempotency-Key`. The owner sees it in the review; open complaints
/// are shown on the customer's card.
#[utoipa::path(
    post,
    path = "/v1/customers/{id}/feedback",
    tag = "identify",
    params(("id" = Uuid, Path, description = "The customer's id"), KeyHeader),
    request_body = FeedbackRequest,
    responses(
        (status = 201, description = "Logged", body = FeedbackView,
            headers(("Idempotent-Replayed" = String, description = "`true` for a retry's answer"))),
        (status = 400, description = "No Idempotency-Key, or one that cannot be read, or a body that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer, or not a customer id", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long category or text, or the key already used for another request", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn feedback(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<FeedbackRequest>, JsonRejection>,
) -> Result<Answer, Problem> {
    let lang = lang(&headers);
    let customer = crate::routes::customer_id(id, lang)?;
    let key = once::key(&headers, lang)?;
    let Json(f) = body.map_err(|e| from_json_rejection(&e, lang))?;
    let operation = "POST /v1/customers/{id}/feedback";
    let request = (customer, &f);
    let (kind, category, text) = (f.kind, f.category.clone(), f.text.clone());
    once::once(
        &api,
        lang,
        key,
        operation,
        &request,
        &request,
        StatusCode::CREATED,
        |_| Ok(()),
        move |store, id| {
            let at = store.now();
            store.add_feedback_as(id, customer, kind, &category, &text, at, &mut SystemIds)
        },
    )
    .await
}
