//! `dangol`: the counter core from the command line. Glue only: parse the
//! arguments, call the store, print text or JSON, exit with a code that
//! tells scripts what went wrong (see `exit_code`).
//!
//! The clock is the system's, or `DANGOL_NOW` (RFC 3339) for tests, demos
//! and scripted replays. Owner-only commands take the owner's PIN from
//! `--pin-file`, else `DANGOL_OWNER_PIN`, else a prompt on the terminal.

mod args;
mod bench;
mod bench_api;
mod bench_review;
mod bench_sync;
mod emit;
mod hub;
mod output;
mod progress;
mod serve;
mod sync;

use args::{Cli, Command, Common, ImportTable, RoleArg, Table, When};
use chrono::{DateTime, Utc};
use clap::Parser;
use dangol_domain::catalog::Cart;
use dangol_domain::customer::CustomerInput;
use dangol_domain::error::cut;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_store::PromptAction;
use dangol_store::clock::{Clock, parse_moment};
use dangol_store::counter::{CheckoutRequest, GoodwillRequest, PreviewRequest};
use dangol_store::error::{ErrorView, StoreErrorData};
use dangol_store::{Owner, Store, StoreError, SystemIds, Viewer};
use serde::Serialize;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

/// Largest cart file accepted.
const MAX_CART_BYTES: u64 = 1024 * 1024;
/// Largest notes file accepted before validation (validation allows far less).
const MAX_NOTES_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest rule file accepted.
const MAX_RULE_BYTES: u64 = 256 * 1024;
/// The environment variable scripts may put the owner's PIN in.
const PIN_VAR: &str = "DANGOL_OWNER_PIN";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let (json, chosen) = voice_of(&cli.command);
    // The language is settled before anything runs: a command that wrote
    // must never fail afterwards over how to say so.
    let l = match lang(chosen.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            let l = dangol_store::system_lang();
            report(&ErrorView::new(&e, l), json, l);
            return ExitCode::from(exit_code(e.kind()));
        }
    };
    match run(cli.command, l) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&ErrorView::new(&e, l), json, l);
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

/// Prints an error: `{"error": {kind, …data, message}}` with `--json`,
/// else `error: message` in the chosen language.
fn report(view: &ErrorView, json: bool, lang: Lang) {
    if json {
        let body = serde_json::json!({ "error": view });
        emit::err(&format!("{body}\n"));
    } else {
        emit::err(&format!("{}: {}\n", lang.pick("오류", "error"), view.message));
    }
}

/// Arguments that cannot be read: clap's help and version print as usual;
/// anything else is a `usage` error (exit 2), in JSON when `--json` was
/// given and in the language `--lang` or the locale asks for.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let json = args.iter().any(|a| a == "--json");
    let l = args
        .iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1))
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--lang=").map(|_| a)))
        .and_then(|v| Lang::parse(v.trim_start_matches("--lang=")))
        .unwrap_or_else(dangol_store::system_lang);
    let context = |k: ContextKind| e.get(k).map(|v| dangol_domain::error::cut(&v.to_string()));
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let command = context(ContextKind::InvalidSubcommand).unwrap_or_default();
    let (ko, en) = match e.kind() {
        ErrorKind::UnknownArgument => (format!("알 수 없는 옵션 {arg}"), format!("unknown option {arg}")),
        ErrorKind::InvalidSubcommand => (format!("알 수 없는 명령 {command}"), format!("unknown command {command}")),
        ErrorKind::MissingRequiredArgument => {
            (format!("필요한 인자가 빠졌습니다: {arg}"), format!("a required argument is missing: {arg}"))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => (
            format!("{arg}의 값 \"{value}\"을(를) 쓸 수 없습니다"),
            format!("the value {value:?} of {arg} is not accepted"),
        ),
        ErrorKind::MissingSubcommand => ("명령이 빠졌습니다".to_string(), "a command is missing".to_string()),
        ErrorKind::ArgumentConflict => (
            format!("{arg}은(는) 함께 쓸 수 없는 옵션입니다"),
            format!("{arg} cannot be used with another option given"),
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            (format!("{arg}의 값 개수가 맞지 않습니다"), format!("{arg} has the wrong number of values"))
        }
        ErrorKind::InvalidUtf8 => {
            ("인자가 UTF-8 글자가 아닙니다".to_string(), "an argument is not UTF-8 text".to_string())
        }
        _ => {
            // clap's own sentence, first line, with no value echoed whole.
            let rendered = e.render().to_string();
            let first = rendered.trim().lines().next().unwrap_or("").trim_start_matches("error: ").to_string();
            ("명령 인자를 읽을 수 없습니다".to_string(), first.split(' ').map(cut).collect::<Vec<_>>().join(" "))
        }
    };
    let (ko, en) = (ko + ". dangol --help로 쓰는 법을 보세요", en + "; see dangol --help");
    let view = ErrorView::other(StoreErrorData::Usage, dangol_store::error::say(ko, en), l);
    report(&view, json, l);
    ExitCode::from(exit_code("usage"))
}

/// The exit code for an error kind (the table in docs/json.md):
/// 2 bad input or arguments, 3 not found, 4 checkout refused or rule not
/// applicable, 5 database in use (or opened for reading), 6 unusable
/// database, 7 the owner's PIN is needed or wrong, 8 a write dated too far
/// from now, 9 the hub did not answer, 10 the hub refused or holds more
/// of this counter than its file, 1 anything else (a file or database
/// failure).
fn exit_code(kind: &str) -> u8 {
    match kind {
        "usage" | "bad_input" | "invalid_rows" | "invalid_phone" | "invalid_field" | "invalid_cart"
        | "invalid_rule" | "out_of_range" | "duplicate" | "already_reversed" | "visit_conflict" => 2,
        "not_found" => 3,
        "checkout_refused" | "rule_not_eligible" | "large_sale_unconfirmed" | "points_elsewhere" => 4,
        "database_locked" | "database_busy" | "read_only" => 5,
        "not_a_database" | "newer_schema" | "older_schema" => 6,
        "owner_pin_invalid" | "owner_pin_locked" | "owner_pin_not_set" | "owner_required" | "owner_pin_required" => 7,
        "write_time_refused" => 8,
        "hub_unreachable" => 9,
        "hub_refused" | "sync_diverged" => 10,
        _ => 1,
    }
}

/// Whether a command prints JSON, and the language it was asked to speak.
fn voice_of(c: &Command) -> (bool, Option<String>) {
    let common = match c {
        Command::Hub { hub, .. } | Command::HubDevices { hub } | Command::HubRevoke { hub, .. } => {
            return (hub.json, hub.lang.clone());
        }
        Command::BenchSync { json, lang, .. } | Command::RotateToken { json, lang, .. } => {
            return (*json, lang.clone());
        }
        Command::Sync { common, .. } => common,
        Command::Demo { common, .. }
        | Command::Lookup { common, .. }
        | Command::Customer { common, .. }
        | Command::Preview { common, .. }
        | Command::Checkout { common, .. }
        | Command::Refund { common, .. }
        | Command::AddCustomer { common, .. }
        | Command::Feedback { common, .. }
        | Command::Resolve { common, .. }
        | Command::Prompt { common, .. }
        | Command::Import { common, .. }
        | Command::Export { common, .. }
        | Command::Bench { common, .. }
        | Command::BenchReview { common, .. }
        | Command::BenchApi { common, .. }
        | Command::Rules { common, .. }
        | Command::SetRule { common, .. }
        | Command::Setting { common, .. }
        | Command::IssueCoupon { common, .. }
        | Command::Adjust { common, .. }
        | Command::SetPin { common, .. }
        | Command::Audit { common, .. }
        | Command::Anomalies { common, .. }
        | Command::Review { common, .. }
        | Command::Report { common, .. }
        | Command::Unmerge { common, .. }
        | Command::Serve { common, .. }
        | Command::Tour { common, .. } => common,
    };
    (common.json, common.lang.clone())
}

fn lang(chosen: Option<&str>) -> Result<Lang, StoreError> {
    match chosen {
        Some(l) => Lang::parse(l).ok_or_else(|| {
            StoreError::bad_input(
                "language",
                format!("{:?}은(는) ko나 en이 아닙니다", cut(l)),
                format!("{:?} is not ko or en", cut(l)),
            )
        }),
        None => Ok(dangol_store::system_lang()),
    }
}

/// Opens (creating if needed) the database with the process's clock.
pub(crate) fn open(common: &Common) -> Result<Store, StoreError> {
    let mut store = Store::open(&common.db)?;
    store.set_clock(Clock::from_env()?);
    Ok(store)
}

/// Opens an existing database only (commands must not create empty files).
pub(crate) fn open_existing(common: &Common) -> Result<Store, StoreError> {
    exists(common)?;
    open(common)
}

/// Opens an existing database for reading beside its writer (the counter
/// window, a long import): no instance lock, no writes.
pub(crate) fn open_reading(common: &Common) -> Result<Store, StoreError> {
    exists(common)?;
    let mut store = Store::open_shared(&common.db)?;
    store.set_clock(Clock::from_env()?);
    Ok(store)
}

fn exists(common: &Common) -> Result<(), StoreError> {
    if common.db.is_file() {
        return Ok(());
    }
    Err(StoreError::Io {
        path: common.db.clone(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such database; create one with `dangol demo`, or set up a shop in the window",
        ),
    })
}

/// The moment a command acts at: `--at`, else the store's clock. With
/// `--backdate` the owner allows the write to be dated in the past.
fn at(store: &mut Store, when: &When, common: &Common, ids: &mut SystemIds) -> Result<DateTime<Utc>, StoreError> {
    let Some(s) = &when.at else {
        return Ok(store.now());
    };
    let t = parse_moment(s, "--at")?;
    if when.backdate {
        let owner = owner(store, common, ids)?;
        store.permit_backdating(&owner);
    }
    Ok(t)
}

/// A moment for a read: `--at`, else now.
fn read_at(store: &Store, when: &When) -> Result<DateTime<Utc>, StoreError> {
    match &when.at {
        Some(s) => parse_moment(s, "--at"),
        None => Ok(store.now()),
    }
}

/// The owner's PIN, from `--pin-file`, `DANGOL_OWNER_PIN`, or the terminal.
fn pin(common: &Common, prompt: &str) -> Result<String, StoreError> {
    if let Some(path) = &common.pin_file {
        return read_small(path, 64, "PIN file").map(|s| s.trim().to_string());
    }
    if let Ok(p) = std::env::var(PIN_VAR)
        && !p.trim().is_empty()
    {
        return Ok(p.trim().to_string());
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(|p| p.trim().to_string())
            .map_err(|source| StoreError::Io { path: "/dev/tty".into(), source });
    }
    Err(StoreError::OwnerRequired {
        what: dangol_store::error::say(
            "이 명령 실행 (--pin-file FILE이나 DANGOL_OWNER_PIN으로 PIN을 주세요)",
            "run this command (give --pin-file FILE or DANGOL_OWNER_PIN)",
        ),
    })
}

/// Checks the owner's PIN: the only way to an `Owner`.
fn owner(store: &mut Store, common: &Common, ids: &mut SystemIds) -> Result<Owner, StoreError> {
    if !store.owner_pin_is_set()? {
        return Err(StoreError::OwnerPinNotSet);
    }
    let pin = pin(common, "owner PIN / 사장님 PIN: ")?;
    store.authenticate_owner(&pin, ids)
}

fn viewer(store: &mut Store, role: RoleArg, common: &Common, ids: &mut SystemIds) -> Result<Viewer, StoreError> {
    Ok(match role {
        RoleArg::Cashier => Viewer::Cashier,
        RoleArg::Owner => Viewer::Owner(owner(store, common, ids)?),
    })
}

/// Reads a small text file, refusing one larger than `max` bytes before
/// reading it ("-" reads standard input).
fn read_small(path: &Path, max: u64, what: &'static str) -> Result<String, StoreError> {
    let io = |source| StoreError::Io { path: path.to_path_buf(), source };
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(max + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).map_err(io)?.take(max + 1).read_to_string(&mut text)
    };
    read.map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => StoreError::BadInput {
            what,
            reason: dangol_store::error::say("UTF-8 글자 파일이 아닙니다", "the file is not UTF-8 text"),
        },
        _ => io(e),
    })?;
    if text.len() as u64 > max {
        return Err(StoreError::BadInput {
            what,
            reason: dangol_store::error::say(
                format!("파일이 {max}바이트보다 큽니다"),
                format!("the file is larger than {max} bytes"),
            ),
        });
    }
    Ok(text)
}

fn read_cart(path: &Path) -> Result<Cart, StoreError> {
    let text = read_small(path, MAX_CART_BYTES, "cart")?;
    let cart: Cart = serde_json::from_str(&text).map_err(|e| StoreError::BadInput {
        what: "cart JSON",
        reason: dangol_store::error::say(
            format!(
                "장바구니 JSON을 읽을 수 없습니다 ({}번째 줄 {}번째 글자). 예: {{\"lines\":[{{\"sku\":\"AMR\",\"qty\":1}}]}}",
                e.line(),
                e.column()
            ),
            format!("{e}; expected {{\"lines\":[{{\"sku\":\"AMR\",\"qty\":1}}]}}"),
        ),
    })?;
    cart.check()?;
    Ok(cart)
}

fn parse_uuid(s: &str, what: &'static str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| StoreError::BadInput {
        what,
        reason: dangol_store::error::say(
            format!("{:?}은(는) 0193c8a2-7b1e-7c3d-9f00-123456789abc 같은 번호(UUID)가 아닙니다", cut(s)),
            format!("{:?} is not a UUID such as 0193c8a2-7b1e-7c3d-9f00-123456789abc", cut(s)),
        ),
    })
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        emit::out(&format!("{}\n", serde_json::to_string_pretty(value).expect("views are plain data")));
    } else {
        emit::out(&text());
    }
}

fn run(command: Command, l: Lang) -> Result<(), StoreError> {
    let mut ids = SystemIds;
    match command {
        Command::Hub { hub, listen, key_file, tls } => hub::serve(&hub, &listen, &key_file, &tls, l)?,
        Command::HubDevices { hub } => hub::devices(&hub, l)?,
        Command::HubRevoke { hub, device } => hub::revoke(&hub, &device, l)?,
        Command::Serve { common, listen, token_file } => serve::serve(&common, &listen, &token_file, l)?,
        Command::RotateToken { token_file, json, .. } => serve::rotate(&token_file, json, l)?,
        Command::Sync { common, hub, key_file, name, status } => {
            sync::run(&common, hub.as_deref(), key_file.as_deref(), name.as_deref(), status, l)?
        }
        Command::Demo { common, customers, seed, as_of } => {
            let mut store = open(&common)?;
            let as_of = match as_of.as_deref() {
                Some(s) => parse_moment(s, "--as-of")?,
                None => store.now(),
            };
            let started = std::time::Instant::now();
            let bar = progress::bar(customers, l.pick("고객 생성", "customers"));
            let report = dangol_demo::generate(
                &mut store,
                &dangol_demo::DemoOptions { customers, seed, as_of },
                &mut |done, _| bar.set_position(done),
            )?;
            bar.finish_and_clear();
            let elapsed = started.elapsed();
            print(common.json, &report, || output::demo(&report, elapsed, l));
        }
        Command::Lookup { common, query, limit, role } => {
            let mut store = open_reading(&common)?;
            let viewer = viewer(&mut store, role, &common, &mut ids)?;
            let found = store.lookup(&query, limit, &viewer)?;
            let demo = store.shop_info()?;
            print(common.json, &found, || output::demo_banner(&demo, l) + &output::lookup(&found, &query, l));
        }
        Command::Customer { common, id, when, role } => {
            let mut store = open_reading(&common)?;
            let viewer = viewer(&mut store, role, &common, &mut ids)?;
            let at = read_at(&store, &when)?;
            let profile = store.profile(dangol_store::parse_customer_id(&id)?, at, &viewer)?;
            let rhythm = store.customer_rhythm(profile.id, at)?;
            let demo = store.shop_info()?;
            let mut out = serde_json::to_value(&profile).expect("plain data");
            out["rhythm"] = serde_json::to_value(&rhythm).expect("plain data");
            print(common.json, &out, || {
                output::demo_banner(&demo, l) + &output::profile(&profile, l) + &output::rhythm(&rhythm, l)
            });
        }
        Command::Preview { common, customer, cart, when, applied, suggestions, no_record } => {
            let cart = read_cart(&cart)?;
            let customer = customer.as_deref().map(dangol_store::parse_customer_id).transpose()?;
            let mut store = open_reading(&common)?;
            let at = read_at(&store, &when)?;
            let selected = (!applied.is_empty()).then(|| applied.clone());
            let view = store.preview(&PreviewRequest {
                customer,
                cart,
                told: applied,
                selected,
                at,
                lang: l,
                viewer: Viewer::Cashier,
                limit: suggestions,
            })?;
            let demo = store.shop_info()?;
            print(common.json, &view, || output::demo_banner(&demo, l) + &output::preview(&view, l));
            // A preview "as of" another moment is a what-if: only a preview
            // now records its prompts as shown. The preview is out already;
            // a record that cannot be made beside a busy writer is noted,
            // not a failure of the preview.
            if let Some(c) = customer
                && !no_record
                && when.at.is_none()
                && let Err(e) = store.record_shown(c, &view.suggestions, at, &mut ids)
            {
                emit::err(&format!(
                    "{}: {}\n",
                    l.pick("참고: 보여 준 제안을 기록하지 못했습니다", "note: the prompts shown were not recorded"),
                    e.message(l)
                ));
            }
        }
        Command::Checkout {
            common,
            customer,
            visit,
            confirm_large,
            goodwill,
            goodwill_reason,
            cart,
            when,
            apply,
            dismiss,
        } => {
            let cart = read_cart(&cart)?;
            let customer = customer.as_deref().map(dangol_store::parse_customer_id).transpose()?;
            let visit = match visit {
                Some(v) => parse_uuid(&v, "--visit")?,
                None => uuid::Uuid::now_v7(),
            };
            let mut pairs = Vec::new();
            for d in dismiss {
                let (rule, reason) = d.split_once(':').ok_or_else(|| StoreError::BadInput {
                    what: "--dismiss",
                    reason: dangol_store::error::say(
                        format!("{d:?}: 규칙:사유 형식이어야 합니다 (예: senior-65:손님이 원하지 않음)"),
                        format!("{d:?} must be RULE:REASON, e.g. senior-65:customer declined"),
                    ),
                })?;
                pairs.push((rule.trim().to_string(), reason.trim().to_string()));
            }
            let mut store = open_existing(&common)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let goodwill = goodwill.map(|amount| GoodwillRequest {
                amount,
                reason: goodwill_reason.clone().unwrap_or_default(),
                owner_pin: None,
            });
            let owner = match &goodwill {
                Some(g) if g.amount > store.shop_info()?.goodwill_limit => Some(owner(&mut store, &common, &mut ids)?),
                _ => None,
            };
            let receipt = store.checkout(
                &CheckoutRequest {
                    visit,
                    customer,
                    cart,
                    decision: Decision { apply, dismiss: pairs },
                    at,
                    lang: l,
                    goodwill,
                    confirm_large,
                },
                owner.as_ref(),
                &mut ids,
            )?;
            // The sale is committed: nothing below may fail the command.
            let banner = store.shop_info().map(|d| output::demo_banner(&d, l)).unwrap_or_default();
            print(common.json, &receipt, || banner + &output::receipt(&receipt, l));
            // The sale is committed; bring the name search up to date. If
            // this fails, lookups are still exact and the next settle retries.
            let _ = store.settle_search();
        }
        Command::Refund { common, sale, reason, when } => {
            let sale = parse_uuid(&sale, "sale id")?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let r = store.refund(&owner, sale, &reason, at, &mut ids)?;
            print(common.json, &r, || output::refund(&r, l));
        }
        Command::AddCustomer {
            common,
            name,
            phone,
            birth_date,
            preferred_name,
            tier,
            consent,
            notes,
            notes_file,
            card,
            when,
        } => {
            let notes = match notes_file {
                None => notes,
                Some(path) => {
                    let io = |source| StoreError::Io { path: path.clone(), source };
                    let size = std::fs::metadata(&path).map_err(io)?.len();
                    if size > MAX_NOTES_FILE_BYTES {
                        return Err(StoreError::Domain(dangol_domain::DomainError::too_long(
                            "note",
                            dangol_domain::customer::MAX_NOTE_BYTES,
                            size as usize,
                            dangol_domain::error::Unit::Bytes,
                        )));
                    }
                    let bytes = std::fs::read(&path).map_err(io)?;
                    Some(String::from_utf8(bytes).map_err(|_| StoreError::BadInput {
                        what: "notes file",
                        reason: dangol_store::error::say("UTF-8 글자 파일이 아닙니다", "not UTF-8 text"),
                    })?)
                }
            };
            let marketing_consent = match consent.as_deref() {
                None => None,
                Some(s) => dangol_domain::customer::parse_consent(s)?,
            };
            let owner_tier = tier.as_deref().is_some_and(|t| !t.trim().eq_ignore_ascii_case("basic"));
            let input = CustomerInput {
                name,
                phone,
                birth_date,
                preferred_name,
                tier,
                marketing_consent,
                notes,
                tags: vec![],
                card_code: card,
            };
            let mut store = open(&common)?;
            let viewer =
                if owner_tier { Viewer::Owner(owner(&mut store, &common, &mut ids)?) } else { Viewer::Cashier };
            let at = at(&mut store, &when, &common, &mut ids)?;
            let c = store.add_customer(input, &viewer, at, &mut ids)?;
            print(common.json, &c, || output::customer_line(&c, l));
        }
        Command::Feedback { common, customer, kind, category, text, when } => {
            let kind = FeedbackKind::parse(&kind)?;
            let customer = dangol_store::parse_customer_id(&customer)?;
            let mut store = open_existing(&common)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let f = store.add_feedback(customer, kind, &category, &text, at, &mut ids)?;
            print(common.json, &f, || output::feedback(&f, l));
        }
        Command::Resolve { common, feedback, resolution, when } => {
            let id = parse_uuid(&feedback, "feedback id")?;
            let mut store = open_existing(&common)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let f = store.resolve_feedback(id, &resolution, at, &mut ids)?;
            print(common.json, &f, || output::feedback(&f, l));
        }
        Command::Prompt { common, customer, key, accept, dismiss, when } => {
            let customer = dangol_store::parse_customer_id(&customer)?;
            let action = match (accept, &dismiss) {
                (true, None) => PromptAction::Accepted,
                (false, Some(_)) => PromptAction::Dismissed,
                _ => {
                    return Err(StoreError::BadInput {
                        what: "prompt",
                        reason: dangol_store::error::say(
                            "--accept 또는 --dismiss 사유를 주세요",
                            "give --accept or --dismiss REASON",
                        ),
                    });
                }
            };
            let mut store = open_existing(&common)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            store.record_prompt(customer, &key, action, dismiss.as_deref(), at, &mut ids)?;
            print(
                common.json,
                &serde_json::json!({"customer": customer, "key": key, "action": action.as_str()}),
                || format!("{key}: {}\n", l.pick(if accept { "수락" } else { "건너뜀" }, action.as_str())),
            );
        }
        Command::Import { common, table, file, when } => {
            let f = std::fs::File::open(&file).map_err(|source| StoreError::Io { path: file.clone(), source })?;
            let size = f.metadata().map_err(|source| StoreError::Io { path: file.clone(), source })?.len();
            let kind = match table {
                ImportTable::Customers => "customers",
                ImportTable::Products => "products",
                ImportTable::Visits => "visits",
            };
            dangol_store::csv_io::check_import_size(kind, size)?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let bar = progress::bar(0, l.pick("가져오기", "import"));
            let mut report_progress = |phase: &str, done: u64, total: u64| {
                bar.set_length(total);
                bar.set_message(match phase {
                    "checking" => l.pick("확인", "checking"),
                    _ => l.pick("쓰기", "writing"),
                });
                bar.set_position(done);
            };
            let reader = std::io::BufReader::new(f);
            match table {
                ImportTable::Customers | ImportTable::Products => {
                    let report = match table {
                        ImportTable::Customers => {
                            store.import_customers(&owner, reader, at, &mut ids, &mut report_progress)?
                        }
                        _ => store.import_products(&owner, reader, at, &mut ids, &mut report_progress)?,
                    };
                    bar.finish_and_clear();
                    print(common.json, &report, || output::import(&report, l));
                }
                ImportTable::Visits => {
                    let report = store.import_visits(&owner, reader, at, &mut ids, &mut report_progress)?;
                    bar.finish_and_clear();
                    print(common.json, &report, || output::visit_import(&report, l));
                }
            }
        }
        Command::Export { common, table, file } => {
            let mut store = open_reading(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let n = match table {
                Table::Customers => store.export_customers(&owner, &file, &mut ids)?,
                Table::Products => store.export_products(&owner, &file, &mut ids)?,
            };
            print(common.json, &serde_json::json!({"rows": n, "file": file}), || {
                l.pick(
                    &format!("{n}줄을 {}에 내보냈습니다\n", file.display()),
                    &format!("exported {n} rows to {}\n", file.display()),
                )
                .to_string()
            });
        }
        Command::Rules { common } => {
            let store = open_reading(&common)?;
            let list = store.rule_list()?;
            print(common.json, &list, || output::rules(&list, l));
        }
        Command::SetRule { common, file, preview, when } => {
            let text = read_small(&file, MAX_RULE_BYTES, "rule file")?;
            let rule = dangol_domain::rules::DiscountRule::from_json(&text)?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            if preview {
                let p = store.rule_preview(&owner, &rule, at)?;
                print(common.json, &p, || output::rule_preview(&p, l));
                return Ok(());
            }
            store.upsert_rule(&owner, &rule, at, &mut ids)?;
            print(common.json, &rule, || {
                l.pick(&format!("할인 규칙 {}을(를) 저장했습니다\n", rule.id), &format!("rule {} saved\n", rule.id))
                    .to_string()
            });
        }
        Command::Setting { common, key, value, when } => {
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            store.update_setting(&owner, key.trim(), value.trim(), at, &mut ids)?;
            print(common.json, &serde_json::json!({"key": key, "value": value}), || format!("{key} = {value}\n"));
        }
        Command::Adjust { common, customer, points, stamps, expires, note, when } => {
            let customer = dangol_store::parse_customer_id(&customer)?;
            let expires = expires.as_deref().map(|s| parse_moment(s, "--expires")).transpose()?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let b = store.adjust_balances(&owner, customer, points, stamps, expires, &note, at, &mut ids)?;
            print(common.json, &b, || match l {
                Lang::Ko => format!("포인트 {} · 스탬프 {}\n", b.points, b.stamps),
                Lang::En => format!("points {} · stamps {}\n", b.points, b.stamps),
            });
        }
        Command::IssueCoupon { common, customer, rule, code, expires, when } => {
            let customer = dangol_store::parse_customer_id(&customer)?;
            let expires = parse_moment(&expires, "--expires")?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let c = store.issue_coupon(&owner, customer, &rule, &code, expires, at, &mut ids)?;
            print(common.json, &c, || match l {
                Lang::Ko => format!("쿠폰 {} ({}) {}까지\n", c.code, c.rule_id, c.expires_at),
                Lang::En => format!("coupon {} ({}) until {}\n", c.code, c.rule_id, c.expires_at),
            });
        }
        Command::SetPin { common, new_pin_file } => {
            // Also how a new shop starts from the command line.
            let mut store = open(&common)?;
            let first = !store.owner_pin_is_set()?;
            let current = if first { None } else { Some(owner(&mut store, &common, &mut ids)?) };
            let new = match &new_pin_file {
                Some(path) => read_small(path, 64, "new PIN file")?.trim().to_string(),
                None if std::io::stdin().is_terminal() => {
                    let a = rpassword::prompt_password("new owner PIN / 새 사장님 PIN: ")
                        .map_err(|source| StoreError::Io { path: "/dev/tty".into(), source })?;
                    let b = rpassword::prompt_password("again / 한 번 더: ")
                        .map_err(|source| StoreError::Io { path: "/dev/tty".into(), source })?;
                    if a.trim() != b.trim() {
                        return Err(StoreError::BadInput {
                            what: "owner PIN",
                            reason: dangol_store::error::say("두 번 입력한 PIN이 다릅니다", "the two entries differ"),
                        });
                    }
                    a.trim().to_string()
                }
                None => {
                    return Err(StoreError::BadInput {
                        what: "owner PIN",
                        reason: dangol_store::error::say(
                            "새 PIN을 --new-pin-file FILE로 주세요 (물어볼 터미널이 없습니다)",
                            "give the new PIN with --new-pin-file FILE (no terminal to ask on)",
                        ),
                    });
                }
            };
            match current {
                None => {
                    store.set_first_owner_pin(&new, &mut ids)?;
                }
                Some(owner) => store.change_owner_pin(&owner, &new, &mut ids)?,
            }
            print(common.json, &serde_json::json!({"owner_pin": "set"}), || {
                l.pick("사장님 PIN을 정했습니다\n", "owner PIN set\n").into()
            });
        }
        Command::Audit { common, limit } => {
            let mut store = open_reading(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let log = store.audit_log(&owner, limit)?;
            print(common.json, &log, || output::audit(&log, store.zone()));
        }
        Command::Review { common, when, limit, refit, segment, sort, export } => {
            let mut store = if export.is_some() { open_existing(&common)? } else { open_reading(&common)? };
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = read_at(&store, &when)?;
            let limit = limit.min(10_000);
            if let Some(file) = export {
                let seg = segment.map_or(dangol_domain::review::rhythm::Segment::Drifting, |s| s.segment());
                let done = store.export_segment(&owner, at, seg, &file, &mut ids)?;
                print(common.json, &done, || output::segment_export(&done, l));
            } else if let Some(seg) = segment {
                let list = store.review_segment(&owner, at, seg.segment(), sort.sort(), limit)?;
                print(common.json, &list, || output::segment_list(&list, l));
            } else {
                let review = store.review(&owner, at, limit, refit)?;
                print(common.json, &review, || output::review(&review, l));
            }
        }
        Command::Report { common, report, when, weeks } => {
            let mut store = open_reading(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = read_at(&store, &when)?;
            match report {
                args::ReportArg::Missed => {
                    let r = store.missed_report(&owner, at, weeks)?;
                    print(common.json, &r, || output::missed(&r, l));
                }
                args::ReportArg::Suggestions => {
                    let r = store.suggestion_report(&owner, at, weeks)?;
                    print(common.json, &r, || output::suggestions(&r, l));
                }
                args::ReportArg::Voice => {
                    let r = store.voice_report(&owner, at, weeks)?;
                    print(common.json, &r, || output::voice(&r, store.zone(), l));
                }
                args::ReportArg::Trend => {
                    let r = store.trend_report(&owner, at, weeks)?;
                    print(common.json, &r, || output::trend(&r, l));
                }
            }
        }
        Command::Anomalies { common, limit } => {
            let mut store = open_reading(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let found = store.sync_anomalies(&owner, limit.min(1_000))?;
            print(common.json, &found, || output::anomalies(&found, store.zone(), l));
        }
        Command::Unmerge { common, customer, phone, when } => {
            let customer = dangol_store::parse_customer_id(&customer)?;
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = at(&mut store, &when, &common, &mut ids)?;
            let undone = store.undo_merge(&owner, customer, &phone, at, &mut ids)?;
            print(common.json, &undone, || output::undone_merge(&undone, l));
        }
        Command::Bench { common, iterations } => {
            let store = open_reading(&common)?;
            let report = bench::run(store, iterations)?;
            print(common.json, &report, || bench::render(&report));
        }
        Command::BenchApi { common, iterations } => {
            exists(&common)?;
            let report = bench_api::run(&common.db, iterations.clamp(20, 1_000_000))?;
            print(common.json, &report, || bench_api::render(&report));
            if !report.met {
                return Err(StoreError::bad_input(
                    "benchmark",
                    "목표를 넘긴 수치가 있습니다",
                    "a figure missed its target",
                ));
            }
        }
        Command::BenchReview { common, when, iterations } => {
            let mut store = open_existing(&common)?;
            let owner = owner(&mut store, &common, &mut ids)?;
            let at = read_at(&store, &when)?;
            let report = bench_review::run(&mut store, &owner, at, iterations.clamp(1, 10_000))?;
            print(common.json, &report, || bench_review::render(&report));
            if !(report.open_met && report.refit_met) {
                return Err(StoreError::bad_input(
                    "benchmark",
                    "목표를 넘긴 수치가 있습니다",
                    "a figure missed its target",
                ));
            }
        }
        Command::BenchSync { events, counters, backend, postgres, dir, bootstrap_customers, json, lang: _ } => {
            let backends = match backend {
                args::SyncBackend::Sqlite => vec![bench_sync::Backend::Sqlite],
                args::SyncBackend::Postgres => vec![bench_sync::Backend::Postgres],
                args::SyncBackend::Both => vec![bench_sync::Backend::Sqlite, bench_sync::Backend::Postgres],
            };
            let opts = bench_sync::Options {
                events: events as usize,
                counters: counters as usize,
                backends,
                postgres,
                dir,
                bootstrap_customers,
            };
            let report = bench_sync::run(&opts)?;
            print(json, &report, || bench_sync::render(&report));
            bench_sync::verdict(&report)?;
        }
        Command::Tour { common, customers: n } => {
            let fresh = !common.db.exists();
            let mut store = open(&common)?;
            if fresh || store.is_empty()? {
                let started = std::time::Instant::now();
                let bar = progress::bar(n, l.pick("고객 생성", "customers"));
                let as_of = store.now();
                let report = dangol_demo::generate(
                    &mut store,
                    &dangol_demo::DemoOptions { customers: n, seed: 1, as_of },
                    &mut |done, _| bar.set_position(done),
                )?;
                bar.finish_and_clear();
                emit::out(&output::demo(&report, started.elapsed(), l));
            }
            output::tour(&mut store, l, &mut ids)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::exit_code;

    /// The exit-code table in docs/json.md: (exit, kinds).
    fn documented() -> Vec<(u8, Vec<String>)> {
        let doc = include_str!("../../../docs/json.md");
        let table = doc.split("| exit | kinds |").nth(1).expect("the exit-code table");
        table
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').collect();
                let code: u8 = cells[1].trim().parse().expect("an exit code");
                let kinds = cells[2].split('`').skip(1).step_by(2).map(str::to_string).collect();
                (code, kinds)
            })
            .collect()
    }

    /// Every error kind, from the TypeScript unions generated from the Rust
    /// error enums (so a new variant cannot be missed).
    fn every_kind() -> Vec<String> {
        let mut kinds = vec!["usage".to_string()];
        for ts in [
            include_str!("../../../ui/src/lib/bindings/DomainError.ts"),
            include_str!("../../../ui/src/lib/bindings/StoreErrorData.ts"),
        ] {
            kinds.extend(ts.split("\"kind\": \"").skip(1).map(|k| k.split('"').next().unwrap().to_string()));
        }
        kinds
    }

    #[test]
    fn every_error_kind_is_in_the_documented_exit_code_table_with_its_code() {
        let table = documented();
        for (code, kinds) in &table {
            for kind in kinds.iter().filter(|k| !k.contains(' ') && !k.starts_with("--") && !k.starts_with("dangol")) {
                assert_eq!(exit_code(kind), *code, "{kind} is documented with exit {code}");
            }
        }
        let documented: Vec<&String> = table.iter().flat_map(|(_, k)| k).collect();
        for kind in every_kind().iter().filter(|k| !["setup_needed"].contains(&k.as_str())) {
            assert!(documented.contains(&kind), "{kind} is missing from the exit-code table in docs/json.md");
        }
    }
}
