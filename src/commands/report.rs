//! `reprise report merge DIR... --out DIR`: one report from the journals of several runs
//! (typically the shards of one run).

use std::io::Write;
use std::path::PathBuf;

use crate::error::InputError;
use crate::report::{self, terminal, RunMeta};
use crate::{Error, ExitStatus};

/// What `reprise report merge` was asked.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Report folders, each with a journal.jsonl.
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged report.
    pub out: PathBuf,
    /// `--history FILE`: report.html draws its trend.
    pub history: Option<PathBuf>,
}

/// Runs `report merge`: exit 0, or 2 when a folder is no report folder or journal lines
/// were unreadable.
pub fn merge(o: MergeOptions) -> Result<ExitStatus, Error> {
    let MergeOptions { dirs, out, history } = o;
    for d in &dirs {
        if !d.join(report::journal::FILE).is_file() {
            return Err(InputError::NotAReportFolder {
                dir: d.clone(),
                file: report::journal::FILE,
            }
            .into());
        }
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut meta = merged_meta(&dirs, now);
    meta.history = crate::report::history::load(history.as_deref())?;
    let (stats, bad) =
        report::merge(&dirs, &out, &meta).map_err(|e| Error::io(e.path, e.source))?;
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{}", terminal::render(&stats));
    let _ = writeln!(stdout, "reports      {}", out.display());
    if bad > 0 {
        eprintln!("warning: {bad} unreadable journal line(s) skipped");
        return Ok(ExitStatus::Input);
    }
    Ok(ExitStatus::Success)
}

/// The merged manifest takes engine, version, seed and digest from the first shard's
/// manifest, the earliest start and the merge time as end.
fn merged_meta(dirs: &[PathBuf], now: String) -> RunMeta {
    let mut meta = RunMeta {
        git_sha: report::git_sha(),
        ended_at: now.clone(),
        started_at: now,
        ..RunMeta::default()
    };
    for (i, d) in dirs.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(d.join("manifest.json")) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if i == 0 {
            meta.engine = v["engine"].as_str().unwrap_or_default().to_owned();
            meta.version = v["version"].as_i64();
            meta.seed = v["seed"].as_u64();
            meta.corpus_digest = v["corpus_digest"].as_str().unwrap_or_default().to_owned();
        }
        if let Some(s) = v["started_at"].as_str() {
            if s < meta.started_at.as_str() {
                meta.started_at = s.to_owned();
            }
        }
        meta.interrupted |= v["interrupted"].as_bool().unwrap_or(false);
    }
    meta
}
