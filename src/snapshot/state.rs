//! What the snapshot stage says about one case, as a type: its [`SnapshotState`] (what the
//! store's comparison found, and the `snapshot` column of `runs.csv`, read back by `compare`
//! and `gate`: one type from the store to the reports), and the
//! [`SnapshotCheck`] hook through which the replay asks for it. A snapshot that could not be
//! read or written is a typed [`SnapshotError`] naming its path, never a state.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Run;

/// A case's snapshot state (`runs.csv` `snapshot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotState {
    /// Same as the stored snapshot.
    Match,
    /// Differs from the stored snapshot.
    Changed,
    /// No stored snapshot yet.
    New,
    /// Not snapshotted (no snapshot stage, or the case was not replayed).
    #[default]
    None,
}

impl SnapshotState {
    /// `match`, `changed`, `new` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotState::Match => "match",
            SnapshotState::Changed => "changed",
            SnapshotState::New => "new",
            SnapshotState::None => "none",
        }
    }

    /// The state a `runs.csv` cell names (an empty cell is `none`).
    pub fn parse(s: &str) -> Option<SnapshotState> {
        Some(match s {
            "match" => SnapshotState::Match,
            "changed" => SnapshotState::Changed,
            "new" => SnapshotState::New,
            "none" | "" => SnapshotState::None,
            _ => return None,
        })
    }
}

/// The snapshot stage's text of one case: already redacted (it is the `.snap` body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotText {
    /// The transcript (YAML) of the replayed run.
    pub transcript: String,
    /// For a changed snapshot: the unified diff of the stored body against the new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The snapshot stage as the replay sees it (see [`NoSnapshots`] for the default).
pub trait SnapshotCheck: Send + Sync {
    /// Compares the replayed run with the stored snapshot of `case` (writing it as the update
    /// mode says). A file that cannot be read or written is an error naming it.
    fn check(&self, case: &Run, replayed: &Run) -> Result<SnapshotState, SnapshotError>;

    /// As [`check`](SnapshotCheck::check), with the case's redacted transcript and, for a
    /// changed snapshot, its diff (for `report.html`). Without a store there is no text.
    fn check_with_text(
        &self,
        case: &Run,
        replayed: &Run,
    ) -> Result<(SnapshotState, Option<SnapshotText>), SnapshotError> {
        self.check(case, replayed).map(|s| (s, None))
    }
}

/// No snapshot store: every case gets `none`.
pub struct NoSnapshots;

impl SnapshotCheck for NoSnapshots {
    fn check(&self, _: &Run, _: &Run) -> Result<SnapshotState, SnapshotError> {
        Ok(SnapshotState::None)
    }
}

/// A snapshot file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading or writing `path` failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `path` is not a snapshot file.
    #[error("{path}: not an insta snapshot file: {message}")]
    Format { path: PathBuf, message: String },
}

impl SnapshotError {
    pub(super) fn io(path: &Path, source: std::io::Error) -> SnapshotError {
        SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_what_they_write() {
        for s in [
            SnapshotState::Match,
            SnapshotState::Changed,
            SnapshotState::New,
            SnapshotState::None,
        ] {
            assert_eq!(SnapshotState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<SnapshotState>(&json).unwrap(), s);
        }
        assert_eq!(SnapshotState::parse(""), Some(SnapshotState::None));
        assert_eq!(SnapshotState::parse("stale"), None);
    }
}
