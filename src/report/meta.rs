//! What produced a report (for `manifest.json`, `summary.md` and `report.html`).

use serde::{Deserialize, Serialize};

/// What produced a report.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// Engine name.
    pub engine: String,
    /// `--version`.
    pub version: Option<i64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--shard K/N`.
    pub shard: Option<String>,
    /// BLAKE3 over the runs' ids and the BLAKE3 digests of their documents.
    pub corpus_digest: String,
    /// The git commit, if any.
    pub git_sha: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub ended_at: String,
    /// Stopped early (Ctrl-C): the report covers the cases finished so far.
    pub interrupted: bool,
    /// Earlier reports (`--history FILE`), drawn as a trend by `report.html`.
    pub history: Vec<Entry>,
    /// `run --impact DIR`: the cases answered from their recordings instead of the engine.
    pub carried: Option<Carried>,
}

/// The cases `run --impact DIR` carried from their recordings (`impact.csv` classed them
/// `unaffected`): for `summary.md` and `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Carried {
    /// The impact.csv read.
    pub source: String,
    /// (run id, reason from impact.csv), sorted by run id.
    pub cases: Vec<(String, String)>,
    /// Selected cases impact.csv classed `diverges` or `undetermined`: replayed.
    pub replayed: u64,
    /// Selected cases impact.csv does not list: replayed.
    pub unlisted: u64,
}

impl Carried {
    /// How many cases were carried for each reason, by reason.
    pub fn by_reason(&self) -> std::collections::BTreeMap<&str, usize> {
        let mut reasons = std::collections::BTreeMap::new();
        for (_, why) in &self.cases {
            *reasons.entry(why.as_str()).or_default() += 1;
        }
        reasons
    }
}

/// One report in the history (`--history FILE`; read and written by [`super::history`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was appended (RFC 3339).
    pub time: String,
    /// When the run started, from `manifest.json`.
    #[serde(default)]
    pub started_at: Option<String>,
    /// The report folder.
    pub dir: String,
    /// The git commit the run was made at.
    #[serde(default)]
    pub git_sha: Option<String>,
    /// `system workflow_id@version` of every workflow the report covers.
    #[serde(default)]
    pub workflow_versions: Vec<String>,
    /// Cases.
    pub runs: u64,
    /// Verdict `pass`.
    pub passed: u64,
    /// Verdict `fail`.
    pub failed: u64,
    /// Verdict `error`.
    pub errored: u64,
    /// Verdict `none`.
    pub unevaluated: u64,
    /// passed / (passed + failed).
    pub pass_rate: Option<f64>,
    /// 95 % Wilson interval, low end.
    pub pass_rate_low: Option<f64>,
    /// 95 % Wilson interval, high end.
    pub pass_rate_high: Option<f64>,
    /// Tokens.
    pub total_tokens: Option<f64>,
    /// Tokens per case.
    pub mean_tokens: Option<f64>,
    /// Credits.
    pub total_credits: Option<f64>,
    /// LLM call latency p50 (ms).
    pub latency_ms_p50: Option<f64>,
    /// LLM call latency p95 (ms).
    pub latency_ms_p95: Option<f64>,
    /// Snapshots changed.
    pub snapshots_changed: u64,
    /// Snapshots new.
    pub snapshots_new: u64,
}
