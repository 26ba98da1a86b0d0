//! The Tauri commands: each a short delegation to the store, run off the
//! main thread (`async`), so the window never freezes. The moment is the
//! store's clock (the system's, or `DANGOL_NOW`), read in the store.
//! Owner-only commands go through the owner's session (`as_owner`), which
//! only `owner_unlock` or a first-run setup starts.

use crate::state::AppState;
use dangol_domain::catalog::{Cart, Product};
use dangol_domain::customer::CustomerInput;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_domain::rules::DiscountRule;
use dangol_store::AuditView;
use dangol_store::PromptAction;
use dangol_store::Viewer;
use dangol_store::admin::{NewShop, RuleList};
use dangol_store::counter::{
    AppInfo, CheckoutRequest, CustomerSummary, FeedbackView, GoodwillRequest, LookupResult, PreviewRequest,
    PreviewView, Profile, Receipt, ShopInfo,
};
use dangol_store::csv_io::ImportReport;
use dangol_store::error::ErrorView;
use tauri::{AppHandle, Emitter, Manager, State};
use uuid::Uuid;

type Reply<T> = Result<T, ErrorView>;

#[tauri::command(async)]
pub fn app_info(state: State<AppState>) -> Reply<AppInfo> {
    state.with(|s, _| {
        Ok(AppInfo { shop: s.shop_info()?, lang: crate::system_lang(), version: env!("CARGO_PKG_VERSION").into() })
    })
}

/// Whether the window must first ask: the demo shop, or set up my shop.
#[tauri::command(async)]
pub fn needs_setup(state: State<AppState>) -> (bool, Lang) {
    (state.needs_setup(), crate::system_lang())
}

/// First run: open the demo shop (its own file, created if missing).
#[tauri::command(async)]
pub fn start_demo(state: State<AppState>) -> Reply<AppInfo> {
    crate::start_demo(&state)?;
    app_info(state)
}

/// First run: create the shop's database with its name, zone and owner PIN.
#[tauri::command(async)]
pub fn setup_shop(state: State<AppState>, shop: NewShop) -> Reply<AppInfo> {
    crate::setup_shop(&state, &shop)?;
    app_info(state)
}

/// Called by the window once the search field has focus: milliseconds since
/// the process started (the cold-start figure).
#[tauri::command(async)]
pub fn ui_ready(state: State<AppState>) -> u64 {
    crate::report_ready(state.started)
}

/// The window's language, for the sentences of errors.
#[tauri::command(async)]
pub fn set_lang(state: State<AppState>, lang: Lang) {
    state.set_lang(lang);
}

/// A new visit's id: the sale is recorded under it, exactly once.
#[tauri::command(async)]
pub fn begin_visit() -> Uuid {
    Uuid::now_v7()
}

#[tauri::command(async)]
pub fn lookup(state: State<AppState>, query: String, limit: usize) -> Reply<LookupResult> {
    state.with(|s, _| s.lookup(&query, limit, &Viewer::Cashier))
}

#[tauri::command(async)]
pub fn profile(state: State<AppState>, customer: Uuid) -> Reply<Profile> {
    state.with(|s, _| s.profile(customer, s.now(), &Viewer::Cashier))
}

#[tauri::command(async)]
pub fn products(state: State<AppState>) -> Reply<Vec<Product>> {
    state.with(|s, _| s.products())
}

#[tauri::command(async)]
pub fn find_product(state: State<AppState>, code: String) -> Reply<Option<Product>> {
    state.with(|s, _| s.find_product(&code))
}

#[tauri::command(async)]
pub fn preview(
    state: State<AppState>,
    customer: Option<Uuid>,
    cart: Cart,
    told: Vec<String>,
    selected: Option<Vec<String>>,
    lang: Lang,
    hold: Option<Uuid>,
) -> Reply<PreviewView> {
    state.with(|s, ids| {
        let req =
            PreviewRequest { customer, cart, told, selected, at: s.now(), lang, viewer: Viewer::Cashier, limit: 3 };
        // A register's cart may spend the points hold the register made.
        s.using_hold(hold, |s| s.preview_and_record(&req, ids))
    })
}

/// Completes the sale; once the receipt is out, brings the name search up
/// to date in the background (`Store::settle_search`), off the sale's path.
#[allow(clippy::too_many_arguments)]
#[tauri::command(async)]
pub fn checkout(
    app: AppHandle,
    state: State<AppState>,
    visit: Uuid,
    customer: Option<Uuid>,
    cart: Cart,
    decision: Decision,
    goodwill: Option<GoodwillRequest>,
    confirm_large: bool,
    lang: Lang,
) -> Reply<Receipt> {
    let receipt = state.with(|s, ids| {
        let req = CheckoutRequest { visit, customer, cart, decision, at: s.now(), lang, goodwill, confirm_large };
        s.checkout_with_pin(&req, ids)
    })?;
    tauri::async_runtime::spawn_blocking(move || {
        // Lookups are exact whether or not this runs; a failure only
        // leaves the work to the next settle.
        let _ = app.state::<AppState>().with(|s, _| s.settle_search());
    });
    Ok(receipt)
}

#[tauri::command(async)]
pub fn add_customer(state: State<AppState>, input: CustomerInput) -> Reply<CustomerSummary> {
    state.with(|s, ids| s.add_customer(input, &Viewer::Cashier, s.now(), ids))
}

#[tauri::command(async)]
pub fn add_feedback(
    state: State<AppState>,
    customer: Uuid,
    kind: FeedbackKind,
    category: String,
    text: String,
) -> Reply<FeedbackView> {
    state.with(|s, ids| s.add_feedback(customer, kind, &category, &text, s.now(), ids))
}

#[tauri::command(async)]
pub fn resolve_feedback(state: State<AppState>, id: Uuid, resolution: String) -> Reply<FeedbackView> {
    state.with(|s, ids| s.resolve_feedback(id, &resolution, s.now(), ids))
}

#[tauri::command(async)]
pub fn record_prompt(
    state: State<AppState>,
    customer: Uuid,
    key: String,
    accepted: bool,
    reason: Option<String>,
) -> Reply<()> {
    let action = if accepted { PromptAction::Accepted } else { PromptAction::Dismissed };
    state.with(|s, ids| s.record_prompt(customer, &key, action, reason.as_deref(), s.now(), ids))
}

/// Checks the owner's PIN where it is typed (the goodwill dialog), without
/// starting a session: wrong PINs are refused at once, counted and backed off.
#[tauri::command(async)]
pub fn verify_owner_pin(state: State<AppState>, pin: String) -> Reply<()> {
    state.with(|s, ids| s.authenticate_owner(&pin, ids).map(|_| ()))
}

/// Starts the owner's session; returns the rules for the settings screen.
#[tauri::command(async)]
pub fn owner_unlock(state: State<AppState>, pin: String) -> Reply<RuleList> {
    let owner = state.with(|s, ids| s.authenticate_owner(&pin, ids))?;
    state.sign_in(owner);
    state.as_owner(|s, _, _| s.rule_list())
}

#[tauri::command(async)]
pub fn owner_lock(state: State<AppState>) {
    state.sign_out();
}

#[tauri::command(async)]
/// Saves a rule from its JSON text as the owner typed or edited it: the
/// store parses and validates it (an error names the line and column, in
/// the window's language).
pub fn owner_save_rule(state: State<AppState>, json: String) -> Reply<RuleList> {
    state.as_owner(|s, owner, ids| {
        let rule = DiscountRule::from_json(&json)?;
        s.upsert_rule(owner, &rule, s.now(), ids).and_then(|_| s.rule_list())
    })
}

/// What a rule would do before it is saved (its summary in plain words,
/// who qualifies today, the last 30 days' sales it would have applied to),
/// from the JSON the form wrote: validated as saving would validate it.
#[tauri::command(async)]
pub fn owner_rule_preview(state: State<AppState>, json: String) -> Reply<dangol_store::rule_preview::RulePreview> {
    state.as_owner(|s, owner, _| {
        let rule = DiscountRule::from_json(&json)?;
        s.rule_preview(owner, &rule, s.now())
    })
}

#[tauri::command(async)]
pub fn owner_update_setting(state: State<AppState>, key: String, value: String) -> Reply<ShopInfo> {
    state.as_owner(|s, owner, ids| s.update_setting(owner, &key, &value, s.now(), ids).and_then(|_| s.shop_info()))
}

#[tauri::command(async)]
pub fn owner_change_pin(state: State<AppState>, new_pin: String) -> Reply<()> {
    state.as_owner(|s, owner, ids| s.change_owner_pin(owner, &new_pin, ids))
}

#[tauri::command(async)]
pub fn owner_audit(state: State<AppState>, limit: usize) -> Reply<Vec<AuditView>> {
    state.as_owner(|s, owner, _| s.audit_log(owner, limit))
}

/// What sync found for the owner, newest first: merged registrations, a
/// coupon used twice, a profile edit that lost, an overdraft.
#[tauri::command(async)]
pub fn owner_anomalies(state: State<AppState>, limit: usize) -> Reply<Vec<dangol_store::sync::AnomalyView>> {
    state.as_owner(|s, owner, _| s.sync_anomalies(owner, limit.min(1_000)))
}

/// The owner gives a merged registration back as its own customer under
/// `phone` (see `Store::undo_merge`); every counter applies it on sync. A
/// counter that syncs waits for the hub's order, so a round starts now.
#[tauri::command(async)]
pub fn owner_undo_merge(
    state: State<AppState>,
    merged: Uuid,
    phone: String,
) -> Reply<dangol_store::unmerge::UndoneMerge> {
    let undone = state.as_owner(|s, owner, ids| s.undo_merge(owner, merged, &phone, s.now(), ids))?;
    if undone.pending {
        state.sync_soon();
    }
    Ok(undone)
}

/// The owner's review of regulars as of now: the visit model (today's
/// kept fit, or `refit`), customers per segment, the drifting most at
/// stake first.
#[tauri::command(async)]
pub fn owner_review(state: State<AppState>, limit: usize, refit: bool) -> Reply<dangol_store::review::Review> {
    state.as_owner(|s, owner, _| s.review(owner, s.now(), limit.min(1_000), refit))
}

/// One segment's customers, in the order asked.
#[tauri::command(async)]
pub fn owner_review_segment(
    state: State<AppState>,
    segment: dangol_domain::review::rhythm::Segment,
    sort: dangol_store::review::ReviewSort,
    limit: usize,
) -> Reply<dangol_store::review::SegmentList> {
    state.as_owner(|s, owner, _| s.review_segment(owner, s.now(), segment, sort, limit.min(1_000)))
}

/// Exports a segment's customers who consented to marketing to a CSV file
/// in the Downloads folder (the home folder without one), named for the
/// segment and the day.
#[tauri::command(async)]
pub fn owner_export_segment(
    app: AppHandle,
    state: State<AppState>,
    segment: dangol_domain::review::rhythm::Segment,
) -> Reply<dangol_store::review::SegmentExport> {
    use tauri::Manager;
    let folder = app.path().download_dir().or_else(|_| app.path().home_dir()).unwrap_or_else(|_| std::env::temp_dir());
    state.as_owner(|s, owner, ids| {
        let day = s.zone().date(s.now());
        let file = folder.join(format!("dangol-{}-{day}.csv", segment.key()));
        s.export_segment(owner, s.now(), segment, &file, ids)
    })
}

/// What the counter missed over the last `weeks` weeks.
#[tauri::command(async)]
pub fn owner_report_missed(state: State<AppState>, weeks: u32) -> Reply<dangol_store::reports::MissedReport> {
    state.as_owner(|s, owner, _| s.missed_report(owner, s.now(), weeks))
}

/// How the suggestions fared over the last `weeks` weeks.
#[tauri::command(async)]
pub fn owner_report_suggestions(state: State<AppState>, weeks: u32) -> Reply<dangol_store::reports::SuggestionReport> {
    state.as_owner(|s, owner, _| s.suggestion_report(owner, s.now(), weeks))
}

/// The voice of customer over the last `weeks` weeks, and every open complaint.
#[tauri::command(async)]
pub fn owner_report_voice(state: State<AppState>, weeks: u32) -> Reply<dangol_store::reports::VoiceReport> {
    state.as_owner(|s, owner, _| s.voice_report(owner, s.now(), weeks))
}

/// Visits and sales day by day over the last `weeks` weeks.
#[tauri::command(async)]
pub fn owner_report_trend(state: State<AppState>, weeks: u32) -> Reply<dangol_store::reports::TrendReport> {
    state.as_owner(|s, owner, _| s.trend_report(owner, s.now(), weeks))
}

fn not_a_file() -> dangol_store::StoreError {
    dangol_store::StoreError::bad_input("import", "파일 내용이 오지 않았습니다", "the file's bytes did not arrive")
}

/// Imports customers or products from a CSV file's bytes as the window read
/// them (raw, so the store detects UTF-8, its BOM or CP949 itself), the
/// table in the `table` header, reporting progress as `import-progress`
/// events.
#[tauri::command(async)]
pub fn owner_import(app: AppHandle, state: State<AppState>, request: tauri::ipc::Request<'_>) -> Reply<ImportReport> {
    let table = request.headers().get("table").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // Raw bytes normally; when the webview falls back to postMessage IPC a
    // Uint8Array arrives as a JSON array of numbers.
    let bytes: std::borrow::Cow<[u8]> = match request.body() {
        tauri::ipc::InvokeBody::Raw(bytes) => std::borrow::Cow::Borrowed(bytes),
        tauri::ipc::InvokeBody::Json(serde_json::Value::Array(items)) => {
            match items.iter().map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok())).collect::<Option<Vec<u8>>>() {
                Some(bytes) => std::borrow::Cow::Owned(bytes),
                None => return Err(state.view(&not_a_file())),
            }
        }
        tauri::ipc::InvokeBody::Json(_) => return Err(state.view(&not_a_file())),
    };
    let bytes: &[u8] = &bytes;
    let kind = if table == "products" { "products" } else { "customers" };
    dangol_store::csv_io::check_import_size(kind, bytes.len() as u64).map_err(|e| state.view(&e))?;
    let mut progress = |phase: &str, done: u64, total: u64| {
        let _ = app
            .emit("import-progress", serde_json::json!({"table": table, "phase": phase, "done": done, "total": total}));
    };
    state.as_owner(|s, owner, ids| match table.as_str() {
        "customers" => s.import_customers(owner, bytes, s.now(), ids, &mut progress),
        "products" => s.import_products(owner, bytes, s.now(), ids, &mut progress),
        other => Err(dangol_store::StoreError::BadInput {
            what: "import",
            reason: dangol_store::error::say(
                format!("{other:?}은(는) customers나 products가 아닙니다"),
                format!("{other:?} is not customers or products"),
            ),
        }),
    })
}

/// Where sync stands, with the status bar's sentence in the window's language.
#[tauri::command(async)]
pub fn sync_status(state: State<AppState>) -> Reply<dangol_store::sync::SyncView> {
    let lang = state.lang();
    state.with(|s, _| s.sync_view(lang))
}

/// Every register's pushed cart, newest first (`register.rs`).
#[tauri::command(async)]
pub fn register_carts(
    state: State<AppState>,
    register: State<crate::register::Register>,
) -> Reply<Vec<dangol_store::counter::RegisterCart>> {
    state.with(|s, _| register.carts(s))
}

/// The cashier's choices on a register's cart at its revision, told to
/// the register; `false` when the register has moved on (the window reads
/// its cart again).
#[tauri::command(async)]
pub fn register_choose(
    state: State<AppState>,
    register: State<crate::register::Register>,
    name: String,
    revision: u64,
    decision: Decision,
) -> Reply<bool> {
    state.with(|s, _| register.choose(s, &name, revision, decision.apply, decision.dismiss))
}

/// The counter shows this customer (or nobody) and this visit's discounts:
/// the customer's screens follow (the second window, the tablet).
#[tauri::command(async)]
pub fn show_customer(window: tauri::WebviewWindow, screen: State<crate::screen::Screen>, shown: crate::screen::Shown) {
    // Only the counter says who is at the counter.
    if window.label() != crate::screen::LABEL {
        screen.showing.show(shown);
    }
}

/// What the customer's screen shows now.
#[tauri::command(async)]
pub fn customer_screen(
    state: State<AppState>,
    screen: State<crate::screen::Screen>,
) -> Reply<dangol_store::counter::CustomerScreen> {
    state.with(|store, _| screen.showing.screen(store).map(|(_, s)| s))
}

/// The customer's own answer to marketing consent, given on the showing
/// `showing`: recorded for the customer it showed, and refused if the
/// counter has moved on since (the next customer is never answered for).
/// Both windows hear of it (`screen::Screen::forward`).
#[tauri::command(async)]
pub fn customer_consent(
    window: tauri::WebviewWindow,
    state: State<AppState>,
    screen: State<crate::screen::Screen>,
    showing: u64,
    given: bool,
) -> Reply<()> {
    let moved_on = || {
        state.view(&dangol_store::StoreError::bad_input(
            "consent",
            "화면이 바뀌었습니다. 다시 눌러 주세요",
            "the screen has changed; please answer again",
        ))
    };
    // The customer answers on their own screen, not the cashier for them.
    if window.label() != crate::screen::LABEL {
        return Err(moved_on());
    }
    match state.with(|store, ids| screen.showing.consent(store, showing, given, ids))? {
        Some(_) => Ok(()),
        None => Err(moved_on()),
    }
}

/// The customer's screen on a tablet, as the owner's settings show it.
#[tauri::command(async)]
pub fn owner_tablet_screen(
    state: State<AppState>,
    tablet: State<crate::tablet::Tablet>,
) -> Reply<dangol_store::counter::TabletScreenView> {
    let served = tablet.served();
    state.as_owner(|s, _, _| tablet.view(&state, s, served))
}

/// The owner allows the customer's screen on a tablet at `address` (this
/// PC's `IP:PORT` on the shop's network), or stops it (`null`).
#[tauri::command(async)]
pub fn owner_allow_tablet_screen(
    app: AppHandle,
    state: State<AppState>,
    tablet: State<crate::tablet::Tablet>,
    address: Option<String>,
) -> Reply<dangol_store::counter::TabletScreenView> {
    tablet.allow(&app, &state, address.as_deref())?;
    let served = tablet.served();
    state.as_owner(|s, _, _| tablet.view(&state, s, served))
}

/// Opens the customer's screen (a second window).
#[tauri::command(async)]
pub fn open_customer_screen(app: AppHandle, state: State<AppState>) -> Reply<()> {
    crate::screen::open(&app).map_err(|e| {
        state.view(&dangol_store::StoreError::bad_input(
            "customer screen",
            format!("고객 화면을 열 수 없습니다: {e}"),
            format!("the customer's screen cannot open: {e}"),
        ))
    })
}
