//! The one trait a vendor implements. Its supertraits are the halves other modules define and
//! call without knowing the vendor: [`Profile`] (what the rest of the code may ask about its
//! system) and [`Adapter`] (detection and normalization); the live client ([`Connect`]) and
//! the `reprise serve` routes ([`ServeRoutes`]) are optional.

use crate::engine::http::Connect;
use crate::formats::Adapter;
use crate::model::{Profile, System};
use crate::server::ServeRoutes;

/// A vendor plugged into reprise. See ARCHITECTURE.md, "How to add a vendor".
pub trait Vendor: Profile + Adapter {
    /// Its system's id (`System::new(&VENDOR)`, kept in a `const` by the vendor).
    fn system(&self) -> System;
    /// Itself as a format adapter (the loader's list holds adapters).
    fn adapter(&'static self) -> &'static dyn Adapter;
    /// Its live API client, when it has one (`--engine http`, `reprise fetch`).
    fn connector(&'static self) -> Option<&'static dyn Connect> {
        None
    }
    /// Its `reprise serve` routes, when it has them.
    fn serve(&'static self) -> Option<&'static dyn ServeRoutes> {
        None
    }
}
