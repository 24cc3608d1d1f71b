//! Rendering of read models for people and other tools: CSV now; PDF, HTML and OSCAL as the
//! features that need them land.

pub mod audit;
pub mod catalog;
pub mod csv;
pub mod gap;
pub mod pdf;
pub mod sra;
