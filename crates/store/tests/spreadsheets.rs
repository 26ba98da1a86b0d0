//! Files as Korean spreadsheets write them: CP949 and UTF-8 with or without
//! a byte-order mark, Korean headers, Mac (NFD) names, CRLF line numbers,
//! the export → edit in Excel → import round trip, formula cells, and
//! exports that can never land on the database's own files.

mod common;

use common::*;
use dangol_store::error::RowError;
use dangol_store::{Store, StoreError};

fn rejected(result: dangol_store::Result<dangol_store::csv_io::ImportReport>, why: &str) -> Vec<RowError> {
    match result {
        Err(StoreError::InvalidRows { errors, .. }) => errors,
        Err(other) => panic!("{why}: expected a row-by-row rejection, got {other}"),
        Ok(report) => panic!("{why}: expected a rejection, but it imported {report:?}"),
    }
}

fn cp949(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(text);
    assert!(!unmappable, "{text} is representable in CP949");
    bytes.into_owned()
}

#[test]
fn a_cp949_file_with_korean_headers_imports_and_says_how_it_was_read() {
    let text = "이름,전화번호,생년월일,호칭,등급,마케팅 동의,메모\r\n\
                김영자,010-2222-3333,1954-03-01,어머님,골드,동의,통밀빵 좋아함\r\n\
                박정호,1098765432,,,,,\r\n";
    let (mut store, mut ids) = shop(&[]);
    let report = store.owner_import_customers(cp949(text).as_slice(), at(), &mut ids).expect("CP949 imports");
    assert_eq!((report.created, report.encoding.as_str()), (2, "cp949"));
    let o = store.owner_viewer(&mut ids);
    let kim = &store.lookup("김영자", 5, &o).unwrap().hits[0];
    let p = store.profile(kim.id, at(), &o).unwrap();
    assert_eq!(
        (p.preferred_name.as_deref(), p.tier.as_str(), p.marketing_consent, p.notes.as_str()),
        (Some("어머님"), "gold", true, "통밀빵 좋아함"),
        "every Korean header found its column, and 골드 is gold"
    );
    let park = &store.lookup("010-9876-5432", 5, &o).unwrap().hits[0];
    assert_eq!(park.name, "박정호", "a number without its leading 0 is still the number");

    for (bytes, want) in [
        (b"name,phone\n\xea\xb9\x80,010-2000-0001\n".to_vec(), "utf-8"),
        (b"\xef\xbb\xbfname,phone\n\xea\xb9\x80,010-2000-0002\n".to_vec(), "utf-8-bom"),
    ] {
        let r = store.owner_import_customers(bytes.as_slice(), at(), &mut ids).unwrap();
        assert_eq!(r.encoding, want);
    }
}

#[test]
fn a_cp949_header_gets_the_same_help_as_a_cp949_row() {
    let (mut store, mut ids) = shop(&[]);
    let errors = rejected(
        store.owner_import_customers(
            cp949("이름,전화번호,주소\n김영자,010-2222-3333,서울\n").as_slice(),
            at(),
            &mut ids,
        ),
        "an unknown Korean column",
    );
    assert_eq!(errors[0].line, 1);
    assert_eq!(errors[0].column.as_deref(), Some("주소"), "the header is read in CP949, not as mojibake");
    assert!(errors[0].message.ko.contains("주소") && errors[0].message.ko.contains("이름"), "{:?}", errors[0].message);
    let errors = rejected(
        store.owner_import_customers(cp949("이름,전화번호\n김영자,02-123-4567\n").as_slice(), at(), &mut ids),
        "a landline in a CP949 row",
    );
    assert_eq!(
        (errors[0].line, errors[0].column.as_deref(), errors[0].kind.as_str()),
        (2, Some("phone"), "invalid_phone")
    );
}

#[test]
fn names_written_on_a_mac_are_found_as_typed() {
    // 김영자 and 박정호 in NFD, as macOS writes file contents and names.
    let nfd_kim = "\u{1100}\u{1175}\u{11b7}\u{110b}\u{1167}\u{11bc}\u{110c}\u{1161}";
    let nfd_park = "\u{1107}\u{1161}\u{11a8}\u{110c}\u{1165}\u{11bc}\u{1112}\u{1169}";
    let csv = format!("name,phone\n{nfd_kim},010-2222-3333\n{nfd_park},010-4444-5555\n");
    let (mut store, mut ids) = shop(&[]);
    store.owner_import_customers(csv.as_bytes(), at(), &mut ids).unwrap();
    let o = store.owner_viewer(&mut ids);
    for query in ["김영자", "영자", "ㄱㅇㅈ", nfd_kim] {
        let hits = store.lookup(query, 5, &o).unwrap().hits;
        assert_eq!(hits.len(), 1, "{query:?} finds her");
        assert_eq!(hits[0].name, "김영자", "stored composed (NFC)");
    }
    assert_eq!(store.lookup("박정호", 5, &o).unwrap().hits.len(), 1);
}

#[test]
fn crlf_files_name_the_line_an_editor_shows() {
    let csv = "name,phone,notes\r\n김영자,010-2222-3333,\"두 줄\r\n메모\"\r\n박정호,010-4444-5555,\r\n이순신,02-123-4567,\r\n";
    let (mut store, mut ids) = shop(&[]);
    let errors = rejected(store.owner_import_customers(csv.as_bytes(), at(), &mut ids), "a landline on line 5");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 5, "header 1, 김영자 2-3 (a quoted line break), 박정호 4, 이순신 5");
}

#[test]
fn export_edit_in_excel_and_import_again_updates_by_phone() {
    let (mut store, mut ids) = shop(&[]);
    let csv = "name,phone,tier,notes,tags\n김영자,010-2222-3333,gold,통밀빵,단골\n박정호,010-4444-5555,,,\n최지우,010-6666-7777,,,\n";
    store.owner_import_customers(csv.as_bytes(), at(), &mut ids).unwrap();
    let before = store.customer_count().unwrap();
    let dir = temp_dir("excel-roundtrip");
    let path = dir.join("customers.csv");
    store.owner_export_customers(&path).unwrap();

    let same = store.owner_import_customers(std::fs::File::open(&path).unwrap(), at(), &mut ids).unwrap();
    assert_eq!((same.created, same.updated, same.unchanged), (0, 0, 3), "the file as exported changes nothing");

    // In Excel: 박정호 becomes 박정훈 and silver, 최지우 gets a note, and a
    // new row is added at the bottom.
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text
        .replace("박정호,010-4444-5555,,,basic", "박정훈,010-4444-5555,,,silver")
        .replace("최지우,010-6666-7777,,,basic,,", "최지우,010-6666-7777,,,basic,,라떼 시럽 없이")
        + "이순신,010-8888-9999,,,,,,,\n";
    assert_ne!(edited, text, "the edit applies to the exported text");
    let r = store.owner_import_customers(edited.as_bytes(), at() + minutes(1), &mut ids).unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (1, 2, 1));
    assert_eq!(store.customer_count().unwrap(), before + 1);
    let o = store.owner_viewer(&mut ids);
    assert!(store.lookup("박정호", 5, &o).unwrap().hits.is_empty(), "the old name is no longer searched");
    let park = &store.lookup("박정훈", 5, &o).unwrap().hits[0];
    assert_eq!(park.tier, "silver");
    let choi = &store.lookup("010-6666-7777", 5, &o).unwrap().hits[0];
    assert_eq!(store.profile(choi.id, at(), &o).unwrap().notes, "라떼 시럽 없이");
    let kim = &store.lookup("김영자", 5, &o).unwrap().hits[0];
    let kim = store.profile(kim.id, at(), &o).unwrap();
    assert_eq!((kim.tier.as_str(), kim.tags.clone()), ("gold", vec!["단골".to_string()]), "untouched rows stay");

    // A file with fewer columns updates only those columns.
    let r =
        store.owner_import_customers("전화번호,메모\n010-2222-3333,통밀빵 두 개\n".as_bytes(), at(), &mut ids).unwrap();
    assert_eq!((r.updated, r.created), (1, 0));
    let kim = store.profile(kim.id, at(), &o).unwrap();
    assert_eq!((kim.name.as_str(), kim.tier.as_str(), kim.notes.as_str()), ("김영자", "gold", "통밀빵 두 개"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cells_a_spreadsheet_would_run_are_escaped_and_come_back_as_typed() {
    let (mut store, mut ids) = shop(&[]);
    let csv = "name,phone,notes,tags\n김영자,010-2222-3333,\"=HYPERLINK(\"\"http://x\"\",\"\"클릭\"\")\",@단골\n";
    store.owner_import_customers(csv.as_bytes(), at(), &mut ids).unwrap();
    let dir = temp_dir("formula");
    let path = dir.join("customers.csv");
    store.owner_export_customers(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"'=HYPERLINK(") && text.contains(",'@단골"), "{text}");
    assert!(!text.lines().skip(1).any(|l| l.split(',').any(|c| c.starts_with(['=', '+', '@']))), "{text}");
    let (mut fresh, mut other) = shop_seeded(&[], 11);
    fresh.owner_import_customers(std::fs::File::open(&path).unwrap(), at(), &mut other).unwrap();
    let o = fresh.owner_viewer(&mut other);
    let kim = &fresh.lookup("김영자", 5, &o).unwrap().hits[0];
    let p = fresh.profile(kim.id, at(), &o).unwrap();
    assert_eq!((p.notes.as_str(), p.tags.clone()), ("=HYPERLINK(\"http://x\",\"클릭\")", vec!["@단골".to_string()]));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_export_never_lands_on_the_database_or_its_files_and_a_failed_one_leaves_nothing() {
    let dir = temp_dir("export-target");
    let db = dir.join("shop.db");
    let mut store = Store::open(&db).unwrap();
    let mut ids = dangol_domain::ids::SeededIds::new(3);
    clock(&mut store, at());
    add(&mut store, &mut ids, "김영자", "010-2222-3333", None, None);
    let db_bytes = std::fs::read(&db).unwrap();
    std::os::unix::fs::symlink(&db, dir.join("link.csv")).unwrap();
    let same_dir = dir.join("sub").join("..").join("shop.db-wal");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for target in [
        db.clone(),
        dir.join("shop.db-wal"),
        dir.join("shop.db-shm"),
        dir.join("shop.db.lock"),
        dir.join("link.csv"),
        same_dir,
    ] {
        let err = store.owner_export_customers(&target).expect_err("refused");
        assert_eq!(err.kind(), "bad_input", "{}: {err}", target.display());
        assert!(err.to_string().contains("database"), "{err}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), db_bytes, "the database is untouched");
    assert_eq!(store.shop_info().unwrap().customers, 1, "and still opens and reads");

    // A target that cannot be written: a directory of that name.
    std::fs::create_dir_all(dir.join("out.csv")).unwrap();
    assert!(store.owner_export_customers(&dir.join("out.csv")).is_err());
    let partials: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(partials.is_empty(), "no file of names and phone numbers is left behind: {partials:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_oversized_file_is_refused_without_reading_past_the_limit() {
    let (mut store, mut ids) = shop(&[]);
    let mut read = 0u64;
    let endless = std::io::repeat(b'a').take(u64::MAX);
    let counting = CountingReader { inner: endless, read: &mut read };
    let errors = rejected(store.owner_import_customers(counting, at(), &mut ids), "a file without end");
    assert!(errors[0].message.en.contains("larger than 64 MB"), "{:?}", errors[0]);
    assert!(read <= dangol_store::csv_io::MAX_IMPORT_BYTES + 64 * 1024, "read {read} bytes");
}

use std::io::Read;

struct CountingReader<'a, R> {
    inner: R,
    read: &'a mut u64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.read += n as u64;
        Ok(n)
    }
}

#[test]
fn blank_cells_keep_what_is_stored_and_empty_columns_are_ignored() {
    let (mut store, mut ids) = shop(&[]);
    let csv = "name,phone,tier,notes\n김영자,010-2222-3333,vip,통밀빵\n박정호,010-4444-5555,gold,\n";
    store.owner_import_customers(csv.as_bytes(), at(), &mut ids).unwrap();
    // A sheet with a half-filled 등급 column and the empty trailing columns
    // Excel writes.
    let sheet = "이름,전화번호,등급,메모,,\n김영자,010-2222-3333,,,,\n박정호,010-4444-5555,silver,,,\n";
    let r = store.owner_import_customers(sheet.as_bytes(), at(), &mut ids).unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 1));
    let o = store.owner_viewer(&mut ids);
    let kim = &store.lookup("김영자", 5, &o).unwrap().hits[0];
    let kim = store.profile(kim.id, at(), &o).unwrap();
    assert_eq!((kim.tier.as_str(), kim.notes.as_str()), ("vip", "통밀빵"), "a blank cell never demotes or wipes");
    assert_eq!(store.lookup("박정호", 5, &o).unwrap().hits[0].tier, "silver");
    let stray = "이름,전화번호,\n김영자,010-2222-3333,뭔가\n";
    let errors = rejected(store.owner_import_customers(stray.as_bytes(), at(), &mut ids), "a value without a header");
    assert_eq!(errors[0].line, 2);
}

#[test]
fn excels_unicode_text_is_refused_with_the_way_out() {
    let text = "이름\t전화번호\r\n김영자\t010-2222-3333\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (mut store, mut ids) = shop(&[]);
    let errors = rejected(store.owner_import_customers(bytes.as_slice(), at(), &mut ids), "UTF-16 text");
    assert!(errors[0].message.ko.contains("CSV UTF-8"), "{:?}", errors[0].message);
    // A UTF-16 CSV (commas) is read.
    let csv = "이름,전화번호\r\n김영자,010-2222-3333\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(csv.encode_utf16().flat_map(u16::to_le_bytes));
    let r = store.owner_import_customers(bytes.as_slice(), at(), &mut ids).unwrap();
    assert_eq!((r.created, r.encoding.as_str()), (1, "utf-16le"));
}

#[test]
fn prices_as_korean_excel_writes_them() {
    let (mut store, mut ids) = shop(&[]);
    let r = store
        .owner_import_products("상품코드,상품명,분류,가격\nAMR,아메리카노,음료,\"4,500\"\n".as_bytes(), at(), &mut ids)
        .unwrap();
    assert_eq!(r.rows, 1);
    assert_eq!(store.products().unwrap().iter().find(|p| p.sku == "AMR").unwrap().price, 4_500);
    // A barcode given once is kept by a later sheet with a blank barcode
    // cell (or none), and a row equal to what is stored changes nothing.
    store
        .owner_import_products(
            "sku,name,category,price,barcode\nAMR,아메리카노,음료,4500,8801\n".as_bytes(),
            at(),
            &mut ids,
        )
        .unwrap();
    let r = store
        .owner_import_products(
            "sku,name,category,price,barcode\nAMR,아메리카노,음료,4500,\n".as_bytes(),
            at(),
            &mut ids,
        )
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (0, 1));
    let r = store
        .owner_import_products("sku,name,category,price\nAMR,아메리카노,음료,4800\n".as_bytes(), at(), &mut ids)
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 0));
    let amr = store.products().unwrap().into_iter().find(|p| p.sku == "AMR").unwrap();
    assert_eq!((amr.price, amr.barcode.as_deref()), (4_800, Some("8801")));
}
