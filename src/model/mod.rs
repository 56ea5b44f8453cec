//! The normalized run: one shape for the runs of all three systems.
//!
//! Everything after loading (replay, evaluation, snapshots, reports) reads these types and never
//! the vendors' JSON. The raw document is kept beside the normalized view so that writing a run
//! back out loses nothing.

pub(crate) mod binary;
pub(crate) mod chain;
mod compact;
mod config;
mod event;
mod found;
mod raw;
mod run;
mod status;
mod system;
pub(crate) mod usage;
mod variables;

pub(crate) use compact::{exact, sorted_last_wins};
pub use config::{
    ConfigSummary, EdgeSummary, EvaluationConfig, McpServerSummary, NodeSummary, ToolSummary,
    SIDE_EFFECT_NODE_TYPES,
};
pub use event::{EdgeKind, Event, LlmKind, LlmUsageInfo, ToolCall};
pub use found::{DocScan, FoundValues};
pub use raw::{Origin, RawDoc};
pub use run::{is_volatile_variable, Comment, EvalLink, NodeOutput, Run, Turn};
pub use status::{Status, StatusKind};
pub use system::{Format, Profile, RunTraits, System};
pub use usage::{Latency, ModelLatency, ModelUsage, UnusableCount, Usage, UsageSource};
pub use variables::Variables;
