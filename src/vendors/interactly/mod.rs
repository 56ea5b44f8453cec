//! Interactly: conversational graph workflows, turn by turn. Its description ([`INTERACTLY`])
//! names the parts: `status.rs` (status spellings, what runs allow), `format.rs` (detection;
//! the GET envelope, the bare `WorkflowRun`, the execute response), `client.rs` (the live
//! client), `routes.rs` (the `reprise serve` routes; `layout.rs`: the byte ranges a partial
//! replay's answers are cut from).

mod client;
mod format;
mod layout;
mod routes;
mod status;

use super::builtin::{builtin, Builtin};
use crate::engine::http::Auth;
use crate::model::{Format, System};

/// The Interactly vendor.
pub(crate) static INTERACTLY: Builtin = builtin!("interactly", Auth::Bearer);

/// Interactly's system id.
pub const SYSTEM: System = System::new(&INTERACTLY);
/// `GET …/workflow-runs/{id}`.
pub const ENVELOPE: Format = Format::new(
    SYSTEM,
    "interactly-envelope",
    "Interactly `GET …/workflow-runs/{id}`: `{workflow_run: {_id, …, workflow_run: WorkflowRun}}`",
);
/// A bare `WorkflowRun`.
pub const RUN: Format = Format::new(
    SYSTEM,
    "interactly-run",
    "A bare Interactly `WorkflowRun` (the first-generation execute response)",
);
/// The current execute response.
pub const EXECUTE: Format = Format::new(
    SYSTEM,
    "interactly-execute",
    "The current Interactly execute response `{run_id, turn_number, events, …}`",
);
