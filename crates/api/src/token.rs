//! The API's bearer token: 256 random bits as 64 hex digits, in a file only
//! its user may read (mode 0600), made at first run, replaced by `rotate`.
//! Every request is checked against the file as it is then (65 bytes read),
//! so a rotation takes effect at the next request, and a file made
//! readable by others, removed or replaced by something else lets nothing
//! in. A request's token is compared in constant time.

use dangol_store::StoreError;
use dangol_store::owner::constant_time_eq;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// Hex digits in a token (256 bits).
pub const TOKEN_HEX: usize = 64;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io { path: path.to_path_buf(), source: e }
}

fn fresh() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        StoreError::bad_input("api token", format!("난수를 만들 수 없습니다: {e}"), format!("no randomness: {e}"))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `token` to `path` whole, readable by its user only: a file of
/// this process's own beside it (its folder made, private, if missing),
/// then renamed over it, so a reader never sees half a token.
fn write(path: &Path, token: &str) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io(dir))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    let tmp: PathBuf = path.with_file_name(name);
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io(&tmp))?;
    f.write_all(format!("{token}\n").as_bytes()).and_then(|_| f.sync_all()).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// This process's effective user id (Linux: `/proc/self/status`), read
/// once: every request's token check asks for it.
fn effective_uid() -> Option<u32> {
    static EUID: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *EUID.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Uid:"))?;
        line.split_whitespace().nth(2)?.parse().ok()
    })
}

/// Reads the token at `path`, refusing anything but a regular file of this
/// user's, that only they may read, that holds a token.
pub fn read(path: &Path) -> Result<String, StoreError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if !meta.is_file() {
        return Err(StoreError::bad_input(
            "api token",
            format!("{}은(는) 파일이 아닙니다", path.display()),
            format!("{} is not a file", path.display()),
        ));
    }
    if Some(meta.uid()) != effective_uid() {
        return Err(StoreError::bad_input(
            "api token",
            format!(
                "{}은(는) 다른 사용자의 파일입니다. 이 사용자로 rotate-token 을 실행해 새로 만드세요",
                path.display()
            ),
            format!("{} belongs to another user; make a new one as this user with rotate-token", path.display()),
        ));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(StoreError::bad_input(
            "api token",
            format!(
                "{}을(를) 다른 사용자도 읽을 수 있습니다. chmod 600 으로 막거나 rotate-token 으로 새로 만드세요",
                path.display()
            ),
            format!(
                "{} is readable by other users; restrict it with chmod 600 or make a new one with rotate-token",
                path.display()
            ),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path).and_then(|f| f.take(256).read_to_string(&mut text)).map_err(io(path))?;
    let token = text.trim();
    if token.len() != TOKEN_HEX || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::bad_input(
            "api token",
            format!("{}에 토큰(16진수 {TOKEN_HEX}자리)이 없습니다", path.display()),
            format!("{} does not hold a token ({TOKEN_HEX} hex digits)", path.display()),
        ));
    }
    Ok(token.to_string())
}

/// The token at `path`, made there first if the file does not exist.
/// Returns it and whether it was made now.
pub fn load_or_create(path: &Path) -> Result<(String, bool), StoreError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = fresh()?;
            write(path, &token)?;
            Ok((token, true))
        }
        _ => Ok((read(path)?, false)),
    }
}

/// Replaces the token at `path` (whatever it holds now: a file others could
/// read, a damaged one) with a new one; returns it. The old token is
/// refused from the server's next request on.
pub fn rotate(path: &Path) -> Result<String, StoreError> {
    let token = fresh()?;
    write(path, &token)?;
    Ok(token)
}

/// Whether `given` is the token the file at `path` holds now.
pub fn accepts(path: &Path, given: &str) -> bool {
    read(path).is_ok_and(|t| constant_time_eq(given.as_bytes(), t.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_file_is_made_private_and_rotated_whole() {
        let dir = std::env::temp_dir().join(format!("dangol-token-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("keys").join("api.token");
        let (first, made) = load_or_create(&path).unwrap();
        assert!(made && first.len() == TOKEN_HEX, "made, its folder too");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(load_or_create(&path).unwrap(), (first.clone(), false));
        assert!(accepts(&path, &first));
        let second = rotate(&path).unwrap();
        assert_ne!(first, second);
        assert!(accepts(&path, &second) && !accepts(&path, &first), "the old token is refused at once");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary file left");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read(&path).is_err() && !accepts(&path, &second), "a file others may read lets nothing in");
        let third = rotate(&path).unwrap();
        assert!(accepts(&path, &third), "and a new token mends it");
        // Another user's file lets nothing in, even private and well formed
        // (only root may give a file away: the check runs where tests run
        // as root, as CI does).
        if effective_uid() == Some(0) {
            std::os::unix::fs::chown(&path, Some(65_534), None).unwrap();
            assert!(read(&path).is_err() && !accepts(&path, &third), "another user's file lets nothing in");
            std::os::unix::fs::chown(&path, Some(0), None).unwrap();
            assert!(accepts(&path, &third));
        }
        std::fs::write(&path, "not a token").unwrap();
        assert!(read(&path).is_err());
        assert!(read(&dir).is_err(), "a folder is not a token file");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
