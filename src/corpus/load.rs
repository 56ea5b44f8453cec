//! Finding files and loading them in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::link::{link, Links, Warning};
use crate::formats::{read_file, Problem};
use crate::model::{Format, Run, System};

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Skip detection and read every document as this format.
    pub format: Option<Format>,
    /// Keep each file's bytes in memory (else runs re-read their raw document from disk).
    pub keep_raw: bool,
    /// Hash each raw document while its file is in memory ([`Run::raw_sha256`]), for
    /// [`crate::replay::corpus_digest`].
    pub digest: bool,
}

/// Loaded runs, their problems and warnings.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Every good run, sorted by run id; run ids are unique. Shared with engines, not copied.
    pub runs: Vec<Arc<Run>>,
    /// Bad files, documents and lines.
    pub problems: Vec<Problem>,
    /// Dangling links and duplicate ids: listed, counted, never fatal.
    pub warnings: Vec<Warning>,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    index: HashMap<String, usize>,
    links: Links,
}

/// The JSON files under `paths` (files given by name are taken whatever their extension),
/// sorted, each once.
pub fn find_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(root.clone());
            continue;
        }
        if !root.exists() {
            problems.push(Problem::file(root, "no such file or directory"));
            continue;
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() && is_json_name(e.path()) => {
                    files.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    problems.push(Problem::file(path, format!("cannot read: {e}")));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

fn is_json_name(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("json" | "jsonl" | "ndjson")
    )
}

impl Corpus {
    /// Loads every run under `paths`, in parallel.
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Corpus {
        let (files, mut problems) = find_files(paths);
        let outcomes: Vec<_> = files
            .par_iter()
            .map(|path| read_file(path, options.format, options.keep_raw, options.digest))
            .collect();
        let mut runs = Vec::new();
        let mut bytes = 0;
        for outcome in outcomes {
            bytes += outcome.bytes;
            runs.extend(outcome.runs);
            problems.extend(outcome.problems);
        }
        let mut corpus = Corpus::from_runs(runs);
        corpus.problems.splice(0..0, problems);
        corpus.files = files.len();
        corpus.bytes = bytes;
        corpus
    }

    /// A corpus of runs already loaded (files in order; the first of a duplicated id wins).
    pub fn from_runs(runs: Vec<Run>) -> Corpus {
        let mut warnings = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::with_capacity(runs.len());
        let mut kept: Vec<Arc<Run>> = Vec::with_capacity(runs.len());
        for run in runs {
            if let Some(&first) = index.get(&run.run_id) {
                warnings.push(Warning::DuplicateRunId {
                    run_id: run.run_id.clone(),
                    kept: kept[first].origin.clone(),
                    dropped: run.origin.clone(),
                });
                continue;
            }
            index.insert(run.run_id.clone(), kept.len());
            kept.push(Arc::new(run));
        }
        kept.sort_by(|a, b| a.run_id.cmp(&b.run_id));
        let index: HashMap<String, usize> = kept
            .iter()
            .enumerate()
            .map(|(i, r)| (r.run_id.clone(), i))
            .collect();
        let (links, link_warnings) = link(&kept, &index);
        warnings.extend(link_warnings);
        Corpus {
            runs: kept,
            problems: Vec::new(),
            warnings,
            files: 0,
            bytes: 0,
            index,
            links,
        }
    }

    /// The run with this id.
    pub fn get(&self, run_id: &str) -> Option<&Arc<Run>> {
        self.index.get(run_id).map(|&i| &self.runs[i])
    }

    /// The cases (runs that are not evaluation runs), sorted by run id.
    pub fn cases(&self) -> impl Iterator<Item = &Arc<Run>> {
        self.runs.iter().filter(|r| r.is_case())
    }

    /// The evaluation runs.
    pub fn evaluations(&self) -> impl Iterator<Item = &Arc<Run>> {
        self.runs.iter().filter(|r| !r.is_case())
    }

    /// The evaluation run that judged `run_id`, if the corpus has it.
    pub fn evaluation_of(&self, run_id: &str) -> Option<&Arc<Run>> {
        self.links.evaluation_of(run_id).map(|i| &self.runs[i])
    }

    /// Evaluation runs whose source is in the corpus.
    pub fn linked_evaluations(&self) -> usize {
        self.links.linked
    }

    /// Evaluation runs whose source is not in the corpus.
    pub fn dangling_evaluations(&self) -> usize {
        self.links.dangling
    }

    /// Runs per system.
    pub fn count_by_system(&self) -> Vec<(System, usize)> {
        System::ALL
            .iter()
            .map(|&s| (s, self.runs.iter().filter(|r| r.system == s).count()))
            .collect()
    }
}
