//! `reprise.toml`: assertions, thresholds and redaction rules, each naming the workflows it
//! applies to. Nothing in it applies to a workflow it does not name.
//!
//! This module finds and reads the file. Each section's type lives with the code that uses it
//! (`[evaluation]` in [`crate::eval::spec`], `[redaction]` in [`crate::redact::rules`], `[gate]`
//! here, beside the thresholds it builds), so the configuration depends on its consumers and
//! never the other way round.
mod file;
pub mod gate;

pub use file::{Config, ConfigError};
