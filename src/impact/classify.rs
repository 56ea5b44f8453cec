//! Classifying every case of a workflow: group the cases by their recorded config (parsed once
//! per distinct config: its bytes are the key), diff each against the candidate, walk each case.

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::config::{parse_hydrated, recorded_config_bytes};
use super::diff::{diff, ConfigDiff};
use super::graph::Graph;
use super::walk::{walk, Impact, Outcome, Plan};
use crate::model::Run;

/// One case's row of `impact.csv`.
#[derive(Debug, Clone)]
pub struct Row {
    /// The run id.
    pub run_id: String,
    /// Its workflow.
    pub workflow_id: String,
    /// Its recorded version.
    pub version: Option<i64>,
    /// The classification.
    pub outcome: Outcome,
}

/// The diff of one recorded config against the candidate, with the cases recorded on it.
#[derive(Debug, Clone)]
pub struct DiffGroup {
    /// Versions recorded with this config.
    pub versions: BTreeSet<i64>,
    /// How many cases.
    pub cases: usize,
    /// The diff.
    pub diff: ConfigDiff,
}

/// Everything `impact` reports.
#[derive(Debug, Default)]
pub struct Classified {
    /// One row per case, sorted by run id.
    pub rows: Vec<Row>,
    /// One diff per distinct recorded config.
    pub diffs: Vec<DiffGroup>,
}

enum Source {
    NoConfig,
    Unreadable(String),
    Config(usize),
}

/// Classifies every case of `workflow_id` among `runs` against the candidate.
pub fn classify(runs: &[Arc<Run>], cand: &Graph, workflow_id: &str) -> Classified {
    let cases: Vec<&Arc<Run>> = runs
        .iter()
        .filter(|r| r.is_case() && r.workflow_id.as_deref() == Some(workflow_id))
        .collect();

    // Each case's recorded config bytes; then the distinct ones, by their bytes.
    let found: Vec<Result<Option<Vec<u8>>, String>> = cases
        .par_iter()
        .map(|run| {
            if !run.system.profile().runs().has_configs || run.config.is_none() {
                return Ok(None);
            }
            let doc = run
                .raw
                .bytes()
                .map_err(|e| format!("{}: {e}", run.origin))?;
            Ok(recorded_config_bytes(&doc).map(|b| b.into_owned()))
        })
        .collect();
    let mut index: FxHashMap<&[u8], usize> = FxHashMap::default();
    let mut distinct: Vec<(&[u8], String)> = Vec::new();
    let sources: Vec<Source> = found
        .iter()
        .zip(&cases)
        .map(|(f, run)| match f {
            Ok(None) => Source::NoConfig,
            Err(e) => Source::Unreadable(e.clone()),
            Ok(Some(bytes)) => {
                Source::Config(*index.entry(bytes.as_slice()).or_insert_with(|| {
                    distinct.push((bytes.as_slice(), run.origin.to_string()));
                    distinct.len() - 1
                }))
            }
        })
        .collect();
    let plans: Vec<Result<Plan<'_>, String>> = distinct
        .iter()
        .map(|(bytes, origin)| {
            parse_hydrated(bytes, origin, "workflow_config_fully_hydrated")
                .map(|h| {
                    let rec = Graph::new(h);
                    let diff = diff(&rec, cand);
                    Plan { rec, cand, diff }
                })
                .map_err(|e| e.to_string())
        })
        .collect();

    let rows: Vec<Row> = cases
        .par_iter()
        .zip(&sources)
        .map(|(run, source)| {
            let outcome = match source {
                _ if !run.system.profile().runs().has_configs => Outcome::undetermined(format!(
                    "a {} run: the candidate is an Interactly workflow config, and {} definitions are not re-walked",
                    run.system, run.system
                )),
                Source::NoConfig => Outcome::undetermined(
                    "the recording carries no workflow_config_fully_hydrated (REST runs have none): nothing to diff against",
                ),
                Source::Unreadable(e) => Outcome::undetermined(format!("recording unreadable: {e}")),
                Source::Config(d) => match plans.get(*d) {
                    Some(Ok(plan)) if plan.diff.is_empty_for_walk() => Outcome {
                        impact: Impact::Unaffected,
                        turn: None,
                        node: None,
                        reason: "no change a walk reads".to_owned(),
                    },
                    Some(Ok(plan)) => walk(run, plan).0,
                    Some(Err(e)) => Outcome::undetermined(format!("recorded config unreadable: {e}")),
                    None => Outcome::undetermined("recorded config not found"),
                },
            };
            Row {
                run_id: run.run_id.clone(),
                workflow_id: workflow_id.to_owned(),
                version: run.version,
                outcome,
            }
        })
        .collect();

    // Group the diffs by recorded config for config-diff.md, in version order.
    let mut groups: FxHashMap<usize, DiffGroup> = FxHashMap::default();
    for (run, source) in cases.iter().zip(&sources) {
        if let Source::Config(d) = source {
            if let Some(Ok(plan)) = plans.get(*d) {
                let g = groups.entry(*d).or_insert_with(|| DiffGroup {
                    versions: BTreeSet::new(),
                    cases: 0,
                    diff: plan.diff.clone(),
                });
                g.cases += 1;
                g.versions.extend(run.version);
            }
        }
    }
    let mut diffs: Vec<DiffGroup> = groups.into_values().collect();
    diffs.sort_by(|a, b| {
        a.versions
            .iter()
            .next()
            .cmp(&b.versions.iter().next())
            .then(b.cases.cmp(&a.cases))
    });
    Classified { rows, diffs }
}
