//! `safeharbor breach assess FILE.json`: one breach case in, one determination out. The rules
//! are `safeharbor_domain::breach`; this only reads the file, takes today's date from the
//! clock and writes the answer. No database is opened.

use std::io::{Read, Write};
use std::process::ExitCode;

use safeharbor_domain::Invalid;
use safeharbor_domain::breach;

/// Reads the case in `path` (`-` for standard input) and prints its determination as JSON:
/// exit 0. A case that breaks a rule prints `{"error":{...}}` naming the field to standard
/// error, nothing to standard output: exit 2 (usage), as does a file that cannot be read.
pub fn assess(path: &str) -> ExitCode {
    // The date the assessment is made; a discovery after it is refused (UTC calendar date).
    let today = time::OffsetDateTime::now_utc().date();
    let result = read(path).and_then(|input| breach::assess_json(&input, today));
    match result {
        Ok(json) => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{json}").and_then(|()| out.flush()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", breach::error_json(&e));
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<String, Invalid> {
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::stdin().lock().read_to_end(&mut b).map(|_| b)
    } else {
        std::fs::read(path)
    }
    .map_err(|e| Invalid::new("file", format!("cannot be read: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Invalid::new("input", "is not UTF-8 text"))
}
