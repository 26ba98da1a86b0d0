//! The hub over HTTPS with its own certificate, pinned by the counters: the
//! built `dangol hub --tls` and counters syncing with `dangol sync`, as a
//! shop on a LAN runs them. The join key file carries the certificate's
//! fingerprint; a counter trusts that certificate only, refuses a hub whose
//! certificate differs (another machine answering at the hub's address),
//! and refuses an HTTPS hub when its key file names no certificate. A hub
//! reachable from the network serves plain HTTP only when the owner says so.

mod common;

use common::*;
use std::path::Path;

fn sync(db: &Path, hub: &str, key: &Path) -> std::process::Output {
    run(&["sync", "--db", db.to_str().unwrap(), "--hub", hub, "--key-file", key.to_str().unwrap(), "--json"])
}

fn error_of(out: &std::process::Output) -> (Option<i32>, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("a JSON error: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v["error"].clone())
}

fn joined(db: &Path) -> bool {
    let s = json(&["sync", "--db", db.to_str().unwrap(), "--status"]);
    s["joined"].as_bool().unwrap_or(false)
}

#[test]
fn counters_sync_over_https_trusting_only_the_certificate_their_key_file_names() {
    let dir = temp_dir("tls");
    let key = dir.join("shop.key");
    let hub_db = dir.join("hub.db");
    let hub = HubProcess::start(
        &["--db", hub_db.to_str().unwrap(), "--key-file", key.to_str().unwrap(), "--tls"],
        "127.0.0.1:0",
    );
    let url = hub.url();
    assert!(url.starts_with("https://"), "{url}");
    let text = std::fs::read_to_string(&key).unwrap();
    let pin =
        text.lines().find_map(|l| l.strip_prefix("pin ")).expect("the key file names the certificate").to_string();
    assert!(pin.starts_with("sha256:") && pin.len() == 7 + 64, "{pin}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the key file stays the owner's alone");
    let cert_key = dir.join("hub-key.pem");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&cert_key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the certificate's private key too");

    // A counter joins over HTTPS and syncs again with the certificate it kept.
    let a = dir.join("a.db");
    let who = json(&["add-customer", "--db", a.to_str().unwrap(), "--name", "김영자", "--phone", "010-2222-3333"]);
    let out = sync(&a, &url, &key);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plain = dir.join("plain.key");
    std::fs::write(&plain, text.lines().next().unwrap()).unwrap();
    let out = sync(&a, &url, &plain);
    assert!(out.status.success(), "the kept certificate is enough: {}", String::from_utf8_lossy(&out.stderr));

    // A new counter starts from the snapshot over HTTPS.
    let b = dir.join("b.db");
    let out = sync(&b, &url, &key);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found = json(&["lookup", "--db", b.to_str().unwrap(), "3333"]);
    assert_eq!(found["hits"][0]["id"], who["id"]);

    // A key file naming another certificate: someone else may be answering.
    let forged = dir.join("forged.key");
    std::fs::write(&forged, format!("{}\npin sha256:{}\n", text.lines().next().unwrap(), "ab".repeat(32))).unwrap();
    let c = dir.join("c.db");
    let (code, e) = error_of(&sync(&c, &url, &forged));
    assert_eq!((code, e["refusal"].as_str()), (Some(10), Some("certificate_mismatch")), "{e}");
    assert!(!c.exists() || !joined(&c), "nothing joined");
    // A key file naming no certificate cannot reach an HTTPS hub.
    let (code, e) = error_of(&sync(&c, &url, &plain));
    assert_eq!((code, e["refusal"].as_str()), (Some(10), Some("no_pin")), "{e}");
    // The hub comes back with another certificate (a new machine at the
    // same address): the counter that trusts the old one refuses it.
    let addr = hub.addr.clone();
    drop(hub);
    for f in ["hub-cert.pem", "hub-key.pem"] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let other =
        HubProcess::start(&["--db", hub_db.to_str().unwrap(), "--key-file", key.to_str().unwrap(), "--tls"], &addr);
    let url = other.url();
    let (code, e) = error_of(&sync(&a, &url, &plain));
    assert_eq!((code, e["refusal"].as_str()), (Some(10), Some("certificate_mismatch")), "{e}");
    // Plain HTTP to the HTTPS port gets no answer it could trust.
    let (code, _) = error_of(&sync(&dir.join("d.db"), &url.replace("https://", "http://"), &key));
    assert_eq!(code, Some(9));
}

#[test]
fn a_hub_reachable_from_the_network_needs_tls_or_the_owners_word_for_plain_http() {
    let dir = temp_dir("tls-plain");
    let key = dir.join("shop.key");
    let hub_db = dir.join("hub.db");
    let out = run(&[
        "hub",
        "--db",
        hub_db.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
        "--listen",
        "0.0.0.0:0",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, e) = error_of(&out);
    assert!(e["message"].as_str().unwrap().contains("--tls"), "{e}");
    let hub = HubProcess::start(
        &["--db", hub_db.to_str().unwrap(), "--key-file", key.to_str().unwrap(), "--plain-http"],
        "0.0.0.0:0",
    );
    assert!(hub.url().starts_with("http://"));
}
