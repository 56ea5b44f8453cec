//! The thresholds a gate checks, as given on the command line or in `reprise.toml`.
//!
//! Every field is optional: a threshold applies only when given. Limits are inclusive.

use serde::{Deserialize, Serialize};

use super::error::GateError;

/// One set of limits. Pass rates are fractions in `[0, 1]` (as in `summary.csv`), percentages
/// are percent (`10` = +10 %), counts are case counts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// The candidate's pass rate must be at least this.
    pub min_pass_rate: Option<f64>,
    /// Baseline pass rate − candidate pass rate (paired cases) must be at most this.
    pub max_pass_rate_drop: Option<f64>,
    /// Paired cases that went pass → fail must be at most this many.
    pub max_new_failures: Option<u64>,
    /// Mean tokens per paired case may grow by at most this many percent.
    pub max_token_increase_pct: Option<f64>,
    /// Latency p95 may grow by at most this many percent.
    pub max_latency_p95_increase_pct: Option<f64>,
    /// The candidate's cases with verdict `error` must be at most this many.
    pub max_errors: Option<u64>,
    /// The candidate's cases with verdict `none` (nothing judged them) must be at most this
    /// many, so a missing evaluation never passes a gate silently.
    pub max_unevaluated: Option<u64>,
    /// When true, no candidate case may have snapshot `changed`.
    pub require_snapshots_match: Option<bool>,
    /// Significance level α of McNemar's exact test (see the `gate` module docs).
    pub max_mcnemar_p: Option<f64>,
}

impl Thresholds {
    /// Whether no threshold is given (`require_snapshots_match = false` counts as not given).
    pub fn is_empty(&self) -> bool {
        self.min_pass_rate.is_none()
            && self.max_pass_rate_drop.is_none()
            && self.max_new_failures.is_none()
            && self.max_token_increase_pct.is_none()
            && self.max_latency_p95_increase_pct.is_none()
            && self.max_errors.is_none()
            && self.max_unevaluated.is_none()
            && self.require_snapshots_match != Some(true)
            && self.max_mcnemar_p.is_none()
    }

    /// `self` with every threshold given in `over` replaced by `over`'s (flags over the file).
    pub fn overlay(&self, over: &Thresholds) -> Thresholds {
        Thresholds {
            min_pass_rate: over.min_pass_rate.or(self.min_pass_rate),
            max_pass_rate_drop: over.max_pass_rate_drop.or(self.max_pass_rate_drop),
            max_new_failures: over.max_new_failures.or(self.max_new_failures),
            max_token_increase_pct: over.max_token_increase_pct.or(self.max_token_increase_pct),
            max_latency_p95_increase_pct: over
                .max_latency_p95_increase_pct
                .or(self.max_latency_p95_increase_pct),
            max_errors: over.max_errors.or(self.max_errors),
            max_unevaluated: over.max_unevaluated.or(self.max_unevaluated),
            require_snapshots_match: over
                .require_snapshots_match
                .or(self.require_snapshots_match),
            max_mcnemar_p: over.max_mcnemar_p.or(self.max_mcnemar_p),
        }
    }

    /// The given thresholds that compare against a baseline report.
    pub fn needing_baseline(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.max_pass_rate_drop.is_some() {
            v.push("max_pass_rate_drop");
        }
        if self.max_new_failures.is_some() {
            v.push("max_new_failures");
        }
        if self.max_token_increase_pct.is_some() {
            v.push("max_token_increase_pct");
        }
        if self.max_latency_p95_increase_pct.is_some() {
            v.push("max_latency_p95_increase_pct");
        }
        if self.max_mcnemar_p.is_some() {
            v.push("max_mcnemar_p");
        }
        v
    }

    /// Refuses limits that cannot mean anything (NaN, a pass rate outside `[0, 1]`, …).
    pub fn validate(&self) -> Result<(), GateError> {
        let unit = |name: &'static str, v: Option<f64>| match v {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(GateError::BadLimit {
                threshold: name,
                value: x.to_string(),
                reason: "must be between 0 and 1",
            }),
            _ => Ok(()),
        };
        let finite = |name: &'static str, v: Option<f64>| match v {
            Some(x) if !x.is_finite() => Err(GateError::BadLimit {
                threshold: name,
                value: x.to_string(),
                reason: "must be a finite number",
            }),
            _ => Ok(()),
        };
        unit("min_pass_rate", self.min_pass_rate)?;
        unit("max_mcnemar_p", self.max_mcnemar_p)?;
        // A drop may be negative (a required improvement), but never more than 1 either way.
        match self.max_pass_rate_drop {
            Some(x) if !(-1.0..=1.0).contains(&x) => {
                return Err(GateError::BadLimit {
                    threshold: "max_pass_rate_drop",
                    value: x.to_string(),
                    reason: "must be between -1 and 1 (a fraction, not percent)",
                })
            }
            _ => {}
        }
        finite("max_token_increase_pct", self.max_token_increase_pct)?;
        finite(
            "max_latency_p95_increase_pct",
            self.max_latency_p95_increase_pct,
        )?;
        Ok(())
    }
}

/// Thresholds for the cases of the named workflows only (`[[gate.workflow]]` in `reprise.toml`).
/// Each named workflow is checked on its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkflowThresholds {
    /// The workflow ids they apply to.
    pub workflows: Vec<String>,
    /// The limits.
    pub thresholds: Thresholds,
}

impl<'de> Deserialize<'de> for WorkflowThresholds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // `workflows` sits beside the limits in one table; split it off so the limits keep
        // `deny_unknown_fields` (serde's flatten would silently accept typos).
        let mut table = toml::Table::deserialize(d)?;
        let workflows: Vec<String> = match table.remove("workflows") {
            Some(v) => v.try_into().map_err(D::Error::custom)?,
            None => return Err(D::Error::missing_field("workflows")),
        };
        if workflows.is_empty() {
            return Err(D::Error::custom(
                "`workflows` must name at least one workflow id",
            ));
        }
        let thresholds = toml::Value::Table(table)
            .try_into()
            .map_err(D::Error::custom)?;
        Ok(WorkflowThresholds {
            workflows,
            thresholds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_prefers_the_flags() {
        let file = Thresholds {
            min_pass_rate: Some(0.9),
            max_errors: Some(3),
            ..Default::default()
        };
        let flags = Thresholds {
            max_errors: Some(0),
            ..Default::default()
        };
        let t = file.overlay(&flags);
        assert_eq!(t.min_pass_rate, Some(0.9));
        assert_eq!(t.max_errors, Some(0));
    }

    #[test]
    fn validation() {
        let bad = Thresholds {
            min_pass_rate: Some(95.0),
            ..Default::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("min_pass_rate"));
        let nan = Thresholds {
            max_token_increase_pct: Some(f64::NAN),
            ..Default::default()
        };
        assert!(nan.validate().is_err());
        assert!(Thresholds::default().validate().is_ok());
        assert!(Thresholds::default().is_empty());
        let off = Thresholds {
            require_snapshots_match: Some(false),
            ..Default::default()
        };
        assert!(off.is_empty());
    }

    #[test]
    fn workflow_table_parses_and_refuses_typos() {
        let w: WorkflowThresholds =
            toml::from_str("workflows = [\"a\", \"b\"]\nmin_pass_rate = 1\nmax_new_failures = 0\n")
                .unwrap();
        assert_eq!(w.workflows, vec!["a", "b"]);
        assert_eq!(w.thresholds.min_pass_rate, Some(1.0));
        assert_eq!(w.thresholds.max_new_failures, Some(0));
        let err = toml::from_str::<WorkflowThresholds>("workflows = [\"a\"]\nmin_pass_rat = 1\n")
            .unwrap_err();
        assert!(err.to_string().contains("min_pass_rat"), "{err}");
        assert!(toml::from_str::<WorkflowThresholds>("min_pass_rate = 1\n").is_err());
    }
}
