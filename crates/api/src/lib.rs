//! Dangol's local API for the register (the POS that takes payment): on
//! the shop PC, the register identifies the customer, reads their card and
//! asks what its cart is owed before payment, over HTTP on loopback.
//!
//! - `routes`: identify and quote; `carts`: the pushed carts and the
//!   events; `sales`: sales, refunds and feedback, each once per
//!   `Idempotency-Key` (`once`); `holds`: points held for payment;
//!   `doc`: the OpenAPI 3.1 document; `reference`: it as an HTML page;
//! - `live`: the carts and events the register and the window share;
//! - `showing`: what the customer's screen shows; `tablet`: that screen
//!   as a page for a tablet on the shop's network, when the owner allows it;
//!   `shop`: where the store is (the API's own, or the window's);
//! - `guard`: what every request passes first (a loopback `Host`, the
//!   bearer token); `token`: the token file;
//! - `problem`: every refusal as `application/problem+json`.
//!
//! The store is one SQLite connection: operations take turns on it, each
//! on a blocking thread (never an async one), within a time limit; a
//! connection has a time limit to send its request and the server a
//! limit on connections at once.

// A refusal is made once per request and answered at once; boxing it
// would only move the same bytes to the heap.
#![allow(clippy::result_large_err)]

pub mod carts;
pub mod doc;
pub mod guard;
pub mod holds;
pub mod live;
pub mod once;
pub mod problem;
pub mod reference;
pub mod routes;
pub mod sales;
pub mod shop;
pub mod showing;
pub mod tablet;
pub mod token;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use dangol_domain::i18n::Lang;
use dangol_store::{Store, StoreError};
use live::Live;
use problem::Problem;
use shop::Shop;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The largest request body (a 200-line cart is about 10 KiB).
pub const MAX_BODY: usize = 64 * 1024;
/// How long an operation may take, body and store work together, before
/// the register is told to retry.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);
/// How long a connection may take to send a request's head (and how long
/// an idle connection is kept).
pub const HEAD_LIMIT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed as they come.
pub const MAX_CONNECTIONS: usize = 256;

/// What the operations share.
pub struct Api {
    /// The shop's store (one connection).
    shop: Arc<dyn Shop>,
    /// Whose turn it is on the store: a request that cannot have it within
    /// the time limit is told to retry, so waiting requests never pile up
    /// behind a slow one (at most one waits on the store itself).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// The registers' carts and the events.
    pub live: Arc<Live>,
    token_file: PathBuf,
    listen: SocketAddr,
}

impl Api {
    /// Runs `work` on the store on a blocking thread, within `TIME_LIMIT`.
    async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        lang: Lang,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Problem> {
        on_store(&self.shop, &self.turn, lang, work).await
    }
}

/// Runs `work` on `shop`'s store on a blocking thread when it is its
/// `turn`, within `TIME_LIMIT` (a request that cannot have its turn in
/// time is told to retry, so waiting requests never pile up behind a slow
/// one: at most one waits on the store itself).
pub(crate) async fn on_store<T: Send + 'static>(
    shop: &Arc<dyn Shop>,
    turn: &Arc<tokio::sync::Mutex<()>>,
    lang: Lang,
    work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Problem> {
    let shop = Arc::clone(shop);
    let turn = Arc::clone(turn);
    let work = async move {
        let turn = turn.lock_owned().await;
        tokio::task::spawn_blocking(move || {
            // The turn is this thread's until the work is done, even
            // when the register has been told to retry.
            let _turn = turn;
            let mut work = Some(work);
            let mut done = None;
            shop.enter(&mut |store| done = work.take().map(|w| w(store)))?;
            done.unwrap_or(Err(StoreError::Busy))
        })
        .await
    };
    match tokio::time::timeout(TIME_LIMIT, work).await {
        Err(_) => Err(Problem::timeout(lang)),
        Ok(Err(_)) => Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            lang.pick(
                "예상하지 못한 오류입니다. 아무것도 저장되지 않았습니다",
                "an unexpected error; nothing was saved",
            ),
        )),
        Ok(Ok(done)) => done.map_err(|e| Problem::from_store(&e, lang)),
    }
}

/// The API's routes over `api`.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/v1/customers", get(routes::search))
        .route("/v1/customers/{id}", get(routes::customer))
        .route("/v1/quote", post(routes::quote))
        .route("/v1/carts/{register}", put(carts::push).get(carts::read).delete(carts::close))
        .route("/v1/carts/{register}/choices", put(carts::choose))
        .route("/v1/events", get(carts::events))
        .route("/v1/sales", post(sales::report))
        .route("/v1/refunds", post(sales::refund))
        .route("/v1/holds", post(holds::hold))
        .route("/v1/holds/{id}", get(holds::read))
        .route("/v1/holds/{id}/release", post(holds::release))
        .route("/v1/customers/{id}/feedback", post(sales::feedback))
        .route("/openapi.json", get(routes::openapi))
        .route("/reference.html", get(routes::reference))
        .fallback(routes::no_such_path)
        .method_not_allowed_fallback(routes::wrong_method)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&api), guard::guard))
        .with_state(api)
}

/// Refuses an address other than 127.0.0.1 or ::1: the shop's network is
/// only for the customer's screen on a tablet, when the owner allows it
/// (`tablet`), never for this API.
fn loopback_only(listen: SocketAddr) -> Result<(), StoreError> {
    let ip = listen.ip();
    if ip == std::net::Ipv4Addr::LOCALHOST || ip == std::net::Ipv6Addr::LOCALHOST {
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

/// Until stopped, or with `signals`, Ctrl-C or SIGTERM (only for a process
/// that is the server: inside the window, the signals are the window's).
async fn stopping(stopped: tokio::sync::oneshot::Receiver<()>, signals: bool) {
    if !signals {
        let _ = stopped.await;
        return;
    }
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
        _ = tokio::signal::ctrl_c() => {}
        _ = terminated => {}
    }
}

/// Accepts connections until `stop`: at most `MAX_CONNECTIONS` at once,
/// each given `HEAD_LIMIT` to send a request's head (a client sending
/// nothing, or a byte at a time, is closed), HTTP/1.1 only.
async fn accept(listener: tokio::net::TcpListener, app: Router, stop: impl std::future::Future<Output = ()>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_LIMIT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Serves `shop` at `listen` (127.0.0.1 or ::1; port 0 picks one) with the
/// token in `token_file` (made at first run), sharing `live` with the
/// caller (the window), on threads of its own, until stopped (or dropped).
pub fn start(
    shop: Arc<dyn Shop>,
    live: Arc<Live>,
    listen: SocketAddr,
    token_file: &Path,
) -> Result<Running, StoreError> {
    start_with(shop, live, listen, token_file, false)
}

/// `start` for a process that is only the server (`dangol serve`): it also
/// stops at Ctrl-C or SIGTERM.
pub fn start_until_signal(
    shop: Arc<dyn Shop>,
    live: Arc<Live>,
    listen: SocketAddr,
    token_file: &Path,
) -> Result<Running, StoreError> {
    start_with(shop, live, listen, token_file, true)
}

fn start_with(
    shop: Arc<dyn Shop>,
    live: Arc<Live>,
    listen: SocketAddr,
    token_file: &Path,
    signals: bool,
) -> Result<Running, StoreError> {
    loopback_only(listen)?;
    let (_, token_made) = token::load_or_create(token_file)?;
    let std_listener = bind(listen)?;
    let addr = local_addr(&std_listener, token_file)?;
    let api = Arc::new(Api {
        shop,
        turn: Arc::new(tokio::sync::Mutex::new(())),
        live,
        token_file: token_file.to_path_buf(),
        listen: addr,
    });
    serve(std_listener, addr, router(api), signals, token_file, token_made)
}

/// Binds `listen`, or says why it cannot, in words an owner can act on
/// (the system's own text is English: it goes in the English sentence only).
pub(crate) fn bind(listen: SocketAddr) -> Result<std::net::TcpListener, StoreError> {
    std::net::TcpListener::bind(listen).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "다른 프로그램이 이미 그 포트를 쓰고 있습니다. 다른 포트를 고르세요",
            std::io::ErrorKind::AddrNotAvailable => "이 PC의 주소가 아닙니다. 이 PC의 주소를 고르세요",
            std::io::ErrorKind::PermissionDenied => "그 포트를 쓸 권한이 없습니다. 다른 포트를 고르세요",
            _ => "그 주소에서 기다릴 수 없습니다",
        };
        StoreError::bad_input("listen address", format!("{listen}: {why}"), format!("cannot listen on {listen}: {e}"))
    })
}

/// Where a bound listener listens (port 0 made concrete).
pub(crate) fn local_addr(listener: &std::net::TcpListener, file: &Path) -> Result<SocketAddr, StoreError> {
    listener.local_addr().map_err(|e| StoreError::Io { path: file.to_path_buf(), source: e })
}

/// Serves `app` on `std_listener` (at `addr`, from `local_addr`) on
/// threads of its own until stopped (or dropped; with `signals`, also at
/// Ctrl-C or SIGTERM). `file` is the key file named in errors; `made`
/// whether it was made now.
pub(crate) fn serve(
    std_listener: std::net::TcpListener,
    addr: SocketAddr,
    app: Router,
    signals: bool,
    file: &Path,
    made: bool,
) -> Result<Running, StoreError> {
    let io = |e| StoreError::Io { path: file.to_path_buf(), source: e };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(io)?;
    std_listener.set_nonblocking(true).map_err(io)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let io_path = file.to_path_buf();
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| StoreError::Io { path: io_path, source: e })?;
            accept(listener, app, stopping(stopped, signals)).await;
            Ok(())
        })
    });
    Ok(Running { addr, token_made: made, stop: Some(stop), thread: Some(thread) })
}
