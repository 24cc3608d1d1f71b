//! The alerts file: `rule,event_id,user_id,patient_id,day,detail` (a stable contract).

use std::io::{self, Write};

use crate::engine::Alert;

/// The header row.
pub const HEADER: [&str; 6] = ["rule", "event_id", "user_id", "patient_id", "day", "detail"];

/// Writes alerts as CSV.
#[derive(Debug)]
pub struct AlertCsv<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> AlertCsv<W> {
    /// Starts the file with its header.
    pub fn new(w: W) -> io::Result<Self> {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(HEADER).map_err(io::Error::other)?;
        Ok(Self { w })
    }

    /// Writes one alert.
    pub fn write(&mut self, a: &Alert) -> io::Result<()> {
        let day = a.day.to_string();
        self.w
            .write_record([
                a.rule.name(),
                &a.event_id,
                &a.user_id,
                &a.patient_id,
                &day,
                &a.detail,
            ])
            .map_err(io::Error::other)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        self.w.into_inner().map_err(csv::IntoInnerError::into_error)
    }
}
