//! The state every handler shares ([`AppState`]), below the layers, the recordings and the
//! routes that read it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;

use crate::engine::faults::FaultInjector;
use crate::engine::RecordedEngine;
use crate::model::Run;

/// What every handler shares; a vendor's routes keep their own state beside it.
pub struct AppState {
    pub(crate) engine: Arc<RecordedEngine>,
    pub(super) token: Option<String>,
    pub(super) faults: Option<FaultInjector>,
    pub(super) log: bool,
    /// Time a request body has to arrive (the idle timeout).
    pub(super) body_timeout: Duration,
    /// Recordings read from disk, kept for the next answers (see [`super::recorded_bytes`]).
    pub(super) disk_cache: Mutex<DiskCache>,
}

impl AppState {
    /// The recorded engine the routes answer from.
    pub fn engine(&self) -> &Arc<RecordedEngine> {
        &self.engine
    }
}

/// Recordings read from disk, kept for the next answers: keyed by the recording's address (the engine's runs live as long as the server, and the entry holds its run).
#[derive(Default)]
pub(crate) struct DiskCache {
    pub(super) entries: HashMap<usize, (Arc<Run>, Bytes)>,
    pub(super) total: usize,
}
