//! A whole review: the reference tables, then one pass over the access log.

use std::io::{self, Read};

use crate::engine::{Alert, Counts, Engine};
use crate::events::CsvEvents;
use crate::events::Event;
use crate::fhir;
use crate::mapping::{EventFormat, Mapping};
use crate::pipeline;
use crate::report::{FileKind, LoadError, Rejects};
use crate::rules::RuleSet;
use crate::table_file::TableFile;
use crate::tables::{TableSources, Tables, TablesReport};

/// What a review found besides its alerts.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Counts over the events.
    pub counts: Counts,
    /// Rejected rows of the access log.
    pub events_rejected: Rejects,
    /// How the reference files went.
    pub tables: TablesReport,
}

/// Runs a review: reads the tables, streams the access log through the rules, hands each
/// alert to `out` as it is found and reports progress (bytes of the log read) to `progress`.
pub fn review<R: Read + Send, E: Read + Send>(
    tables: TableSources<R>,
    events: E,
    mapping: &Mapping,
    rules: RuleSet,
    mut out: impl FnMut(Alert) -> io::Result<()>,
    mut progress: impl FnMut(u64),
) -> Result<Summary, LoadError> {
    let tables = Tables::load(tables, mapping)?;
    let report = tables.load.clone();
    let mut engine = Engine::new(tables, rules, mapping.rules.clone());
    let limit = mapping.bad_row_limit();
    let rejects = match mapping.events.format {
        EventFormat::Csv => {
            csv_events(events, mapping, limit, &mut engine, &mut out, &mut progress)?
        }
        EventFormat::Fhir => {
            let mut rejects = Rejects::new(FileKind::Events, limit);
            fhir::read(
                events,
                &mut rejects,
                &mut |ev| engine.observe(ev, &mut out),
                &mut progress,
            )?;
            rejects
        }
    };
    let counts = engine.finish(&mut out).map_err(LoadError::Output)?;
    Ok(Summary {
        counts,
        events_rejected: rejects,
        tables: report,
    })
}

fn csv_events<E: Read + Send>(
    events: E,
    mapping: &Mapping,
    limit: u64,
    engine: &mut Engine,
    out: &mut impl FnMut(Alert) -> io::Result<()>,
    progress: &mut impl FnMut(u64),
) -> Result<Rejects, LoadError> {
    let m = &mapping.events;
    let f = TableFile::open(events, FileKind::Events, m.delimiter, m.quoting, limit)?;
    let dec = CsvEvents::new(&f, m)?;
    pipeline::run(f, dec, |chunk| {
        let events: Vec<Event<'_>> = chunk.events().collect();
        engine
            .observe_all(&events, out)
            .map_err(LoadError::Output)?;
        progress(chunk.consumed);
        Ok(())
    })
}
