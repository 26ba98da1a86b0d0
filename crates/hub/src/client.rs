//! The counter's side of the protocol: join, push, pull over HTTP.
//!
//! A request that gets no answer is `Unreachable`: it may or may not have
//! taken effect at the hub, which is why every call is safe to repeat.

use crate::event::{PushAck, PushedEvent};
use crate::frame;
use crate::wire::{ErrorBody, JoinAnswer, JoinRequest, PullAnswer, PushBody};
use std::fmt;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// No answer (refused connection, timeout, reset): the outcome is
    /// unknown.
    Unreachable(String),
    /// The hub answered with a refusal.
    Refused { status: u16, body: ErrorBody },
    /// The answer is not the protocol (a proxy's page, a cut body).
    BadAnswer(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Unreachable(e) => write!(f, "the hub did not answer: {e}"),
            ClientError::Refused { status, body } => {
                write!(f, "the hub refused ({status} {}): {}", body.error, body.message)
            }
            ClientError::BadAnswer(e) => write!(f, "the hub's answer was not understood: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl ClientError {
    /// Whether trying again later can help (no answer, or the hub busy).
    pub fn retryable(&self) -> bool {
        match self {
            ClientError::Unreachable(_) | ClientError::BadAnswer(_) => true,
            ClientError::Refused { status, .. } => *status >= 500,
        }
    }

    /// The refusal's kind, if the hub refused.
    pub fn kind(&self) -> Option<&str> {
        match self {
            ClientError::Refused { body, .. } => Some(&body.error),
            _ => None,
        }
    }
}

/// A hub at `base` (e.g. `http://127.0.0.1:7000`).
#[derive(Clone)]
pub struct HubClient {
    base: String,
    agent: ureq::Agent,
    token: Option<String>,
}

impl HubClient {
    /// A hub over plain HTTP (or HTTPS checked against the usual
    /// authorities: use `pinned` for a hub's own certificate).
    pub fn new(base: &str, timeout: Duration) -> HubClient {
        HubClient::pinned(base, timeout, None)
    }

    /// A hub whose HTTPS certificate is `cert_der` and nothing else.
    pub fn pinned(base: &str, timeout: Duration, cert_der: Option<&[u8]>) -> HubClient {
        let mut config = ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false);
        if let Some(der) = cert_der {
            let only = ureq::tls::Certificate::from_der(der).to_owned();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![only])))
                    .build(),
            );
        }
        HubClient { base: base.trim_end_matches('/').to_string(), agent: config.build().into(), token: None }
    }

    /// Fetches the hub's certificate without trusting it, and keeps it
    /// only if its fingerprint is `pin` (from the join key file): the
    /// counter's one moment of trust, anchored in a file the owner copied.
    pub fn fetch_certificate(base: &str, timeout: Duration, pin: &str) -> Result<Vec<u8>, ClientError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .tls_config(ureq::tls::TlsConfig::builder().disable_verification(true).build())
            .build()
            .into();
        let mut r = agent
            .get(&format!("{}/v1/certificate", base.trim_end_matches('/')))
            .call()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if !r.status().is_success() {
            return HubClient::answer(Ok(r));
        }
        let der = r
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .map_err(|e| ClientError::Unreachable(format!("the certificate was cut: {e}")))?;
        let got = crate::tls::fingerprint(&der);
        if !got.eq_ignore_ascii_case(pin.trim()) {
            return Err(ClientError::Refused {
                status: 0,
                body: ErrorBody {
                    error: "certificate_mismatch".into(),
                    message: format!(
                        "the hub's certificate is {got}, not {} as the join key file says: another machine may be answering for the hub",
                        pin.trim()
                    ),
                    acked_seq: None,
                    seq: None,
                },
            });
        }
        Ok(der)
    }

    /// Presents this credential on push and pull.
    pub fn with_token(mut self, token: &str) -> HubClient {
        self.token = Some(token.to_string());
        self
    }

    /// An answer's whole body, up to `MAX_BODY`.
    fn body(r: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, ClientError> {
        r.body_mut()
            .with_config()
            .limit(crate::wire::MAX_BODY as u64)
            .read_to_vec()
            .map_err(|e| ClientError::Unreachable(format!("the answer was cut: {e}")))
    }

    fn answer<T: serde::de::DeserializeOwned>(
        r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ClientError> {
        let mut r = r.map_err(unreached)?;
        let status = r.status().as_u16();
        let text = String::from_utf8(HubClient::body(&mut r)?)
            .map_err(|e| ClientError::Unreachable(format!("the answer was cut: {e}")))?;
        if (200..300).contains(&status) {
            serde_json::from_str(&text).map_err(|e| ClientError::BadAnswer(e.to_string()))
        } else {
            match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => Err(ClientError::Refused { status, body }),
                Err(_) => Err(ClientError::Refused {
                    status,
                    body: ErrorBody {
                        error: "http".into(),
                        message: text.chars().take(200).collect(),
                        acked_seq: None,
                        seq: None,
                    },
                }),
            }
        }
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token.as_deref().unwrap_or(""))
    }

    pub fn join(&self, req: &JoinRequest) -> Result<JoinAnswer, ClientError> {
        let body = serde_json::to_string(req).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        HubClient::answer(
            self.agent
                .post(&format!("{}/v1/join", self.base))
                .header("Content-Type", "application/json")
                .send(body.as_bytes()),
        )
    }

    /// Sends events as an event frame (`frame`).
    pub fn push(&self, events: &[PushedEvent]) -> Result<PushAck, ClientError> {
        HubClient::answer(
            self.agent
                .post(&format!("{}/v1/push", self.base))
                .header("Authorization", &self.bearer())
                .header("Content-Type", frame::MEDIA_TYPE)
                .send(&frame::encode_push(events)[..]),
        )
    }

    /// Sends events as JSON (what the hub also reads, for tools and
    /// people).
    pub fn push_json(&self, events: &[PushedEvent]) -> Result<PushAck, ClientError> {
        let body = serde_json::to_string(&PushBody { events }).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        HubClient::answer(
            self.agent
                .post(&format!("{}/v1/push", self.base))
                .header("Authorization", &self.bearer())
                .header("Content-Type", "application/json")
                .send(body.as_bytes()),
        )
    }

    /// Downloads the shop's state into `to` (a new file); returns its log
    /// position. `timeout` bounds the whole download.
    pub fn snapshot(&self, to: &std::path::Path, timeout: Duration) -> Result<i64, ClientError> {
        let r = self
            .agent
            .get(&format!("{}/v1/snapshot", self.base))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Authorization", &self.bearer())
            .call();
        let mut r = r.map_err(unreached)?;
        if !r.status().is_success() {
            return HubClient::answer(Ok(r));
        }
        let pos: i64 = r
            .headers()
            .get(crate::wire::SNAPSHOT_POS)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ClientError::BadAnswer("a snapshot without its position".into()))?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(to)
            .map_err(|e| ClientError::BadAnswer(format!("cannot write {}: {e}", to.display())))?;
        let mut reader = r.body_mut().with_config().limit(crate::wire::MAX_SEED_BYTES).reader();
        std::io::copy(&mut reader, &mut file)
            .and_then(|_| file.sync_all())
            .map_err(|e| ClientError::Unreachable(format!("the snapshot was cut: {e}")))?;
        Ok(pos)
    }

    /// Sends this counter's database (`file`, a consistent copy) as the
    /// history that seeds the hub, holding its events up to `upto_seq`.
    pub fn seed(
        &self,
        file: &std::path::Path,
        upto_seq: i64,
        timeout: Duration,
    ) -> Result<crate::wire::SeedAnswer, ClientError> {
        let mut f = std::fs::File::open(file)
            .map_err(|e| ClientError::BadAnswer(format!("cannot read {}: {e}", file.display())))?;
        HubClient::answer(
            self.agent
                .post(&format!("{}/v1/seed?upto_seq={upto_seq}", self.base))
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("Authorization", &self.bearer())
                .header("Content-Type", "application/vnd.sqlite3")
                .send(ureq::SendBody::from_reader(&mut f)),
        )
    }

    /// The other counters' events after `after`, asked for as an event
    /// frame (JSON from a hub that answers with it).
    pub fn pull(&self, after: i64, limit: usize) -> Result<PullAnswer, ClientError> {
        let r = self
            .agent
            .get(&format!("{}/v1/pull?after={after}&limit={limit}", self.base))
            .header("Authorization", &self.bearer())
            .header("Accept", &format!("{}, application/json;q=0.5", frame::MEDIA_TYPE))
            .call();
        let mut r = r.map_err(unreached)?;
        let framed = r.status().is_success()
            && r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v == frame::MEDIA_TYPE);
        if !framed {
            return HubClient::answer(Ok(r));
        }
        let (events, head) =
            frame::decode_pull(&HubClient::body(&mut r)?).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        Ok(PullAnswer { events, head })
    }

    /// Pages of the other counters' events after `after`, each asked for
    /// while the one before is being used: a thread fetches one page ahead
    /// (from the last position of the page before), so reading a page,
    /// and applying it, overlap with the hub finding the next. Ends after
    /// the first empty page or the first error. Dropping it does not wait:
    /// the thread ends when its request in flight (a read, which changes
    /// nothing at the hub) answers or times out.
    pub fn pages(&self, after: i64, limit: usize) -> Pages {
        let client = self.clone();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::spawn(move || {
            let mut after = after;
            loop {
                let page = client.pull(after, limit);
                let next = match &page {
                    Ok(p) => p.events.last().map(|e| e.pos),
                    Err(_) => None,
                };
                if tx.send(page).is_err() {
                    return;
                }
                match next {
                    Some(pos) => after = pos,
                    None => return,
                }
            }
        });
        Pages { rx }
    }
}

/// `HubClient::pages`: each item one page (an empty page ends it).
pub struct Pages {
    rx: std::sync::mpsc::Receiver<Result<PullAnswer, ClientError>>,
}

impl Iterator for Pages {
    type Item = Result<PullAnswer, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

/// A request that got no usable answer. A certificate other than the one
/// this counter trusts is not a network failure to retry: it is refused.
fn unreached(e: ureq::Error) -> ClientError {
    let bad_certificate = match &e {
        ureq::Error::Rustls(rustls::Error::InvalidCertificate(why)) => Some(format!("{why:?}")),
        ureq::Error::Io(io) => {
            io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()).and_then(|r| match r {
                rustls::Error::InvalidCertificate(why) => Some(format!("{why:?}")),
                _ => None,
            })
        }
        _ => None,
    };
    match bad_certificate {
        Some(why) => ClientError::Refused {
            status: 0,
            body: ErrorBody {
                error: "certificate_mismatch".into(),
                message: format!(
                    "the hub presented a certificate this counter does not trust ({why}): another machine may be answering for the hub, or the hub has a new certificate (copy its join key file again)"
                ),
                acked_seq: None,
                seq: None,
            },
        },
        None => ClientError::Unreachable(e.to_string()),
    }
}

/// A new random credential (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A device id for a counter that has none.
pub fn new_device() -> Uuid {
    Uuid::now_v7()
}
