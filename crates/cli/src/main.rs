//! `dangol`: the counter core from the command line. Glue only: parse the
//! arguments, call the store, print text or JSON, exit with a code that
//! tells scripts what went wrong (see `exit_code`).

mod args;
mod bench;
mod output;

use args::{Cli, Command, Common, RoleArg, Table, When};
use chrono::{DateTime, Utc};
use clap::Parser;
use dangol_domain::catalog::Cart;
use dangol_domain::customer::CustomerInput;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_store::counter::{CheckoutRequest, PreviewRequest, Role};
use dangol_store::prompts::PromptAction;
use dangol_store::{Store, StoreError, SystemIds, customers};
use serde::Serialize;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// Largest cart file accepted.
const MAX_CART_BYTES: u64 = 1024 * 1024;
/// Largest notes file accepted before validation (validation allows far less).
const MAX_NOTES_FILE_BYTES: u64 = 64 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli_json(&cli.command);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let body = serde_json::json!({"error": {"kind": e.kind(), "message": e.to_string()}});
                eprintln!("{body}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

/// 2 bad input, 3 not found, 4 checkout refused or rule not applicable,
/// 5 database in use, 6 unusable database, 1 anything else.
fn exit_code(e: &StoreError) -> u8 {
    match e.kind() {
        "bad_input" | "invalid_rows" | "invalid_phone" | "invalid_field" | "invalid_cart" | "invalid_rule"
        | "duplicate" | "already_reversed" => 2,
        "not_found" => 3,
        "checkout_refused" | "rule_not_eligible" => 4,
        "database_locked" => 5,
        "not_a_database" | "newer_schema" => 6,
        _ => 1,
    }
}

fn cli_json(c: &Command) -> bool {
    match c {
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
        | Command::Rules { common, .. }
        | Command::SetRule { common, .. }
        | Command::Setting { common, .. }
        | Command::IssueCoupon { common, .. }
        | Command::Adjust { common, .. }
        | Command::Tour { common, .. } => common.json,
    }
}

fn lang(common: &Common) -> Result<Lang, StoreError> {
    match &common.lang {
        Some(l) => Lang::parse(l)
            .ok_or_else(|| StoreError::BadInput { what: "language", reason: format!("{l:?} is not ko or en") }),
        None => {
            let locale =
                ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
            Ok(Lang::from_locale(locale.as_deref()))
        }
    }
}

fn at(when: &When) -> Result<DateTime<Utc>, StoreError> {
    parse_time(when.at.as_deref())
}

fn parse_time(s: Option<&str>) -> Result<DateTime<Utc>, StoreError> {
    match s {
        None => Ok(Utc::now()),
        Some(s) => {
            DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| StoreError::BadInput {
                what: "time",
                reason: format!("{s:?} is not an RFC 3339 time such as 2026-11-23T10:00:00+09:00"),
            })
        }
    }
}

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Cashier => Role::Cashier,
        RoleArg::Owner => Role::Owner,
    }
}

fn open(common: &Common) -> Result<Store, StoreError> {
    Store::open(&common.db)
}

/// Opens an existing database only (reads must not create empty files).
fn open_existing(common: &Common) -> Result<Store, StoreError> {
    if !common.db.exists() {
        return Err(StoreError::Io {
            path: common.db.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such database; create one with `dangol demo` or `dangol import`",
            ),
        });
    }
    open(common)
}

fn read_cart(path: &Path) -> Result<Cart, StoreError> {
    let io = |source| StoreError::Io { path: path.to_path_buf(), source };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_CART_BYTES + 1).read_to_string(&mut text).map_err(io)?;
    } else {
        let file = std::fs::File::open(path).map_err(io)?;
        file.take(MAX_CART_BYTES + 1).read_to_string(&mut text).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                StoreError::BadInput { what: "cart", reason: "the file is not UTF-8 text".into() }
            }
            _ => io(e),
        })?;
    }
    if text.len() as u64 > MAX_CART_BYTES {
        return Err(StoreError::BadInput {
            what: "cart",
            reason: format!("the cart file is larger than {MAX_CART_BYTES} bytes"),
        });
    }
    let cart: Cart = serde_json::from_str(&text).map_err(|e| StoreError::BadInput {
        what: "cart JSON",
        reason: format!("{e}; expected {{\"lines\":[{{\"sku\":\"AMR\",\"qty\":1}}]}}"),
    })?;
    cart.check()?;
    Ok(cart)
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).expect("views are plain data"));
    } else {
        print!("{}", text());
    }
}

fn run(command: Command) -> Result<(), StoreError> {
    let mut ids = SystemIds;
    match command {
        Command::Demo { common, customers, seed, as_of } => {
            let as_of = parse_time(as_of.as_deref())?;
            let mut store = open(&common)?;
            let started = std::time::Instant::now();
            let report = dangol_demo::generate(&mut store, &dangol_demo::DemoOptions { customers, seed, as_of })?;
            let elapsed = started.elapsed();
            print(common.json, &report, || output::demo(&report, elapsed, lang(&common).unwrap_or_default()));
        }
        Command::Lookup { common, query, limit, role: r } => {
            let store = open_existing(&common)?;
            let hits = store.lookup(&query, limit, role(r))?;
            let l = lang(&common)?;
            print(common.json, &hits, || output::lookup(&hits, l));
        }
        Command::Customer { common, id, when, role: r } => {
            let store = open_existing(&common)?;
            let profile = store.profile(customers::parse_id(&id)?, at(&when)?, role(r))?;
            let l = lang(&common)?;
            print(common.json, &profile, || output::profile(&profile, l));
        }
        Command::Preview { common, customer, cart, when, applied, suggestions, no_record } => {
            let l = lang(&common)?;
            let cart = read_cart(&cart)?;
            let customer = customers::parse_id(&customer)?;
            let at = at(&when)?;
            let mut store = open_existing(&common)?;
            let selected = (!applied.is_empty()).then(|| applied.clone());
            let view = store.preview(&PreviewRequest {
                customer,
                cart,
                applied,
                selected,
                at,
                lang: l,
                role: Role::Cashier,
                limit: suggestions,
            })?;
            if !no_record {
                store.record_shown(customer, &view.suggestions, at, &mut ids)?;
            }
            print(common.json, &view, || output::preview(&view, l));
        }
        Command::Checkout { common, customer, cart, when, apply, dismiss } => {
            let l = lang(&common)?;
            let cart = read_cart(&cart)?;
            let customer = customers::parse_id(&customer)?;
            let mut pairs = Vec::new();
            for d in dismiss {
                let (rule, reason) = d.split_once(':').ok_or_else(|| StoreError::BadInput {
                    what: "--dismiss",
                    reason: format!("{d:?} must be RULE:REASON, e.g. senior-65:customer declined"),
                })?;
                pairs.push((rule.trim().to_string(), reason.trim().to_string()));
            }
            let mut store = open_existing(&common)?;
            let receipt = store.checkout(
                &CheckoutRequest {
                    customer,
                    cart,
                    decision: Decision { apply, dismiss: pairs },
                    at: at(&when)?,
                    lang: l,
                    goodwill: None,
                },
                &mut ids,
            )?;
            print(common.json, &receipt, || output::receipt(&receipt, l));
        }
        Command::Refund { common, sale, reason, when } => {
            let sale = uuid::Uuid::parse_str(sale.trim())
                .map_err(|_| StoreError::BadInput { what: "sale id", reason: format!("{sale:?} is not a UUID") })?;
            let mut store = open_existing(&common)?;
            let r = store.refund(sale, &reason, at(&when)?, &mut ids)?;
            let l = lang(&common)?;
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
            let notes =
                match notes_file {
                    None => notes,
                    Some(path) => {
                        let io = |source| StoreError::Io { path: path.clone(), source };
                        let size = std::fs::metadata(&path).map_err(io)?.len();
                        if size > MAX_NOTES_FILE_BYTES {
                            return Err(StoreError::Domain(dangol_domain::DomainError::InvalidField {
                                field: "note",
                                reason: format!(
                                    "is {size} bytes long; at most {} bytes are allowed",
                                    dangol_domain::customer::MAX_NOTE_BYTES
                                ),
                            }));
                        }
                        let bytes = std::fs::read(&path).map_err(io)?;
                        Some(String::from_utf8(bytes).map_err(|_| StoreError::BadInput {
                            what: "notes file",
                            reason: "not UTF-8 text".into(),
                        })?)
                    }
                };
            let marketing_consent = match consent.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
                None => None,
                Some(s) if ["yes", "y", "true", "1"].contains(&s.as_str()) => Some(true),
                Some(s) if ["no", "n", "false", "0"].contains(&s.as_str()) => Some(false),
                Some(s) => {
                    return Err(StoreError::BadInput { what: "--consent", reason: format!("{s:?} must be yes or no") });
                }
            };
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
            let c = store.add_customer(input, at(&when)?, &mut ids)?;
            let l = lang(&common)?;
            print(common.json, &c, || output::lookup(std::slice::from_ref(&c), l));
        }
        Command::Feedback { common, customer, kind, category, text, when } => {
            let kind = FeedbackKind::parse(&kind)?;
            let customer = customers::parse_id(&customer)?;
            let mut store = open_existing(&common)?;
            let f = store.add_feedback(customer, kind, &category, &text, at(&when)?, &mut ids)?;
            print(common.json, &f, || format!("{} {} ({})\n", f.kind, f.id, f.status));
        }
        Command::Resolve { common, feedback, resolution, when } => {
            let id = uuid::Uuid::parse_str(feedback.trim()).map_err(|_| StoreError::BadInput {
                what: "feedback id",
                reason: format!("{feedback:?} is not a UUID"),
            })?;
            let mut store = open_existing(&common)?;
            let f = store.resolve_feedback(id, &resolution, at(&when)?, &mut ids)?;
            print(common.json, &f, || format!("{} {} ({})\n", f.kind, f.id, f.status));
        }
        Command::Prompt { common, customer, key, accept, dismiss, when } => {
            let customer = customers::parse_id(&customer)?;
            let action = match (accept, &dismiss) {
                (true, None) => PromptAction::Accepted,
                (false, Some(_)) => PromptAction::Dismissed,
                _ => {
                    return Err(StoreError::BadInput {
                        what: "prompt",
                        reason: "give --accept or --dismiss REASON".into(),
                    });
                }
            };
            let mut store = open_existing(&common)?;
            store.record_prompt(customer, &key, action, dismiss.as_deref(), at(&when)?, &mut ids)?;
            print(
                common.json,
                &serde_json::json!({"customer": customer, "key": key, "action": action.as_str()}),
                || format!("{key}: {}\n", action.as_str()),
            );
        }
        Command::Import { common, table, file, when } => {
            let f = std::fs::File::open(&file).map_err(|source| StoreError::Io { path: file.clone(), source })?;
            let mut store = open(&common)?;
            let at = at(&when)?;
            let report = match table {
                Table::Customers => store.import_customers(std::io::BufReader::new(f), at, &mut ids)?,
                Table::Products => store.import_products(std::io::BufReader::new(f), at, &mut ids)?,
            };
            print(common.json, &report, || {
                format!("imported {} rows ({} new, {} updated)\n", report.rows, report.created, report.updated)
            });
        }
        Command::Export { common, table, file } => {
            let store = open_existing(&common)?;
            let n = match table {
                Table::Customers => store.export_customers(&file)?,
                Table::Products => store.export_products(&file)?,
            };
            print(common.json, &serde_json::json!({"rows": n, "file": file}), || {
                format!("exported {n} rows to {}\n", file.display())
            });
        }
        Command::Rules { common } => {
            let store = open_existing(&common)?;
            let rules = store.rules()?;
            print(common.json, &rules, || {
                rules.iter().map(|r| format!("{}\n", serde_json::to_string(r).expect("plain data"))).collect()
            });
        }
        Command::SetRule { common, file, when } => {
            let text =
                std::fs::read_to_string(&file).map_err(|source| StoreError::Io { path: file.clone(), source })?;
            let rule = dangol_domain::rules::DiscountRule::from_json(&text)?;
            let mut store = open_existing(&common)?;
            store.upsert_rule(&rule, at(&when)?, &mut ids)?;
            print(common.json, &rule, || format!("rule {} saved\n", rule.id));
        }
        Command::Setting { common, key, value, when } => {
            let mut store = open_existing(&common)?;
            store.update_setting(key.trim(), value.trim(), at(&when)?, &mut ids)?;
            print(common.json, &serde_json::json!({"key": key, "value": value}), || format!("{key} = {value}\n"));
        }
        Command::Adjust { common, customer, points, stamps, note, when } => {
            let customer = customers::parse_id(&customer)?;
            let mut store = open_existing(&common)?;
            let (p, s) = store.adjust_balances(customer, points, stamps, &note, at(&when)?, &mut ids)?;
            print(common.json, &serde_json::json!({"points": p, "stamps": s}), || format!("points {p} · stamps {s}\n"));
        }
        Command::IssueCoupon { common, customer, rule, code, expires, when } => {
            let customer = customers::parse_id(&customer)?;
            let expires = parse_time(Some(&expires))?;
            let mut store = open_existing(&common)?;
            let c = store.issue_coupon(customer, &rule, &code, expires, at(&when)?, &mut ids)?;
            print(common.json, &c, || format!("coupon {} ({}) until {}\n", c.code, c.rule_id, c.expires_at));
        }
        Command::Bench { common, iterations } => {
            let mut store = open_existing(&common)?;
            let report = bench::run(&mut store, iterations)?;
            print(common.json, &report, || bench::render(&report));
        }
        Command::Tour { common, customers: n } => {
            let l = lang(&common)?;
            let fresh = !common.db.exists();
            let mut store = open(&common)?;
            if fresh || dangol_store::customers::count(store.connection())? == 0 {
                let started = std::time::Instant::now();
                let report = dangol_demo::generate(
                    &mut store,
                    &dangol_demo::DemoOptions { customers: n, seed: 1, as_of: Utc::now() },
                )?;
                print!("{}", output::demo(&report, started.elapsed(), l));
            }
            output::tour(&mut store, l, &mut ids)?;
        }
    }
    Ok(())
}
