//! The JSON Lines baseline for `bench/compare.sh`: parses every line of a file into a
//! `serde_json::Value` (with the same features klar-lint uses), one thread, and checks nothing.
//!
//! ```text
//! cargo run --release --example parse_lines -- FILE.jsonl
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut err = io::stderr().lock();
    let Some(path) = std::env::args().nth(1) else {
        let _ = writeln!(err, "usage: parse_lines FILE.jsonl");
        return ExitCode::from(2);
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let (mut records, mut invalid) = (0u64, 0u64);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = writeln!(err, "{path}: {e}");
                return ExitCode::from(2);
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        records += 1;
        if serde_json::from_slice::<serde_json::Value>(&line).is_err() {
            invalid += 1;
        }
    }
    let _ = writeln!(err, "{records} records, {invalid} not JSON");
    if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
