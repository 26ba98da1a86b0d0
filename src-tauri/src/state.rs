//! The app's state: the open store (none until a first run is set up), the
//! owner's session, where the databases live, the clock, and when the
//! process started (for the cold-start figure).
//!
//! Commands run off the main thread (`#[tauri::command(async)]`), one at a
//! time against the store. A command that fails returns an `ErrorView` (its
//! kind, its data, and the sentence in the window's language, which the
//! window tells us with `set_lang`); one that panics is caught here and
//! returns an `internal` error, and the store stays usable (its transaction
//! rolled back as the panic unwound), so one bad command never leaves the
//! window unusable.

use dangol_domain::i18n::Lang;
use dangol_store::error::{ErrorView, StoreErrorData, say};
use dangol_store::{Clock, Owner, Store, StoreError, SystemIds};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The owner stays signed in this long after the last owner action.
pub const OWNER_SESSION: Duration = Duration::from_secs(5 * 60);

/// Where the databases are.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The shop's database (`--db`, `DANGOL_DB`, or the default).
    pub shop: PathBuf,
    /// The demo shop's own database.
    pub demo: PathBuf,
}

pub struct AppState {
    store: Mutex<Option<Store>>,
    /// Why the store could not be opened, if it could not (shown in the
    /// window), in Korean and in English.
    failure: Mutex<Option<[ErrorView; 2]>>,
    /// The window's language, for error sentences.
    lang: Mutex<Lang>,
    owner: Mutex<Option<(Owner, Instant)>>,
    pub paths: Paths,
    pub clock: Clock,
    pub started: Instant,
    /// Set when a write wants the next sync round now (an owner's undo of
    /// a merge waits for the hub), waking the background sync early.
    sync_soon: (Mutex<bool>, Condvar),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a command poisons the lock; the data is still whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(
        store: Option<Store>,
        failure: Option<&StoreError>,
        paths: Paths,
        clock: Clock,
        started: Instant,
    ) -> Self {
        AppState {
            store: Mutex::new(store),
            failure: Mutex::new(failure.map(|e| [ErrorView::new(e, Lang::Ko), ErrorView::new(e, Lang::En)])),
            lang: Mutex::new(crate::system_lang()),
            owner: Mutex::new(None),
            paths,
            clock,
            started,
            sync_soon: (Mutex::new(false), Condvar::new()),
        }
    }

    /// Asks the background sync for a round now.
    pub fn sync_soon(&self) {
        *lock(&self.sync_soon.0) = true;
        self.sync_soon.1.notify_all();
    }

    /// Waits until `every` has passed or a round is asked for.
    pub fn wait_for_sync(&self, every: Duration) {
        let guard = lock(&self.sync_soon.0);
        let (mut asked, _) =
            self.sync_soon.1.wait_timeout_while(guard, every, |asked| !*asked).unwrap_or_else(|e| e.into_inner());
        *asked = false;
    }

    /// The window's language.
    pub fn lang(&self) -> Lang {
        *lock(&self.lang)
    }

    pub fn set_lang(&self, lang: Lang) {
        *lock(&self.lang) = lang;
    }

    /// An error as the window shows it, in its language.
    pub fn view(&self, e: &StoreError) -> ErrorView {
        ErrorView::new(e, self.lang())
    }

    /// Runs `f`, turning its error (or a panic) into an `ErrorView`.
    pub fn run<T>(&self, f: impl FnOnce() -> dangol_store::Result<T>) -> Result<T, ErrorView> {
        caught(self.lang(), || f().map_err(|e| self.view(&e)))
    }

    /// Runs a command against the open store and turns its error (or a
    /// panic) into an `ErrorView`.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Store, &mut SystemIds) -> dangol_store::Result<T>,
    ) -> Result<T, ErrorView> {
        let lang = self.lang();
        if let Some(e) = lock(&self.failure).as_ref() {
            return Err(e[if lang == Lang::Ko { 0 } else { 1 }].clone());
        }
        let mut guard = lock(&self.store);
        let store = guard.as_mut().ok_or_else(|| {
            ErrorView::other(
                StoreErrorData::SetupNeeded,
                say(
                    "아직 열린 가게가 없습니다. 데모 가게를 고르거나 내 가게를 설정하세요",
                    "no shop is open yet: choose the demo shop or set up your shop",
                ),
                lang,
            )
        })?;
        caught(lang, || f(store, &mut SystemIds).map_err(|e| ErrorView::new(&e, lang)))
    }

    /// One step against the open store, for work that is not a command
    /// (the background sync); a store not open yet is `setup_needed`'s
    /// refusal as a store error.
    pub fn store_step<R>(&self, f: &mut dyn FnMut(&mut Store) -> dangol_store::Result<R>) -> dangol_store::Result<R> {
        let mut guard = lock(&self.store);
        let store = guard
            .as_mut()
            .ok_or_else(|| StoreError::bad_input("shop", "아직 열린 가게가 없습니다", "no shop is open yet"))?;
        f(store)
    }

    /// Runs an owner-only command with the owner's session, which each use
    /// extends; without one, `owner_required`.
    pub fn as_owner<T>(
        &self,
        f: impl FnOnce(&mut Store, &Owner, &mut SystemIds) -> dangol_store::Result<T>,
    ) -> Result<T, ErrorView> {
        let owner = self.owner_session().ok_or_else(|| {
            self.view(&StoreError::OwnerRequired {
                what: say("이 작업 (PIN으로 잠금을 푸세요)", "do this (unlock with the PIN)"),
            })
        })?;
        self.with(|s, ids| f(s, &owner, ids))
    }

    /// The owner, if signed in within the session's time.
    fn owner_session(&self) -> Option<Owner> {
        let mut session = lock(&self.owner);
        match session.as_mut() {
            Some((owner, last)) if last.elapsed() < OWNER_SESSION => {
                *last = Instant::now();
                Some(owner.clone())
            }
            _ => {
                *session = None;
                None
            }
        }
    }

    pub fn sign_in(&self, owner: Owner) {
        *lock(&self.owner) = Some((owner, Instant::now()));
    }

    pub fn sign_out(&self) {
        *lock(&self.owner) = None;
    }

    /// True when no shop is open and none failed to open: the window shows
    /// the first-run choice.
    pub fn needs_setup(&self) -> bool {
        lock(&self.store).is_none() && lock(&self.failure).is_none()
    }

    /// Puts a freshly created store in place (first run).
    pub fn install(&self, store: Store) -> dangol_store::Result<()> {
        let mut guard = lock(&self.store);
        if guard.is_some() {
            return Err(StoreError::bad_input("new shop", "이미 가게가 열려 있습니다", "a shop is already open"));
        }
        *guard = Some(store);
        Ok(())
    }
}

/// Runs `f`, turning a panic into an `internal` error.
pub fn caught<T>(lang: Lang, f: impl FnOnce() -> Result<T, ErrorView>) -> Result<T, ErrorView> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!("dangol: a command failed unexpectedly: {what}");
        Err(ErrorView::other(
            StoreErrorData::Internal,
            say(
                format!("예상하지 못한 문제로 이 작업이 실패했습니다 ({what}). 아무것도 저장되지 않았고 계산대는 계속 쓸 수 있습니다"),
                format!("this action failed unexpectedly ({what}); nothing was saved, and the counter carries on"),
            ),
            lang,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(store: Option<Store>) -> AppState {
        AppState::new(
            store,
            None,
            Paths { shop: "/nonexistent/a.db".into(), demo: "/nonexistent/d.db".into() },
            Clock::System,
            Instant::now(),
        )
    }

    #[test]
    fn a_panicking_command_is_an_error_and_the_next_command_still_works() {
        let s = state(Some(Store::open_in_memory().unwrap()));
        let err = s.with(|_, _| -> dangol_store::Result<()> { panic!("boom") }).unwrap_err();
        assert_eq!(err.kind(), "internal");
        assert!(err.message.contains("boom"), "{}", err.message);
        let n = s.with(|store, _| Ok(store.shop_info()?.customers)).expect("the store is still usable");
        assert_eq!(n, 0);
    }

    #[test]
    fn owner_commands_need_a_session_and_sign_out_ends_it() {
        let s = state(Some(Store::open_in_memory().unwrap()));
        let err = s.as_owner(|_, _, _| Ok(())).unwrap_err();
        assert_eq!(err.kind(), "owner_required");
        assert!(!s.needs_setup());
        let fresh = state(None);
        assert!(fresh.needs_setup());
        assert_eq!(fresh.with(|_, _| Ok(())).unwrap_err().kind(), "setup_needed");
        fresh.set_lang(Lang::Ko);
        let ko = fresh.with(|_, _| Ok(())).unwrap_err().message;
        fresh.set_lang(Lang::En);
        let en = fresh.with(|_, _| Ok(())).unwrap_err().message;
        assert!(ko.contains("가게") && en.contains("shop") && ko != en, "{ko} / {en}");
    }
}
