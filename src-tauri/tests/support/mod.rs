//! Drives the real built app through WebDriver: `tauri-driver` (which
//! starts WebKitWebDriver and the app) on a private port, a tiny
//! synchronous W3C WebDriver client over plain HTTP, and screenshots of each
//! step saved under `target/e2e-screenshots/<test>/`.
//!
//! These tests need a display (run them under `xvfb-run`), `tauri-driver`
//! and `WebKitWebDriver` on PATH, and a built `ui/dist`; they are `#[ignore]`d
//! so a plain `cargo test` skips them, and `scripts/test.sh` runs them.

#![allow(dead_code)]

pub mod counter;

use base64::Engine;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One app at a time: the tests share the display.
pub static SERIAL: Mutex<()> = Mutex::new(());

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts tauri-driver with the given environment for the app.
    pub fn start(port: u16, env: &[(&str, &str)], log: &Path) -> Driver {
        let mut cmd = Command::new("tauri-driver");
        let out = std::fs::File::create(log).expect("driver log");
        cmd.args(["--port", &port.to_string(), "--native-port", &(port + 1).to_string()])
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        // The port opens before the WebKitWebDriver behind it is ready: wait
        // until /status answers.
        let deadline = Instant::now() + Duration::from_secs(30);
        while try_http(port, "GET", "/status", None).is_none() {
            assert!(Instant::now() < deadline, "tauri-driver did not become ready on {port}");
            std::thread::sleep(Duration::from_millis(200));
        }
        Driver { child, port }
    }
}

impl Driver {
    /// Starts WebKitWebDriver itself, for a plain WebKit browser
    /// (`Session::browser`): a tablet's browser opening a page.
    pub fn webkit(port: u16, log: &Path) -> Driver {
        let out = std::fs::File::create(log).expect("driver log");
        let child = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("WebKitWebDriver on PATH (apt install webkit2gtk-driver)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while try_http(port, "GET", "/status", None).is_none() {
            assert!(Instant::now() < deadline, "WebKitWebDriver did not become ready on {port}");
            std::thread::sleep(Duration::from_millis(200));
        }
        Driver { child, port }
    }
}

/// WebKitGTK's own small browser (part of libwebkit2gtk-4.1-0).
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM (not SIGKILL) so tauri-driver also stops WebKitWebDriver.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    try_http(port, method, path, body).unwrap_or_else(|| panic!("WebDriver gave no answer to {method} {path}"))
}

fn try_http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Option<Value> {
    try_http_within(port, method, path, body, Duration::from_secs(60))
}

fn try_http_within(port: u16, method: &str, path: &str, body: Option<&Value>, timeout: Duration) -> Option<Value> {
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    // No "Connection: close": tauri-driver forwards it to WebKitWebDriver and
    // its pooled client then races the closing connection. The response is
    // read by its Content-Length instead.
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(req.as_bytes()).ok()?;
    let mut raw: Vec<u8> = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let header_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
    let chunked = head.contains("transfer-encoding: chunked");
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()));
    loop {
        let have = raw.len() - header_end;
        let done = match length {
            Some(len) => have >= len,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&raw[header_end..]).to_string();
    let body = if chunked { dechunk(&body) } else { body };
    serde_json::from_str(&body).ok()
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// A WebDriver session on the app.
pub struct Session {
    pub port: u16,
    pub id: String,
    pub shots: PathBuf,
    step: usize,
}

#[derive(Clone)]
pub struct El(pub String);

impl Session {
    pub fn new(driver: &Driver, app: &Path, shots: PathBuf) -> Session {
        let caps =
            json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app}}}});
        let v = http(driver.port, "POST", "/session", Some(&caps));
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        std::fs::create_dir_all(&shots).unwrap();
        Session { port: driver.port, id, shots, step: 0 }
    }

    /// A session on MiniBrowser through `Driver::webkit`.
    pub fn browser(driver: &Driver, shots: PathBuf) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "MiniBrowser",
            "webkitgtk:browserOptions": {"binary": MINIBROWSER, "args": ["--automation"]}
        }}});
        let v = http(driver.port, "POST", "/session", Some(&caps));
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no browser session: {v}")).to_string();
        std::fs::create_dir_all(&shots).unwrap();
        Session { port: driver.port, id, shots, step: 100 }
    }

    /// Opens `url` in this session's browser.
    pub fn open(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = http(self.port, method, &format!("/session/{}{path}", self.id), body.as_ref());
        if let Some(err) = v["value"].get("error") {
            panic!("WebDriver {method} {path}: {err} {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub fn try_find(&self, css: &str) -> Option<El> {
        let v = http(
            self.port,
            "POST",
            &format!("/session/{}/element", self.id),
            Some(&json!({"using": "css selector", "value": css})),
        );
        v["value"][ELEMENT].as_str().map(|s| El(s.to_string()))
    }

    pub fn find_all(&self, css: &str) -> Vec<El> {
        let v = self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})));
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(|s| El(s.to_string()))).collect())
            .unwrap_or_default()
    }

    /// Waits up to 30 s for an element.
    pub fn find(&self, css: &str) -> El {
        self.wait(&format!("element {css}"), || self.try_find(css))
    }

    pub fn wait<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(v) = f() {
                return v;
            }
            if Instant::now() > deadline {
                let shot = self.shots.join("timeout.png");
                self.save_screenshot(&shot);
                panic!("timed out waiting for {what}; screenshot at {}", shot.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Scrolls the element into view (as a person would) and clicks it.
    pub fn click(&self, el: &El) {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": "arguments[0].scrollIntoView({block: 'center'});", "args": [{ELEMENT: el.0}]})),
        );
        self.cmd("POST", &format!("/element/{}/click", el.0), Some(json!({})));
    }

    pub fn type_into(&self, el: &El, text: &str) {
        self.cmd("POST", &format!("/element/{}/value", el.0), Some(json!({"text": text})));
    }

    pub fn clear(&self, el: &El) {
        self.cmd("POST", &format!("/element/{}/clear", el.0), Some(json!({})));
    }

    pub fn text(&self, el: &El) -> String {
        self.cmd("GET", &format!("/element/{}/text", el.0), None).as_str().unwrap_or_default().to_string()
    }

    pub fn attr(&self, el: &El, name: &str) -> Option<String> {
        self.cmd("GET", &format!("/element/{}/attribute/{name}", el.0), None).as_str().map(str::to_string)
    }

    /// The handles of the app's windows.
    pub fn windows(&self) -> Vec<String> {
        let v = self.cmd("GET", "/window/handles", None);
        v.as_array().map(|a| a.iter().filter_map(|h| h.as_str().map(str::to_string)).collect()).unwrap_or_default()
    }

    /// The current window's handle.
    pub fn window(&self) -> String {
        self.cmd("GET", "/window", None).as_str().unwrap_or_default().to_string()
    }

    /// Drives another of the app's windows from now on.
    pub fn switch_to(&self, handle: &str) {
        self.cmd("POST", "/window", Some(json!({"handle": handle})));
    }

    /// Resizes the app window (as a person would drag it or maximize it).
    pub fn resize(&self, width: u32, height: u32) {
        self.cmd("POST", "/window/rect", Some(json!({"x": 0, "y": 0, "width": width, "height": height})));
    }

    pub fn exec(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Saves a screenshot. WebKitWebDriver sometimes never answers a
    /// screenshot request (seen with the DMA-BUF renderer off and a modal
    /// open); then the X screen itself is captured with ImageMagick's
    /// `import`, which is what a person at that display would see.
    pub fn save_screenshot(&self, path: &Path) {
        for attempt in 0..2 {
            std::thread::sleep(Duration::from_millis(150 + 350 * attempt));
            let v = try_http_within(
                self.port,
                "GET",
                &format!("/session/{}/screenshot", self.id),
                None,
                Duration::from_secs(8),
            );
            if let Some(b64) = v.as_ref().and_then(|v| v["value"].as_str()) {
                let png = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
                std::fs::write(path, png).unwrap();
                return;
            }
        }
        let captured = Command::new("import").args(["-window", "root"]).arg(path).status().is_ok_and(|s| s.success());
        if !captured {
            eprintln!("warning: no screenshot for {} (neither WebKitWebDriver nor import answered)", path.display());
        }
    }

    /// Saves a numbered screenshot of the current step.
    pub fn shot(&mut self, name: &str) {
        self.step += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        self.save_screenshot(&path);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = try_http(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// The app binary cargo built for this test run.
pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dangol-app"))
}

/// Where this test's screenshots go (printed so a person can look).
pub fn screenshots(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    eprintln!("screenshots for {test}: {}", dir.display());
    dir
}
