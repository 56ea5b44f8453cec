//! Classifying every case of a workflow: group the cases by their recorded config (read once
//! per distinct config, found by its SHA-256), diff each against the candidate, walk each case.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::config::{parse_hydrated, recorded_config_bytes};
use super::diff::{diff, ConfigDiff};
use super::graph::Graph;
use super::walk::{walk, Impact, Outcome, Plan};
use crate::model::{Run, System};

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
    Config([u8; 32]),
}

/// Classifies every case of `workflow_id` among `runs` against the candidate.
pub fn classify(runs: &[Arc<Run>], cand: &Graph, workflow_id: &str) -> Classified {
    let cases: Vec<&Arc<Run>> = runs
        .iter()
        .filter(|r| r.is_case() && r.workflow_id.as_deref() == Some(workflow_id))
        .collect();

    // Each case's recorded config, by digest; the bytes of each distinct config kept once.
    let found: Vec<(Source, Option<Vec<u8>>)> = cases
        .par_iter()
        .map(|run| {
            if run.system != System::Interactly || run.config.is_none() {
                return (Source::NoConfig, None);
            }
            let doc = match run.raw.bytes() {
                Ok(d) => d,
                Err(e) => return (Source::Unreadable(format!("{}: {e}", run.origin)), None),
            };
            match recorded_config_bytes(&doc) {
                None => (Source::NoConfig, None),
                Some(bytes) => {
                    let digest: [u8; 32] = Sha256::digest(&bytes).into();
                    (Source::Config(digest), Some(bytes.into_owned()))
                }
            }
        })
        .collect();
    let mut distinct: HashMap<[u8; 32], (Vec<u8>, String)> = HashMap::new();
    for ((source, bytes), run) in found.iter().zip(&cases) {
        if let (Source::Config(d), Some(b)) = (source, bytes) {
            distinct
                .entry(*d)
                .or_insert_with(|| (b.clone(), run.origin.to_string()));
        }
    }
    let sources: Vec<Source> = found.into_iter().map(|(s, _)| s).collect();

    let mut plans: HashMap<[u8; 32], Result<Plan<'_>, String>> = HashMap::new();
    for (digest, (bytes, origin)) in distinct {
        let plan = parse_hydrated(&bytes, &origin, "workflow_config_fully_hydrated")
            .map(|h| {
                let rec = Graph::new(h);
                let diff = diff(&rec, cand);
                Plan { rec, cand, diff }
            })
            .map_err(|e| e.to_string());
        plans.insert(digest, plan);
    }

    let rows: Vec<Row> = cases
        .par_iter()
        .zip(&sources)
        .map(|(run, source)| {
            let outcome = match source {
                _ if run.system != System::Interactly => Outcome::undetermined(format!(
                    "a {} run: the candidate is an Interactly workflow config, and {} definitions are not re-walked",
                    run.system, run.system
                )),
                Source::NoConfig => Outcome::undetermined(
                    "the recording carries no workflow_config_fully_hydrated (REST runs have none): nothing to diff against",
                ),
                Source::Unreadable(e) => Outcome::undetermined(format!("recording unreadable: {e}")),
                Source::Config(d) => match plans.get(d) {
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
    let mut groups: HashMap<[u8; 32], DiffGroup> = HashMap::new();
    for (run, source) in cases.iter().zip(&sources) {
        if let Source::Config(d) = source {
            if let Some(Ok(plan)) = plans.get(d) {
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
