//! Snapshots of replayed conversations: a normalized, redacted transcript per case, stored as
//! insta-compatible `.snap` files under `snapshots/<system>/<workflow_id>/<run_id>.snap`, compared
//! at an `exact` or `structure` detail level, with unified diffs for the terminal and reports.
//!
//! - [`transcript`]: the normalized view of a replayed run (YAML, stable key order).
//! - [`yaml`]: its YAML written directly, byte for byte as serde_yaml_ng writes it.
//! - [`store`]: the files (`.snap`, `.snap.new`), update modes, orphans.
//! - [`compare`]: exact and structure comparison.
//! - [`diff`]: unified diffs, plain or colored.
//! - [`review`]: pending snapshots: list, accept, reject, interactive review.
//! - [`stage`]: the snapshot stage of `reprise run`.
//! - [`summary`]: what a run's snapshot stage found, for the terminal and `summary.md`.
//! - [`spill`]: the changed and new bodies, kept in a temporary file until the summary.
//! - [`state`]: a case's [`SnapshotState`] and the [`SnapshotCheck`] hook of the replay.

pub mod compare;
pub mod diff;
pub mod review;
pub mod spill;
pub mod stage;
pub mod state;
pub mod store;
pub mod summary;
pub mod transcript;
pub mod yaml;

pub use compare::{Detail, DEFAULT_SIMILARITY};
pub use stage::SnapshotStage;
pub use state::{NoSnapshots, SnapshotCheck, SnapshotError, SnapshotState, SnapshotText};
pub use store::{Checked, SnapshotKey, Store, UpdateMode};
pub use summary::SnapshotSummary;
pub use transcript::Transcript;
