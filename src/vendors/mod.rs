//! The vendors as plug-ins: one folder per vendor (its format adapter, status spellings, HTTP
//! client and `reprise serve` routes) behind the [`Vendor`] trait, listed in a [`Registry`].
//! Outside this module no code names a system: it asks the system's `Profile`.

mod builtin;
mod registry;
mod serve;
mod single_shot;
mod vendor;

pub mod cortex;
pub mod interactly;
pub mod noxus;

#[cfg(test)]
pub(crate) use registry::test_run;
pub use registry::Registry;
pub use vendor::{AsAdapter, Vendor};
