//! `dangol sync`: one round with the shop's hub (or, with --status, where
//! sync stands). Exits 0 when the counter and the hub hold each other's
//! events.

use crate::args::Common;
use crate::emit;
use dangol_domain::i18n::Lang;
use dangol_store::StoreError;
use std::path::Path;

fn machine_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "counter".into())
}

pub fn run(
    common: &Common,
    hub: Option<&str>,
    key_file: Option<&Path>,
    name: Option<&str>,
    status_only: bool,
    l: Lang,
) -> Result<(), StoreError> {
    if status_only {
        let store = crate::open_existing(common)?;
        let s = store.sync_status()?;
        if common.json {
            emit::out(&format!("{}\n", serde_json::to_string(&s).expect("plain data")));
        } else {
            emit::out(&crate::output::sync_status(&s, store.now(), l));
        }
        return Ok(());
    }
    let (Some(hub), Some(key_file)) = (hub, key_file) else {
        return Err(StoreError::bad_input(
            "sync",
            "--hub와 --key-file이 필요합니다",
            "--hub and --key-file are needed",
        ));
    };
    let key = crate::hub::join_key(key_file, false)?;
    let mut opts = dangol_sync::Options::new(hub, &key, name.map(str::to_string).unwrap_or_else(machine_name).as_str());
    opts.pin = crate::hub::join_pin(key_file)?;
    if let Some(dir) = common.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        opts.scratch_dir = dir.to_path_buf();
    } else {
        opts.scratch_dir = std::path::PathBuf::from(".");
    }
    // A new counter starts from the hub's snapshot of the shop.
    let snapshot_at = dangol_sync::bootstrap(&common.db, &opts)?;
    let mut store = crate::open(common)?;
    let mut report = dangol_sync::round(&mut store, &opts)?;
    report.snapshot_at = snapshot_at;
    if common.json {
        emit::out(&format!("{}\n", serde_json::to_string(&report).expect("plain data")));
    } else {
        emit::out(&format!(
            "{}: {} {}, {} {} ({} {}, {} {})\n",
            l.pick("동기화", "synced"),
            l.pick("보냄", "pushed"),
            report.pushed,
            l.pick("받음", "pulled"),
            report.pulled,
            l.pick("격리", "quarantined"),
            report.quarantined,
            l.pick("이상", "anomalies"),
            report.anomalies
        ));
    }
    Ok(())
}
