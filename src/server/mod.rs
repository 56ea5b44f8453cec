//! `reprise serve`: the recorded engine behind the vendors' own HTTP routes (axum), so any
//! client (reprise's, the vendors' SDKs, curl) can be tested against recordings.
//!
//! Each vendor's routes live in its folder (`crate::vendors::*::routes`, plugged in through
//! [`ServeRoutes`]); this module owns the shared state and the layers every request passes: one log line on stderr (method, path
//! without the query, status, what fault was injected if any, duration; never a header), the
//! request body read within the idle timeout, the token check (Interactly and Cortex
//! `Authorization: Bearer`, Noxus `X-API-KEY`; any token unless one is required), fault
//! injection ([`FaultConfig`]), and graceful shutdown. `listen` owns the connections: header
//! and idle timeouts, the connection cap, accept errors.
//!
//! Recordings are returned exactly as recorded (`RawDoc::bytes()`); see the Interactly routes
//! for the one place an answer is cut from a recording (a partial Interactly replay).

mod answer;
mod app;
mod layers;
mod listen;
mod recordings;
mod state;

pub(crate) use answer::ApiError;
pub(crate) use answer::{case_header, json_bytes, parse_body};
pub use app::{bind, shutdown_signal, ServeOptions, ServeRoutes, Server};
pub use layers::{api_key, bearer};
pub use listen::{
    default_max_connections, ConnectionOptions, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
};
pub(crate) use recordings::recorded_bytes;
pub use state::AppState;
