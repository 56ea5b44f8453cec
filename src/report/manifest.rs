//! `manifest.json`: what produced the report (version, git SHA, corpus digest, engine,
//! target version, seed, start and end time).

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// Writes `manifest.json`.
pub struct Manifest {
    path: PathBuf,
}

impl Manifest {
    /// Will write `dir/manifest.json`.
    pub fn new(dir: &Path) -> Manifest {
        Manifest {
            path: dir.join("manifest.json"),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Doc<'a> {
    reprise_version: &'a str,
    git_sha: Option<&'a str>,
    corpus_digest: &'a str,
    engine: &'a str,
    version: Option<i64>,
    seed: Option<u64>,
    shard: Option<&'a str>,
    started_at: &'a str,
    ended_at: &'a str,
    cases: u64,
    interrupted: bool,
    /// `run --impact`: the cases carried from their recordings, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    carried: Option<CarriedDoc>,
}

/// `carried` of the manifest.
#[derive(Serialize, Deserialize)]
struct CarriedDoc {
    impact_csv: String,
    carried: usize,
    replayed: u64,
    not_in_impact_csv: u64,
    cases: Vec<CarriedCase>,
}

#[derive(Serialize, Deserialize)]
struct CarriedCase {
    run_id: String,
    reason: String,
}

impl ReportWriter for Manifest {
    fn row(&mut self, _: &CaseRow) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()> {
        let doc = Doc {
            reprise_version: env!("CARGO_PKG_VERSION"),
            git_sha: meta.git_sha.as_deref(),
            corpus_digest: &meta.corpus_digest,
            engine: &meta.engine,
            version: meta.version,
            seed: meta.seed,
            shard: meta.shard.as_deref(),
            started_at: &meta.started_at,
            ended_at: &meta.ended_at,
            cases: stats.all.runs,
            interrupted: meta.interrupted,
            carried: meta.carried.as_ref().map(|c| CarriedDoc {
                impact_csv: c.source.clone(),
                carried: c.cases.len(),
                replayed: c.replayed,
                not_in_impact_csv: c.unlisted,
                cases: c
                    .cases
                    .iter()
                    .map(|(run_id, reason)| CarriedCase {
                        run_id: run_id.clone(),
                        reason: reason.clone(),
                    })
                    .collect(),
            }),
        };
        let mut text = serde_json::to_string_pretty(&doc).map_err(io::Error::from)?;
        text.push('\n');
        std::fs::write(&self.path, text)
    }
}

/// The git commit of the current directory's repository, if any.
pub fn git_sha() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && sha.len() == 40).then_some(sha)
}
