//! The events of a run: what the replay (the producer) tells the sinks (the consumers).
//!
//! Modelled on cargo-nextest's runner → reporter split: nextest's `TestRunner` emits a
//! `TestEvent { kind: TestEventKind, .. }` and each reporter consumes it through
//! `Reporter::report_event`, never calling back into the runner. Here `replay::run` emits
//! [`Event`]s and each [`Sink`](super::Sink) consumes them through
//! [`Sink::event`](super::Sink::event). How the kinds map:
//!
//! | nextest `TestEventKind` | reprise [`Event`] |
//! |---|---|
//! | `RunStarted { test_list, .. }` | [`Event::RunStarted`] (cases to run, rows from the journal) |
//! | `TestStarted { test_instance, .. }` | [`Event::CaseStarted`] |
//! | (output captured per test) | [`Event::TurnReplayed`] (one per engine answer while a case is driven) |
//! | `TestFinished { run_statuses, .. }` | [`Event::CaseFinished`] with the typed [`CaseFinished`] |
//! | `RunBeginCancel` | (the replay prints it; the sinks learn it from `RunFinished`) |
//! | `RunFinished { run_stats, .. }` | [`Event::RunFinished`] (`interrupted`, end time) |
//!
//! As in nextest, events arrive in the order things happen: `CaseFinished` in finish order,
//! which depends on `--jobs`. A sink that needs run-id order (every report file) sits behind
//! [`Ordered`](super::Ordered), which feeds it rows by [`CaseFinished::seq`].

use std::sync::Arc;

use super::CaseRow;
use crate::snapshot::SnapshotError;

/// One thing that happened in a run.
#[derive(Debug, Clone)]
pub enum Event {
    /// The replay is about to dispatch its cases.
    RunStarted {
        /// Cases selected (replayed now or taken from the journal).
        cases: u64,
        /// Of those, rows already finished in the journal (`--resume`).
        resumed: u64,
    },
    /// A case is being replayed (once per case, whatever `--repeat`).
    CaseStarted {
        /// The case's run id.
        run_id: String,
    },
    /// The engine answered one turn of a case being replayed.
    TurnReplayed {
        /// The case's run id.
        run_id: String,
        /// The turn the engine's answer ends at (0-based).
        turn: usize,
    },
    /// A case is done (replayed and judged, or taken from the journal).
    CaseFinished(Arc<CaseFinished>),
    /// Nothing more will come.
    RunFinished {
        /// Stopped by Ctrl-C before every case ran: the sinks saw the cases finished so far.
        interrupted: bool,
        /// When the run ended (RFC 3339).
        ended_at: String,
    },
}

/// Where a finished case's row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Replayed in this run.
    Replayed,
    /// Finished in an earlier run, taken from the journal (`--resume`).
    Journal,
}

/// A finished case: its row (with the one [`Verdict`](super::Verdict) and the one
/// [`SnapshotState`](crate::snapshot::SnapshotState)) and what failed beside it, typed.
#[derive(Debug)]
pub struct CaseFinished {
    /// The case's position in run-id order (0-based), for [`Ordered`](super::Ordered).
    pub seq: usize,
    /// Replayed now or resumed.
    pub origin: Origin,
    /// The row every report writes.
    pub row: CaseRow,
    /// Snapshot files of this case that could not be read or written (one per repeat at
    /// most): each names its path. The row's `snapshot` is then `none`.
    pub snapshot_errors: Vec<SnapshotError>,
    /// Posting the verdict as a comment failed (never changes the verdict).
    pub comment_failed: bool,
}
