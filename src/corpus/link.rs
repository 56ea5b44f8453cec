//! Linking evaluation runs to the runs they evaluated.
//!
//! An evaluation run is recognised by `is_evaluation_run = true` only (re-runs also carry
//! `source_workflow_run_id`). A source names its evaluator in `evaluation_run_info`; when it
//! does, that run wins over other evaluations of the same source.

use serde::Serialize;

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::{EvalLink, Origin, Run, UnusableCount};

/// Something odd in a corpus that does not make it unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// An evaluation run whose source run is not in the corpus.
    DanglingEvaluation {
        run_id: String,
        source_run_id: Option<String>,
        origin: Origin,
    },
    /// A run naming an evaluation run that is not in the corpus.
    MissingEvaluationRun {
        run_id: String,
        evaluation_run_id: String,
        origin: Origin,
    },
    /// Something odd about a file or folder that did not stop it loading (a symbolic link
    /// loop, a `.jsonl` file holding one multi-line document).
    File { path: PathBuf, message: String },
    /// Two documents with one run id: the first (in path order) is kept.
    DuplicateRunId {
        run_id: String,
        kept: Origin,
        dropped: Origin,
    },
    /// Counts the vendor allows but a count cannot be (negative, above 2^53, no number): each
    /// was treated as unknown (see [`UnusableCount`]).
    UnusableCounts {
        run_id: String,
        origin: Origin,
        counts: Vec<UnusableCount>,
        more: usize,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::DanglingEvaluation { run_id, source_run_id: Some(src), origin } => {
                write!(f, "{origin}: evaluation run {run_id} evaluates {src}, which is not in the corpus")
            }
            Warning::DanglingEvaluation { run_id, source_run_id: None, origin } => {
                write!(f, "{origin}: evaluation run {run_id} has no source_workflow_run_id")
            }
            Warning::MissingEvaluationRun { run_id, evaluation_run_id, origin } => write!(
                f,
                "{origin}: run {run_id} names evaluation run {evaluation_run_id}, which is not in the corpus"
            ),
            Warning::File { path, message } => write!(f, "{}: {message}", path.display()),
            Warning::DuplicateRunId { run_id, kept, dropped } => {
                write!(f, "{dropped}: run id {run_id} already read from {kept}; this copy is ignored")
            }
            Warning::UnusableCounts { run_id, origin, counts, more } => {
                write!(f, "{origin}: run {run_id}: counted as unknown (negative, above 2^53 or no whole number): ")?;
                for (i, c) in counts.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{} = {}", c.field, c.value)?;
                }
                if *more > 0 {
                    write!(f, " and {more} more")?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Which evaluation run judged each run: indexes into the corpus's runs (sorted by id).
#[derive(Debug, Default)]
pub(crate) struct Links {
    /// Per run, the index of its evaluation run, or [`NONE`].
    evaluation: Vec<usize>,
    pub linked: usize,
    pub dangling: usize,
}

const NONE: usize = usize::MAX;

impl Links {
    pub(crate) fn evaluation_of(&self, run: usize) -> Option<usize> {
        match self.evaluation.get(run) {
            Some(&i) if i != NONE => Some(i),
            _ => None,
        }
    }
}

/// What linking, ordering and warnings read of a run: a loaded [`Run`] or an index
/// [`Entry`](super::Entry) answer alike.
pub(crate) trait Record {
    fn run_id(&self) -> &str;
    fn eval(&self) -> &EvalLink;
    fn origin(&self) -> Origin;
    /// The counts read as unknown, and how many more there were.
    fn unusable(&self) -> (&[UnusableCount], usize);
    fn is_case(&self) -> bool {
        !self.eval().is_evaluation_run
    }
}

impl Record for Arc<Run> {
    fn run_id(&self) -> &str {
        &self.run_id
    }
    fn eval(&self) -> &EvalLink {
        &self.eval
    }
    fn origin(&self) -> Origin {
        self.origin.clone()
    }
    fn unusable(&self) -> (&[UnusableCount], usize) {
        (&self.usage.unusable, self.usage.unusable_more)
    }
}

/// Where the run with this id is in `runs` (sorted by id, ids unique).
pub(crate) fn position<R: Record>(runs: &[R], run_id: &str) -> Option<usize> {
    runs.binary_search_by(|r| r.run_id().cmp(run_id)).ok()
}

/// Sorts `all` (in file order) by run id, keeping the first copy of each id; the later copies
/// are warnings, in file order, as they were read.
pub(crate) fn unique<R: Record + Send + Sync>(all: Vec<R>) -> (Vec<R>, Vec<Warning>) {
    use rayon::prelude::*;
    // Sorting positions, not the records: copies of one id come out together, in file order,
    // and no id is cloned or hashed. Each position carries the first bytes of its id, so most
    // comparisons never reach the ids themselves (a cache miss each, at a million runs the
    // bulk of this serial step), and the sort runs on all cores.
    let mut order: Vec<(u128, usize)> = all
        .par_iter()
        .enumerate()
        .map(|(i, r)| (id_prefix(r.run_id()), i))
        .collect();
    order.par_sort_unstable_by(|&(pa, a), &(pb, b)| {
        pa.cmp(&pb)
            .then_with(|| all[a].run_id().cmp(all[b].run_id()))
            .then(a.cmp(&b))
    });
    let mut kept_at: Vec<usize> = Vec::with_capacity(all.len());
    let mut duplicates: Vec<(usize, Warning)> = Vec::new();
    for &(_, i) in &order {
        match kept_at.last() {
            Some(&first) if all[first].run_id() == all[i].run_id() => duplicates.push((
                i,
                Warning::DuplicateRunId {
                    run_id: all[i].run_id().to_owned(),
                    kept: all[first].origin(),
                    dropped: all[i].origin(),
                },
            )),
            _ => kept_at.push(i),
        }
    }
    drop(order);
    let mut slots: Vec<Option<R>> = all.into_iter().map(Some).collect();
    // Sized up front: collected from a filter, the list would grow by doubling, and a million
    // runs' worth of memory would be copied and held twice over.
    let mut kept = Vec::with_capacity(kept_at.len());
    kept.extend(kept_at.iter().filter_map(|&i| slots[i].take()));
    duplicates.sort_unstable_by_key(|&(i, _)| i);
    (kept, duplicates.into_iter().map(|(_, w)| w).collect())
}

/// The first 16 bytes of `id` as a number that orders as the ids do where they differ within
/// those bytes (shorter ids are padded with zeros: equal numbers say nothing, and the ids
/// themselves are compared).
fn id_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Links every evaluation run of `runs` (sorted by id, ids unique) to its source. The warnings
/// also name the runs with counts read as unknown, so every per-run warning is made here.
pub(crate) fn link<R: Record>(runs: &[R]) -> (Links, Vec<Warning>) {
    // Every id's position, found by hashing: a binary search per link is a chain of cache
    // misses through the ids, and this step is serial.
    let mut positions: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    positions.reserve(runs.len());
    positions.extend(runs.iter().enumerate().map(|(i, r)| (r.run_id(), i)));
    let mut links = Links {
        evaluation: vec![NONE; runs.len()],
        ..Links::default()
    };
    let mut warnings: Vec<Warning> = runs
        .iter()
        .filter(|r| !r.unusable().0.is_empty())
        .map(|r| Warning::UnusableCounts {
            run_id: r.run_id().to_owned(),
            origin: r.origin(),
            counts: r.unusable().0.to_vec(),
            more: r.unusable().1,
        })
        .collect();
    for (i, run) in runs.iter().enumerate() {
        if run.is_case() {
            continue;
        }
        let Some(source) = run
            .eval()
            .source_run_id
            .as_deref()
            .and_then(|s| positions.get(s).copied())
        else {
            links.dangling += 1;
            warnings.push(Warning::DanglingEvaluation {
                run_id: run.run_id().to_owned(),
                source_run_id: run.eval().source_run_id.clone(),
                origin: run.origin(),
            });
            continue;
        };
        links.linked += 1;
        let named = runs[source].eval().evaluation_run_id.as_deref();
        match links.evaluation_of(source) {
            // The source names another evaluation run, and has it: keep that one.
            Some(existing) if named == Some(runs[existing].run_id()) => {}
            // Runs are sorted by id, so without a name the highest id (the latest) wins.
            _ => links.evaluation[source] = i,
        }
    }
    for run in runs.iter().filter(|r| r.is_case()) {
        if let Some(eval_id) = &run.eval().evaluation_run_id {
            if !positions.contains_key(eval_id.as_str()) {
                warnings.push(Warning::MissingEvaluationRun {
                    run_id: run.run_id().to_owned(),
                    evaluation_run_id: eval_id.clone(),
                    origin: run.origin(),
                });
            }
        }
    }
    (links, warnings)
}
