//! The TypeScript declarations of every type that crosses to the window are
//! generated from these Rust types, never written twice. This test writes
//! them to a temporary folder and fails if `ui/src/lib/bindings/` differs;
//! `UPDATE_BINDINGS=1 cargo test -p dangol-store --features ts --test bindings`
//! regenerates them.

#![cfg(feature = "ts")]

use dangol_domain::catalog::{Cart, Product};
use dangol_domain::customer::CustomerInput;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_domain::rules::DiscountRule;
use dangol_store::AuditView;
use dangol_store::admin::{NewShop, RuleList};
use dangol_store::counter::{
    AppInfo, CustomerScreen, CustomerSummary, FeedbackView, GoodwillRequest, LookupResult, PreviewView, Profile,
    Receipt, RegisterCart, ScreenDiscount, ShopInfo, TabletScreenView,
};
use dangol_store::csv_io::ImportReport;
use dangol_store::error::ErrorView;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

fn export(dir: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    AppInfo::export_all(&cfg).unwrap();
    CustomerSummary::export_all(&cfg).unwrap();
    Profile::export_all(&cfg).unwrap();
    PreviewView::export_all(&cfg).unwrap();
    Receipt::export_all(&cfg).unwrap();
    RegisterCart::export_all(&cfg).unwrap();
    CustomerScreen::export_all(&cfg).unwrap();
    ScreenDiscount::export_all(&cfg).unwrap();
    TabletScreenView::export_all(&cfg).unwrap();
    ShopInfo::export_all(&cfg).unwrap();
    GoodwillRequest::export_all(&cfg).unwrap();
    FeedbackView::export_all(&cfg).unwrap();
    ErrorView::export_all(&cfg).unwrap();
    Product::export_all(&cfg).unwrap();
    Cart::export_all(&cfg).unwrap();
    Decision::export_all(&cfg).unwrap();
    DiscountRule::export_all(&cfg).unwrap();
    CustomerInput::export_all(&cfg).unwrap();
    FeedbackKind::export_all(&cfg).unwrap();
    LookupResult::export_all(&cfg).unwrap();
    RuleList::export_all(&cfg).unwrap();
    AuditView::export_all(&cfg).unwrap();
    dangol_store::sync::SyncView::export_all(&cfg).unwrap();
    dangol_store::sync::AnomalyView::export_all(&cfg).unwrap();
    NewShop::export_all(&cfg).unwrap();
    ImportReport::export_all(&cfg).unwrap();
    dangol_store::unmerge::UndoneMerge::export_all(&cfg).unwrap();
    dangol_store::review::Review::export_all(&cfg).unwrap();
    dangol_store::review::SegmentList::export_all(&cfg).unwrap();
    dangol_store::review::SegmentExport::export_all(&cfg).unwrap();
    dangol_store::review::ReviewSort::export_all(&cfg).unwrap();
    dangol_store::reports::MissedReport::export_all(&cfg).unwrap();
    dangol_store::reports::SuggestionReport::export_all(&cfg).unwrap();
    dangol_store::reports::VoiceReport::export_all(&cfg).unwrap();
    dangol_store::reports::TrendReport::export_all(&cfg).unwrap();
    dangol_store::rule_preview::RulePreview::export_all(&cfg).unwrap();
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ts") {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn typescript_bindings_are_generated_from_rust_and_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        let _ = std::fs::remove_dir_all(&committed);
        export(&committed);
        return;
    }
    let fresh = std::env::temp_dir().join(format!("dangol-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    export(&fresh);
    let (want, have) = (files(&fresh), files(&committed));
    let _ = std::fs::remove_dir_all(&fresh);
    assert!(!want.is_empty());
    let stale: Vec<&String> = want
        .keys()
        .filter(|k| have.get(*k) != want.get(*k))
        .chain(have.keys().filter(|k| !want.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is out of date for {stale:?}; run UPDATE_BINDINGS=1 cargo test -p dangol-store --features ts --test bindings"
    );
}
