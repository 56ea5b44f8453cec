//! The live runs in flight, so that Ctrl-C can stop them instead of leaving them running (and
//! possibly acting) on the vendor's side.
//!
//! The replay stage registers each run id when its start answers and finishes it when the run
//! rests; [`InFlight::stop_all`] sends `stop` to whatever is left.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::engine::{Engine, EngineError};
use crate::model::System;

/// Run ids of live runs that have started and not yet finished.
#[derive(Debug, Default)]
pub struct InFlight {
    runs: Mutex<BTreeMap<String, System>>,
}

impl InFlight {
    /// An empty registry.
    pub fn new() -> InFlight {
        InFlight::default()
    }

    /// A run has started.
    pub fn register(&self, system: System, run_id: &str) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(run_id.to_owned(), system);
        }
    }

    /// A run has finished (or was given up): it needs no stop.
    pub fn finish(&self, run_id: &str) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.remove(run_id);
        }
    }

    /// Runs in flight, sorted by id.
    pub fn runs(&self) -> Vec<(String, System)> {
        self.runs
            .lock()
            .map(|r| r.iter().map(|(id, s)| (id.clone(), *s)).collect())
            .unwrap_or_default()
    }

    /// How many runs are in flight.
    pub fn len(&self) -> usize {
        self.runs.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// True when no run is in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends `stop` to every run in flight and empties the registry. Answers each run's
    /// outcome, sorted by id (Noxus runs answer `Unsupported`: Noxus has no stop).
    pub async fn stop_all(&self, engine: &dyn Engine) -> Vec<(String, Result<(), EngineError>)> {
        let runs = match self.runs.lock() {
            Ok(mut runs) => std::mem::take(&mut *runs),
            Err(_) => return Vec::new(),
        };
        let mut out = Vec::with_capacity(runs.len());
        for (run_id, system) in runs {
            let result = engine.stop(system, &run_id).await;
            out.push((run_id, result));
        }
        out
    }

    /// Spawns a task that waits for Ctrl-C, then stops every run in flight. Abort the handle
    /// once the replay is over.
    pub fn stop_on_ctrl_c(self: Arc<Self>, engine: Arc<dyn Engine>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let stopped = self.stop_all(engine.as_ref()).await;
                eprintln!(
                    "reprise: interrupted; sent stop to {} live run(s) in flight",
                    stopped.len()
                );
            }
        })
    }
}
