//! Live engines: the vendors' HTTP APIs behind the [`crate::engine::Engine`] trait.
//!
//! [`HttpEngine`] picks each case's vendor client ([`VendorClient`], built by the vendor
//! through [`Connect`] in `crate::vendors`); the clients share the retry, back-off and pacing
//! plumbing of `client` and the calls of `calls`. Also here: the side-effect guard
//! ([`check_side_effects`]) and the registry of runs in flight ([`InFlight`]) that Ctrl-C stops.

pub(crate) mod calls;
mod client;
mod config;
mod inflight;
mod live;
mod safety;
mod single_shot;
mod vendor;

pub use client::{
    Auth, ClientConfig, HttpClient, Limits, RetryBudget, Token, DEFAULT_MAX_RESPONSE_BYTES,
};
pub(crate) use client::{Call, Resend};
pub use config::{Generation, HttpConfig};
pub use inflight::InFlight;
pub use live::HttpEngine;
pub use safety::{check_side_effects, SideEffectsRefused};
pub(crate) use single_shot::{RunUrls, SingleShot};
pub use vendor::{Connect, Known, ListQuery, NextTurn, Page, VendorClient};
