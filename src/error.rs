//! The library's top-level error and the exit statuses the binary maps it to.
//!
//! Every error that stops a command is a typed variant, and the variant decides the exit code
//! (as nextest's `ExpectedError::process_exit_code`): [`UsageError`], [`InputError`] and a
//! bad configuration exit 2, [`WriteError`] and [`RuntimeError`] exit 3. No free-text variant
//! picks an exit code; the texts stay what the tests and users read.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::compare::ReadError;
use crate::config::ConfigError;
use crate::engine::EngineError;
use crate::eval::BadEvaluator;
use crate::fetch::FetchError;
use crate::gate::GateError;
use crate::model::System;
use crate::report::history::HistoryError;
use crate::snapshot::SnapshotError;
use crate::synth::SynthError;

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

/// Errors that stop a command. The variant decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments (exit 2).
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// A bad configuration file (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Bad input data that stops the command as a whole (exit 2).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file could not be written (exit 3).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The engine, the server or the machine failed (exit 3).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl Error {
    /// A failure to write (or read back) `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Write(WriteError {
            path: path.into(),
            source,
        })
    }

    /// The exit status this error ends a command with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(_) | Error::Config(_) | Error::Input(_) => ExitStatus::Input,
            Error::Write(_) | Error::Runtime(_) => ExitStatus::Engine,
        }
    }
}

/// A command line that cannot be run: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// `--repeat 0`.
    #[error("--repeat must be at least 1")]
    RepeatZero,
    /// `--pass-threshold` outside 1..=`--repeat`.
    #[error("--pass-threshold must be between 1 and --repeat ({repeat})")]
    PassThreshold {
        /// The `--repeat` given.
        repeat: u32,
    },
    /// `--timeout` not a positive number.
    #[error("--timeout must be a positive number of seconds")]
    Timeout,
    /// `--similarity` outside [0, 1].
    #[error("--similarity must be between 0 and 1")]
    Similarity,
    /// A flag that needs the recorded engine, given with a live one.
    #[error("{flag} works with the recorded engine only")]
    RecordedEngineOnly {
        /// The flag.
        flag: &'static str,
    },
    /// `--evaluator VALUE` that is not `ID[@VERSION]`.
    #[error(transparent)]
    Evaluator(#[from] BadEvaluator),
    /// A fault-injection setting out of range.
    #[error("{why}")]
    Faults {
        /// Which setting and why (from `FaultConfig::validate`).
        why: String,
    },
    /// `serve` options the server refuses.
    #[error("{why}")]
    ServeOptions {
        /// Why (from `Server::new`).
        why: String,
    },
    /// A live engine without `--base-url`.
    #[error("a live engine needs --base-url URL (or SYSTEM=URL)")]
    NoBaseUrl,
    /// `--secret-var` not `NAME=ENVVAR`.
    #[error("--secret-var {spec}: expected NAME=ENVVAR")]
    SecretVarSyntax {
        /// The value given.
        spec: String,
    },
    /// `--secret-var NAME=ENVVAR` with ENVVAR unset.
    #[error("--secret-var {name}: environment variable {var} is not set")]
    SecretVarUnset {
        /// The secret's name.
        name: String,
        /// The environment variable.
        var: String,
    },
    /// `--rps` not positive.
    #[error("--rps {rps}: must be positive")]
    Rps {
        /// The value given.
        rps: f64,
    },
    /// `FLAG SYSTEM=` with nothing after `=`.
    #[error("{flag} {spec}: empty value")]
    EmptySystemValue {
        /// The flag.
        flag: String,
        /// The value given.
        spec: String,
    },
    /// `FLAG ''`.
    #[error("{flag}: empty value")]
    EmptyValue {
        /// The flag.
        flag: String,
    },
    /// `serve --token-env VAR` with VAR unset or empty.
    #[error("--token-env {var}: the environment variable is not set or empty")]
    TokenEnvUnset {
        /// The environment variable.
        var: String,
    },
    /// `serve --latency-factor` negative or not finite.
    #[error("--latency-factor {value} must be a number ≥ 0")]
    LatencyFactor {
        /// The value given.
        value: f64,
    },
    /// A zero connection limit of `serve`.
    #[error("--header-timeout-ms, --idle-timeout-secs and --max-connections must be at least 1")]
    ServeLimitZero,
    /// `fetch` of a system that lists runs per workflow, without `--workflow`.
    #[error("fetching {system} runs needs --workflow")]
    FetchNeedsWorkflow {
        /// The system.
        system: System,
    },
    /// A zero page or response limit of `fetch`.
    #[error("--max-pages and --max-response-bytes must be at least 1")]
    FetchLimitZero,
    /// `snapshots accept|reject RUN_ID...` with ids that have no pending snapshot.
    #[error("no pending snapshot for run id {} in {}", run_ids.join(", "), dir.display())]
    NoPendingSnapshot {
        /// The unknown run ids.
        run_ids: Vec<String>,
        /// The snapshot folder.
        dir: PathBuf,
    },
    /// Thresholds that cannot be evaluated.
    #[error(transparent)]
    Gate(#[from] GateError),
    /// `synth` options out of range.
    #[error(transparent)]
    Synth(SynthError),
    /// `impact`: the candidate names no workflow and none was given.
    #[error("{}: no node or edge config names a workflow_id; pass --workflow ID", candidate.display())]
    ImpactNoWorkflow {
        /// The candidate file.
        candidate: PathBuf,
    },
    /// `impact`: no recorded case of the workflow under the paths.
    #[error(
        "no recorded case of workflow {workflow} under the given paths{}",
        if *guessed { " (choose one with --workflow ID)" } else { "" }
    )]
    ImpactNoCase {
        /// The workflow.
        workflow: String,
        /// True when the workflow came from the candidate, not from `--workflow`.
        guessed: bool,
    },
}

/// Input that stops a command as a whole: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// No run (or case) under the paths given.
    #[error("{}", crate::corpus::nothing_found(what, paths))]
    NothingFound {
        /// "runs" or "cases".
        what: &'static str,
        /// The paths searched.
        paths: Vec<PathBuf>,
    },
    /// Runs were found, but all of them are evaluation runs.
    #[error(
        "{}: the {runs} run(s) found are all evaluation runs, which are never cases",
        crate::corpus::nothing_found("cases", paths)
    )]
    OnlyEvaluationRuns {
        /// The paths searched.
        paths: Vec<PathBuf>,
        /// How many runs were found.
        runs: usize,
    },
    /// A folder given as a report folder has no journal.
    #[error("{}: no {file} (not a report folder?)", dir.display())]
    NotAReportFolder {
        /// The folder.
        dir: PathBuf,
        /// The file it lacks.
        file: &'static str,
    },
    /// A report folder (runs.csv, summary.csv) that cannot be read.
    #[error(transparent)]
    Report(#[from] ReadError),
    /// A snapshot file that is not one.
    #[error(transparent)]
    Snapshot(SnapshotError),
    /// A malformed report file read for the history.
    #[error(transparent)]
    History(HistoryError),
    /// `impact --candidate FILE` that cannot be read as a workflow config. Boxed: `impact`
    /// reports through this module, so naming its type here would tie the two in a cycle.
    #[error(transparent)]
    Candidate(Box<dyn std::error::Error + Send + Sync>),
    /// `run --impact DIR` whose `impact.csv` is missing or malformed (boxed for the same
    /// reason as [`InputError::Candidate`]).
    #[error(transparent)]
    ImpactPlan(Box<dyn std::error::Error + Send + Sync>),
}

/// A file reprise writes (or reads back after writing) failed: exit 3, with the path and cause.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    /// The file or folder (`<stdout>` for the terminal).
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// The engine, the server or the machine failed: exit 3.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The tokio runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    AsyncRuntime(#[source] std::io::Error),
    /// `serve` could not bind its address.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bound socket has no local address.
    #[error("cannot read the listening address: {0}")]
    LocalAddr(#[source] std::io::Error),
    /// The server stopped with an error.
    #[error("server failed: {0}")]
    Server(#[source] std::io::Error),
    /// The live engine could not be built.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// `fetch` stopped before listing everything.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

impl From<SnapshotError> for Error {
    /// A read or write failure is exit 3 with its path; a file that is no snapshot, exit 2.
    fn from(e: SnapshotError) -> Error {
        match e {
            SnapshotError::Io { path, source } => Error::io(path, source),
            other @ SnapshotError::Format { .. } => InputError::Snapshot(other).into(),
        }
    }
}

impl From<HistoryError> for Error {
    /// A read or write failure is exit 3 with its path; a malformed report file, exit 2.
    fn from(e: HistoryError) -> Error {
        match e {
            HistoryError::Io { path, source } => Error::io(path, source),
            other @ HistoryError::Malformed { .. } => InputError::History(other).into(),
        }
    }
}

impl From<SynthError> for Error {
    /// A write failure is exit 3 with its path; bad options, exit 2.
    fn from(e: SynthError) -> Error {
        match e {
            SynthError::Io { path, source } => Error::io(path, source),
            other @ SynthError::Versions { .. } => UsageError::Synth(other).into(),
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

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied")
    }

    fn code(e: impl Into<Error>) -> u8 {
        e.into().exit_status().code()
    }

    #[test]
    fn usage_config_and_input_errors_exit_2() {
        assert_eq!(code(UsageError::RepeatZero), 2);
        assert_eq!(code(UsageError::Faults { why: "x".into() }), 2);
        assert_eq!(
            code(UsageError::from(GateError::NeedsBaseline {
                threshold: "max_new_failures"
            })),
            2
        );
        assert_eq!(code(SynthError::Versions { given: 3 }), 2);
        assert_eq!(
            code(ConfigError::Read {
                path: "reprise.toml".into(),
                source: io()
            }),
            2
        );
        assert_eq!(
            code(InputError::NothingFound {
                what: "runs",
                paths: vec!["a".into()]
            }),
            2
        );
        assert_eq!(code(InputError::from(ReadError::MissingDir("r".into()))), 2);
        assert_eq!(
            code(SnapshotError::Format {
                path: "a.snap".into(),
                message: "no header".into()
            }),
            2
        );
        assert_eq!(
            code(HistoryError::Malformed {
                path: "h.jsonl".into(),
                message: "line 2".into()
            }),
            2
        );
    }

    #[test]
    fn write_and_runtime_errors_exit_3_with_the_path() {
        let err = Error::io("out/runs.csv", io());
        assert_eq!(err.exit_status().code(), 3);
        assert_eq!(err.to_string(), "out/runs.csv: denied");
        for e in [
            Error::from(SnapshotError::Io {
                path: "s/a.snap".into(),
                source: io(),
            }),
            Error::from(HistoryError::Io {
                path: "h.jsonl".into(),
                source: io(),
            }),
            Error::from(SynthError::Io {
                path: "corpus".into(),
                source: io(),
            }),
        ] {
            assert_eq!(e.exit_status().code(), 3);
            assert!(matches!(e, Error::Write(_)), "{e:?}");
            assert!(e.to_string().ends_with(": denied"), "{e}");
        }
        assert_eq!(code(RuntimeError::AsyncRuntime(io())), 3);
        assert_eq!(code(RuntimeError::Server(io())), 3);
    }

    #[test]
    fn texts_are_the_ones_users_read() {
        assert_eq!(
            UsageError::PassThreshold { repeat: 3 }.to_string(),
            "--pass-threshold must be between 1 and --repeat (3)"
        );
        assert_eq!(
            UsageError::NoPendingSnapshot {
                run_ids: vec!["a".into(), "b".into()],
                dir: "snaps".into()
            }
            .to_string(),
            "no pending snapshot for run id a, b in snaps"
        );
        assert_eq!(
            InputError::OnlyEvaluationRuns {
                paths: vec!["x".into(), "y".into()],
                runs: 2
            }
            .to_string(),
            "no cases found under x, y: the 2 run(s) found are all evaluation runs, which are never cases"
        );
        assert_eq!(
            UsageError::ImpactNoCase {
                workflow: "wf".into(),
                guessed: true
            }
            .to_string(),
            "no recorded case of workflow wf under the given paths (choose one with --workflow ID)"
        );
    }
}
