//! The operations: each reads the request, does its work on the store off
//! the async threads (`Api::run`), and answers JSON or a `Problem`.

use crate::Api;
use crate::guard::lang;
use crate::problem::{Problem, from_json_rejection, from_query_rejection, pick};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_store::Viewer;
use dangol_store::counter::views::{LookupResult, PreviewRequest, PreviewView, Profile};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What the guard answers before any operation runs (`guard.rs`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Guarded {
    /// No token or the wrong one.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Not addressed to 127.0.0.1 or localhost at this port.
    #[response(status = 421, content_type = "application/problem+json")]
    Misdirected(Problem),
}

/// The most customers one search returns.
pub const MAX_HITS: u32 = 50;
/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 100;

/// A customer search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    /// Last 4 digits, a phone number, a name (Hangul or Latin), 초성, or a
    /// loyalty card or QR code (not blank, at most 100 characters).
    #[param(min_length = 1, max_length = 100, pattern = "\\S")]
    pub q: String,
    /// How many customers at most (1–50, default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Finds customers the way the counter's search box does. Phone numbers
/// are masked.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "identify",
    params(Search),
    responses(
        (status = 200, description = "The best matches, and whether there are more", body = LookupResult,
            links(("card" = (
                operation_id = "customer",
                parameters(("id" = "$response.body#/hits/0/id")),
                description = "The first match's card"
            )))
        ),
        (status = 400, description = "The query string cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long search, or a limit out of range", body = Problem, content_type = "application/problem+json"),
        Guarded,
    )
)]
pub async fn search(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    query: Result<Query<Search>, QueryRejection>,
) -> Result<Json<LookupResult>, Problem> {
    let lang = lang(&headers);
    let Query(s) = query.map_err(|r| from_query_rejection(&r, lang))?;
    let q = s.q.trim().to_string();
    let limit = s.limit.unwrap_or(10);
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS || !(1..=MAX_HITS).contains(&limit) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            pick(
                lang,
                "검색어는 1–100자, limit은 1–50이어야 합니다",
                "the search must be 1–100 characters and the limit 1–50",
            ),
        ));
    }
    api.run(lang, move |store| store.lookup(&q, limit as usize, &Viewer::Cashier)).await.map(Json)
}

/// A customer's card: who they are (phone masked), their visits and usual
/// items, points, stamps, coupons and open complaints.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}",
    tag = "identify",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The customer's card", body = Profile),
        (status = 404, description = "No such customer, or not a customer id", body = Problem, content_type = "application/problem+json"),
        Guarded,
    )
)]
pub async fn customer(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Profile>, Problem> {
    let lang = lang(&headers);
    let Ok(id) = Uuid::parse_str(&id) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            pick(lang, "그런 고객은 없습니다 (고객 번호는 UUID입니다)", "no such customer (a customer id is a UUID)"),
        ));
    };
    api.run(lang, move |store| {
        let at = store.now();
        store.profile(id, at, &Viewer::Cashier)
    })
    .await
    .map(Json)
}

/// A cart to quote.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The identified customer (absent: a walk-in sale).
    pub customer: Option<Uuid>,
    /// The cart's lines (1–999 of each; at most 200 lines).
    #[schema(max_items = 200)]
    pub lines: Vec<CartLine>,
    /// The discounts selected, if not the best combination.
    pub selected: Option<Vec<String>>,
    /// The moment to quote at (default: now).
    pub at: Option<DateTime<Utc>>,
}

/// Every discount the cart is eligible for, the best combination, near
/// misses and the suggestions for the cashier, with totals. Nothing is
/// recorded: the same quote may be asked for again and again.
#[utoipa::path(
    post,
    path = "/v1/quote",
    tag = "quote",
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The quote", body = PreviewView),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cart that is not valid (an unknown product, a quantity, too many lines) or a body of another shape", body = Problem, content_type = "application/problem+json"),
        Guarded,
    )
)]
pub async fn quote(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<PreviewView>, Problem> {
    let lang = lang(&headers);
    let Json(q) = body.map_err(|r| from_json_rejection(&r, lang))?;
    api.run(lang, move |store| {
        let cart = Cart { lines: q.lines };
        cart.check()?;
        let req = PreviewRequest {
            customer: q.customer,
            cart,
            told: Vec::new(),
            selected: q.selected,
            at: q.at.unwrap_or_else(|| store.now()),
            lang,
            viewer: Viewer::Cashier,
            limit: 3,
        };
        store.preview(&req)
    })
    .await
    .map(Json)
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json"),
        Guarded,
    )
)]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::doc::document())
}

/// Any other path.
pub async fn no_such_path(headers: HeaderMap) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no_such_path", pick(lang(&headers), "그런 주소는 없습니다", "no such path"))
}

/// A path asked for with a method it does not take.
pub async fn wrong_method(headers: HeaderMap) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        pick(lang(&headers), "이 주소는 그 방식으로 부를 수 없습니다", "this path does not take that method"),
    )
}
