//! The one trait a vendor implements. Its supertraits are the halves other modules define and
//! call without knowing the vendor: [`Profile`] (what the rest of the code may ask about its
//! system) and [`Adapter`] (detection and normalization); the live client ([`Connect`]) and
//! the `reprise serve` routes ([`ServeRoutes`]) are optional.

use crate::engine::http::Connect;
use crate::formats::Adapter;
use crate::model::{Profile, System};
use crate::server::ServeRoutes;

/// A vendor plugged into reprise. See ARCHITECTURE.md, "How to add a vendor".
pub trait Vendor: Profile + Adapter + AsAdapter {
    /// Its system's id (`System::new(&VENDOR)`, kept in a `const` by the vendor).
    fn system(&'static self) -> System;
    /// Its live API client, when it has one (`--engine http`, `reprise fetch`).
    fn connector(&'static self) -> Option<&'static dyn Connect> {
        None
    }
    /// Its `reprise serve` routes, when it has them.
    fn serve(&'static self) -> Option<&'static dyn ServeRoutes> {
        None
    }
}

/// A vendor as its format adapter (the loader's list holds adapters, and Rust 1.85 does not
/// turn a `dyn Vendor` into a `dyn Adapter`). Every adapter has it.
pub trait AsAdapter {
    /// Itself, as an adapter.
    fn as_adapter(&'static self) -> &'static dyn Adapter;
}

impl<T: Adapter + 'static> AsAdapter for T {
    fn as_adapter(&'static self) -> &'static dyn Adapter {
        self
    }
}
