//! The commands' orchestration as library functions, each over a small plain options struct
//! the `cli` fills once from its flags: `reprise gate` and the `[gate]` after `reprise run`
//! ([`gate`]), the snapshot stage of `reprise run` ([`snapshots`]),
//! `reprise compare` ([`compare`]), `reprise validate` ([`validate`]), `reprise impact`
//! ([`impact`]) `reprise report merge` ([`report`]), `reprise serve`
//! ([`serve`]) and `reprise fetch` ([`fetch`]).
//!
//! It sits above the domain modules (it joins `config`, `error`, `gate`, `compare`,
//! `report` and `snapshot`, which cannot import one another that way without a cycle: `config`
//! and `error` import `gate`, `report` imports `snapshot`); only `cli` and `pipeline` import it.

pub mod compare;
pub mod fetch;
pub mod gate;
pub mod impact;
pub mod report;
pub mod serve;
pub mod snapshots;
pub mod validate;
