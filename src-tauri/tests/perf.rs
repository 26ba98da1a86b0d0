//! Measures the real app on a real database (the 1,000,000-customer demo):
//! cold start to a focused search field, keystroke to rendered results, and
//! memory as PSS summed over the app and its WebKit processes, once with
//! WebKit's DMA-BUF renderer and once with `WEBKIT_DISABLE_DMABUF_RENDERER=1`.
//! Run by `scripts/measure-app.sh` (release build, under Xvfb); writes
//! `target/perf-app.json`.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{Driver, SERIAL, Session, app_binary};

/// Queries a cashier types, one key at a time.
const QUERIES: &[&str] =
    &["1004", "5678", "2580", "김민", "이영", "ㄱㅁㅅ", "ㅇㅈㅎ", "박정", "emily", "0415", "최지", "1234"];

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
        if after.split_whitespace().nth(1).and_then(|v| v.parse::<u32>().ok()) == Some(pid) {
            out.push(p);
            out.extend(children(p));
        }
    }
    out
}

fn find_app(binary: &Path) -> Option<u32> {
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|x| x == binary) {
            return Some(p);
        }
    }
    None
}

fn app_pid(binary: &Path) -> u32 {
    find_app(binary).expect("the app process is running")
}

/// Waits for the previous launch to exit: it holds the database's
/// one-instance lock until it does.
fn wait_app_gone(binary: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while find_app(binary).is_some() {
        assert!(Instant::now() < deadline, "the previous app did not exit within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn run(db: &str, dmabuf_off: bool, port: u16) -> Value {
    // The app turns the DMA-BUF renderer off unless told otherwise: "0"
    // measures WebKit's default for comparison.
    let env = vec![
        ("DANGOL_DB", db),
        ("LANG", "ko_KR.UTF-8"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", if dmabuf_off { "1" } else { "0" }),
    ];
    let shots = std::env::temp_dir().join("dangol-perf");
    std::fs::create_dir_all(&shots).unwrap();
    let mut cold_app = Vec::new();
    let mut cold_seen = Vec::new();
    let mut result = json!({});
    for attempt in 0..3 {
        wait_app_gone(&app_binary());
        let driver = Driver::start(port + attempt * 10, &env, &shots.join("driver.log"));
        let t0 = Instant::now();
        let s = Session::new(&driver, &app_binary(), shots.clone());
        let app_ms = s.wait("the focused search field", || {
            let v = s.exec("return (document.activeElement && document.activeElement.dataset.testid === 'search' && window.__dangolPerf && window.__dangolPerf.coldStartMs > 0) ? window.__dangolPerf.coldStartMs : null");
            v.as_f64()
        });
        cold_seen.push(t0.elapsed().as_secs_f64() * 1000.0);
        cold_app.push(app_ms);
        if attempt < 2 {
            continue;
        }
        let search = s.find("[data-testid=search]");
        for q in QUERIES {
            s.clear(&search);
            for ch in q.chars() {
                s.type_into(&search, &ch.to_string());
                std::thread::sleep(Duration::from_millis(120));
            }
        }
        std::thread::sleep(Duration::from_millis(500));
        let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../target/perf-{}.png", if dmabuf_off { "dmabuf-off" } else { "dmabuf-default" }));
        s.save_screenshot(&shot);
        let mut keys: Vec<f64> = s
            .exec("return window.__dangolPerf.keystrokes")
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        std::thread::sleep(Duration::from_secs(2));
        let pid = app_pid(&app_binary());
        let procs: Vec<u32> = std::iter::once(pid).chain(children(pid)).collect();
        let names: Vec<String> = procs
            .iter()
            .map(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default().trim().to_string())
            .collect();
        let pss: Vec<u64> = procs.iter().map(|p| pss_kib(*p)).collect();
        let n = keys.len();
        result = json!({
            "dmabuf_disabled": dmabuf_off,
            "keystroke_samples": n,
            "keystroke_p50_ms": percentile(&mut keys, 0.5),
            "keystroke_p95_ms": percentile(&mut keys, 0.95),
            "keystroke_max_ms": percentile(&mut keys, 1.0),
            "processes": names,
            "pss_kib": pss,
            "pss_total_mib": pss.iter().sum::<u64>() as f64 / 1024.0,
        });
    }
    result["cold_start_app_ms"] = json!(cold_app);
    result["cold_start_observed_ms"] = json!(cold_seen);
    result
}

#[test]
#[ignore = "measures the release app on a large database: run scripts/measure-app.sh"]
fn measure_the_app() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let db = std::env::var("DANGOL_PERF_DB").expect("DANGOL_PERF_DB names the database to measure");
    let with = run(&db, false, 4600);
    let without = run(&db, true, 4700);
    let report = json!({"database": db, "default": with, "dmabuf_disabled": without});
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/perf-app.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
