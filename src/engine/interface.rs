//! The [`Engine`] interface: the one trait every engine implements, its future types, the
//! answers of calls an engine does not offer, and the macro wrappers forward calls with.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{EngineError, Reply, StartRequest, TurnInput};
use crate::model::{Run, System};

/// A boxed future, so engines can be chosen at run time (`dyn Engine`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What every engine call returns: a boxed future of the answer or an [`EngineError`].
pub type EngineFuture<'a, T> = BoxFuture<'a, Result<T, EngineError>>;

/// The answer of a call an engine (or a vendor's API) does not offer:
/// [`EngineError::Unsupported`] naming `what`.
pub(crate) fn unsupported<'a, T: 'a>(what: impl Into<String>) -> EngineFuture<'a, T> {
    let what = what.into();
    Box::pin(async move { Err(EngineError::Unsupported(what)) })
}

/// `Ok` when runs of `system` can be stopped; otherwise the error every engine gives (the one
/// [`Engine::stop`]'s default gives).
pub(crate) fn check_stoppable(system: System) -> Result<(), EngineError> {
    if system.profile().runs().stoppable {
        Ok(())
    } else {
        Err(EngineError::Unsupported(format!("stop on {system}")))
    }
}

/// `Ok` when runs of `system` take comments; otherwise the error every engine gives (the one
/// [`Engine::comment`]'s default gives).
pub(crate) fn check_takes_comments(system: System) -> Result<(), EngineError> {
    if system.profile().runs().takes_comments {
        Ok(())
    } else {
        Err(EngineError::Unsupported(format!("comments on {system}")))
    }
}

/// Writes the run calls (`send`, `get`, `evaluation`, `stop`, `comment`) of an [`Engine`] that
/// wraps others: each call goes to the engine `self.$route(run_id)` names, through
/// `self.$around(|| call)` when given (e.g. a fault gate), so a wrapper states only how it
/// routes and what it adds, never the five calls again.
macro_rules! forward_run_calls {
    ($route:ident $(, $around:ident)?) => {
        fn send<'a>(
            &'a self,
            run_id: &'a str,
            input: &'a $crate::engine::TurnInput,
        ) -> $crate::engine::EngineFuture<'a, $crate::engine::Reply> {
            $crate::engine::forward_run_calls!(@call self $(, $around)?, move || {
                self.$route(run_id).send(run_id, input)
            })
        }

        fn get<'a>(
            &'a self,
            system: $crate::model::System,
            run_id: &'a str,
        ) -> $crate::engine::EngineFuture<'a, ::std::sync::Arc<$crate::model::Run>> {
            $crate::engine::forward_run_calls!(@call self $(, $around)?, move || {
                self.$route(run_id).get(system, run_id)
            })
        }

        fn evaluation<'a>(
            &'a self,
            system: $crate::model::System,
            run_id: &'a str,
            evaluator: Option<(&'a str, Option<i64>)>,
        ) -> $crate::engine::EngineFuture<'a, Option<::std::sync::Arc<$crate::model::Run>>> {
            $crate::engine::forward_run_calls!(@call self $(, $around)?, move || {
                self.$route(run_id).evaluation(system, run_id, evaluator)
            })
        }

        fn stop<'a>(
            &'a self,
            system: $crate::model::System,
            run_id: &'a str,
        ) -> $crate::engine::EngineFuture<'a, ()> {
            $crate::engine::forward_run_calls!(@call self $(, $around)?, move || {
                self.$route(run_id).stop(system, run_id)
            })
        }

        fn comment<'a>(
            &'a self,
            system: $crate::model::System,
            run_id: &'a str,
            text: &'a str,
        ) -> $crate::engine::EngineFuture<'a, ()> {
            $crate::engine::forward_run_calls!(@call self $(, $around)?, move || {
                self.$route(run_id).comment(system, run_id, text)
            })
        }
    };
    (@call $this:ident, $call:expr) => {
        ($call)()
    };
    (@call $this:ident, $around:ident, $call:expr) => {
        $this.$around($call)
    };
}
pub(crate) use forward_run_calls;

/// An engine that runs workflows.
///
/// Only [`Engine::name`] and [`Engine::start`] are required: an engine that cannot take a
/// further turn, read a run back, judge, stop or comment answers those calls with
/// [`EngineError::Unsupported`] (the defaults), which replay reports as such.
pub trait Engine: Send + Sync {
    /// A short name for reports and the manifest (`recorded`, `http`).
    fn name(&self) -> &str;

    /// Starts a run with its first input.
    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply>;

    /// Sends the next input to a started run.
    fn send<'a>(&'a self, run_id: &'a str, input: &'a TurnInput) -> EngineFuture<'a, Reply> {
        let _ = input;
        unsupported(format!("send to run {run_id}"))
    }

    /// The run as the engine has it now.
    fn get<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        unsupported(format!("get of {system} run {run_id}"))
    }

    /// The evaluation run that judged `run_id`, if any: the engine's own (or recorded) one,
    /// or one the engine starts with `evaluator` (workflow id, version) when it has none.
    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        evaluator: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        let _ = evaluator;
        unsupported(format!("evaluation of {system} run {run_id}"))
    }

    /// Whether the case `case_run_id` will reach the engine behind this one (the vendor, for
    /// the live engine). The side-effect refusal applies only to such cases: a wrapper that
    /// answers some cases from their recordings (`run --impact`) says `false` for those.
    fn goes_live(&self, case_run_id: &str) -> bool {
        let _ = case_run_id;
        true
    }

    /// Stops a run in flight.
    fn stop<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, ()> {
        let _ = run_id;
        unsupported(format!("stop on {system}"))
    }

    /// Adds a comment to a run.
    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        text: &'a str,
    ) -> EngineFuture<'a, ()> {
        let _ = (run_id, text);
        unsupported(format!("comments on {system}"))
    }
}
