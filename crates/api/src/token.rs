//! The API's bearer token: 256 random bits as 64 hex digits, in a file only
//! its user may read (mode 0600), made at first run, replaced by `rotate`.
//! The server reads the file again when it changes, so a rotation takes
//! effect at the next request; a request's token is compared in constant
//! time.

use dangol_store::StoreError;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What identifies a version of the token file: a rotation writes a new
/// file over it (another inode), an edit moves its modification time, a
/// `chmod` its mode.
type Version = Option<(u64, SystemTime, u32)>;

fn version(path: &Path) -> Version {
    std::fs::metadata(path).ok().and_then(|m| Some((m.ino(), m.modified().ok()?, m.mode())))
}

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

/// Writes `token` to `path` whole, readable by its user only: a new file
/// beside it, then renamed over it, so a reader never sees half a token.
fn write(path: &Path, token: &str) -> Result<(), StoreError> {
    let tmp = path.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io(&tmp))?;
    f.write_all(format!("{token}\n").as_bytes()).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Reads the token at `path`, refusing a file others may read or one that
/// does not hold a token.
pub fn read(path: &Path) -> Result<String, StoreError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(StoreError::bad_input(
            "api token",
            format!("{}을(를) 다른 사용자도 읽을 수 있습니다. chmod 600 으로 막으세요", path.display()),
            format!("{} is readable by other users; restrict it with chmod 600", path.display()),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
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
    if path.exists() {
        return Ok((read(path)?, false));
    }
    let token = fresh()?;
    write(path, &token)?;
    Ok((token, true))
}

/// Replaces the token at `path` with a new one (the old one is refused
/// from the server's next request on); returns the new token.
pub fn rotate(path: &Path) -> Result<String, StoreError> {
    if path.exists() {
        read(path)?;
    }
    let token = fresh()?;
    write(path, &token)?;
    Ok(token)
}

/// Whether `given` is `expected`, taking the same time wherever they
/// differ (their lengths are not secret: every token has 64 digits).
pub fn same(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The token the server checks requests against: the file's, read again
/// when the file changes.
pub struct TokenSource {
    path: PathBuf,
    held: Mutex<(Version, String)>,
}

impl TokenSource {
    pub fn new(path: &Path, token: String) -> TokenSource {
        TokenSource { path: path.to_path_buf(), held: Mutex::new((version(path), token)) }
    }

    /// Whether `given` is the current token. A file that cannot be read
    /// any more (removed, made readable by others) lets nothing in.
    pub fn accepts(&self, given: &str) -> bool {
        let now = version(&self.path);
        if now.is_none() {
            return false;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if now != held.0 {
            match read(&self.path) {
                Ok(t) => *held = (now, t),
                Err(_) => return false,
            }
        }
        same(given.as_bytes(), held.1.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_equal_only_when_equal() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn a_token_file_is_made_private_and_rotated_whole() {
        let dir = std::env::temp_dir().join(format!("dangol-token-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("api.token");
        let (first, made) = load_or_create(&path).unwrap();
        assert!(made && first.len() == TOKEN_HEX);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load_or_create(&path).unwrap(), (first.clone(), false));
        let source = TokenSource::new(&path, first.clone());
        assert!(source.accepts(&first));
        let second = rotate(&path).unwrap();
        assert_ne!(first, second);
        assert!(source.accepts(&second) && !source.accepts(&first), "the old token is refused at once");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read(&path).is_err(), "a file others may read is refused");
        assert!(!source.accepts(&second), "and lets nothing in");
        std::fs::write(&path, "not a token").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(read(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
