//! `dangol hub`, `hub-devices`, `hub-revoke`: the shop's hub from the
//! command line. Glue over `dangol-hub`: open the storage, read (or make)
//! the join key, serve until SIGINT or SIGTERM.

use crate::args::{HubStorage, HubTls};
use crate::emit;
use dangol_domain::i18n::Lang;
use dangol_hub::server::{Hub, serve as serve_hub};
use dangol_hub::{EventLog, HubError, PgLog, SqliteLog};
use dangol_store::StoreError;
use dangol_store::error::say;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

fn hub_failed(e: HubError) -> StoreError {
    StoreError::HubRefused { refusal: "hub_storage".into(), detail: e.to_string() }
}

/// Opens the hub's storage.
fn open(storage: &HubStorage) -> Result<Box<dyn EventLog>, StoreError> {
    match (&storage.db, &storage.postgres) {
        (Some(path), _) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(StoreError::Io {
                    path: dir.to_path_buf(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "folder does not exist"),
                });
            }
            Ok(Box::new(SqliteLog::open(path).map_err(|e| StoreError::NotADatabase {
                path: path.clone(),
                detail: say(format!("허브 파일을 열 수 없습니다: {e}"), format!("cannot open the hub file: {e}")),
            })?))
        }
        (None, Some(url)) => Ok(Box::new(PgLog::connect(url, &storage.shop).map_err(hub_failed)?)),
        (None, None) => Err(StoreError::bad_input("hub", "--db나 --postgres가 필요합니다", "give --db or --postgres")),
    }
}

/// The shop's join key: read from `path`, or made (256 random bits, the
/// file readable only by its owner) when the file does not exist yet.
pub fn join_key(path: &Path, create: bool) -> Result<String, StoreError> {
    let io = |source: std::io::Error| StoreError::Io { path: path.to_path_buf(), source };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = dangol_hub::client::new_token();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            file.write_all(format!("{key}\n").as_bytes()).and_then(|_| file.sync_all()).map_err(io)?;
            emit::err(&format!("join key written to {} (mode 600)\n", path.display()));
            Ok(key)
        }
        Err(e) => Err(io(e)),
        Ok(meta) => {
            if meta.len() > 4096 {
                return Err(StoreError::bad_input(
                    "join key",
                    "참여 키 파일이 너무 큽니다",
                    "the join key file is too large to be a key",
                ));
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if create && meta.permissions().mode() & 0o077 != 0 {
                    return Err(StoreError::bad_input(
                        "join key",
                        format!("참여 키 파일을 다른 사용자도 읽을 수 있습니다. chmod 600 {} 하세요", path.display()),
                        format!("the join key file is readable by others; run chmod 600 {}", path.display()),
                    ));
                }
            }
            // The first line is the key; a `pin sha256:…` line names the
            // hub's HTTPS certificate.
            let text = std::fs::read_to_string(path).map_err(io)?;
            let key = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
            if key.len() < 16 {
                return Err(StoreError::bad_input(
                    "join key",
                    "참여 키가 너무 짧습니다(16자 이상)",
                    "the join key is too short (16 characters or more)",
                ));
            }
            Ok(key)
        }
    }
}

/// The hub certificate's fingerprint the join key file names, if any.
pub fn join_pin(path: &Path) -> Result<Option<String>, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    Ok(text.lines().filter_map(|l| l.trim().strip_prefix("pin ")).map(|p| p.trim().to_string()).next_back())
}

/// Writes the certificate's fingerprint into the join key file (replacing
/// an older one), keeping the key and the file's owner-only mode.
fn write_pin(path: &Path, key: &str, pin: &str) -> Result<(), StoreError> {
    if join_pin(path)?.as_deref() == Some(pin) {
        return Ok(());
    }
    let io = |source: std::io::Error| StoreError::Io { path: path.to_path_buf(), source };
    let next = path.with_extension("key-new");
    let _ = std::fs::remove_file(&next);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&next).map_err(io)?;
    file.write_all(format!("{key}\npin {pin}\n").as_bytes()).and_then(|_| file.sync_all()).map_err(io)?;
    std::fs::rename(&next, path).map_err(io)
}

fn loopback(listen: &str) -> bool {
    let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h).trim_matches(|c| c == '[' || c == ']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where the hub keeps the shop's state (`dangol_sync::replica`): beside
/// the SQLite log (`hub.db` → `hub.state.db`), or beside the join key for
/// a PostgreSQL hub (`<shop>.state.db`).
pub fn state_path(storage: &HubStorage, key_file: &Path) -> std::path::PathBuf {
    match &storage.db {
        Some(db) => db.with_extension("state.db"),
        None => key_file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(format!("{}.state.db", storage.shop)),
    }
}

/// Serves the hub until interrupted.
pub fn serve(storage: &HubStorage, listen: &str, key_file: &Path, tls: &HubTls, l: Lang) -> Result<(), StoreError> {
    if !tls.tls && !tls.plain_http && !loopback(listen) {
        return Err(StoreError::bad_input(
            "listen address",
            format!(
                "{listen}은(는) 이 PC 밖에서 닿는 주소입니다: --tls로 HTTPS를 쓰거나, 믿을 수 있는 매장 네트워크라면 --plain-http를 주세요"
            ),
            format!(
                "{listen} is reachable from other machines: serve HTTPS with --tls, or give --plain-http for a network you trust"
            ),
        ));
    }
    let key = join_key(key_file, true)?;
    let state_file = state_path(storage, key_file);
    let cert = if tls.tls {
        let dir = state_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let cert =
            dangol_hub::tls::HubCert::load_or_make(&dir.join("hub-cert.pem"), &dir.join("hub-key.pem"), &tls.tls_name)
                .map_err(hub_failed)?;
        write_pin(key_file, &key, &dangol_hub::tls::fingerprint(&cert.cert_der))?;
        Some(cert)
    } else {
        None
    };
    let log = open(storage)?;
    let replica = Arc::new(dangol_sync::replica::Replica::open(&state_file, open(storage)?)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| StoreError::Io { path: key_file.to_path_buf(), source: e })?;
    let mut hub = Hub::new(log, &key).with_state(replica.clone());
    if let Some(c) = &cert {
        hub = hub.with_certificate(c.cert_der.clone());
    }
    let hub = Arc::new(hub);
    // The state follows the log in the background while the hub is quiet
    // (a second without pushes), so a new counter's snapshot is nearly
    // ready and ingest keeps the cores; a snapshot catches up first anyway.
    {
        let hub = Arc::clone(&hub);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(500));
                while hub.quiet_for_ms() >= 1_000 && replica.step().unwrap_or(false) {}
            }
        });
    }
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            StoreError::bad_input(
                "listen address",
                format!("{listen}에서 기다릴 수 없습니다: {e}"),
                format!("cannot listen on {listen}: {e}"),
            )
        })?;
        let addr = listener.local_addr().map_err(|e| StoreError::bad_input("listen address", e.to_string(), e.to_string()))?;
        let scheme = if cert.is_some() { "https" } else { "http" };
        let pin = cert.as_ref().map(|c| dangol_hub::tls::fingerprint(&c.cert_der));
        if storage.json {
            emit::out(&format!(
                "{}\n",
                serde_json::json!({"listening": addr.to_string(), "url": format!("{scheme}://{addr}"), "certificate": pin})
            ));
        } else {
            emit::out(&format!("{} {scheme}://{addr}\n", l.pick("허브가 기다리는 주소:", "hub listening on")));
            if let Some(pin) = &pin {
                emit::out(&format!("{} {pin}\n", l.pick("허브 인증서:", "hub certificate:")));
            }
        }
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {},
                }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        };
        let failed = |e: std::io::Error| StoreError::bad_input("hub", e.to_string(), e.to_string());
        match &cert {
            Some(c) => {
                let tls = dangol_hub::tls::TlsListener::new(listener, c.server_config().map_err(hub_failed)?).map_err(failed)?;
                serve_hub(tls, hub, shutdown).await.map_err(failed)
            }
            None => serve_hub(listener, hub, shutdown).await.map_err(failed),
        }
    })
}

/// Lists the counters enrolled at the hub.
pub fn devices(storage: &HubStorage, l: Lang) -> Result<(), StoreError> {
    let mut log = open(storage)?;
    let all = log.devices().map_err(hub_failed)?;
    if storage.json {
        emit::out(&format!("{}\n", serde_json::json!({ "devices": all })));
        return Ok(());
    }
    for d in &all {
        let state = match d.revoked_at_ms {
            Some(_) => l.pick("해제됨", "revoked"),
            None => l.pick("사용 중", "active"),
        };
        emit::out(&format!("{}  {}  {}  {}={}\n", d.device, d.name, state, l.pick("받은 기록", "events"), d.acked_seq));
    }
    Ok(())
}

/// Revokes a counter.
pub fn revoke(storage: &HubStorage, device: &str, l: Lang) -> Result<(), StoreError> {
    let id = uuid::Uuid::parse_str(device.trim()).map_err(|_| {
        StoreError::bad_input(
            "device",
            format!("{:?}은(는) 기기 번호(UUID)가 아닙니다", dangol_domain::error::cut(device)),
            format!("{:?} is not a device id (UUID)", dangol_domain::error::cut(device)),
        )
    })?;
    let mut log = open(storage)?;
    if !log.revoke(id, dangol_hub::server::now_ms()).map_err(hub_failed)? {
        return Err(StoreError::not_found("device", id));
    }
    if storage.json {
        emit::out(&format!("{}\n", serde_json::json!({ "revoked": id })));
    } else {
        emit::out(&format!("{} {id}\n", l.pick("해제했습니다:", "revoked")));
    }
    Ok(())
}
