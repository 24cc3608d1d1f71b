//! The gap view as CSV (the PDF is in `pdf`).

use safeharbor_core::gap::GapReport;

use crate::csv::CsvWriter;

fn items(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(r, t)| format!("{r} {t}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The gap view as CSV, one row per HIPAA requirement.
pub fn gap_csv(report: &GapReport) -> String {
    let mut w = CsvWriter::new();
    w.row([
        "ref",
        "title",
        "kind",
        "designation",
        "coverage",
        "practiced",
        "partly_practiced",
        "not_practiced",
    ]);
    for row in &report.rows {
        let r = &row.requirement;
        w.row([
            r.reference.clone(),
            r.title.clone(),
            r.kind.as_str().to_owned(),
            r.designation
                .map_or(String::new(), |d| d.as_str().to_owned()),
            row.coverage.as_str().to_owned(),
            items(&row.practiced),
            items(&row.partial),
            items(&row.not_practiced),
        ]);
    }
    w.finish()
}
