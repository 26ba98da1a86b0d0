//! Tauri's build step, with Dangol's own commands under the permission
//! system: each command gets `allow-COMMAND` (kebab-case), and a window may
//! call only the commands its capability lists (`capabilities/`,
//! `permissions/windows.toml`). Without this, every window could call every
//! command; the customer's screen must call only its two.
//!
//! The command list is read from `generate_handler![...]` in `src/lib.rs`,
//! so a new command needs no second list here; it is also handed to the
//! crate as `DANGOL_COMMANDS` for the test that checks every command is
//! granted to the counter window and only the screen's to the customer's.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    let lib = fs::read_to_string("src/lib.rs").expect("src/lib.rs is readable");
    let commands = handler_commands(&lib);
    assert!(!commands.is_empty(), "no commands found in generate_handler![...] in src/lib.rs");
    println!("cargo:rustc-env=DANGOL_COMMANDS={}", commands.join(","));
    let commands: &'static [&'static str] =
        Box::leak(commands.into_iter().map(|c| &*Box::leak(c.into_boxed_str())).collect::<Vec<_>>().into_boxed_slice());
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}

/// The names inside `generate_handler![...]`: `commands::lookup` → `lookup`.
fn handler_commands(lib: &str) -> Vec<String> {
    let Some(start) = lib.find("generate_handler![") else { return Vec::new() };
    let body = &lib[start + "generate_handler![".len()..];
    let body = &body[..body.find(']').unwrap_or(0)];
    body.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.rsplit("::").next().unwrap_or(c).to_string())
        .collect()
}
