//! Human-readable output in Korean or English. JSON output is the views
//! serialised as they are; this is for people at a terminal.

use crate::emit;
use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::i18n::Lang;
use dangol_domain::money::format_won;
use dangol_domain::review::rhythm::{Rhythm, Segment};
use dangol_store::AuditView;
use dangol_store::admin::RuleList;
use dangol_store::counter::{
    CustomerSummary, LookupResult, PreviewRequest, PreviewView, Profile, Receipt, RefundReceipt, ShopInfo,
};
use dangol_store::csv_io::ImportReport;
use dangol_store::reports::{MissedReport, SuggestionReport, TrendReport, VoiceReport};
use dangol_store::review::{Review, ReviewRow, SegmentExport, SegmentList};
use dangol_store::sync::AnomalyView;
use dangol_store::unmerge::UndoneMerge;
use dangol_store::visit_import::VisitImportReport;
use dangol_store::{Store, StoreError, SystemIds, Viewer};
use std::fmt::Write;
use std::time::Duration;

fn date(at: Option<DateTime<Utc>>, store_zone: dangol_domain::time::ShopZone) -> String {
    at.map(|t| store_zone.date(t).to_string()).unwrap_or_else(|| "-".into())
}

fn zone() -> dangol_domain::time::ShopZone {
    dangol_domain::time::ShopZone::default()
}

pub fn demo(r: &dangol_demo::DemoReport, elapsed: Duration, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} {}, {} {}, {} {} ({:.1}s)",
        lang.pick("데모 매장 생성:", "Demo shop generated:"),
        r.customers,
        lang.pick("명", "customers"),
        r.sales,
        lang.pick("건 방문", "visits"),
        r.sale_lines,
        lang.pick("개 구매 품목", "sale lines"),
        elapsed.as_secs_f64()
    );
    for f in &r.featured {
        let _ = writeln!(s, "  {} {}  {}  {}", f.name, f.phone, f.id, lang.pick(&f.story_ko, &f.story));
    }
    s
}

/// A line saying this is the demo shop (and its owner PIN), or nothing.
pub fn demo_banner(info: &ShopInfo, lang: Lang) -> String {
    if !info.demo {
        return String::new();
    }
    format!(
        "[DEMO] {} {}\n",
        lang.pick("데모 가게입니다 · 사장님 PIN", "This is the demo shop · owner PIN"),
        info.demo_pin.as_deref().unwrap_or("-")
    )
}

pub fn customer_line(c: &CustomerSummary, lang: Lang) -> String {
    rows(std::slice::from_ref(c), lang)
}

pub fn lookup(found: &LookupResult, query: &str, lang: Lang) -> String {
    if found.hits.is_empty() {
        return format!("{}\n", lang.pick("일치하는 고객이 없습니다", "No matching customer"));
    }
    let mut s = rows(&found.hits, lang);
    if found.more {
        let n = found.hits.len();
        let more = match found.total {
            Some(t) if t >= found.total_cap => format!("{}+", found.total_cap),
            Some(t) => t.to_string(),
            None => lang.pick("더 많은", "more").to_string(),
        };
        let q = query.trim();
        let _ = writeln!(
            s,
            "{}",
            match lang {
                Lang::Ko => format!(
                    "{more}명 중 {n}명만 표시했습니다. 번호를 더 입력하거나(예: 3{q}) 이름을 함께 입력하세요(예: {q} 김)."
                ),
                Lang::En =>
                    format!("Showing {n} of {more}. Type more digits (e.g. 3{q}) or add a name (e.g. {q} Kim)."),
            }
        );
    }
    s
}

fn rows(hits: &[CustomerSummary], lang: Lang) -> String {
    let mut s = String::new();
    for (i, h) in hits.iter().enumerate() {
        let preferred = h.preferred_name.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>2}. {}{}  {}  {} {}{} · {} {}  [{}]",
            i + 1,
            h.name,
            preferred,
            h.phone.as_deref().unwrap_or(&h.phone_masked),
            lang.pick("방문", "visits"),
            h.visits,
            lang.pick("회", ""),
            lang.pick("최근", "last"),
            date(h.last_visit, zone()),
            h.id
        );
    }
    s
}

pub fn profile(p: &Profile, lang: Lang) -> String {
    let mut s = String::new();
    let title = p.preferred_name.as_deref().map(|pn| format!("{pn} — {}", p.name)).unwrap_or_else(|| p.name.clone());
    let _ = writeln!(s, "{title}  [{}]", p.id);
    let _ = writeln!(
        s,
        "  {} {} · {} {} · {} {}",
        p.phone.as_deref().unwrap_or(&p.phone_masked),
        p.tier.to_uppercase(),
        lang.pick("만", "age"),
        p.age.map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
        lang.pick("가입", "since"),
        zone().date(p.created_at)
    );
    let _ = writeln!(
        s,
        "  {} {} · {} {} · {} {}",
        lang.pick("방문", "visits"),
        p.visits,
        lang.pick("최근", "last visit"),
        date(p.last_visit, zone()),
        lang.pick("누적", "spent"),
        format_won(p.total_spent)
    );
    let _ = writeln!(
        s,
        "  {} {}P · {} {}",
        lang.pick("포인트", "points"),
        p.points,
        lang.pick("스탬프", "stamps"),
        p.stamps
    );
    if let Some(e) = &p.points_expiring {
        let _ = writeln!(s, "  {} {}P → {}", lang.pick("소멸 예정", "expiring"), e.points, zone().date(e.at));
    }
    if !p.usual_items.is_empty() {
        let items: Vec<String> = p.usual_items.iter().map(|u| format!("{} {}%", u.name, u.share_pct)).collect();
        let _ = writeln!(s, "  {} {}", lang.pick("자주 사는 상품:", "usual items:"), items.join(", "));
    }
    for c in &p.coupons {
        let _ =
            writeln!(s, "  {} {} ({}) → {}", lang.pick("쿠폰", "coupon"), c.code, c.rule_id, zone().date(c.expires_at));
    }
    for f in &p.open_complaints {
        let _ = writeln!(
            s,
            "  ! {} [{}] {} ({})",
            lang.pick("미해결 불만", "open complaint"),
            f.category,
            f.text,
            zone().date(f.at)
        );
    }
    if !p.notes.is_empty() {
        let _ = writeln!(s, "  {} {}", lang.pick("메모:", "notes:"), p.notes);
    }
    s
}

pub fn preview(v: &PreviewView, lang: Lang) -> String {
    let mut s = String::new();
    let who = match &v.customer {
        Some(c) => c.preferred_name.clone().unwrap_or_else(|| c.name.clone()),
        None => lang.pick("비회원", "walk-in").to_string(),
    };
    let _ = writeln!(s, "{who} · {} {}", lang.pick("합계", "subtotal"), format_won(v.subtotal));
    let _ = writeln!(s, "{}", lang.pick("제안:", "Suggestions:"));
    for (i, x) in v.suggestions.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}  — {}", i + 1, x.text, x.reason);
    }
    let _ = writeln!(s, "{}", lang.pick("적용 가능한 할인:", "Eligible discounts:"));
    for e in &v.eligible {
        // Applied: its part of the total. Not applied: what it would add.
        let (mark, amount) = if e.applied {
            ("*", format!("-{}", format_won(e.applied_saving)))
        } else if e.adds > 0 {
            ("+", format!("+{}", format_won(e.adds)))
        } else {
            (" ", format!("({})", format_won(e.saving)))
        };
        let optional = if e.optional { lang.pick(" (선택)", " (optional)") } else { "" };
        let _ =
            writeln!(s, "  {mark} {:<28} {:>10}{optional}  {} [{}]", e.name, amount, e.reasons.join(" · "), e.rule_id);
    }
    let _ = writeln!(
        s,
        "{} {} → {} ({} {})",
        lang.pick("적용:", "Applied:"),
        v.selected.rule_ids.join(" + "),
        format_won(v.selected.total),
        lang.pick("할인", "saves"),
        format_won(v.selected.saving)
    );
    if v.best.rule_ids != v.selected.rule_ids {
        let _ = writeln!(
            s,
            "{} {} → {}",
            lang.pick("최적 조합:", "Best combination:"),
            v.best.rule_ids.join(" + "),
            format_won(v.best.total)
        );
    }
    if !v.near_misses.is_empty() {
        let _ = writeln!(s, "{}", lang.pick("아깝게 안 되는 할인:", "Almost:"));
        for n in &v.near_misses {
            let _ = writeln!(s, "  - {}: {}", n.name, n.reason);
            for a in &n.alternatives {
                let _ = writeln!(s, "      → {a}");
            }
        }
    }
    s
}

pub fn receipt(r: &Receipt, lang: Lang) -> String {
    let mut s = String::new();
    let done = if r.replayed {
        lang.pick("이미 기록된 판매 (다시 기록하지 않음)", "Already recorded (not recorded again)")
    } else {
        lang.pick("판매 완료", "Sale recorded")
    };
    let _ = writeln!(s, "{done} {}", r.sale_id);
    for l in &r.lines {
        let _ = writeln!(
            s,
            "  {} x{} {}{}",
            l.name,
            l.qty,
            format_won(l.amount),
            if l.discount > 0 { format!(" (-{})", format_won(l.discount)) } else { String::new() }
        );
    }
    for d in &r.discounts {
        let _ = writeln!(s, "  {} -{}", d.name, format_won(d.saving));
    }
    for m in &r.missed {
        let _ = writeln!(
            s,
            "  {} {} ({}): {}",
            lang.pick("미적용 할인", "missed discount"),
            m.name,
            format_won(m.saving),
            m.reason
        );
    }
    let _ = writeln!(
        s,
        "  {} {} · {} {}",
        lang.pick("합계", "total"),
        format_won(r.total),
        lang.pick("할인", "saved"),
        format_won(r.discount_total)
    );
    let _ = writeln!(
        s,
        "  {} +{} -{} = {}P · {} +{} -{} = {}",
        lang.pick("포인트", "points"),
        r.points_earned,
        r.points_redeemed,
        r.points_balance,
        lang.pick("스탬프", "stamps"),
        r.stamps_earned,
        r.stamps_redeemed,
        r.stamps_balance
    );
    s
}

pub fn refund(r: &RefundReceipt, lang: Lang) -> String {
    let mut s = format!(
        "{} {} ({}) · {} {}P · {} {}\n",
        lang.pick("환불 완료", "Refunded"),
        r.original_id,
        format_won(r.total),
        lang.pick("포인트", "points"),
        r.points_balance,
        lang.pick("스탬프", "stamps"),
        r.stamps_balance
    );
    if r.points_unrecovered > 0 || r.stamps_unrecovered > 0 {
        let _ = writeln!(
            s,
            "  {} {}P, {} {}",
            lang.pick("이미 사용되어 회수하지 못한 포인트", "points already spent, not recovered:"),
            r.points_unrecovered,
            lang.pick("스탬프", "stamps"),
            r.stamps_unrecovered
        );
    }
    s
}

pub fn rules(list: &RuleList, lang: Lang) -> String {
    let mut s: String =
        list.rules.iter().map(|r| format!("{}\n", serde_json::to_string(r).expect("plain data"))).collect();
    for r in &list.set_aside {
        let _ = writeln!(
            s,
            "# {} {}: {}\n#   {}",
            lang.pick("쓰지 않는 규칙", "set aside"),
            r.id,
            r.reason.get(lang),
            r.body
        );
    }
    s
}

/// What a rule would do (`set-rule --preview`).
pub fn rule_preview(p: &dangol_store::rule_preview::RulePreview, lang: Lang) -> String {
    match lang {
        Lang::Ko => format!(
            "{}\n오늘 조건에 맞는 고객: 전체 {}명 중 {}명\n지난 30일({}~{}) 판매 {}건 중 {}건에 적용됐을 것 · 고객 {}명 · 할인 합계 {}\n",
            p.summary.ko,
            p.customers_total,
            p.customers,
            p.from,
            p.to,
            p.sales,
            p.sales_applied,
            p.customers_applied,
            format_won(p.saving)
        ),
        Lang::En => format!(
            "{}\nqualify today: {} of {} customers\nlast 30 days ({} to {}): would have applied to {} of {} sales · {} customers · {} off in all\n",
            p.summary.en,
            p.customers,
            p.customers_total,
            p.from,
            p.to,
            p.sales_applied,
            p.sales,
            p.customers_applied,
            format_won(p.saving)
        ),
    }
}

pub fn audit(log: &[AuditView], zone: dangol_domain::time::ShopZone) -> String {
    let mut s = String::new();
    for e in log {
        let change = match (&e.before, &e.after) {
            (Some(b), Some(a)) => format!(" {b} → {a}"),
            (None, Some(a)) => format!(" → {a}"),
            (Some(b), None) => format!(" {b} →"),
            (None, None) => String::new(),
        };
        let note = e.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(
            s,
            "{} [{}] {} {} {}{change}{note}",
            zone.local(e.at).format("%Y-%m-%d %H:%M:%S"),
            &e.device.simple().to_string()[..8],
            e.actor,
            e.action,
            e.subject
        );
    }
    s
}

/// What sync found, one line each; a merge that can still be undone says so.
pub fn anomalies(found: &[AnomalyView], zone: dangol_domain::time::ShopZone, l: Lang) -> String {
    if found.is_empty() {
        return format!("{}\n", l.pick("계산대끼리 어긋난 것이 없습니다", "nothing disagreed between the counters"));
    }
    let mut s = String::new();
    for x in found {
        let _ = writeln!(
            s,
            "{} {} {} {}",
            zone.local(x.at).format("%Y-%m-%d %H:%M:%S"),
            anomaly_label(&x.kind, l),
            x.subject,
            x.detail
        );
        if let Some(m) = x.undoable {
            let _ = writeln!(
                s,
                "  {}: dangol unmerge --customer {m} --phone <{}>",
                l.pick("되돌리기", "to undo"),
                l.pick("새 전화번호", "its own phone")
            );
        }
        if x.undo_pending {
            let _ = writeln!(
                s,
                "  {}",
                l.pick(
                    "병합 취소를 요청했습니다: 다음 동기화 때 적용됩니다",
                    "undo requested: it takes effect at the next sync"
                )
            );
        }
    }
    s
}

/// An anomaly's kind as the owner reads it (the window's labels are in
/// ui/src/lib/i18n.ts); an unknown kind as it is.
fn anomaly_label(kind: &str, l: Lang) -> String {
    let (ko, en) = match kind {
        "customers_merged" => ("같은 번호로 두 번 등록된 고객을 합침", "one customer registered twice, merged"),
        "merge_undone" => ("사장님이 고객 병합을 취소함", "the owner undid a merge"),
        "merge_undone_twice" => (
            "같은 병합을 두 계산대에서 따로 취소함(전화번호를 확인하세요)",
            "one merge undone at two counters separately (check the phone)",
        ),
        "coupon_used_twice" => ("한 번 쓰는 쿠폰을 두 계산대에서 사용", "a single-use coupon used at two counters"),
        "coupon_code_taken" => ("이미 다른 쿠폰이 쓰는 쿠폰 코드", "a coupon code another coupon has"),
        "profile_field_superseded" => ("고객 정보 수정이 나중 수정에 밀림", "a profile edit lost to a later one"),
        "points_overdraft" => {
            ("다른 계산대 몫을 넘어 포인트 사용(허용 한도 안)", "points redeemed beyond this counter's share")
        }
        "points_overdrawn" => ("잔액보다 많은 포인트 사용", "points redeemed beyond the balance"),
        "stamps_overdrawn" => ("가진 것보다 많은 스탬프 사용", "stamps redeemed beyond the balance"),
        "card_code_taken" => ("이미 다른 고객이 쓰는 카드 번호", "a card number another customer has"),
        "refunded_twice" => ("같은 판매를 두 계산대에서 환불", "one sale refunded at two counters"),
        "feedback_resolved_twice" => (
            "같은 의견을 두 계산대에서 따로 처리함(먼저 처리한 내용을 남김)",
            "one feedback resolved at two counters (the first stands)",
        ),
        "rule_superseded" => ("할인 규칙 수정이 나중 수정에 밀림", "a discount rule's change lost to a later one"),
        "product_superseded" => ("상품 수정이 나중 수정에 밀림", "a product's change lost to a later one"),
        "barcode_taken" => {
            ("두 상품에 같은 바코드(나중 수정이 가짐)", "one barcode given to two products (the later change keeps it)")
        }
        other => return other.to_string(),
    };
    l.pick(ko, en).to_string()
}

/// What an undone merge moved back.
pub fn undone_merge(u: &UndoneMerge, l: Lang) -> String {
    let m = &u.moved;
    if u.pending {
        return match l {
            Lang::Ko => format!(
                "병합 취소를 요청했습니다: 다음 동기화(dangol sync) 때 고객 {}을(를) 고객 {}에게서 나눕니다\n판매 {}건, 포인트 기록 {}건, 스탬프 기록 {}건을 옮기고 포인트 {:+}, 스탬프 {:+}를 정산할 예정입니다\n",
                u.now, u.survivor, m.sales, m.points_entries, m.stamp_entries, m.points_settled, m.stamps_settled
            ),
            Lang::En => format!(
                "merge undo requested: the next sync (dangol sync) separates customer {} from {}\nit will move {} sales, {} points entries, {} stamp entries and settle points {:+}, stamps {:+}\n",
                u.now, u.survivor, m.sales, m.points_entries, m.stamp_entries, m.points_settled, m.stamps_settled
            ),
        };
    }
    let mut s = match l {
        Lang::Ko => format!(
            "병합을 취소했습니다: 고객 {}을(를) 고객 {}에게서 다시 나누었습니다\n판매 {}건, 포인트 기록 {}건, 스탬프 기록 {}건, 쿠폰 {}장, 고객 의견 {}건, 제안 {}건을 옮겼습니다\n",
            u.now, u.survivor, m.sales, m.points_entries, m.stamp_entries, m.coupons, m.feedback, m.prompts
        ),
        Lang::En => format!(
            "merge undone: customer {} (was merged into {})\nmoved {} sales, {} points entries, {} stamp entries, {} coupons, {} feedback, {} suggestions\n",
            u.now, u.survivor, m.sales, m.points_entries, m.stamp_entries, m.coupons, m.feedback, m.prompts
        ),
    };
    if m.points_settled != 0 || m.stamps_settled != 0 {
        s.push_str(&match l {
            Lang::Ko => format!(
                "이미 쓴 몫을 정산했습니다: 포인트 {:+}, 스탬프 {:+} (되돌린 고객 기준)\n",
                m.points_settled, m.stamps_settled
            ),
            Lang::En => format!(
                "settled what was already spent: points {:+}, stamps {:+} (to the customer given back)\n",
                m.points_settled, m.stamps_settled
            ),
        });
    }
    s
}

/// The first-run tour: a lookup by the last 4 digits, the profile of the
/// customer the product exists for, and a preview of her bread.
pub fn tour(store: &mut Store, lang: Lang, ids: &mut SystemIds) -> Result<(), StoreError> {
    let now = store.now();
    emit::out(&demo_banner(&store.shop_info()?, lang));
    emit::out("\n$ dangol lookup '1004 김'\n");
    let found = store.lookup("1004 김", 5, &Viewer::Cashier)?;
    emit::out(&lookup(&found, "1004 김", lang));
    let Some(kim) = found.hits.iter().find(|h| h.name == "김영자") else {
        return Ok(());
    };
    emit::out(&format!("\n$ dangol customer {}\n", kim.id));
    emit::out(&profile(&store.profile(kim.id, now, &Viewer::Cashier)?, lang));
    emit::out(&format!("\n$ dangol preview --customer {} --cart bread.json   # 우유식빵 1, 소금빵 2\n", kim.id));
    let cart =
        Cart { lines: vec![CartLine { sku: "MILKBREAD".into(), qty: 1 }, CartLine { sku: "SALT".into(), qty: 2 }] };
    let view = store.preview(&PreviewRequest {
        customer: Some(kim.id),
        cart,
        told: vec![],
        selected: None,
        at: now,
        lang,
        viewer: Viewer::Cashier,
        limit: 3,
    })?;
    store.record_shown(kim.id, &view.suggestions, now, ids)?;
    emit::out(&preview(&view, lang));
    emit::out(&format!(
        "\n{}\n",
        lang.pick(
            "더 해 보기: dangol --help, dangol lookup --db <파일> ㄱㅇㅈ",
            "Try next: dangol --help, dangol lookup --db <file> ㄱㅇㅈ"
        )
    ));
    Ok(())
}

/// What an import did, and which encoding the file was read in.
fn encoding_label(encoding: &str, lang: Lang) -> &'static str {
    match encoding {
        "cp949" => lang.pick("CP949 (한글 엑셀 기본)", "CP949 (Korean Excel's default)"),
        "utf-8-bom" => lang.pick("UTF-8 (BOM 있음)", "UTF-8 with BOM"),
        "utf-16le" | "utf-16be" => "UTF-16",
        _ => "UTF-8",
    }
}

/// A visit-history import, as the owner reads it.
pub fn visit_import(r: &VisitImportReport, lang: Lang) -> String {
    let encoding = encoding_label(&r.encoding, lang);
    match lang {
        Lang::Ko => format!(
            "방문 {}건을 가져왔습니다 (이미 있던 방문 {}건, 새 고객 {}명; 포인트는 쌓지 않았습니다) · 인코딩: {encoding}\n",
            r.visits, r.already, r.customers_created
        ),
        Lang::En => format!(
            "imported {} visits ({} already there, {} new customers; no points earned) · encoding: {encoding}\n",
            r.visits, r.already, r.customers_created
        ),
    }
}

fn segment_label(s: Segment, lang: Lang) -> &'static str {
    match s {
        Segment::Regular => lang.pick("단골", "regular"),
        Segment::Drifting => lang.pick("뜸해짐", "drifting"),
        Segment::PreRegular => lang.pick("예비 단골", "pre-regular"),
        Segment::FirstVisit => lang.pick("첫 방문", "first visit"),
        Segment::Lost => lang.pick("떠남", "lost"),
        Segment::NoVisit => lang.pick("방문 없음", "no visit"),
    }
}

/// "usually every 6 days; 13 days now" and the model's figures.
pub fn rhythm(r: &Rhythm, lang: Lang) -> String {
    let gap = r.usual_gap_days.map(|g| format!("{g:.0}"));
    let since = r.days_since_last.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    let p = r.p_alive.map(|p| format!("{:.0}%", p * 100.0)).unwrap_or_else(|| "—".into());
    let e = r.expected_visits_30d.map(|e| format!("{e:.1}")).unwrap_or_else(|| "—".into());
    let seg = segment_label(r.segment, lang);
    match (lang, gap) {
        (Lang::Ko, Some(g)) => {
            format!("리듬: 보통 {g}일마다 · 지금 {since}일째 · {seg} · 다시 올 확률 {p} · 30일 예상 방문 {e}\n")
        }
        (Lang::Ko, None) => format!("리듬: 방문 {}일 · {seg}\n", r.visit_days),
        (Lang::En, Some(g)) => format!(
            "rhythm: usually every {g} days; {since} days now · {seg} · P(alive) {p} · expected visits in 30 days {e}\n"
        ),
        (Lang::En, None) => format!("rhythm: {} visit days · {seg}\n", r.visit_days),
    }
}

/// The owner's review: the model, the segments, the drifting list.
pub fn review(r: &Review, lang: Lang) -> String {
    let mut s = String::new();
    match &r.model {
        Some(m) => {
            let _ = writeln!(
                s,
                "{} {} · r={:.3} α={:.2}{} a={:.3} b={:.3} · LL={:.1} · {} {}",
                lang.pick("방문 모델(BG/NBD)", "visit model (BG/NBD)"),
                r.as_of,
                m.r,
                m.alpha_days,
                lang.pick("일", " days"),
                m.a,
                m.b,
                m.log_likelihood,
                m.customers,
                lang.pick("명", "customers")
            );
        }
        None => {
            let _ = writeln!(
                s,
                "{}",
                lang.pick(
                    "방문 모델: 두 번 이상 온 고객이 아직 없습니다",
                    "visit model: no customer has come back yet"
                )
            );
        }
    }
    let counts: Vec<String> = Segment::ALL
        .iter()
        .map(|seg| format!("{} {}", segment_label(*seg, lang), r.segments.get(seg.key()).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(s, "{}", counts.join(" · "));
    if r.drifting.is_empty() {
        let _ = writeln!(s, "{}", lang.pick("뜸해진 단골이 없습니다", "no one is drifting away"));
        return s;
    }
    let _ = writeln!(
        s,
        "{} ({}):",
        lang.pick("뜸해진 고객, 놓치면 큰 순서", "drifting, most at stake first"),
        r.drifting_total
    );
    for d in &r.drifting {
        let _ = writeln!(s, "{}", review_row(d, lang));
    }
    s
}

/// One customer of the review, on a line.
fn review_row(d: &ReviewRow, lang: Lang) -> String {
    let gap = d.usual_gap_days.map(|g| format!("{g:.0}")).unwrap_or_else(|| "—".into());
    let since = d.days_since_last.unwrap_or(0);
    let p = d.p_alive.map(|p| format!("{:.0}%", p * 100.0)).unwrap_or_else(|| "—".into());
    let last = d.last_visit.map(|l| l.to_string()).unwrap_or_default();
    let open = if d.open_complaints > 0 {
        format!(" · {} {}", lang.pick("미해결 불만", "open complaints"), d.open_complaints)
    } else {
        String::new()
    };
    let rest = match lang {
        Lang::Ko => format!(
            "방문 {}일 · 보통 {gap}일마다, 지금 {since}일째 · 마지막 {last} · 다시 올 확률 {p} · 한 달 {}{open}",
            d.visits,
            format_won(d.monthly_value)
        ),
        Lang::En => format!(
            "{} visit days · usually every {gap} days, {since} days now · last {last} · P(alive) {p} · {} a month{open}",
            d.visits,
            format_won(d.monthly_value)
        ),
    };
    format!("  {} · {rest}", d.name)
}

/// A segment's list.
pub fn segment_list(list: &SegmentList, lang: Lang) -> String {
    let mut s = format!("{} {}:\n", segment_label(list.segment, lang), list.total);
    for d in &list.rows {
        let _ = writeln!(s, "{}", review_row(d, lang));
    }
    s
}

/// What a segment's export wrote and left out.
pub fn segment_export(e: &SegmentExport, lang: Lang) -> String {
    let seg = segment_label(e.segment, lang);
    match lang {
        Lang::Ko => format!(
            "{seg} 고객 {}명을 {}에 내보냈습니다 · 마케팅 수신을 거부한 {}명과 동의 여부를 묻지 않은 {}명은 뺐습니다\n",
            e.exported, e.file, e.left_out_refused, e.left_out_not_asked
        ),
        Lang::En => format!(
            "exported {} {seg} customers to {} · left out {} who said no to marketing and {} never asked\n",
            e.exported, e.file, e.left_out_refused, e.left_out_not_asked
        ),
    }
}

/// What the counter missed.
pub fn missed(r: &MissedReport, lang: Lang) -> String {
    let mut s = String::new();
    let month: i64 = r.this_month.iter().map(|m| m.saving).sum();
    let _ = writeln!(
        s,
        "{}",
        match lang {
            Lang::Ko => format!("이번 달({} 부터) 손님이 받지 못한 할인: {}", r.month, format_won(month)),
            Lang::En =>
                format!("this month (since {}) customers did not get {} of discounts", r.month, format_won(month)),
        }
    );
    for m in &r.this_month {
        let _ = writeln!(
            s,
            "  {} · {}",
            lang.pick(&m.name_ko, &m.name_en),
            match lang {
                Lang::Ko => format!("{}번, 손님 {}명, {}", m.count, m.customers, format_won(m.saving)),
                Lang::En => format!("{} times, {} customers, {}", m.count, m.customers, format_won(m.saving)),
            }
        );
    }
    let _ = writeln!(s, "{}", lang.pick("주별:", "by week:"));
    for w in &r.weeks {
        let _ = writeln!(s, "  {} · {} · {}", w.week, w.count, format_won(w.saving));
    }
    if !r.reasons.is_empty() {
        let why: Vec<String> = r.reasons.iter().map(|x| format!("{} ({})", x.reason, x.count)).collect();
        let _ = writeln!(s, "{} {}", lang.pick("이유:", "reasons:"), why.join(", "));
    }
    let _ = writeln!(s, "{}", lang.pick("아깝게 놓친 할인:", "near misses:"));
    for n in &r.near_misses {
        let why: Vec<String> = n
            .reasons
            .iter()
            .map(|x| format!("{} ({})", dangol_domain::i18n::near_miss_kind(&x.reason, lang), x.count))
            .collect();
        let short = n.median_short.map(|w| match lang {
            Lang::Ko => format!(" · 보통 {} 모자람", format_won(w)),
            Lang::En => format!(" · typically {} short", format_won(w)),
        });
        let _ = writeln!(
            s,
            "  {} · {} · {}{}",
            lang.pick(&n.name_ko, &n.name_en),
            match lang {
                Lang::Ko => format!("{}번, 손님 {}명", n.count, n.customers),
                Lang::En => format!("{} times, {} customers", n.count, n.customers),
            },
            why.join(", "),
            short.unwrap_or_default()
        );
    }
    s
}

/// How the suggestions fared.
pub fn suggestions(r: &SuggestionReport, lang: Lang) -> String {
    let mut s = format!("{} {} – {}\n", lang.pick("제안", "suggestions"), r.from, r.to);
    for k in &r.by_kind {
        let _ = writeln!(
            s,
            "  {} · {}",
            k.kind,
            match lang {
                Lang::Ko => format!("보여줌 {} · 받아들임 {} · 넘김 {}", k.shown, k.accepted, k.dismissed),
                Lang::En => format!("shown {} · accepted {} · dismissed {}", k.shown, k.accepted, k.dismissed),
            }
        );
    }
    if !r.reasons.is_empty() {
        let why: Vec<String> = r.reasons.iter().map(|x| format!("{} ({})", x.reason, x.count)).collect();
        let _ = writeln!(s, "{} {}", lang.pick("넘긴 이유:", "dismissed because:"), why.join(", "));
    }
    s
}

/// The voice of customer.
pub fn voice(r: &VoiceReport, zone: dangol_domain::time::ShopZone, lang: Lang) -> String {
    let mut s = match lang {
        Lang::Ko => format!(
            "{} – {} · 불만 {} · 칭찬 {} · 요청 {} · 해결 {}건 (중앙값 {}일)\n미해결 불만 {}건, 오래된 순:\n",
            r.from,
            r.to,
            r.complaints,
            r.compliments,
            r.requests,
            r.resolved,
            r.median_days_to_resolve.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into()),
            r.open.len()
        ),
        Lang::En => format!(
            "{} – {} · complaints {} · compliments {} · requests {} · resolved {} (median {} days)\nopen complaints {}, oldest first:\n",
            r.from,
            r.to,
            r.complaints,
            r.compliments,
            r.requests,
            r.resolved,
            r.median_days_to_resolve.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into()),
            r.open.len()
        ),
    };
    for o in &r.open {
        let _ = writeln!(
            s,
            "  {} · {} · {} · {}{} · {}",
            zone.local(o.at).format("%Y-%m-%d"),
            o.name,
            dangol_domain::i18n::category_name(&o.category, lang),
            o.age_days,
            lang.pick("일째", " days open"),
            o.text
        );
    }
    s
}

/// Visits and sales day by day.
pub fn trend(r: &TrendReport, lang: Lang) -> String {
    let share = if r.revenue > 0 { format!("{}%", r.regulars_revenue * 100 / r.revenue) } else { "—".into() };
    let mut s = match lang {
        Lang::Ko => format!(
            "{} – {} · 매출 {} · 단골 몫 {share}\n날짜 · 판매 · 첫 방문 · 다시 옴 · 비회원 · 매출\n",
            r.from,
            r.to,
            format_won(r.revenue)
        ),
        Lang::En => format!(
            "{} – {} · revenue {} · regulars' share {share}\nday · sales · first visits · returning · walk-ins · revenue\n",
            r.from,
            r.to,
            format_won(r.revenue)
        ),
    };
    for d in &r.days {
        let _ = writeln!(
            s,
            "  {} · {} · {} · {} · {} · {}",
            d.day,
            d.sales,
            d.new_customers,
            d.returning,
            d.walk_ins,
            format_won(d.revenue)
        );
    }
    s
}

pub fn import(r: &ImportReport, lang: Lang) -> String {
    let encoding = encoding_label(&r.encoding, lang);
    match lang {
        Lang::Ko => format!(
            "{}줄을 가져왔습니다 (새로 {}, 바뀜 {}, 그대로 {}) · 인코딩: {encoding}\n",
            r.rows, r.created, r.updated, r.unchanged
        ),
        Lang::En => format!(
            "imported {} rows ({} new, {} updated, {} unchanged) · read as {encoding}\n",
            r.rows, r.created, r.updated, r.unchanged
        ),
    }
}

/// A feedback entry after it was logged or resolved.
pub fn feedback(f: &dangol_store::counter::FeedbackView, lang: Lang) -> String {
    let kind = match (f.kind.as_str(), lang) {
        ("complaint", Lang::Ko) => "불만",
        ("compliment", Lang::Ko) => "칭찬",
        ("request", Lang::Ko) => "요청",
        (k, _) => k,
    };
    let status = match (f.status.as_str(), lang) {
        ("open", Lang::Ko) => "미해결",
        ("resolved", Lang::Ko) => "처리됨",
        (s, _) => s,
    };
    match lang {
        Lang::Ko => format!("고객 의견 {} ({kind}, {status})\n", f.id),
        Lang::En => format!("{kind} {} ({status})\n", f.id),
    }
}

/// Where sync stands, for a person.
pub fn sync_status(s: &dangol_store::sync::SyncStatus, now: DateTime<Utc>, lang: Lang) -> String {
    let mut out = format!("{}\n", s.headline(now, lang));
    if let Some(hub) = &s.hub {
        let _ = writeln!(out, "{}: {hub}", lang.pick("허브", "hub"));
    }
    let _ = writeln!(
        out,
        "{} {} · {} {} · {} {}",
        lang.pick("받은 위치", "pulled up to"),
        s.pulled_pos,
        lang.pick("격리", "quarantined"),
        s.quarantined,
        lang.pick("이상", "anomalies"),
        s.anomalies
    );
    if let Some(e) = &s.last_error {
        let _ = writeln!(out, "{}: {e}", lang.pick("마지막 오류", "last error"));
    }
    out
}
