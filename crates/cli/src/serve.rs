//! `dangol serve` and `dangol rotate-token`: the register's local API from
//! the command line (for a register on a headless PC, and for tests).
//! Glue over `dangol-api`: open the shop, read (or make) the token, serve
//! on loopback until SIGINT or SIGTERM.

use crate::args::Common;
use crate::emit;
use dangol_domain::i18n::Lang;
use dangol_store::StoreError;
use std::net::SocketAddr;
use std::path::Path;

fn address(listen: &str) -> Result<SocketAddr, StoreError> {
    listen.parse().map_err(|_| {
        StoreError::bad_input(
            "listen address",
            format!("{listen:?}은(는) 127.0.0.1:7300 같은 주소가 아닙니다"),
            format!("{listen:?} is not an address such as 127.0.0.1:7300"),
        )
    })
}

/// Serves the shop at `common.db` until interrupted.
pub fn serve(common: &Common, listen: &str, token_file: &Path, l: Lang) -> Result<(), StoreError> {
    let listen = address(listen)?;
    // The API writes sales: it is the file's one writer, as the window
    // is (the window serves the same API itself while it runs).
    let store = crate::open_existing(common)?;
    let shop = std::sync::Arc::new(dangol_api::shop::Owned::new(store));
    let running = dangol_api::start_until_signal(shop, Default::default(), listen, token_file)?;
    let url = format!("http://{}", running.addr);
    if common.json {
        emit::out(&format!(
            "{}\n",
            serde_json::json!({"listening": running.addr.to_string(), "url": url, "token_file": token_file, "token_made": running.token_made})
        ));
    } else {
        if running.token_made {
            emit::err(&match l {
                Lang::Ko => format!("토큰을 {}에 만들었습니다 (이 사용자만 읽을 수 있음)\n", token_file.display()),
                Lang::En => format!("token written to {} (readable by you only)\n", token_file.display()),
            });
        }
        emit::out(&match l {
            Lang::Ko => format!("계산대 API: {url} (문서: {url}/openapi.json, 토큰: {})\n", token_file.display()),
            Lang::En => {
                format!("register API: {url} (document: {url}/openapi.json, token: {})\n", token_file.display())
            }
        });
    }
    running.wait()
}

/// Replaces the token in `token_file` with a new one.
pub fn rotate(token_file: &Path, json: bool, l: Lang) -> Result<(), StoreError> {
    dangol_api::token::rotate(token_file)?;
    if json {
        emit::out(&format!("{}\n", serde_json::json!({"rotated": true, "token_file": token_file})));
    } else {
        emit::out(&match l {
            Lang::Ko => {
                format!("새 토큰을 {}에 썼습니다. 이전 토큰은 다음 요청부터 거절됩니다\n", token_file.display())
            }
            Lang::En => {
                format!("a new token is in {}; the old one is refused from the next request\n", token_file.display())
            }
        });
    }
    Ok(())
}
