//! The `nats` command language: words, grammar, execution and the CLI's output formats.

pub mod complete;
pub mod exec;
pub mod format;
pub mod parse;
pub mod spec;
pub mod trace;
pub mod usage;
