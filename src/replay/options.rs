//! How to replay ([`Options`]) and what a replay did ([`Summary`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::http::InFlight;
use crate::redact::Redactor;
use crate::report::{CaseFinished, CaseRow};
use crate::snapshot::SnapshotError;

/// How to replay.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--version`: the version to replay at (default: each case's own).
    pub version: Option<i64>,
    /// `--jobs`: cases in flight.
    pub jobs: usize,
    /// Per-case timeout of the replay (the evaluation has its own).
    pub timeout: Duration,
    /// Bound on judging one replayed run (the evaluation wait of a live engine fits in it).
    pub eval_timeout: Duration,
    /// Retries of a retryable engine error.
    pub retries: u32,
    /// `--repeat N`.
    pub repeat: u32,
    /// `--pass-threshold K`: a repeated case passes when ≥ K repeats pass (default N).
    pub pass_threshold: Option<u32>,
    /// Rows finished in an earlier attempt (`--resume`), by run id: these cases are not
    /// replayed; their rows are emitted as [`Origin::Journal`](crate::report::Origin).
    pub finished: HashMap<String, CaseRow>,
    /// The engine is live: a case that rested waiting or unfinished gets a `stop`.
    pub live: bool,
    /// Refuse cases whose workflow can act on the outside world (live replay without
    /// `--allow-side-effects`): they become `error` rows naming why.
    pub refuse_side_effects: bool,
    /// Live runs in flight, stopped on Ctrl-C.
    pub in_flight: Option<Arc<InFlight>>,
    /// Redacts every text a row carries (errors, reasons), as configured in `reprise.toml`.
    pub redactor: Arc<Redactor>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: None,
            jobs: 4,
            timeout: Duration::from_secs(120),
            eval_timeout: Duration::from_secs(120),
            retries: 2,
            repeat: 1,
            pass_threshold: None,
            finished: HashMap::new(),
            live: false,
            refuse_side_effects: false,
            in_flight: None,
            redactor: Arc::default(),
        }
    }
}

/// What a replay did (the sinks hold what it found).
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases replayed now.
    pub replayed: u64,
    /// Cases taken from the journal (`--resume`).
    pub resumed: u64,
    /// Stopped by Ctrl-C before every case ran.
    pub interrupted: bool,
    /// Comments that could not be posted.
    pub comment_errors: u64,
    /// Snapshot files that could not be read or written.
    pub snapshot_errors: SnapshotFailures,
}

/// How many cases' snapshot errors a [`Summary`] keeps (one unwritable folder fails every
/// case).
pub const MAX_SNAPSHOT_ERRORS: usize = 10;

/// The snapshot files that could not be read or written: how many, and the first ones.
#[derive(Debug, Default)]
pub struct SnapshotFailures {
    /// Failures in all.
    pub count: u64,
    /// The first [`MAX_SNAPSHOT_ERRORS`] cases with one.
    cases: Vec<Arc<CaseFinished>>,
}

impl SnapshotFailures {
    /// Counts the failures of one finished case.
    pub(crate) fn add(&mut self, done: &Arc<CaseFinished>) {
        if done.snapshot_errors.is_empty() {
            return;
        }
        self.count += done.snapshot_errors.len() as u64;
        if self.cases.len() < MAX_SNAPSHOT_ERRORS {
            self.cases.push(done.clone());
        }
    }

    /// The first failures kept (each names its path and cause).
    pub fn first(&self) -> impl Iterator<Item = &SnapshotError> {
        self.cases
            .iter()
            .flat_map(|c| &c.snapshot_errors)
            .take(MAX_SNAPSHOT_ERRORS)
    }
}
