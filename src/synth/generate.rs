//! Writing the corpus: cases in parallel blocks, each file through a temporary file renamed
//! into place, the evaluation runs and version-2 recordings beside them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use super::interactly::{self, Ids, Plan, Workflow};
use super::rng::Rng;
use super::single::{self, CortexPlan, CortexWorkflow, NoxusWorkflow};

/// Cases per block: the unit of parallel work, of JSONL batch files and of Cortex lists.
pub const BLOCK: usize = 50;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of cases (evaluation runs and version-2 recordings come on top).
    pub runs: usize,
    /// The seed: the same seed gives byte-identical output.
    pub seed: u64,
    /// 1, or 2 to add version-2 recordings under `recordings-v2/`.
    pub versions: u32,
}

/// What was written.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Cases: Interactly, Noxus, Cortex.
    pub cases: [u64; 3],
    /// Evaluation runs of the cases.
    pub evaluation_runs: u64,
    /// Version-2 recordings (with their evaluation runs).
    pub recordings: u64,
    /// Files written.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// `versions` is neither 1 nor 2.
    #[error("--versions must be 1 or 2, not {given}")]
    Versions {
        /// The value given.
        given: u32,
    },
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Generates the corpus into `out` (created if needed; files of the same names are replaced,
/// other files are left alone).
pub fn generate(out: &Path, options: &Options) -> Result<Summary, SynthError> {
    if !(1..=2).contains(&options.versions) {
        return Err(SynthError::Versions {
            given: options.versions,
        });
    }
    let mut dirs = vec!["interactly", "interactly/evaluations", "noxus", "cortex"];
    if options.versions == 2 {
        dirs.extend([
            "recordings-v2/interactly",
            "recordings-v2/interactly/evaluations",
            "recordings-v2/cortex",
        ]);
    }
    for d in dirs {
        let path = out.join(d);
        std::fs::create_dir_all(&path).map_err(|source| SynthError::Io { path, source })?;
    }
    let ctx = Context {
        out,
        seed: options.seed,
        versions: options.versions,
        workflows: Workflow::all(options.seed),
        noxus: NoxusWorkflow::new(options.seed),
        cortex: CortexWorkflow::new(options.seed),
        counters: Default::default(),
    };
    let blocks = options.runs.div_ceil(BLOCK);
    (0..blocks)
        .into_par_iter()
        .try_for_each(|b| ctx.block(b, (b * BLOCK)..options.runs.min((b + 1) * BLOCK)))?;
    let c = &ctx.counters;
    let get = |i: usize| c[i].load(Ordering::Relaxed);
    Ok(Summary {
        cases: [get(0), get(1), get(2)],
        evaluation_runs: get(3),
        recordings: get(4),
        files: get(5),
        bytes: get(6),
    })
}

struct Context<'a> {
    out: &'a Path,
    seed: u64,
    versions: u32,
    workflows: Vec<Workflow>,
    noxus: NoxusWorkflow,
    cortex: CortexWorkflow,
    /// interactly, noxus, cortex, evaluations, recordings, files, bytes.
    counters: [AtomicU64; 7],
}

impl Context<'_> {
    fn count(&self, i: usize, n: u64) {
        self.counters[i].fetch_add(n, Ordering::Relaxed);
    }

    fn block(&self, b: usize, cases: std::ops::Range<usize>) -> Result<(), SynthError> {
        let mut jsonl = String::new();
        let mut cortex_list: Vec<serde_json::Value> = Vec::new();
        for i in cases {
            let mut inputs = Rng::new(self.seed, 4 * i as u64);
            let mut ids = Rng::new(self.seed, 4 * i as u64 + 3);
            match inputs.range(0, 99) {
                0..=79 => {
                    self.count(0, 1);
                    let plan = Plan::new(&mut inputs, i, &self.workflows);
                    let in_batch = i % 5 == 4;
                    let envelope = in_batch || inputs.range(0, 19) != 0;
                    for version in 1..=self.versions as i64 {
                        let recording_ids = Ids {
                            run_id: ids.object_id(),
                            eval_run_id: ids.object_id(),
                        };
                        let mut rng = Rng::new(self.seed, 4 * i as u64 + version as u64);
                        let g = interactly::case(
                            &plan,
                            &self.workflows,
                            &recording_ids,
                            &mut rng,
                            version,
                            envelope,
                        );
                        let (dir, evals) = if version == 1 {
                            ("interactly", "interactly/evaluations")
                        } else {
                            self.count(4, 1 + g.evaluation.is_some() as u64);
                            (
                                "recordings-v2/interactly",
                                "recordings-v2/interactly/evaluations",
                            )
                        };
                        if version == 1 && g.evaluation.is_some() {
                            self.count(3, 1);
                        }
                        if version == 1 && in_batch {
                            jsonl.push_str(&g.doc);
                            jsonl.push('\n');
                            if let Some(e) = &g.evaluation {
                                jsonl.push_str(e);
                                jsonl.push('\n');
                            }
                            continue;
                        }
                        self.write(&format!("{dir}/case-{i:06}.json"), g.doc.as_bytes())?;
                        if let Some(e) = &g.evaluation {
                            self.write(&format!("{evals}/eval-{i:06}.json"), e.as_bytes())?;
                        }
                    }
                }
                80..=89 => {
                    self.count(1, 1);
                    let (_, doc) = single::noxus(&self.noxus, &mut ids, i);
                    self.write(&format!("noxus/run-{i:06}.json"), doc.as_bytes())?;
                }
                _ => {
                    self.count(2, 1);
                    let plan = CortexPlan::new(&mut inputs, i);
                    let in_list = inputs.chance(0.5);
                    for version in 1..=self.versions as i64 {
                        let mut rng = Rng::new(self.seed, 4 * i as u64 + version as u64);
                        let (_, doc) = single::cortex(&self.cortex, &plan, &mut rng, version);
                        if version == 2 {
                            self.count(4, 1);
                            self.write(
                                &format!("recordings-v2/cortex/run-{i:06}.json"),
                                doc.to_string().as_bytes(),
                            )?;
                        } else if in_list {
                            cortex_list.push(doc);
                        } else {
                            self.write(
                                &format!("cortex/run-{i:06}.json"),
                                doc.to_string().as_bytes(),
                            )?;
                        }
                    }
                }
            }
        }
        if !jsonl.is_empty() {
            self.write(&format!("interactly/batch-{b:05}.jsonl"), jsonl.as_bytes())?;
        }
        if !cortex_list.is_empty() {
            let text = serde_json::to_string_pretty(&cortex_list).unwrap_or_default();
            self.write(&format!("cortex/list-{b:05}.json"), text.as_bytes())?;
        }
        Ok(())
    }

    /// Writes `bytes` to `out/rel` atomically: a temporary file in the same folder, renamed.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
        let path = self.out.join(rel);
        let dir = path.parent().unwrap_or(self.out);
        let io = |source| SynthError::Io {
            path: path.clone(),
            source,
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".synth-")
            .tempfile_in(dir)
            .map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        self.count(5, 1);
        self.count(6, bytes.len() as u64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one run of a generated document, which must read without a problem.
    fn read(doc: String) -> crate::model::Run {
        let out = crate::formats::read_bytes(
            Path::new("c.json"),
            std::sync::Arc::from(doc.into_bytes()),
            crate::vendors::Registry::builtin().adapters(),
            None,
            true,
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        out.runs.into_iter().next().unwrap()
    }

    fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out: Vec<_> = walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let bytes = std::fs::read(e.path()).unwrap();
                (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let o = Options {
            runs: 60,
            seed: 7,
            versions: 2,
        };
        let sa = generate(a.path(), &o).unwrap();
        let sb = generate(b.path(), &o).unwrap();
        generate(
            c.path(),
            &Options {
                seed: 8,
                ..o.clone()
            },
        )
        .unwrap();
        assert_eq!(sa, sb);
        assert_eq!(sa.cases.iter().sum::<u64>(), 60);
        let fa = files(a.path());
        assert_eq!(fa, files(b.path()));
        assert_ne!(fa, files(c.path()));
        assert!(fa
            .iter()
            .all(|(p, _)| !p.to_string_lossy().contains(".synth-")));
    }

    #[test]
    fn usage_totals_match_the_events() {
        let workflows = Workflow::all(3);
        for i in 0..40 {
            let mut inputs = Rng::new(3, i);
            let plan = Plan::new(&mut inputs, i as usize, &workflows);
            let mut ids = Rng::new(3, 1000 + i);
            let ids = Ids {
                run_id: ids.object_id(),
                eval_run_id: ids.object_id(),
            };
            let g = interactly::case(&plan, &workflows, &ids, &mut Rng::new(3, 2000 + i), 1, true);
            let size = g.doc.len();
            assert!((4_000..60_000).contains(&size), "case {i}: {size} bytes");
            let stated = interactly::models_of(&g.doc);
            if stated.is_empty() {
                continue; // usage left null on purpose
            }
            let run = read(g.doc);
            let events = crate::model::usage::usage_from_events(run.events());
            let counted: std::collections::BTreeMap<String, u64> = events
                .by_model
                .iter()
                .map(|m| (m.model.clone().unwrap_or_default(), m.total_tokens))
                .collect();
            assert_eq!(stated, counted, "case {i}");
            assert_eq!(run.usage.total_tokens, events.total_tokens);
        }
    }

    #[test]
    fn version_two_recordings_replay_the_same_inputs() {
        let workflows = Workflow::all(5);
        for i in 0..30u64 {
            let plan = Plan::new(&mut Rng::new(5, 4 * i), i as usize, &workflows);
            let mut ids = Rng::new(5, 4 * i + 3);
            let load = |version: i64, ids: &mut Rng| {
                let ids = Ids {
                    run_id: ids.object_id(),
                    eval_run_id: ids.object_id(),
                };
                let g = interactly::case(
                    &plan,
                    &workflows,
                    &ids,
                    &mut Rng::new(5, 4 * i + version as u64),
                    version,
                    true,
                );
                read(g.doc)
            };
            let (v1, v2) = (load(1, &mut ids), load(2, &mut ids));
            assert_ne!(v1.run_id, v2.run_id);
            assert_eq!((v1.version, v2.version), (Some(1), Some(2)));
            assert_eq!(v1.turns.len(), v2.turns.len());
            for (t, (a, b)) in v1.turns.iter().zip(&v2.turns).enumerate() {
                assert_eq!(
                    a.command.as_deref(),
                    Some(if t == 0 { "start" } else { "data" })
                );
                assert_eq!(a.command, b.command);
                assert_eq!(a.caller_variables(), b.caller_variables());
                assert!(a.input_dynamic_variables.is_some());
                assert_eq!(a.user_messages.len(), usize::from(t > 0));
                assert_eq!(a.user_messages, b.user_messages);
            }
            let said = |r: &crate::model::Run| -> Vec<String> {
                r.turns
                    .iter()
                    .flat_map(|t| t.assistant_messages().map(str::to_owned))
                    .collect()
            };
            if v1.turns.len() > 1 {
                assert_ne!(said(&v1), said(&v2), "case {i}: outputs should differ");
            }
        }
    }
}
