//! The reasoning of a determination, written down as it goes: sentences, the provisions
//! cited, the records to keep.

use time::Date;

use super::dates;
use super::output::Determination;
use super::records as rec;

/// The reasoning written down as it goes: sentences, the provisions cited, the records to keep.
pub(super) struct Basis {
    pub(super) text: String,
    pub(super) citations: Vec<&'static str>,
    pub(super) records: Vec<&'static str>,
}

impl Basis {
    pub(super) fn new() -> Self {
        Self {
            text: String::with_capacity(1536),
            citations: Vec::with_capacity(12),
            records: Vec::with_capacity(10),
        }
    }

    pub(super) fn say(&mut self, sentence: &str) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(sentence);
    }
    pub(super) fn date(&mut self, d: Date) {
        dates::push(&mut self.text, d);
    }
    pub(super) fn cite(&mut self, c: &'static str) {
        if !self.citations.contains(&c) {
            self.citations.push(c);
        }
    }
    pub(super) fn keep(&mut self, r: &'static str) {
        self.records.push(r);
    }
    pub(super) fn not_a_breach(mut self) -> Determination {
        self.close();
        Determination {
            is_breach: false,
            basis: self.text,
            citations: self.citations,
            individuals_by: None,
            hhs: None,
            hhs_by: None,
            media: false,
            media_states: Vec::new(),
            ba_to_ce_by: None,
            substitute_notice: None,
            delay_days_allowed: None,
            documentation_required: self.records,
        }
    }
    pub(super) fn close(&mut self) {
        self.say(
            "The entity carries the burden of proof (164.414(b)): keep the documentation listed \
             for six years (164.530(j)(2)).",
        );
        self.cite("164.414(b)");
        self.cite("164.530(j)(2)");
        self.keep(rec::RETENTION);
    }
}
