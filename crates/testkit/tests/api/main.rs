//! API tests: the whole HTTP application on port 0 over a fresh database per test.
//! Runs on SQLite, or on PostgreSQL when `SAFEHARBOR_TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken assumption"
)]

mod audit;
mod auth;
mod bad_input;
mod catalog;
mod cross_tenant;
mod evidence;
mod evidence_imports;
mod hardening;
mod http;
mod limits;
mod members;
mod orgs;
mod pages;
mod reminders;
mod risk;
mod sra_checks;
