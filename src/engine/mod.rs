//! Engines: what replays a run's inputs and answers with its outputs.
//!
//! [`Engine`] is the one interface; `recorded` (embedded, answering from recordings) and the
//! live `http` engine (each vendor's client) implement it. Errors are typed so the replay
//! stage can tell a miss from a timeout from a server failure.

mod error;
pub mod faults;
pub mod http;
pub mod record;
pub mod recorded;
mod request;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use error::EngineError;
pub use faults::{FaultConfig, FaultyEngine};
pub use recorded::RecordedEngine;
pub use request::{LiveHints, Reply, Settle, StartRequest, TurnInput};

use crate::model::{Run, System};

/// A boxed future, so engines can be chosen at run time (`dyn Engine`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

    /// Whether the case `case_run_id` will reach the engine behind this one (the vendor, for
    /// the live engine). The side-effect refusal applies only to such cases: a wrapper that
    /// answers some cases from their recordings (`run --impact`) says `false` for those.
    fn goes_live(&self, case_run_id: &str) -> bool {
        let _ = case_run_id;
        true
    }

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
