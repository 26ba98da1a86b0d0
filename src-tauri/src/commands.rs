//! The Tauri commands: each one line of delegation to the store. The moment
//! (`now`) is read here, at the edge, and passed in.

use crate::state::AppState;
use chrono::Utc;
use dangol_domain::catalog::{Cart, Product};
use dangol_domain::customer::CustomerInput;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_domain::rules::DiscountRule;
use dangol_store::counter::{
    AppInfo, CheckoutRequest, CustomerSummary, FeedbackView, GoodwillRequest, PreviewRequest, PreviewView, Profile,
    Receipt, ShopInfo,
};
use dangol_store::error::ErrorView;
use dangol_store::prompts::PromptAction;
use tauri::State;
use uuid::Uuid;

type Reply<T> = Result<T, ErrorView>;

#[tauri::command]
pub fn app_info(state: State<AppState>) -> Reply<AppInfo> {
    state.with(|s, _| {
        Ok(AppInfo { shop: s.shop_info()?, lang: crate::system_lang(), version: env!("CARGO_PKG_VERSION").into() })
    })
}

/// Called by the window once the search field has focus: milliseconds since
/// the process started (the cold-start figure).
#[tauri::command]
pub fn ui_ready(state: State<AppState>) -> u64 {
    crate::report_ready(state.started)
}

#[tauri::command]
pub fn lookup(state: State<AppState>, query: String, limit: usize) -> Reply<Vec<CustomerSummary>> {
    state.with(|s, _| s.lookup(&query, limit, state.role))
}

#[tauri::command]
pub fn profile(state: State<AppState>, customer: Uuid) -> Reply<Profile> {
    state.with(|s, _| s.profile(customer, Utc::now(), state.role))
}

#[tauri::command]
pub fn products(state: State<AppState>) -> Reply<Vec<Product>> {
    state.with(|s, _| s.products())
}

#[tauri::command]
pub fn find_product(state: State<AppState>, code: String) -> Reply<Option<Product>> {
    state.with(|s, _| s.find_product(&code))
}

#[tauri::command]
pub fn preview(
    state: State<AppState>,
    customer: Uuid,
    cart: Cart,
    told: Vec<String>,
    selected: Option<Vec<String>>,
    lang: Lang,
) -> Reply<PreviewView> {
    state.with(|s, ids| {
        s.preview_and_record(
            &PreviewRequest {
                customer,
                cart,
                applied: told,
                selected,
                at: Utc::now(),
                lang,
                role: state.role,
                limit: 3,
            },
            ids,
        )
    })
}

#[tauri::command]
pub fn checkout(
    state: State<AppState>,
    customer: Uuid,
    cart: Cart,
    decision: Decision,
    goodwill: Option<GoodwillRequest>,
    lang: Lang,
) -> Reply<Receipt> {
    state.with(|s, ids| s.checkout(&CheckoutRequest { customer, cart, decision, at: Utc::now(), lang, goodwill }, ids))
}

#[tauri::command]
pub fn add_customer(state: State<AppState>, input: CustomerInput) -> Reply<CustomerSummary> {
    state.with(|s, ids| s.add_customer(input, Utc::now(), ids))
}

#[tauri::command]
pub fn add_feedback(
    state: State<AppState>,
    customer: Uuid,
    kind: FeedbackKind,
    category: String,
    text: String,
) -> Reply<FeedbackView> {
    state.with(|s, ids| s.add_feedback(customer, kind, &category, &text, Utc::now(), ids))
}

#[tauri::command]
pub fn resolve_feedback(state: State<AppState>, id: Uuid, resolution: String) -> Reply<FeedbackView> {
    state.with(|s, ids| s.resolve_feedback(id, &resolution, Utc::now(), ids))
}

#[tauri::command]
pub fn record_prompt(
    state: State<AppState>,
    customer: Uuid,
    key: String,
    accepted: bool,
    reason: Option<String>,
) -> Reply<()> {
    state.with(|s, ids| {
        s.record_prompt(
            customer,
            &key,
            if accepted { PromptAction::Accepted } else { PromptAction::Dismissed },
            reason.as_deref(),
            Utc::now(),
            ids,
        )
    })
}

#[tauri::command]
pub fn owner_unlock(state: State<AppState>, pin: String) -> Reply<Vec<DiscountRule>> {
    state.with(|s, _| s.check_owner_pin(&pin).and_then(|_| s.rules()))
}

#[tauri::command]
pub fn owner_save_rule(state: State<AppState>, pin: String, rule: DiscountRule) -> Reply<Vec<DiscountRule>> {
    state.with(|s, ids| s.owner_upsert_rule(&pin, &rule, Utc::now(), ids))
}

#[tauri::command]
pub fn owner_update_setting(state: State<AppState>, pin: String, key: String, value: String) -> Reply<ShopInfo> {
    state.with(|s, ids| s.owner_update_setting(&pin, &key, &value, Utc::now(), ids))
}

#[tauri::command]
pub fn owner_change_pin(state: State<AppState>, pin: String, new_pin: String) -> Reply<()> {
    state.with(|s, ids| s.change_owner_pin(&pin, &new_pin, Utc::now(), ids))
}
