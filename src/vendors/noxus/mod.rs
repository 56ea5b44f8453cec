//! Noxus: single-shot DAG runs; no version number (only a workflow hash), no token usage. Its
//! description ([`NOXUS`]) names the parts: `status.rs` (status spellings, what runs allow),
//! `format.rs` (detection, normalization), `client.rs` (the live client), `routes.rs` (the
//! `reprise serve` routes).

mod client;
mod format;
mod routes;
mod status;

use super::builtin::{builtin, Builtin};
use crate::engine::http::Auth;
use crate::model::{Format, System};

/// The Noxus vendor.
pub(crate) static NOXUS: Builtin = builtin!("noxus", Auth::ApiKey);

/// Noxus's system id.
pub const SYSTEM: System = System::new(&NOXUS);
/// A Noxus run.
pub const RUN: Format = Format::new(SYSTEM, "noxus-run", "A Noxus run");
