//! Dangol's local API for the register (the POS that takes payment): on
//! the shop PC, the register identifies the customer, reads their card and
//! asks what its cart is owed before payment, over HTTP on loopback.
//!
//! - `routes`: the operations; `doc`: their OpenAPI 3.1 document;
//! - `guard`: what every request passes first (a loopback `Host`, the
//!   bearer token); `token`: the token file;
//! - `problem`: every refusal as `application/problem+json`.
//!
//! The store is one SQLite connection: operations take turns on it, each
//! on a blocking thread (never an async one), within a time limit.

pub mod doc;
pub mod guard;
pub mod problem;
pub mod routes;
pub mod token;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use dangol_domain::i18n::Lang;
use dangol_store::{Store, StoreError};
use problem::{Problem, pick};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest request body (a 200-line cart is about 10 KiB).
pub const MAX_BODY: usize = 64 * 1024;
/// How long an operation may take before the register is told to retry.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// What the operations share.
pub struct Api {
    store: Mutex<Store>,
    token: token::TokenSource,
    port: u16,
}

impl Api {
    /// Runs `work` on the store on a blocking thread, within `TIME_LIMIT`.
    async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        lang: Lang,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Problem> {
        let api = Arc::clone(self);
        let job = tokio::task::spawn_blocking(move || {
            let mut store = api.store.lock().unwrap_or_else(|e| e.into_inner());
            work(&mut store)
        });
        match tokio::time::timeout(TIME_LIMIT, job).await {
            Err(_) => Err(Problem::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                pick(lang, "시간 안에 끝내지 못했습니다. 다시 시도하세요", "not done in time; try again"),
            )),
            Ok(Err(_)) => Err(Problem::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                pick(
                    lang,
                    "예상하지 못한 오류입니다. 아무것도 저장되지 않았습니다",
                    "an unexpected error; nothing was saved",
                ),
            )),
            Ok(Ok(done)) => done.map_err(|e| Problem::from_store(&e, lang)),
        }
    }
}

/// The API's routes over `api`.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/v1/customers", get(routes::search))
        .route("/v1/customers/{id}", get(routes::customer))
        .route("/v1/quote", post(routes::quote))
        .route("/openapi.json", get(routes::openapi))
        .fallback(routes::no_such_path)
        .method_not_allowed_fallback(routes::wrong_method)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&api), guard::guard))
        .with_state(api)
}

/// Refuses an address other than loopback: the shop's network is for a
/// later, owner-allowed second screen, not for this API.
fn loopback_only(listen: SocketAddr) -> Result<(), StoreError> {
    if listen.ip().is_loopback() {
        return Ok(());
    }
    Err(StoreError::bad_input(
        "listen address",
        format!("{listen}: 이 API는 이 PC 안(127.0.0.1)에서만 받습니다"),
        format!("{listen}: this API listens on this PC only (127.0.0.1)"),
    ))
}

/// A running API server.
pub struct Running {
    pub addr: SocketAddr,
    /// Whether the token file was made now (first run).
    pub token_made: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), StoreError>>>,
}

impl Running {
    /// Stops the server and waits for it.
    pub fn stop(mut self) -> Result<(), StoreError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait_inner()
    }

    /// Waits until the server stops (a signal).
    pub fn wait(mut self) -> Result<(), StoreError> {
        self.wait_inner()
    }

    fn wait_inner(&mut self) -> Result<(), StoreError> {
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => {
                Err(StoreError::bad_input("api server", "API 서버가 멈췄습니다", "the API server stopped unexpectedly"))
            }
            None => Ok(()),
        }
    }
}

/// Serves `store` at `listen` (loopback only; port 0 picks one) with the
/// token in `token_file` (made at first run), on threads of its own,
/// until stopped or interrupted (Ctrl-C, SIGTERM).
pub fn start(store: Store, listen: SocketAddr, token_file: &Path) -> Result<Running, StoreError> {
    loopback_only(listen)?;
    let (token, token_made) = token::load_or_create(token_file)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| StoreError::Io { path: token_file.to_path_buf(), source: e })?;
    let std_listener = std::net::TcpListener::bind(listen).map_err(|e| {
        StoreError::bad_input(
            "listen address",
            format!("{listen}에서 기다릴 수 없습니다: {e}"),
            format!("cannot listen on {listen}: {e}"),
        )
    })?;
    std_listener.set_nonblocking(true).map_err(|e| StoreError::Io { path: token_file.to_path_buf(), source: e })?;
    let addr = std_listener.local_addr().map_err(|e| StoreError::Io { path: token_file.to_path_buf(), source: e })?;
    let api = Arc::new(Api {
        store: Mutex::new(store),
        token: token::TokenSource::new(token_file, token),
        port: addr.port(),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let io_path = token_file.to_path_buf();
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| StoreError::Io { path: io_path.clone(), source: e })?;
            let shutdown = async move {
                let interrupted = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                let terminated = async {
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                        Ok(mut s) => {
                            s.recv().await;
                        }
                        Err(_) => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = stopped => {}
                    _ = interrupted => {}
                    _ = terminated => {}
                }
            };
            axum::serve(listener, router(api))
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(|e| StoreError::Io { path: io_path, source: e })
        })
    });
    Ok(Running { addr, token_made, stop: Some(stop), thread: Some(thread) })
}
