//! The `[gate]` section of `reprise.toml`: thresholds for `reprise gate` and `reprise run`.
//!
//! ```toml
//! [gate]
//! baseline = "reports/baseline"   # optional; `--baseline` wins
//! min_pass_rate = 0.9             # global keys: the whole report
//! max_new_failures = 0
//!
//! [[gate.workflow]]               # only the named workflows, each checked on its own
//! workflows = ["wf_intake"]
//! min_pass_rate = 0.95
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use crate::gate::{Plan, Thresholds, WorkflowThresholds};

/// The `[gate]` section. Unknown keys are refused (a typo must not silently drop a limit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateConfig {
    /// Baseline report folder, relative to the working directory.
    pub baseline: Option<PathBuf>,
    /// Global thresholds.
    pub thresholds: Thresholds,
    /// Per-workflow thresholds (`[[gate.workflow]]`).
    pub workflow: Vec<WorkflowThresholds>,
}

impl GateConfig {
    /// The thresholds as a gate plan, with `flags` overriding the global keys.
    pub fn plan(&self, flags: &Thresholds) -> Plan {
        Plan {
            global: self.thresholds.overlay(flags),
            per_workflow: self.workflow.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for GateConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // `baseline` and `workflow` sit beside the global limits in one table; split them off
        // so the limits keep `deny_unknown_fields` (serde's flatten would accept typos).
        let mut table = toml::Table::deserialize(d)?;
        let baseline = match table.remove("baseline") {
            Some(v) => Some(v.try_into::<PathBuf>().map_err(D::Error::custom)?),
            None => None,
        };
        let workflow = match table.remove("workflow") {
            Some(v) => v
                .try_into::<Vec<WorkflowThresholds>>()
                .map_err(|e| D::Error::custom(format!("gate.workflow: {e}")))?,
            None => Vec::new(),
        };
        let thresholds = toml::Value::Table(table)
            .try_into::<Thresholds>()
            .map_err(D::Error::custom)?;
        Ok(GateConfig {
            baseline,
            thresholds,
            workflow,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_global_and_per_workflow_keys() {
        let g: GateConfig = toml::from_str(
            "baseline = \"reports/v1\"\nmin_pass_rate = 0.9\nrequire_snapshots_match = true\n\
             [[workflow]]\nworkflows = [\"w1\"]\nmax_errors = 0\n",
        )
        .unwrap();
        assert_eq!(g.baseline, Some(PathBuf::from("reports/v1")));
        assert_eq!(g.thresholds.min_pass_rate, Some(0.9));
        assert_eq!(g.thresholds.require_snapshots_match, Some(true));
        assert_eq!(g.workflow.len(), 1);
        assert_eq!(g.workflow[0].thresholds.max_errors, Some(0));
        let plan = g.plan(&Thresholds {
            min_pass_rate: Some(0.5),
            ..Default::default()
        });
        assert_eq!(plan.global.min_pass_rate, Some(0.5));
    }

    #[test]
    fn refuses_unknown_keys() {
        let err = toml::from_str::<GateConfig>("min_pass_rte = 0.9\n").unwrap_err();
        assert!(err.to_string().contains("min_pass_rte"), "{err}");
    }
}
