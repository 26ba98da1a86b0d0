//! Writing to standard output and error without ever panicking.
//!
//! `println!` panics when the reader has gone (`dangol checkout --json |
//! true`): after a sale was committed that would exit 101 and invite a
//! retry. Here a closed pipe ends the output quietly; the command's exit
//! code still says what the command did.

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output. A closed pipe stops the output; any
/// other failure to write is reported once on standard error.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush());
    if let Err(e) = written
        && e.kind() != ErrorKind::BrokenPipe
    {
        err(&format!("dangol: 출력을 쓸 수 없습니다 / could not write the output: {e}\n"));
    }
}

/// Writes `text` to standard error, ignoring any failure (there is nowhere
/// left to report it).
pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|_| stderr.flush());
}
