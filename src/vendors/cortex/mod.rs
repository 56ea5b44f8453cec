//! Cortex: single-shot step workflows, usage in credits. Its description ([`CORTEX`]) names
//! the parts: `status.rs` (status spellings, what runs allow), `format.rs` (detection,
//! normalization), `client.rs` (the live client), `routes.rs` (the `reprise serve` routes).

mod client;
mod format;
mod routes;
mod status;

use super::builtin::{builtin, Builtin};
use crate::engine::http::Auth;
use crate::model::{Format, System};

/// The Cortex vendor.
pub(crate) static CORTEX: Builtin = builtin!("cortex", Auth::Bearer);

/// Cortex's system id.
pub const SYSTEM: System = System::new(&CORTEX);
/// A Cortex run.
pub const RUN: Format = Format::new(
    SYSTEM,
    "cortex-run",
    "A Cortex run (alone, or as an element of a list response)",
);
