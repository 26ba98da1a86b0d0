//! The project's own fault-injecting HTTP proxy, for testing sync the way
//! Jepsen tested PowerSync. It sits between one counter and the hub and
//! understands HTTP/1.1 requests and responses (Content-Length bodies), so
//! it can do what a TCP-level proxy cannot:
//! - drop a request (the hub never sees it);
//! - drop the response after the hub committed (the lost acknowledgement
//!   behind Odoo's duplicate orders);
//! - send a request twice now, or once more later, after newer ones
//!   (duplication and reordering);
//! - answer 503 itself;
//! - cut the response in the middle of its body;
//! - partition: nothing passes, or requests pass and answers are lost.
//!
//! Faults are drawn from a seeded generator with the rates in `Plan`, and
//! each one is counted (`FaultCounts`) for the test's report.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often each fault happens, per thousand requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    pub drop_request: u32,
    pub drop_response: u32,
    pub duplicate_now: u32,
    pub duplicate_later: u32,
    pub error_503: u32,
    pub cut_body: u32,
    /// Extra latency: up to this many milliseconds.
    pub delay_ms: u64,
    pub partition: Partition,
}

impl Plan {
    /// Every fault, at rates a test can live with.
    pub fn rough() -> Plan {
        Plan {
            drop_request: 60,
            drop_response: 80,
            duplicate_now: 60,
            duplicate_later: 60,
            error_503: 50,
            cut_body: 50,
            delay_ms: 30,
            partition: Partition::None,
        }
    }
}

/// A network partition between the counter and the hub.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Partition {
    #[default]
    None,
    /// Nothing gets through either way.
    Both,
    /// Requests reach the hub; its answers are lost.
    AnswersLost,
}

/// How many of each fault were injected.
pub type FaultCounts = BTreeMap<&'static str, u64>;

struct Shared {
    upstream: SocketAddr,
    plan: Mutex<Plan>,
    rng: Mutex<u64>,
    counts: Mutex<FaultCounts>,
    /// Requests to send again later: (when, bytes).
    later: Mutex<Vec<(Instant, Vec<u8>)>>,
    stop: AtomicBool,
}

impl Shared {
    fn roll(&self) -> u32 {
        let mut s = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % 1000) as u32
    }

    fn count(&self, fault: &'static str) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()).entry(fault).or_insert(0) += 1;
    }

    fn plan(&self) -> Plan {
        *self.plan.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// Reads one HTTP message (a request or a response): its head and its
/// Content-Length body. `None` at a clean end of stream.
fn read_message(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line)? == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "cut in the head"))
            };
        }
        let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
        if let Some(v) = text.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    head.extend_from_slice(&body);
    Ok(Some(head))
}

/// Sends a request to the hub on a fresh connection and reads its answer.
fn forward(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut hub = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    hub.set_read_timeout(Some(Duration::from_secs(30)))?;
    hub.write_all(request)?;
    let mut r = BufReader::new(hub);
    read_message(&mut r)?.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no answer"))
}

const UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 72\r\n\r\n{\"error\":\"hub_unavailable\",\"message\":\"the fault proxy answered 503 now\"}";

fn serve_connection(shared: Arc<Shared>, client: TcpStream) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(mut writer) = client.try_clone() else { return };
    let mut reader = BufReader::new(client);
    while let Ok(Some(request)) = read_message(&mut reader) {
        let plan = shared.plan();
        if plan.delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(u64::from(shared.roll()) % (plan.delay_ms + 1)));
        }
        match plan.partition {
            Partition::Both => {
                shared.count("partitioned");
                break;
            }
            Partition::AnswersLost => {
                let _ = forward(shared.upstream, &request);
                shared.count("answer_lost_in_partition");
                break;
            }
            Partition::None => {}
        }
        let roll = shared.roll();
        let mut edge = 0;
        let mut hit = |rate: u32| {
            edge += rate;
            roll < edge
        };
        if hit(plan.drop_request) {
            shared.count("request_dropped");
            break;
        }
        if hit(plan.error_503) {
            shared.count("answered_503");
            if writer.write_all(UNAVAILABLE).is_err() {
                break;
            }
            continue;
        }
        let duplicate_now = hit(plan.duplicate_now);
        let duplicate_later = hit(plan.duplicate_later);
        let drop_response = hit(plan.drop_response);
        let cut_body = hit(plan.cut_body);
        let Ok(mut answer) = forward(shared.upstream, &request) else {
            shared.count("hub_unreachable");
            break;
        };
        if duplicate_now {
            shared.count("duplicated_now");
            if let Ok(second) = forward(shared.upstream, &request) {
                answer = second;
            }
        }
        if duplicate_later {
            shared.count("duplicated_later");
            let when = Instant::now() + Duration::from_millis(200 + u64::from(shared.roll()) * 3);
            shared.later.lock().unwrap_or_else(|e| e.into_inner()).push((when, request.clone()));
        }
        if drop_response {
            shared.count("response_dropped_after_commit");
            break;
        }
        if cut_body {
            shared.count("response_cut");
            let _ = writer.write_all(&answer[..answer.len() * 2 / 3]);
            break;
        }
        if writer.write_all(&answer).is_err() {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream`.
    pub fn start(upstream: SocketAddr, seed: u64, plan: Plan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let shared = Arc::new(Shared {
            upstream,
            plan: Mutex::new(plan),
            rng: Mutex::new(seed ^ 0xD1B5_4A32_D192_ED03),
            counts: Mutex::new(FaultCounts::new()),
            later: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept = Arc::clone(&shared);
        std::thread::spawn(move || {
            while !accept.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let s = Arc::clone(&accept);
                        std::thread::spawn(move || serve_connection(s, client));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        let replay = Arc::clone(&shared);
        std::thread::spawn(move || {
            while !replay.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let due: Vec<Vec<u8>> = {
                    let mut later = replay.later.lock().unwrap_or_else(|e| e.into_inner());
                    let now = Instant::now();
                    let (due, keep): (Vec<_>, Vec<_>) = later.drain(..).partition(|(t, _)| *t <= now);
                    *later = keep;
                    due.into_iter().map(|(_, r)| r).collect()
                };
                for request in due {
                    // Sent after newer requests: a reordered duplicate.
                    let _ = forward(replay.upstream, &request);
                }
            }
        });
        Ok(FaultProxy { addr, shared })
    }

    /// The address counters use instead of the hub's.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the faults from now on.
    pub fn set_plan(&self, plan: Plan) {
        *self.shared.plan.lock().unwrap_or_else(|e| e.into_inner()) = plan;
    }

    pub fn plan(&self) -> Plan {
        self.shared.plan()
    }

    /// The faults injected so far.
    pub fn counts(&self) -> FaultCounts {
        self.shared.counts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sends every held request now (before checking convergence).
    pub fn flush_later(&self) {
        let held: Vec<(Instant, Vec<u8>)> =
            std::mem::take(&mut *self.shared.later.lock().unwrap_or_else(|e| e.into_inner()));
        for (_, request) in held {
            let _ = forward(self.shared.upstream, &request);
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}
