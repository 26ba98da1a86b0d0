// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKit's DMA-BUF renderer costs about 90 MB more memory here with
    // identical rendering (measured: README, Performance). Off unless the
    // environment says otherwise (WEBKIT_DISABLE_DMABUF_RENDERER=0 turns it on).
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: first statement of main, before any thread exists, so no
        // other thread can be reading the environment.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
    dangol_app::run();
}
