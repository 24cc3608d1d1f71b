//! The web pages: server-rendered HTML (askama, escaped by default), with htmx for partial
//! updates. Every page calls the same `core` use cases as the JSON API, so the rules, the
//! validation and the tenant isolation are the same; another tenant's page answers 404.

pub mod account;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod chrome;
pub mod evidence;
pub mod evidence_import;
pub mod forms;
pub mod gap;
pub mod home;
pub mod locations;
pub mod members;
pub mod org;
pub mod plan;
pub mod risk;
pub mod routes;
pub mod session;
pub mod sra;
pub mod sra_finalize;

pub use chrome::{Chrome, Flash};
pub use forms::FormErrors;
pub use routes::{UiRoute, router};
pub use session::{CsrfForm, UiError, UiResult, UiSession};
