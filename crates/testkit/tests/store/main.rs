//! The store conformance suite: the same tests against whichever backend the suite runs on
//! (SQLite by default, PostgreSQL when `SAFEHARBOR_TEST_DATABASE_URL` is set).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken assumption"
)]

mod audit_chain;
mod backup;
mod scoping;
