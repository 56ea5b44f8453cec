//! reprise: an evaluation and replay test harness for recorded LLM workflow runs.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `formats`/`corpus` (load) → `engine`/`replay` → `eval` → `snapshot` → `report` → `gate`.
//! [`model`] is the normalized run every stage reads; [`cli`] only parses and dispatches.

pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod corpus;
pub mod engine;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod formats;
pub mod gate;
pub mod impact;
pub mod model;
pub mod names;
pub mod pipeline;
pub mod redact;
pub mod replay;
pub mod report;
pub mod server;
pub mod snapshot;
pub mod stats;
pub mod synth;
pub mod vendors;

#[cfg(test)]
mod builtin_tests;

pub use error::{Error, ExitStatus};
