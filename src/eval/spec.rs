//! The `[evaluation]` section of `reprise.toml`: where the evaluator's verdict sits in its
//! structured output, the score threshold, and local assertions. Each assertion names the
//! workflow ids it applies to and never applies to any other.
//!
//! ```toml
//! [evaluation]
//! passed_pointer = "/passed"   # JSON pointer into the evaluator node's structured_output
//! score_pointer = "/score"
//! threshold = 0.5              # score ≥ threshold passes when there is no `passed`
//! reason_pointer = "/reason"   # a per-turn evaluation's text, for report.html
//!
//! [[evaluation.assertions]]
//! name = "greets the caller"
//! workflows = ["69a5ab8d27542b571e6ab925"]
//! kind = "contains"            # status | contains | not_contains | regex | tool_called |
//!                              # node_visited | turn_count | max_tokens | max_latency | json_schema
//! text = "thank you for calling"
//! turn = "any"                 # or "last"
//! ```

use serde::Deserialize;

use crate::eval::assertions::{
    latency::MaxLatency,
    node::NodeVisited,
    schema::JsonSchema,
    status::StatusIs,
    text::{Contains, NotContains, RegexMatch},
    tokens::MaxTokens,
    tool::ToolCalled,
    turns::TurnCount,
    Assertion,
};

/// `[evaluation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluationSection {
    /// JSON pointer to the evaluator's pass/fail boolean.
    pub passed_pointer: String,
    /// JSON pointer to the evaluator's score.
    pub score_pointer: String,
    /// A score at or above this passes (used when there is no boolean).
    pub threshold: f64,
    /// JSON pointer to the evaluator's short text in a per-turn evaluation (shown in
    /// `report.html`'s case view).
    pub reason_pointer: String,
    /// Local assertions.
    pub assertions: Vec<AssertionSpec>,
}

impl Default for EvaluationSection {
    fn default() -> Self {
        EvaluationSection {
            passed_pointer: "/passed".into(),
            score_pointer: "/score".into(),
            threshold: 0.5,
            reason_pointer: "/reason".into(),
            assertions: Vec::new(),
        }
    }
}

/// One `[[evaluation.assertions]]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct AssertionSpec {
    /// A name for reports (default: the kind).
    #[serde(default)]
    pub name: Option<String>,
    /// The workflow ids it applies to.
    pub workflows: Vec<String>,
    /// What it checks.
    #[serde(flatten)]
    pub check: Check,
}

impl AssertionSpec {
    /// True when it applies to runs of `workflow_id`.
    pub fn applies_to(&self, workflow_id: Option<&str>) -> bool {
        workflow_id.is_some_and(|w| self.workflows.iter().any(|x| x == w))
    }

    /// The name used in reasons.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.check.kind().to_owned())
    }
}

/// The assertion kinds (one file each under `eval/assertions/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// The run's status is one of these.
    Status(StatusIs),
    /// An assistant message contains a text.
    Contains(Contains),
    /// No assistant message contains a text.
    NotContains(NotContains),
    /// An assistant message matches a regex.
    Regex(RegexMatch),
    /// A tool was called (with at least these arguments).
    ToolCalled(ToolCalled),
    /// A node ran.
    NodeVisited(NodeVisited),
    /// The number of turns is within bounds.
    TurnCount(TurnCount),
    /// Tokens are at most a limit.
    MaxTokens(MaxTokens),
    /// LLM latency is at most a limit.
    MaxLatency(MaxLatency),
    /// A structured output matches a JSON schema.
    JsonSchema(JsonSchema),
}

impl Check {
    /// The checker.
    pub fn assertion(&self) -> &dyn Assertion {
        match self {
            Check::Status(a) => a,
            Check::Contains(a) => a,
            Check::NotContains(a) => a,
            Check::Regex(a) => a,
            Check::ToolCalled(a) => a,
            Check::NodeVisited(a) => a,
            Check::TurnCount(a) => a,
            Check::MaxTokens(a) => a,
            Check::MaxLatency(a) => a,
            Check::JsonSchema(a) => a,
        }
    }

    /// The `kind` spelling.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Status(_) => "status",
            Check::Contains(_) => "contains",
            Check::NotContains(_) => "not_contains",
            Check::Regex(_) => "regex",
            Check::ToolCalled(_) => "tool_called",
            Check::NodeVisited(_) => "node_visited",
            Check::TurnCount(_) => "turn_count",
            Check::MaxTokens(_) => "max_tokens",
            Check::MaxLatency(_) => "max_latency",
            Check::JsonSchema(_) => "json_schema",
        }
    }
}
