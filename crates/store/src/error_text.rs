//! The store's errors as sentences in Korean and English, made from their
//! data (the domain's errors make their own, `dangol_domain::error_text`).

use crate::error::StoreError;
use dangol_domain::i18n::Lang;
use dangol_domain::money::format_won;

/// What a `what` names, in words.
pub fn subject(what: &str, lang: Lang) -> String {
    let (ko, en) = match what {
        "customer" => ("고객", "customer"),
        "sale" => ("판매", "sale"),
        "feedback" => ("고객 의견", "feedback"),
        "coupon rule" => ("쿠폰 할인 규칙", "coupon rule"),
        "coupon code" => ("쿠폰 코드", "coupon code"),
        "phone number" => ("전화번호", "phone number"),
        "card code" => ("카드 번호", "card code"),
        "search" => ("검색", "search"),
        "language" => ("언어", "language"),
        "cart JSON" => ("장바구니 JSON", "cart JSON"),
        "customer id" => ("고객 번호", "customer id"),
        "owner PIN" => ("사장님 PIN", "owner PIN"),
        "import" => ("가져오기", "import"),
        "csv output" => ("CSV 저장", "CSV output"),
        "moment" => ("시각", "moment"),
        "prompt" | "prompt key" => ("제안", "suggestion"),
        "dismiss reason" => ("건너뛰는 사유", "dismissal reason"),
        "resolution" => ("처리 내용", "resolution"),
        "refund" => ("환불", "refund"),
        "refund reason" => ("환불 사유", "refund reason"),
        "setting" => ("설정", "setting"),
        "coupon expiry" => ("쿠폰 만료일", "coupon expiry"),
        "adjustment" => ("포인트·스탬프 조정", "adjustment"),
        "adjustment note" => ("조정 사유", "adjustment note"),
        "adjustment expiry" => ("조정 만료일", "adjustment expiry"),
        "points" => ("포인트", "points"),
        "goodwill amount" => ("서비스 할인 금액", "goodwill amount"),
        "new shop" => ("새 가게", "new shop"),
        "notes file" => ("메모 파일", "notes file"),
        "export file" => ("내보낼 파일", "export file"),
        "file" => ("파일", "file"),
        "sale id" => ("판매 번호", "sale id"),
        "feedback id" => ("고객 의견 번호", "feedback id"),
        "--visit" => ("방문 번호 (--visit)", "--visit"),
        "--dismiss" => ("건너뛸 할인 (--dismiss)", "--dismiss"),
        "--consent" => ("마케팅 동의 (--consent)", "--consent"),
        "rule file" => ("할인 규칙 파일", "rule file"),
        "PIN file" => ("PIN 파일", "PIN file"),
        "new PIN file" => ("새 PIN 파일", "new PIN file"),
        "cart" => ("장바구니 파일", "cart file"),
        "benchmark database" => ("벤치마크할 가게", "benchmark database"),
        "benchmark copy" => ("벤치마크용 복사본", "benchmark copy"),
        "demo database" => ("데모 가게", "demo database"),
        "demo points" => ("데모 포인트", "demo points"),
        "demo sale" => ("데모 판매", "demo sale"),
        "device id setting" => ("기기 번호 설정", "device id setting"),
        "goodwill" => ("서비스 할인", "goodwill"),
        "visit" => ("방문", "visit"),
        "merged registration" => ("합쳐진 고객 등록", "merged registration"),
        "api server" => ("API 서버", "API server"),
        "api token" => ("API 토큰", "API token"),
        "bench-sync" => ("동기화 벤치마크", "bench-sync"),
        "benchmark" => ("벤치마크", "benchmark"),
        "consent" => ("마케팅 동의", "consent"),
        "coupon" => ("쿠폰", "coupon"),
        "customer screen" => ("고객 화면", "customer screen"),
        "device" => ("계산대", "device"),
        "hub" => ("허브", "hub"),
        "join key" => ("참여 키", "join key"),
        "listen address" => ("받을 주소", "listen address"),
        "points hold" => ("잡아 둔 포인트", "points hold"),
        "seed" => ("허브 시작점", "seed"),
        "segment" => ("고객 묶음", "segment"),
        "shop" => ("가게", "shop"),
        "snapshot" => ("허브 스냅샷", "snapshot"),
        "sync" => ("동기화", "sync"),
        "tablet screen address" => ("태블릿 고객 화면 주소", "tablet screen address"),
        // Named in tests only; every subject in the code has its words
        // (`every_subject_in_the_code_has_korean_words`).
        other => return other.to_string(),
    };
    lang.pick(ko, en).to_string()
}

/// The sentence for `e` in `lang`.
pub fn message(e: &StoreError, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match e {
        StoreError::Domain(d) => d.message(lang),
        StoreError::Locked { path } => {
            if ko {
                format!("{}: 다른 단골 창이 이 가게 파일을 쓰고 있습니다. 그 창을 닫고 다시 하세요", path.display())
            } else {
                format!("database {} is already open in another Dangol instance; close it first", path.display())
            }
        }
        StoreError::NotADatabase { path, detail } => {
            if ko {
                format!("{}은(는) 쓸 수 있는 단골 가게 파일이 아닙니다 ({})", path.display(), detail.ko)
            } else {
                format!("{} is not a usable Dangol database ({})", path.display(), detail.en)
            }
        }
        StoreError::NewerSchema { found, known } => {
            if ko {
                format!(
                    "더 새 버전의 단골이 만든 파일입니다 (스키마 {found}, 이 버전은 {known}까지). 단골을 업데이트하세요"
                )
            } else {
                format!(
                    "the database has schema version {found}, newer than this Dangol knows ({known}); upgrade Dangol"
                )
            }
        }
        StoreError::OlderSchema { found, known } => {
            if ko {
                format!(
                    "파일을 새 버전(스키마 {found} → {known})으로 바꿔야 합니다. 계산대 창을 한 번 열거나 쓰기 명령을 실행하세요"
                )
            } else {
                format!(
                    "the database has schema version {found} and needs upgrading to {known}; open it once in the counter window or with a writing command"
                )
            }
        }
        StoreError::NotFound { what, key } => {
            if ko {
                format!("{} \"{key}\"을(를) 찾을 수 없습니다", subject(what, lang))
            } else {
                format!("{} {key:?} not found", subject(what, lang))
            }
        }
        StoreError::Duplicate { what, key, .. } => {
            if ko {
                format!("{} {key}은(는) 이미 등록되어 있습니다", subject(what, lang))
            } else {
                format!("{} {key} is already registered", subject(what, lang))
            }
        }
        StoreError::InvalidRows { file_kind, errors } => {
            let kind = match (*file_kind, ko) {
                ("customers", true) => "고객",
                ("products", true) => "상품",
                ("visits", true) => "방문 기록",
                (_, true) => "가져온",
                ("visits", false) => "visit history",
                (k, false) => k,
            };
            let mut out = if ko {
                format!("{kind} 파일에 잘못된 줄이 {}개 있어 아무것도 가져오지 않았습니다", errors.len())
            } else {
                format!("{kind} file rejected, nothing was imported: {} bad row(s)", errors.len())
            };
            for r in errors.iter().take(20) {
                let text = r.message.get(lang);
                let column = r.column.as_deref().map(|c| crate::csv_io::column_label(c, lang));
                out.push_str(&match (ko, column) {
                    (true, Some(c)) => format!("\n  {}번째 줄 ({c}): {text}", r.line),
                    (true, None) => format!("\n  {}번째 줄: {text}", r.line),
                    (false, Some(c)) => format!("\n  line {} ({c}): {text}", r.line),
                    (false, None) => format!("\n  line {}: {text}", r.line),
                });
            }
            if errors.len() > 20 {
                out.push_str(&if ko {
                    format!("\n  … 외 {}개", errors.len() - 20)
                } else {
                    format!("\n  … and {} more", errors.len() - 20)
                });
            }
            out
        }
        StoreError::BadInput { what, reason } => {
            if ko {
                format!("{}: {}", subject(what, lang), reason.ko)
            } else {
                format!("invalid {}: {}", subject(what, lang), reason.en)
            }
        }
        StoreError::AlreadyReversed { sale } => {
            if ko {
                format!("판매 {sale}은(는) 이미 환불되었습니다")
            } else {
                format!("sale {sale} has already been reversed")
            }
        }
        StoreError::PointsElsewhere { wanted, held_here, balance } => {
            if ko {
                format!(
                    "고객의 포인트 {balance}점 중 이 계산대가 가진 것은 {held_here}점이라 {wanted}점을 쓸 수 없습니다. 나머지는 다른 계산대에 있습니다: 동기화되면 이 계산대로 옵니다"
                )
            } else {
                format!(
                    "this counter holds {held_here} of the customer's {balance} points, so {wanted} cannot be redeemed here; the rest are held at another counter and come here once it syncs"
                )
            }
        }
        StoreError::OwnerPinInvalid { failures, retry_after_secs } => match (ko, *retry_after_secs > 0) {
            (true, true) => {
                format!("사장님 PIN이 맞지 않습니다 (연속 {failures}번째). {retry_after_secs}초 뒤에 다시 하세요")
            }
            (true, false) => format!("사장님 PIN이 맞지 않습니다 (연속 {failures}번째)"),
            (false, true) => format!(
                "the owner PIN is not correct ({failures} wrong in a row; wait {retry_after_secs} s before the next try)"
            ),
            (false, false) => format!("the owner PIN is not correct ({failures} wrong in a row)"),
        },
        StoreError::OwnerPinLocked { retry_after_secs } => {
            if ko {
                format!("PIN을 너무 많이 틀렸습니다. {retry_after_secs}초 뒤에 다시 하세요")
            } else {
                format!("too many wrong owner PINs; try again in {retry_after_secs} s")
            }
        }
        StoreError::OwnerPinNotSet => lang
            .pick(
                "아직 사장님 PIN이 없습니다. 사장님이 먼저 PIN을 정하세요 (dangol set-pin 또는 창의 설정)",
                "this shop has no owner PIN yet; the owner sets one first (dangol set-pin, or the window's setup)",
            )
            .to_string(),
        StoreError::OwnerRequired { what } => {
            if ko {
                format!("사장님만 할 수 있습니다: {}. 사장님 PIN이 필요합니다", what.ko)
            } else {
                format!("only the owner may {}; the owner's PIN is needed", what.en)
            }
        }
        StoreError::WriteTime { at, now, reason } => {
            if ko {
                format!("{at} 시각의 기록은 받을 수 없습니다 (현재 {now}): {}", reason.ko)
            } else {
                format!("a write dated {at} was refused (the clock says {now}): {}", reason.en)
            }
        }
        StoreError::VisitConflict { visit, reason } => {
            if ko {
                format!("방문 {visit}: {}", reason.ko)
            } else {
                format!("visit {visit}: {}", reason.en)
            }
        }
        StoreError::LargeSale { subtotal, limit, max_qty } => {
            if ko {
                format!(
                    "평소보다 큰 판매입니다 ({}, 한 상품 최대 {max_qty}개). {} 또는 한 상품 100개를 넘으면 확인이 필요합니다",
                    format_won(*subtotal),
                    format_won(*limit)
                )
            } else {
                format!(
                    "an unusually large sale ({}, up to {max_qty} of one item; the shop asks to confirm sales over {} or 100 of one item): confirm it to complete",
                    format_won(*subtotal),
                    format_won(*limit)
                )
            }
        }
        StoreError::ReadOnly => lang
            .pick(
                "읽기 전용으로 연 파일이라 바꿀 수 없습니다. 계산대 창을 닫고 다시 하세요",
                "this database was opened for reading only; close the counter window and try again",
            )
            .to_string(),
        StoreError::Busy => lang
            .pick(
                "다른 작업(가져오기 등)이 가게 파일을 쓰고 있어 기다리다 시간이 지났습니다. 끝난 뒤 다시 하세요",
                "another task (an import, say) kept the shop's file busy for too long; try again when it is done",
            )
            .to_string(),
        StoreError::HubUnreachable { hub, detail } => {
            if ko {
                format!(
                    "허브({hub})에 연결할 수 없습니다. 판매는 이 계산대에 안전하게 저장되어 있고 다음 동기화 때 보냅니다 ({detail})"
                )
            } else {
                format!(
                    "the hub ({hub}) cannot be reached; sales are kept safely at this counter and go with the next sync ({detail})"
                )
            }
        }
        StoreError::HubRefused { refusal, detail } => {
            let ko_why = match refusal.as_str() {
                "revoked" => "이 계산대는 사장님이 허브에서 해제했습니다",
                "bad_join_key" => "가게 참여 키가 맞지 않습니다",
                "unknown_device" => "허브가 이 계산대를 모릅니다. 참여 키로 다시 참여하세요",
                "device_taken" => "같은 계산대 번호가 다른 자격으로 이미 등록되어 있습니다(복사한 파일일 수 있습니다)",
                "rewritten" => "허브에 있는 이 계산대의 기록과 이 파일의 기록이 다릅니다(복원한 백업이나 복사한 파일)",
                "event_id_reused" => "이미 허브에 있는 기록 번호를 다시 썼습니다(복사한 파일일 수 있습니다)",
                "counter_newer" => "이 계산대가 허브보다 새 버전입니다. 허브를 먼저 업데이트하세요",
                "hub_unavailable" => "허브의 데이터베이스가 지금 응답하지 않습니다. 잠시 뒤 다시 하세요",
                "hub_state" => "허브의 가게 상태(스냅샷)를 지금 만들 수 없습니다. 잠시 뒤 다시 하세요",
                "certificate_mismatch" => {
                    "허브가 내민 인증서가 참여 키 파일에 적힌 것과 다릅니다. 다른 기기가 허브인 척할 수 있어 멈춥니다. 허브의 참여 키 파일을 다시 복사하세요"
                }
                "no_pin" => {
                    "이 참여 키 파일에는 HTTPS 허브의 인증서 지문이 없습니다. 허브의 참여 키 파일을 다시 복사하세요"
                }
                "hub_seeded" => {
                    "이 허브는 다른 계산대의 기존 기록으로 시작했습니다. 새 파일로 참여하세요(dangol sync --db 새파일.db)"
                }
                "hub_not_empty" => {
                    "이 계산대에는 동기화 전 기록(일괄 불러온 자료)이 있어 비어 있는 허브에만 처음으로 올릴 수 있습니다"
                }
                "seed_refused" => {
                    "허브가 이 계산대의 기존 기록을 받지 않았습니다(이미 다른 계산대가 참여했거나 올렸습니다)"
                }
                _ => "허브가 요청을 거절했습니다",
            };
            if ko { format!("{ko_why} ({refusal})") } else { format!("the hub refused ({refusal}): {detail}") }
        }
        StoreError::SyncDiverged { hub_acked, local_seq } => {
            if ko {
                format!(
                    "허브에는 이 계산대의 기록이 {hub_acked}번까지 있는데 이 파일에는 {local_seq}번까지만 있습니다. 복원한 백업이나 복사한 파일로 보입니다. 섞지 않고 멈춥니다"
                )
            } else {
                format!(
                    "the hub holds this counter's events up to {hub_acked} but this file only up to {local_seq}: a restored backup or a copied file; stopped, nothing merged"
                )
            }
        }
        StoreError::Sqlite(e) => {
            if ko {
                format!("데이터베이스 오류: {e}")
            } else {
                format!("database error: {e}")
            }
        }
        StoreError::Io { path, source } => {
            let why = match (source.kind(), ko) {
                (std::io::ErrorKind::NotFound, true) => "파일이 없습니다".to_string(),
                (std::io::ErrorKind::PermissionDenied, true) => "권한이 없습니다".to_string(),
                (std::io::ErrorKind::AlreadyExists, true) => "이미 있습니다".to_string(),
                (std::io::ErrorKind::IsADirectory, true) => "폴더입니다".to_string(),
                (_, true) => format!("파일을 읽거나 쓸 수 없습니다 ({source})"),
                (_, false) => source.to_string(),
            };
            format!("{}: {why}", path.display())
        }
    }
}

#[cfg(test)]
mod subject_tests {
    use super::*;

    /// Every subject an error names in the code (`bad_input("...")`,
    /// `not_found("...")`, `what: "..."`) has Korean words: a subject without
    /// them would put English into a Korean sentence.
    #[test]
    fn every_subject_in_the_code_has_korean_words() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["crates", "src-tauri/src"] {
            collect(&root.join(dir), &mut files);
        }
        assert!(files.len() > 50, "{} source files found", files.len());
        let mut missing = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for w in subjects(&text) {
                let ko = subject(&w, Lang::Ko);
                if !ko.chars().any(|c| ('가'..='힣').contains(&c)) {
                    missing.push(format!("{w:?} ({})", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "subjects with no Korean words: {missing:?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                // Tests name made-up subjects; build output is not code.
                if !matches!(p.file_name().and_then(|n| n.to_str()), Some("tests" | "target" | "gen")) {
                    collect(&p, out);
                }
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("error_text.rs") {
                out.push(p);
            }
        }
    }

    /// The string right after `bad_input(`, `not_found(` or `what:`.
    fn subjects(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for opener in ["bad_input(", "not_found(", "what:"] {
            for (i, _) in text.match_indices(opener) {
                let rest = text[i + opener.len()..].trim_start();
                if let Some(quoted) = rest.strip_prefix('"')
                    && let Some(end) = quoted.find('"')
                {
                    found.push(quoted[..end].to_string());
                }
            }
        }
        found
    }
}
