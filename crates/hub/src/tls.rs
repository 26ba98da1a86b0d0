//! HTTPS for the hub, with the counters pinning its certificate.
//!
//! The hub makes its own certificate (self-signed, made here with rcgen,
//! its key readable only by its user) and writes the certificate's SHA-256
//! fingerprint into the shop's join key file beside the key. The owner
//! copies that file to each counter, so the counter knows which
//! certificate is the hub's before it ever connects: at its first join it
//! fetches the certificate, refuses it unless the fingerprint matches, and
//! from then on trusts that certificate and nothing else (no certificate
//! authority, no other hub answering at the same address).

use crate::event::{HubError, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The hub's certificate and key.
pub struct HubCert {
    pub cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn tls_error(e: impl std::fmt::Display) -> HubError {
    HubError::Backend(format!("TLS: {e}"))
}

/// The SHA-256 fingerprint of a certificate, as the join key file and the
/// counter's refusal write it (`sha256:` and 64 hex digits).
pub fn fingerprint(cert_der: &[u8]) -> String {
    let digest = Sha256::digest(cert_der);
    format!("sha256:{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(tls_error)?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(tls_error)
}

impl HubCert {
    /// Loads the certificate at `cert`/`key`, or makes one valid for
    /// `names` (host names and IP addresses the counters use for the hub;
    /// `localhost` and the loopback addresses are always in) when neither
    /// file exists.
    pub fn load_or_make(cert: &Path, key: &Path, names: &[String]) -> Result<HubCert> {
        if !cert.exists() && !key.exists() {
            let mut all: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
            for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                if !all.iter().any(|a| a == n) {
                    all.push(n.to_string());
                }
            }
            let made = rcgen::generate_simple_self_signed(all).map_err(tls_error)?;
            write_private(key, &made.key_pair.serialize_pem())?;
            write_private(cert, &made.cert.pem())?;
        }
        let cert_der =
            CertificateDer::from_pem_file(cert).map_err(|e| tls_error(format!("{}: {e}", cert.display())))?;
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| tls_error(format!("{}: {e}", key.display())))?;
        Ok(HubCert { cert_der: cert_der.to_vec(), key_der: key_der.secret_der().to_vec() })
    }

    /// The server's TLS configuration (TLS 1.2 and 1.3, ring).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>> {
        let key = PrivateKeyDer::try_from(self.key_der.clone()).map_err(tls_error)?;
        // The process's provider: ring, the one compiled in.
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.cert_der.clone())], key)
            .map_err(tls_error)?;
        Ok(Arc::new(config))
    }
}

/// A listener that hands out connections once their TLS handshake is done
/// (handshakes run concurrently, each bounded in time, so a silent client
/// holds up nobody).
pub struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(tokio_rustls::server::TlsStream<tokio::net::TcpStream>, std::net::SocketAddr)>,
    addr: std::net::SocketAddr,
}

impl TlsListener {
    pub fn new(listener: tokio::net::TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<TlsListener> {
        let addr = listener.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let handshake = tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
                    if let Ok(Ok(tls)) = handshake.await {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { rx, addr })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accepting task never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
