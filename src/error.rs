//! The library's top-level error and the exit statuses the binary maps it to.

use std::path::PathBuf;

/// How a command ended, as an exit code (DESIGN.md, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: success.
    Success,
    /// 1: a regression (gate failed, snapshot changed under `--check`, failing runs).
    Regression,
    /// 3: an engine or infrastructure failure.
    Engine,
    /// 2: a usage, config or input error.
    Input,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Regression => 1,
            ExitStatus::Input => 2,
            ExitStatus::Engine => 3,
        }
    }

    /// When several apply, the highest wins in the order 2 > 3 > 1 > 0.
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        self.max(other)
    }
}

/// Errors that stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// A bad configuration file.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    /// Bad input data that stops the command as a whole.
    #[error("{0}")]
    Input(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The engine or the machine failed.
    #[error("{0}")]
    Engine(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The exit status this error ends a command with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(_) | Error::Config { .. } | Error::Input(_) => ExitStatus::Input,
            Error::Io { .. } | Error::Engine(_) => ExitStatus::Engine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_beats_engine_beats_regression() {
        use ExitStatus::*;
        assert_eq!(Regression.worst(Engine), Engine);
        assert_eq!(Engine.worst(Input).code(), 2);
        assert_eq!(Success.worst(Regression).code(), 1);
        assert_eq!(Input.worst(Success).code(), 2);
    }
}
