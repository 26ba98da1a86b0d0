//! The operations: each reads the request, does its work on the store off
//! the async threads (`Api::run`), and answers JSON or a `Problem`.

use crate::Api;
use crate::guard::lang;
use crate::problem::{Problem, from_json_rejection, from_query_rejection};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::i18n::Lang;
use dangol_domain::phone::Phone;
use dangol_store::Viewer;
use dangol_store::counter::views::{LookupResult, PreviewRequest, PreviewView, Profile};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What any operation may answer besides its own (`guard.rs`, `Api::run`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Everywhere {
    /// No token or the wrong one.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Not addressed to 127.0.0.1 or localhost at this port.
    #[response(status = 421, content_type = "application/problem+json")]
    Misdirected(Problem),
    /// Not done within the time limit, or the shop's database busy: try again.
    #[response(status = 503, content_type = "application/problem+json")]
    Busy(Problem),
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
        (status = 422, description = "A search that cannot be read (empty, too long, more than 4 digits that are not a whole phone number, no letters or digits), or a limit out of range", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn search(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    query: Result<Query<Search>, QueryRejection>,
) -> Result<Json<LookupResult>, Problem> {
    let lang = lang(&headers);
    let Query(s) = query.map_err(|r| from_query_rejection(&r, lang))?;
    let limit = s.limit.unwrap_or(10);
    let invalid =
        |ko: &str, en: &str| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", lang.pick(ko, en));
    if s.q.trim().is_empty() || s.q.chars().count() > MAX_QUERY_CHARS || !(1..=MAX_HITS).contains(&limit) {
        return Err(invalid(
            "검색어는 1–100자, limit은 1–50이어야 합니다",
            "the search must be 1–100 characters and the limit 1–50",
        ));
    }
    // More than the last 4 digits only as a whole phone number: the end of
    // a number, digit by digit, would give away what the mask hides.
    let q = s.q.trim().to_string();
    if q.chars().filter(char::is_ascii_digit).count() > 4 && Phone::parse(&q).is_err() {
        return Err(invalid(
            "전화번호는 뒤 4자리나 전체 번호로 찾습니다",
            "search by the last 4 digits or the whole phone number",
        ));
    }
    let found = api.run(lang, move |store| store.lookup(&q, limit as usize, &Viewer::Cashier)).await;
    // A search the store cannot read is this operation's one kind of refusal.
    found.map(Json).map_err(|mut p| {
        if p.status == StatusCode::UNPROCESSABLE_ENTITY.as_u16() {
            p = Problem { data: p.data, ..invalid(&p.detail, &p.detail) };
        }
        p
    })
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
        Everywhere,
    )
)]
pub async fn customer(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Profile>, Problem> {
    let lang = lang(&headers);
    let id = customer_id(id, lang)?;
    api.run(lang, move |store| {
        let at = store.now();
        store.profile(id, at, &Viewer::Cashier)
    })
    .await
    .map(Json)
}

/// A customer id from a path: not a UUID is no such customer.
pub fn customer_id(id: Result<Path<String>, PathRejection>, lang: Lang) -> Result<Uuid, Problem> {
    path_id(
        id,
        lang.pick("그런 고객은 없습니다 (고객 번호는 UUID입니다)", "no such customer (a customer id is a UUID)"),
    )
}

/// An id from a path: not a UUID is no such thing (`none` says what).
pub fn path_id(id: Result<Path<String>, PathRejection>, none: &str) -> Result<Uuid, Problem> {
    id.ok()
        .and_then(|Path(id)| Uuid::parse_str(&id).ok())
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not_found", none))
}

/// Whether a moment given in a request is in the years 2000–2099.
pub fn in_window(at: DateTime<Utc>) -> bool {
    let year = |y| {
        DateTime::<Utc>::from_naive_utc_and_offset(
            chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default(),
            Utc,
        )
    };
    (year(2000)..year(2100)).contains(&at)
}

/// The refusal of a moment outside 2000–2099.
pub fn invalid_time(lang: Lang) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_time",
        lang.pick("at은 2000년부터 2099년 사이의 시각이어야 합니다", "at must be a moment in the years 2000 to 2099"),
    )
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
    /// The moment to quote at, in the years 2000–2099 (default: now).
    pub at: Option<DateTime<Utc>>,
    /// A points hold this cart may spend (`/v1/holds`).
    pub hold: Option<Uuid>,
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
        (status = 422, description = "A cart that is not valid (an unknown product, a quantity, too many lines), a moment outside 2000–2099, or a body of another shape", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn quote(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<PreviewView>, Problem> {
    let lang = lang(&headers);
    let Json(q) = body.map_err(|r| from_json_rejection(&r, lang))?;
    if q.at.is_some_and(|at| !in_window(at)) {
        return Err(invalid_time(lang));
    }
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
        store.using_hold(q.hold, |s| s.preview(&req))
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
        Everywhere,
    )
)]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::doc::document())
}

/// This API's reference as one HTML page (no script, nothing fetched).
#[utoipa::path(
    get,
    path = "/reference.html",
    tag = "meta",
    responses(
        (status = 200, description = "The reference page", content_type = "text/html", body = String),
        Everywhere,
    )
)]
pub async fn reference() -> axum::response::Html<String> {
    axum::response::Html(crate::reference::page(&crate::doc::document()))
}

/// Any other path.
pub async fn no_such_path(headers: HeaderMap) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no_such_path", lang(&headers).pick("그런 주소는 없습니다", "no such path"))
}

/// A path asked for with a method it does not take.
pub async fn wrong_method(headers: HeaderMap) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        lang(&headers).pick("이 주소는 그 방식으로 부를 수 없습니다", "this path does not take that method"),
    )
}
