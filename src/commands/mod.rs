//! The commands' orchestration as library functions, each over a small plain options struct
//! that `cli` fills once from its flags (`reprise run` itself is [`crate::pipeline`]):
//! - [`gate`]: `reprise gate`, and the `[gate]` of `reprise.toml` after `reprise run`;
//! - [`snapshots`]: the snapshot stage of `reprise run` and its summary; [`pending`]:
//!   `reprise snapshots pending|accept|reject|review`;
//! - [`compare`], [`validate`], [`impact`], [`serve`], [`fetch`]: those commands;
//! - [`report`]: `reprise report merge`; [`history`]: `reprise history append|show`.
//!
//! It sits above the domain modules: it joins `config`, `error`, `gate`, `compare`, `report`
//! and `snapshot`, which cannot import one another that way without a cycle (`config` and
//! `error` import `gate`, `report` imports `snapshot`). Only `cli` and `pipeline` import it.

pub mod compare;
pub mod fetch;
pub mod gate;
pub mod history;
pub mod impact;
pub mod pending;
pub mod report;
pub mod serve;
pub mod snapshots;
pub mod validate;
