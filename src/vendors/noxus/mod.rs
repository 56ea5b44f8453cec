//! Noxus: single-shot DAG runs; no version number (only a workflow hash), no token usage. The
//! vendor's ids and its `Vendor` impl; `status.rs` holds the `Profile`, `format.rs` the
//! `Adapter`, `client.rs` the live client and its `Connect`, `routes.rs` the serve routes.

mod client;
mod format;
mod routes;
mod status;

use crate::engine::http::Connect;
use crate::model::{Format, System};
use crate::server::ServeRoutes;

/// The Noxus vendor.
#[derive(Debug, Clone, Copy)]
pub struct Noxus;

/// Noxus's system id.
pub const SYSTEM: System = System::new(&Noxus);
/// A Noxus run.
pub const RUN: Format = Format::new(SYSTEM, "noxus-run", "A Noxus run");

impl crate::vendors::Vendor for Noxus {
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
