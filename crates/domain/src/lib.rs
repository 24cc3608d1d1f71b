//! Safeharbor's domain: the vocabulary of the product as types.
//!
//! Everything here is pure: no async, no I/O, no clock. Values that have rules (`Slug`,
//! `Email`, `Role`...) have private fields and fallible constructors, so a value that exists
//! is a valid one ("parse, don't validate").

pub mod audit;
pub mod breach;
pub mod catalog;
pub mod evidence;
pub mod ids;
pub mod inspect;
pub mod org;
pub mod page;
pub mod risk;
pub mod sniff;
pub mod text;
pub mod user;

mod invalid;

pub use invalid::Invalid;
