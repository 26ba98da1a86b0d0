//! The register's cart at the counter: pushed whole with a revision
//! number (a stale one refused), quoted, shown in the window as it comes;
//! the cashier's choices there (apply, leave off with a reason) read back
//! by the register; and the events the register listens to (server-sent
//! events): the customer identified, the cart's discounts changed.

use crate::Api;
use crate::guard::lang;
use crate::live::{Choices, PushedCart, Refusal};
use crate::problem::{Problem, from_json_rejection, from_query_rejection};
use crate::routes::Everywhere;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use dangol_domain::catalog::CartLine;
use dangol_domain::i18n::Lang;
use dangol_store::counter::views::PreviewView;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most dismissals on one cart.
pub const MAX_DISMISSALS: usize = 50;

/// The register's name from a path.
fn register_path(path: Result<Path<String>, PathRejection>, lang: Lang) -> Result<String, Problem> {
    let name = path.map(|Path(n)| n).unwrap_or_default();
    register_name(&name, lang)?;
    Ok(name)
}

/// A register's name: 1–32 letters, digits, `-` or `_`.
pub fn register_name(name: &str, lang: Lang) -> Result<(), Problem> {
    let ok =
        (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_register",
        lang.pick(
            "계산대 이름은 영문자, 숫자, -, _ 로 1–32자입니다",
            "a register's name is 1–32 letters, digits, - or _",
        ),
    ))
}

/// The register's whole cart.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartPush {
    /// Above the register's last revision, this cart's or a closed one's
    /// (a retry of an older push is refused): a counter, or the time in
    /// milliseconds.
    #[schema(minimum = 1, maximum = 9007199254740991_u64)]
    pub revision: u64,
    /// The identified customer (absent: a walk-in sale).
    pub customer: Option<Uuid>,
    /// The cart's lines (1–999 of each; at most 200 lines).
    #[schema(max_items = 200)]
    pub lines: Vec<CartLine>,
    /// The points hold made for this payment (`/v1/holds`): the cart's
    /// quote, and the window's, may spend its points.
    pub hold: Option<Uuid>,
}

/// The largest revision: an integer every JSON reader keeps exact.
pub const MAX_REVISION: u64 = (1 << 53) - 1;

/// A register's cart with its quote.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartView {
    pub cart: PushedCart,
    /// Its discounts with the cashier's choices (`selected`), the best
    /// combination, near misses and the suggestions.
    pub quote: PreviewView,
}

/// The cashier's choices, made on a revision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoicesPut {
    /// The revision the choices were made on (refused if the cart moved on).
    pub revision: u64,
    /// The discounts applied (rule ids); absent: the best combination.
    #[serde(default)]
    pub apply: Option<Vec<String>>,
    /// Eligible discounts left off, each with its reason.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub dismiss: Vec<crate::live::Dismissal>,
}

fn refused(r: Refusal, lang: Lang) -> Problem {
    match r {
        Refusal::Stale { current } => {
            let mut p = Problem::new(
                StatusCode::CONFLICT,
                "stale_revision",
                match lang {
                    Lang::Ko => format!("이 장바구니는 이미 {current}번째 판입니다. 더 큰 번호로 보내세요"),
                    Lang::En => format!("the cart is already at revision {current}; send a higher one"),
                },
            );
            p.data = Some(serde_json::json!({"current": current}));
            p
        }
        Refusal::NoCart => Problem::new(
            StatusCode::NOT_FOUND,
            "no_cart",
            lang.pick("이 계산대에는 장바구니가 없습니다", "this register has no cart"),
        ),
        Refusal::TooManyRegisters => Problem::new(
            StatusCode::CONFLICT,
            "too_many_registers",
            lang.pick(
                "장바구니를 가진 계산대가 너무 많습니다 (최대 16). 끝난 장바구니를 닫으세요",
                "too many registers have carts (16 at most); close the finished ones",
            ),
        ),
    }
}

/// Refuses dismissals without a reason, with one over 200 characters, or
/// more than 50.
pub fn check_choices(c: &Choices, lang: Lang) -> Result<(), Problem> {
    let bad_reason = c.dismiss.iter().any(|d| d.reason.trim().is_empty() || d.reason.chars().count() > 200);
    if c.dismiss.len() > MAX_DISMISSALS || bad_reason {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_choices",
            lang.pick(
                "뺀 할인마다 1–200자의 이유가 있어야 합니다 (최대 50개)",
                "each discount left off needs a reason of 1–200 characters (50 at most)",
            ),
        ));
    }
    Ok(())
}

/// Quotes `cart` on the store and, if `commit` accepts it, tells the
/// listeners.
async fn quoted(
    api: &Arc<Api>,
    lang: Lang,
    mut cart: PushedCart,
    pushed: bool,
    commit: impl FnOnce(&PushedCart) -> Result<(PushedCart, bool), Refusal> + Send + 'static,
) -> Result<Json<CartView>, Problem> {
    let live = Arc::clone(&api.live);
    let done = api
        .run(lang, move |store| {
            // Read in the store's turn, as every change of choices is made
            // in it (here and in the window): the quote is for the choices
            // the cart will have. A push keeps them for the same customer.
            if pushed {
                cart.choices = live
                    .cart(&cart.register)
                    .filter(|c| c.customer == cart.customer)
                    .map(|c| c.choices)
                    .unwrap_or_default();
            }
            let quote = cart.quote(store, lang)?;
            // Quoted first: a cart the store refuses is never pushed.
            Ok(commit(&cart).map(|(cart, changed)| {
                live.announce(&cart, &quote, changed);
                CartView { cart, quote }
            }))
        })
        .await?;
    done.map(Json).map_err(|r| refused(r, lang))
}

/// Puts the register's whole cart (each push with a higher revision) and
/// answers its quote. The window shows it at once; listeners hear
/// `customer_identified` (when the customer changed) and
/// `discounts_changed`. A new customer starts with no choices.
#[utoipa::path(
    put,
    path = "/v1/carts/{register}",
    tag = "carts",
    params(("register" = String, Path, description = "The register's name: 1–32 letters, digits, - or _", pattern = "^[A-Za-z0-9_-]{1,32}$")),
    request_body = CartPush,
    responses(
        (status = 200, description = "The cart as pushed, with its quote", body = CartView),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A revision not above the cart's (`stale_revision`, with `data.current`), or too many registers", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cart that is not valid, a register name that is not, or a body of another shape", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn push(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    register: Result<Path<String>, PathRejection>,
    body: Result<Json<CartPush>, JsonRejection>,
) -> Result<Json<CartView>, Problem> {
    let lang = lang(&headers);
    let register = register_path(register, lang)?;
    let Json(p) = body.map_err(|r| from_json_rejection(&r, lang))?;
    if p.revision == 0 || p.revision > MAX_REVISION {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            lang.pick("revision은 1부터 2^53−1까지입니다", "the revision is 1 to 2^53−1"),
        ));
    }
    let now = chrono::Utc::now();
    let cart = PushedCart {
        register: register.clone(),
        revision: p.revision,
        customer: p.customer,
        lines: p.lines,
        hold: p.hold,
        choices: Choices::default(),
        pushed_at: now,
    };
    let live = Arc::clone(&api.live);
    let commit = move |c: &PushedCart| live.push(&c.register, c.revision, c.customer, c.lines.clone(), c.hold, now);
    quoted(&api, lang, cart, true, commit).await
}

/// The register's cart, the cashier's choices on it and its quote.
#[utoipa::path(
    get,
    path = "/v1/carts/{register}",
    tag = "carts",
    params(("register" = String, Path, description = "The register's name", pattern = "^[A-Za-z0-9_-]{1,32}$")),
    responses(
        (status = 200, description = "The cart and its quote", body = CartView),
        (status = 404, description = "No cart at this register", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A register name that is not valid", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn read(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    register: Result<Path<String>, PathRejection>,
) -> Result<Json<CartView>, Problem> {
    let lang = lang(&headers);
    let register = register_path(register, lang)?;
    let cart = api.live.cart(&register).ok_or_else(|| refused(Refusal::NoCart, lang))?;
    let quote = api.run(lang, move |store| cart.quote(store, lang).map(|q| CartView { cart, quote: q })).await?;
    Ok(Json(quote))
}

/// Sets the choices on the register's cart (the window does this as the
/// cashier applies or leaves off a discount; a register with its own
/// screen may too), made on the cart's current revision.
#[utoipa::path(
    put,
    path = "/v1/carts/{register}/choices",
    tag = "carts",
    params(("register" = String, Path, description = "The register's name", pattern = "^[A-Za-z0-9_-]{1,32}$")),
    request_body = ChoicesPut,
    responses(
        (status = 200, description = "The cart with the choices, and its quote", body = CartView),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No cart at this register", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cart has moved on from that revision", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A register name or choices that are not valid (a reason empty or over 200 characters)", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn choose(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    register: Result<Path<String>, PathRejection>,
    body: Result<Json<ChoicesPut>, JsonRejection>,
) -> Result<Json<CartView>, Problem> {
    let lang = lang(&headers);
    let register = register_path(register, lang)?;
    let Json(c) = body.map_err(|r| from_json_rejection(&r, lang))?;
    let choices = Choices { apply: c.apply, dismiss: c.dismiss };
    check_choices(&choices, lang)?;
    let mut cart = api.live.cart(&register).ok_or_else(|| refused(Refusal::NoCart, lang))?;
    if cart.revision != c.revision {
        return Err(refused(Refusal::Stale { current: cart.revision }, lang));
    }
    cart.choices = choices;
    let live = Arc::clone(&api.live);
    let commit = move |c: &PushedCart| live.choose(&c.register, c.revision, c.choices.clone()).map(|c| (c, false));
    quoted(&api, lang, cart, false, commit).await
}

/// Closes the register's cart without a sale (a sale reported with its
/// `register` closes it too). Listeners hear `cart_closed`.
#[utoipa::path(
    delete,
    path = "/v1/carts/{register}",
    tag = "carts",
    params(("register" = String, Path, description = "The register's name", pattern = "^[A-Za-z0-9_-]{1,32}$")),
    responses(
        (status = 204, description = "Closed"),
        (status = 404, description = "No cart at this register", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A register name that is not valid", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn close(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    register: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let lang = lang(&headers);
    let register = register_path(register, lang)?;
    api.live.close(&register).map(|_| StatusCode::NO_CONTENT).ok_or_else(|| refused(Refusal::NoCart, lang))
}

/// Which events, for how long.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Listen {
    /// Only this register's events (default: every register's).
    #[param(pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub register: Option<String>,
    /// Close the stream after this many seconds (1–3600, default 3600);
    /// the register connects again.
    #[param(minimum = 1, maximum = 3600)]
    pub seconds: Option<u64>,
}

/// The events, as server-sent events: `customer_identified`,
/// `discounts_changed` and `cart_closed`, each with an `id` and its JSON
/// (`LiveEvent`), and `lagged` (`{"missed": N}`) when the listener fell
/// behind (read the cart again); a comment every 15 seconds keeps the
/// connection open.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "carts",
    params(Listen),
    responses(
        (status = 200, description = "A stream of `event: NAME` and `data: LiveEvent` as JSON", content_type = "text/event-stream", body = String),
        (status = 400, description = "The query string cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A register name or a number of seconds that is not valid", body = Problem, content_type = "application/problem+json"),
        Everywhere,
    )
)]
pub async fn events(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    query: Result<Query<Listen>, QueryRejection>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>, Problem> {
    let lang = lang(&headers);
    let Query(l) = query.map_err(|r| from_query_rejection(&r, lang))?;
    if let Some(r) = &l.register {
        register_name(r, lang)?;
    }
    let seconds = l.seconds.unwrap_or(3600);
    if !(1..=3600).contains(&seconds) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            lang.pick("seconds는 1–3600이어야 합니다", "seconds must be 1–3600"),
        ));
    }
    let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let state = (api.live.listen(), l.register);
    let stream = futures_util::stream::unfold(state, move |(mut rx, only)| async move {
        loop {
            let next = tokio::time::timeout_at(until, rx.recv()).await;
            match next {
                // The time asked for is up.
                Err(_) | Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return None,
                // Fallen behind: the register reads its cart again.
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                    let e = Event::default().event("lagged").data(serde_json::json!({"missed": n}).to_string());
                    return Some((Ok(e), (rx, only)));
                }
                Ok(Ok((id, event))) => {
                    if only.as_deref().is_some_and(|r| r != event.register()) {
                        continue;
                    }
                    let e = Event::default()
                        .id(id.to_string())
                        .event(event.name())
                        .data(serde_json::to_string(&event).unwrap_or_default());
                    return Some((Ok(e), (rx, only)));
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
