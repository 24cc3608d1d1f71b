//! CSV (RFC 4180) that spreadsheets open safely.

/// Builds a CSV document row by row.
#[derive(Debug, Default)]
pub struct CsvWriter {
    out: String,
}

impl CsvWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut first = true;
        for cell in cells {
            if !first {
                self.out.push(',');
            }
            first = false;
            push_cell(&mut self.out, cell.as_ref());
        }
        self.out.push_str("\r\n");
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Quotes a cell when needed, and defuses formulas: a cell a spreadsheet would evaluate
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe, so a
/// name typed into Safeharbor cannot run as a formula on an auditor's machine.
fn push_cell(out: &mut String, cell: &str) {
    let defused = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = defused
        || cell.contains([',', '"', '\n', '\r'])
        || cell.starts_with(' ')
        || cell.ends_with(' ');
    if !needs_quotes {
        out.push_str(cell);
        return;
    }
    out.push('"');
    if defused {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        let mut w = CsvWriter::new();
        w.row(["plain", "a,b", "say \"hi\"", "two\nlines"]);
        assert_eq!(
            w.finish(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formulas_are_defused() {
        let mut w = CsvWriter::new();
        w.row(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok"]);
        let s = w.finish();
        assert!(
            s.starts_with("\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",ok"),
            "{s}"
        );
    }
}
