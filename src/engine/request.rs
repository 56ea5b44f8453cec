//! What crosses the [`super::Engine`] interface: a turn's input, a start request with what a
//! live engine needs of the recorded case, and the reply after a turn.

use std::sync::Arc;

use crate::model::{Run, StatusKind, System, Turn};

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
    /// What a live engine needs to know of the recorded case beyond its inputs.
    pub live: LiveHints,
}

/// What a live engine takes from the recorded case besides its inputs: whether a start may be
/// resent, where the run lives, and where the recording says the run came to rest.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveHints {
    /// The workflow can act on the outside world (texts, bookings, outside APIs): a start that
    /// may have reached the server is never sent again. Unknown counts as yes.
    pub side_effects: bool,
    /// The Cortex app the recording names (`app_id`); `--app-id` and `APP/WORKFLOW` come after.
    pub app_id: Option<String>,
    /// Set when the recording ended mid-work (running, queued): the live run counts as
    /// answered once it shows the same state after the same number of turns, instead of
    /// being polled until it rests.
    pub settle: Option<Settle>,
}

impl Default for LiveHints {
    fn default() -> Self {
        LiveHints {
            side_effects: true,
            app_id: None,
            settle: None,
        }
    }
}

/// A state a live run may be left in: the recorded one of a case that ended mid-work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settle {
    /// The recorded status.
    pub status: StatusKind,
    /// The recorded number of turns.
    pub turns: usize,
}

impl Settle {
    /// True when `run` has reached this state.
    pub fn reached(&self, run: &Run) -> bool {
        run.status.kind == self.status && run.turns.len() >= self.turns
    }
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
