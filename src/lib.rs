//! Kasip: is an occupation on Kazakhstan's list of in-demand professions for foreigners'
//! permanent residence (Appendix 2 to order No. 49 of 20.02.2023, as amended 03.05.2024)?
//!
//! The library holds the engine; `main.rs` only wires it to the command line, the bot and the
//! web server.

pub mod amend;
pub mod bot;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod formats;
pub mod i18n;
pub mod lang;
pub mod matcher;
pub mod metrics;
pub mod reply;
pub mod store;
pub mod web;

pub use catalog::{Catalog, Code};
pub use lang::Lang;
pub use matcher::{Matcher, Verdict, VerdictKind};
