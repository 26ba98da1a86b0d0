//! The hub over real HTTP: what a counter sends as an event frame or as
//! JSON, and every malformed body, refused with its reason and nothing
//! kept.

use dangol_hub::client::{HubClient, new_device, new_token};
use dangol_hub::frame;
use dangol_hub::server::{Hub, serve};
use dangol_hub::wire::{JoinRequest, MAX_BATCH};
use dangol_hub::{EventLog, HUB_SCHEMA_VERSION, PushedEvent, SqliteLog};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const KEY: &str = "the-shops-join-key-for-http-tests";

/// A hub on a file in its own folder, served on a loopback port until the
/// test process ends.
fn start_hub(name: &str) -> (String, PathBuf) {
    let dir = std::env::temp_dir().join(format!("dangol-hub-http-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("hub.db");
    let log = SqliteLog::open(&db).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener, Arc::new(Hub::new(Box::new(log), KEY)), std::future::pending()).await.unwrap();
        });
    });
    (format!("http://{}", rx.recv().unwrap()), db)
}

fn joined(url: &str, name: &str) -> (Uuid, String, HubClient) {
    let (device, token) = (new_device(), new_token());
    let client = HubClient::new(url, Duration::from_secs(10)).with_token(&token);
    client
        .join(&JoinRequest {
            join_key: KEY.into(),
            device,
            name: name.into(),
            token: token.clone(),
            schema_version: HUB_SCHEMA_VERSION,
        })
        .unwrap();
    (device, token, client)
}

fn event(seq: i64, payload: &str) -> PushedEvent {
    PushedEvent {
        seq,
        event_id: Uuid::now_v7(),
        at_ms: 1_700_000_000_000 + seq,
        kind: "sale.completed".into(),
        schema_version: HUB_SCHEMA_VERSION,
        payload: payload.into(),
    }
}

/// Posts a raw body; returns the status and the refusal's `error`.
fn post(url: &str, token: &str, content_type: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent
        .post(&format!("{url}/v1/push"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    (status, serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap())
}

#[test]
fn every_malformed_push_is_refused_with_its_reason_and_nothing_is_kept() {
    let (url, db) = start_hub("malformed");
    let (_, token, counter) = joined(&url, "계산대 1");
    let (_, _, reader) = joined(&url, "계산대 2");
    let first = [event(1, r#"{"total":3200,"name":"소금빵 \"두 개\""}"#), event(2, "{}")];
    assert_eq!(counter.push(&first).unwrap().acked_seq, 2);

    let next = frame::encode_push(&[event(3, "{}")]);
    let mut garbled = next.clone();
    garbled[0] = b'X';
    let mut over = frame::encode_push(&[]);
    over[5..9].copy_from_slice(&(MAX_BATCH as u32 + 1).to_le_bytes());
    let mut not_utf8 = next.clone();
    let n = not_utf8.len();
    not_utf8[n - 1] = 0xff;
    let mut longer = next.clone();
    longer.extend_from_slice(b"tail");
    let cases: [(&str, &[u8], u16, &str); 6] = [
        ("application/json", b"{\"events\": [", 400, "bad_json"),
        (frame::MEDIA_TYPE, &garbled, 400, "bad_frame"),
        (frame::MEDIA_TYPE, &next[..next.len() - 3], 400, "bad_frame"),
        (frame::MEDIA_TYPE, &over, 413, "batch_too_large"),
        (frame::MEDIA_TYPE, &not_utf8, 400, "bad_frame"),
        (frame::MEDIA_TYPE, &longer, 400, "bad_frame"),
    ];
    for (content_type, body, status, error) in cases {
        let (got, answer) = post(&url, &token, content_type, body);
        assert_eq!((got, answer["error"].as_str()), (status, Some(error)), "{answer}");
        assert!(!answer["message"].as_str().unwrap_or("").is_empty(), "the refusal says why: {answer}");
    }
    // A body from a credential no one enrolled is not even read.
    let (got, answer) = post(&url, &new_token(), frame::MEDIA_TYPE, &garbled);
    assert_eq!((got, answer["error"].as_str()), (401, Some("unknown_device")));

    let held = reader.pull(0, 100).unwrap();
    assert_eq!(held.events.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), first, "nothing else was kept");
    assert_eq!(SqliteLog::open(&db).unwrap().head().unwrap(), 2);
    // The counter goes on where it was.
    assert_eq!(counter.push(&[event(3, "{}")]).unwrap().acked_seq, 3);
}

#[test]
fn a_push_as_json_and_a_pull_as_json_or_as_a_frame_carry_the_same_events() {
    let (url, _) = start_hub("json");
    let (writer, _, counter) = joined(&url, "계산대 1");
    let (_, token, reader) = joined(&url, "계산대 2");
    let events: Vec<PushedEvent> = (1..=5).map(|s| event(s, &format!(r#"{{"line":"{s}\n\u0000 é 빵"}}"#))).collect();
    assert_eq!(counter.push_json(&events[..2]).unwrap().acked_seq, 2);
    assert_eq!(counter.push(&events[2..]).unwrap().acked_seq, 5);

    let framed = reader.pull(0, 100).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent
        .get(&format!("{url}/v1/pull?after=0&limit=100"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let json: dangol_hub::wire::PullAnswer = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(json.events, framed.events);
    assert_eq!(json.head, framed.head);
    assert!(framed.events.iter().all(|e| e.device == writer));
    assert_eq!(framed.events.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), events);

    // Pages ahead: every event once, in order, in pages of two.
    let mut seen = Vec::new();
    for page in reader.pages(0, 2) {
        let page = page.unwrap();
        assert!(page.events.len() <= 2);
        if page.events.is_empty() {
            break;
        }
        seen.extend(page.events.into_iter().map(|e| e.event.seq));
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!(reader.pages(framed.head, 2).count(), 1, "one empty page after the head, then the end");
}

#[test]
fn a_counter_revoked_after_it_pushed_is_refused_before_its_next_body_is_read() {
    let (url, db) = start_hub("revoked");
    let (device, token, counter) = joined(&url, "계산대 1");
    assert_eq!(counter.push(&[event(1, "{}")]).unwrap().acked_seq, 1);
    assert!(SqliteLog::open(&db).unwrap().revoke(device, 1).unwrap());
    let refused = counter.push(&[event(2, "{}")]).unwrap_err();
    assert_eq!(refused.kind(), Some("revoked"));
    let (status, answer) = post(&url, &token, frame::MEDIA_TYPE, b"not a frame");
    assert_eq!((status, answer["error"].as_str()), (403, Some("revoked")), "{answer}");
    assert_eq!(SqliteLog::open(&db).unwrap().head().unwrap(), 1);
}
