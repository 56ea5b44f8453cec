//! Interactly: conversational graph workflows, turn by turn. The vendor's ids (system and
//! formats) and its `Vendor` impl; each file holds one trait's half: `status.rs` the `Profile`,
//! `format.rs` the `Adapter` (GET envelope, bare `WorkflowRun`, execute response), `client.rs`
//! the live client and its `Connect`, `routes.rs` the `reprise serve` routes (`layout.rs`: the
//! byte ranges a partial replay's answers are cut from).

mod client;
mod format;
mod layout;
mod routes;
mod status;

use crate::engine::http::Connect;
use crate::model::{Format, System};
use crate::server::ServeRoutes;

/// The Interactly vendor.
#[derive(Debug, Clone, Copy)]
pub struct Interactly;

/// Interactly's system id.
pub const SYSTEM: System = System::new(&Interactly);
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

impl crate::vendors::Vendor for Interactly {
    fn system(&self) -> System {
        SYSTEM
    }
    fn connector(&'static self) -> Option<&'static dyn Connect> {
        Some(self)
    }
    fn serve(&'static self) -> Option<&'static dyn ServeRoutes> {
        Some(self)
    }
}
