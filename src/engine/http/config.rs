//! The live engine's settings: shared ones (timeouts, retries, pacing, base URLs, tokens) and
//! the few a vendor's client reads.

use std::collections::BTreeMap;
use std::time::Duration;

use super::client::{ClientConfig, Token};
use crate::model::System;

/// Everything a live engine needs to reach the vendors' APIs.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Timeouts, retries, pacing.
    pub client: ClientConfig,
    /// Base URL per system (only systems with a base URL can be replayed).
    pub base_urls: BTreeMap<System, String>,
    /// Token per system (read from the environment by the CLI).
    pub tokens: BTreeMap<System, Token>,
    /// Interactly `secret_variables` for live runs (never serialised back by the vendor).
    pub secret_variables: BTreeMap<String, Token>,
    /// Which Interactly execute request shape to send.
    pub interactly_generation: Generation,
    /// The Cortex app the workflows belong to (a Cortex workflow id may also be `APP/WORKFLOW`).
    pub cortex_app_id: Option<String>,
    /// How long to wait for Interactly's own evaluation run to appear.
    pub eval_wait: Duration,
}

/// The Interactly execute request shape to send. Both response shapes are always accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Generation {
    /// `{run_input, run_id}` answered by `{run_id, turn_number, events, …}`.
    #[default]
    Current,
    /// A bare `WorkflowRunInput` answered by a bare `WorkflowRun`.
    Legacy,
}
