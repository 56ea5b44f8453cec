//! [`ReadError`]: why a report folder (or one of its files) could not be read; shared by the
//! readers of `runs.csv`, `summary.csv` and `paths.jsonl`.

use std::path::PathBuf;

/// Why a report folder could not be read. Every variant names the file (and line when known).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The folder does not exist or is not a directory.
    #[error("{0}: no such report folder")]
    MissingDir(PathBuf),
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The header row lacks a column this command needs.
    #[error("{path}: line 1: missing column `{column}`")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column name.
        column: &'static str,
    },
    /// A row is not what the contract says.
    #[error("{path}: line {line}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
}
