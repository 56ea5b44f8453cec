//! Driving one case through an engine, turn by turn: start with the first turn's caller
//! inputs, send each next turn's, and end with the engine's view of the run.
//!
//! A recording that ended waiting for input or unfinished replays to that same state. On a
//! live engine the run is then stopped and the case reports the state the live run was in.
//! [`Progress`] follows the live run while it is driven, so that whoever gives up on the case
//! (an error, the case timeout) can still stop the run and keep the tokens it spent.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Options;
use crate::engine::http::{check_side_effects, SideEffectsRefused};
use crate::engine::{Engine, EngineError, LiveHints, Settle, StartRequest, TurnInput};
use crate::model::{Run, StatusKind, System, Turn};

/// What is known of a case's run while it is driven: the run the engine started, and its
/// latest view; and whoever watches the turns (the replay turns them into
/// [`Event::TurnReplayed`](crate::report::Event::TurnReplayed)).
#[derive(Default)]
pub struct Progress {
    state: Mutex<Option<(System, String, Arc<Run>)>>,
    on_turn: Option<Box<dyn Fn(usize) + Send + Sync>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Progress {
    /// A case with nothing started yet.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// As [`new`](Progress::new), calling `on_turn` with the turn each engine answer ends at.
    pub fn watched(on_turn: impl Fn(usize) + Send + Sync + 'static) -> Progress {
        Progress {
            on_turn: Some(Box::new(on_turn)),
            ..Progress::default()
        }
    }

    fn saw(&self, system: System, run_id: &str, run: &Arc<Run>, turn: usize) {
        if let Ok(mut state) = self.state.lock() {
            *state = Some((system, run_id.to_owned(), run.clone()));
        }
        if let Some(on_turn) = &self.on_turn {
            on_turn(turn);
        }
    }

    /// The started run (system, engine's id) and its latest view, if the start answered.
    pub fn last(&self) -> Option<(System, String, Arc<Run>)> {
        self.state.lock().ok()?.clone()
    }
}

/// What a live engine is told of `case` besides its inputs.
pub fn live_hints(case: &Run) -> LiveHints {
    use StatusKind::*;
    LiveHints {
        side_effects: check_side_effects(case, false).is_err(),
        app_id: case.app_id.clone(),
        // A recording that ended mid-work is replayed to that same state, not waited out.
        settle: matches!(case.status.kind, Queued | Started | Running).then(|| Settle {
            status: case.status.kind,
            turns: case.turns.len(),
        }),
    }
}

/// The result of driving a case.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The engine's view of the run after the last turn (the matched recording, for the
    /// recorded engine).
    pub run: Arc<Run>,
}

/// Why a case could not be driven to its end.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DriveError {
    /// The case names no workflow to run.
    #[error("the case has no workflow id")]
    NoWorkflow,
    /// A live replay of a workflow with side effects, without `--allow-side-effects`.
    #[error(transparent)]
    SideEffects(#[from] SideEffectsRefused),
    /// The engine failed on a turn.
    #[error("turn {turn}: {source}")]
    Engine {
        /// 1-based turn.
        turn: usize,
        /// What the engine said.
        source: EngineError,
    },
}

/// What the caller sends on turn `index` of a recorded case.
pub fn turn_input(turn: &Turn, index: usize) -> TurnInput {
    TurnInput {
        // Caller variables go with the start; the server keeps them for later turns.
        dynamic_variables: if index == 0 {
            turn.caller_variables()
        } else {
            serde_json::Map::new()
        },
        user_messages: turn.user_messages.clone(),
        input: turn.input.clone(),
    }
}

/// Calls `f` until it succeeds, fails for good, or `retries` retries are spent; waits the
/// server's Retry-After, else 100 ms doubling up to 5 s.
pub async fn with_retries<T, F, Fut>(retries: u32, mut f: F) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, EngineError>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(e) if e.is_retryable() && attempt < retries => {
                let wait = match &e {
                    EngineError::RateLimited {
                        retry_after_ms: Some(ms),
                    } => *ms,
                    _ => 100u64 << attempt.min(6),
                };
                tokio::time::sleep(Duration::from_millis(wait.min(5_000))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Drives `case` through `engine` at `options.version` (default: the case's own), telling
/// `progress` of every answer.
pub async fn replay(
    engine: &dyn Engine,
    case: &Run,
    options: &Options,
    progress: &Progress,
) -> Result<Replayed, DriveError> {
    let (live, version, retries) = (options.live, options.version, options.retries);
    // Only a case that reaches the live engine can repeat a side effect: one answered from
    // its recording (`run --impact` carrying it) never does.
    if options.refuse_side_effects && engine.goes_live(&case.run_id) {
        check_side_effects(case, false)?;
    }
    // A run with no turns (never started, or none recorded) has no input to send: it replays
    // to its recorded state, as an unfinished recording does (DESIGN.md "Verdicts"), on any
    // engine, keeping its recorded usage.
    if case.turns.is_empty() {
        return Ok(Replayed {
            run: Arc::new(case.clone()),
        });
    }
    // A recording without a workflow id (an execute response) is indexed under "" by the
    // recorded engine; a live engine needs the id.
    let workflow_id = match (&case.workflow_id, live) {
        (Some(w), _) => w.clone(),
        (None, false) => String::new(),
        (None, true) => return Err(DriveError::NoWorkflow),
    };
    let empty = Turn::default();
    let first = case.turns.first().unwrap_or(&empty);
    let request = StartRequest {
        system: case.system,
        workflow_id,
        version: version.or(case.version),
        input: turn_input(first, 0),
        case_run_id: Some(case.run_id.clone()),
        live: live_hints(case),
    };
    let reply = with_retries(retries, || engine.start(&request))
        .await
        .map_err(|source| DriveError::Engine { turn: 1, source })?;
    let in_flight = options.in_flight.as_deref();
    if let Some(f) = in_flight {
        f.register(case.system, &reply.run_id);
    }
    let started = reply.run_id.clone();
    progress.saw(case.system, &reply.run_id, &reply.run, reply.turn);
    let result = drive_rest(engine, case, reply, retries, live, progress).await;
    if let Some(f) = in_flight {
        // Rested, stopped or given up: Ctrl-C has nothing left to stop for this case.
        f.finish(&started);
    }
    result
}

/// Turns 2.. and, for a live run the recording left waiting or unfinished, the stop.
async fn drive_rest(
    engine: &dyn Engine,
    case: &Run,
    mut reply: crate::engine::Reply,
    retries: u32,
    live: bool,
    progress: &Progress,
) -> Result<Replayed, DriveError> {
    {
        for (i, turn) in case.turns.iter().enumerate().skip(1) {
            // A live run that already ended (its view stops at this turn) takes no more input.
            let view_ends_here = reply.run.turns.len() <= reply.turn + 1;
            if view_ends_here && reply.run.status.is_terminal() {
                break;
            }
            let input = turn_input(turn, i);
            let run_id = reply.run_id.clone();
            reply = with_retries(retries, || engine.send(&run_id, &input))
                .await
                .map_err(|source| DriveError::Engine {
                    turn: i + 1,
                    source,
                })?;
            progress.saw(case.system, &reply.run_id, &reply.run, reply.turn);
        }
        let unfinished = !case.status.is_terminal();
        if live && unfinished && !reply.run.status.is_terminal() {
            // The recording stopped here (waiting or unfinished): stop the live run too, and
            // report the state it was in. Systems without stop (Noxus) are left as they are.
            match engine.stop(case.system, &reply.run_id).await {
                Ok(()) | Err(EngineError::Unsupported(_)) => {}
                Err(source) => {
                    return Err(DriveError::Engine {
                        turn: case.turns.len().max(1),
                        source,
                    })
                }
            }
        }
        Ok(Replayed { run: reply.run })
    }
}
