//! Cortex: single-shot step workflows, usage in credits. The vendor's ids and its `Vendor`
//! impl; `status.rs` holds the `Profile`, `format.rs` the `Adapter`, `client.rs` the live
//! client and its `Connect`, `routes.rs` the serve routes.

mod client;
mod format;
mod routes;
mod status;

use crate::engine::http::Connect;
use crate::model::{Format, System};
use crate::server::ServeRoutes;

/// The Cortex vendor.
#[derive(Debug, Clone, Copy)]
pub struct Cortex;

/// Cortex's system id.
pub const SYSTEM: System = System::new(&Cortex);
/// A Cortex run.
pub const RUN: Format = Format::new(
    SYSTEM,
    "cortex-run",
    "A Cortex run (alone, or as an element of a list response)",
);

impl crate::vendors::Vendor for Cortex {
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
