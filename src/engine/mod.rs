//! Engines: what replays a run's inputs and answers with its outputs.
//!
//! [`Engine`] is the one interface; `recorded` (embedded, answering from recordings) and the
//! live `http` engine (each vendor's client) implement it. Errors are typed so the replay
//! stage can tell a miss from a timeout from a server failure.

mod error;
pub mod faults;
pub mod http;
mod interface;
pub mod record;
pub mod recorded;
mod request;
#[cfg(test)]
pub(crate) mod testing;

pub use error::EngineError;
pub use faults::{FaultConfig, FaultyEngine};
pub(crate) use interface::{check_stoppable, check_takes_comments, forward_run_calls, unsupported};
pub use interface::{BoxFuture, Engine, EngineFuture};
pub use recorded::RecordedEngine;
pub use request::{LiveHints, Reply, Settle, StartRequest, TurnInput};
