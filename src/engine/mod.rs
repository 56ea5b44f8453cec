//! Engines: what replays a run's inputs and answers with its outputs.
//!
//! [`Engine`] is the one interface; `recorded` (embedded, answering from recordings) and the
//! HTTP clients of the three systems implement it. Errors are typed so the replay stage can
//! tell a miss from a timeout from a server failure.

pub mod http;
pub mod record;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::model::{Run, System, Turn};

pub mod faults;
pub mod recorded;

pub use faults::{FaultConfig, FaultyEngine};
pub use recorded::RecordedEngine;

/// A boxed future, so engines can be chosen at run time (`dyn Engine`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the caller sends on one turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnInput {
    /// Caller-supplied dynamic variables (start turn).
    pub dynamic_variables: serde_json::Map<String, serde_json::Value>,
    /// User message texts.
    pub user_messages: Vec<String>,
    /// Noxus/Cortex `input`.
    pub input: Option<serde_json::Value>,
}

impl TurnInput {
    /// The input a recorded turn was given, as a caller sends it again: the caller's dynamic
    /// variables ([`Turn::caller_variables`]), the user message texts and the `input`.
    pub fn from_turn(turn: &Turn) -> TurnInput {
        TurnInput {
            dynamic_variables: turn.caller_variables(),
            user_messages: turn.user_messages.clone(),
            input: turn.input.clone(),
        }
    }
}

/// Starting a run.
#[derive(Debug, Clone)]
pub struct StartRequest {
    /// The system whose API to speak.
    pub system: System,
    /// The workflow to run.
    pub workflow_id: String,
    /// The version to run (`None`: the engine's default / the recorded one).
    pub version: Option<i64>,
    /// The first turn's input.
    pub input: TurnInput,
    /// The recorded case being replayed, when there is one: a recorded engine prefers it
    /// among equal matches. Never used to match.
    pub case_run_id: Option<String>,
}

/// What an engine answers after a turn.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The engine's id for the run (a recorded engine answers with the recording's own id).
    pub run_id: String,
    /// 0-based index of the turn just answered.
    pub turn: usize,
    /// The engine's view of the run after this turn. A recorded engine's view is the whole
    /// recording: read turns `..=turn` of it.
    pub run: Arc<Run>,
}

/// Why an engine could not answer.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// No recording matches the inputs. The text names the nearest recordings (redacted).
    #[error("no recording matches: {0}")]
    Miss(String),
    /// The engine did not answer in time.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// 429; `retry_after_ms` from Retry-After when given.
    #[error("rate limited (retry after {retry_after_ms:?} ms)")]
    RateLimited { retry_after_ms: Option<u64> },
    /// A 5xx answer.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// An answer that is not what the API documents.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// 401/403.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The connection failed or dropped.
    #[error("transport: {0}")]
    Transport(String),
    /// The system has no such operation (Noxus has no stop and no comments).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An answer body passed the size limit (`--max-response-bytes`); reading stopped there.
    /// Not retried: the same request would bring the same answer.
    #[error("the answer of {url} is larger than {limit} bytes (--max-response-bytes); reading stopped there")]
    TooLarge { url: String, limit: u64 },
}

impl EngineError {
    /// Worth trying again (after a back-off).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            EngineError::Timeout(_)
                | EngineError::RateLimited { .. }
                | EngineError::Server { .. }
                | EngineError::Transport(_)
                | EngineError::Malformed(_)
        )
    }
}

/// An engine that runs workflows.
pub trait Engine: Send + Sync {
    /// A short name for reports and the manifest (`recorded`, `http`).
    fn name(&self) -> &str;

    /// Starts a run with its first input.
    fn start<'a>(&'a self, request: &'a StartRequest) -> BoxFuture<'a, Result<Reply, EngineError>>;

    /// Sends the next input to a started run.
    fn send<'a>(
        &'a self,
        run_id: &'a str,
        input: &'a TurnInput,
    ) -> BoxFuture<'a, Result<Reply, EngineError>>;

    /// The run as the engine has it now.
    fn get<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
    ) -> BoxFuture<'a, Result<Arc<Run>, EngineError>>;

    /// The evaluation run that judged `run_id`, if any: the engine's own (or recorded) one,
    /// or one the engine starts with `evaluator` (workflow id, version) when it has none.
    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        evaluator: Option<(&'a str, Option<i64>)>,
    ) -> BoxFuture<'a, Result<Option<Arc<Run>>, EngineError>>;

    /// Stops a run in flight.
    fn stop<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        let _ = run_id;
        Box::pin(async move { Err(EngineError::Unsupported(format!("stop on {system}"))) })
    }

    /// Adds a comment to a run.
    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        let _ = (run_id, text);
        Box::pin(async move { Err(EngineError::Unsupported(format!("comments on {system}"))) })
    }
}
