//! reprise: an evaluation and replay test harness for recorded LLM workflow runs.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `formats`/`corpus` (load) → `engine`/`replay` → `eval` → `snapshot` → `report` → `gate`.
//! [`model`] is the normalized run every stage reads; [`cli`] only parses and dispatches.

pub mod cli;
pub mod config;
pub mod corpus;
pub mod engine;
pub mod error;
pub mod fetch;
pub mod formats;
pub mod model;

pub use error::{Error, ExitStatus};
