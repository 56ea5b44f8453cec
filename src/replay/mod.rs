//! Replay: the producer side of a run. Drives every selected case through an engine (turn by
//! turn, under a per-case timeout, `--jobs` at a time), judges it, checks its snapshot, and
//! emits what happens as typed [`Event`](crate::report::Event)s to the sinks it is given. It
//! never opens a file: the journal, the report files, the terminal and the progress bar are
//! sinks (`report`), created by the caller (`pipeline`).
//!
//! - [`drive`](replay): one case turn by turn ([`Progress`] follows the live run).
//! - `case`: one case replayed, judged, snapshotted, its repeats folded into one row.
//! - [`run`]: the driver: dispatch, the reorder window, Ctrl-C, the events.
//! - [`Selection`]: filters, samples and shards; [`Cases`]: the selected cases, each read back
//!   from its file when its turn comes.

mod case;
mod cases;
mod drive;
mod options;
mod run;
mod select;

pub use cases::Cases;
pub use drive::{live_hints, replay, turn_input, with_retries, DriveError, Progress, Replayed};
pub use options::{Options, SnapshotFailures, Summary, MAX_SNAPSHOT_ERRORS};
pub use run::run;
pub use select::{corpus_digest, Selection};

pub use crate::snapshot::{NoSnapshots, SnapshotCheck};
