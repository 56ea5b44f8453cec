//! `reprise report merge DIR... --out DIR`: one report from the journals of several runs
//! (typically the shards of one run).

use std::io::Write;
use std::path::PathBuf;

use crate::error::InputError;
use crate::report::{self, terminal, Carried, RunMeta};
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
/// manifest, the earliest start and the merge time as end, and the cases `run --impact`
/// carried in every shard (their run ids sorted, the replayed counts summed).
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
        if let Some(c) = v.get("carried").filter(|c| c.is_object()) {
            let merged = meta.carried.get_or_insert_with(|| Carried {
                source: c["impact_csv"].as_str().unwrap_or_default().to_owned(),
                ..Carried::default()
            });
            merged.replayed += c["replayed"].as_u64().unwrap_or(0);
            merged.unlisted += c["not_in_impact_csv"].as_u64().unwrap_or(0);
            let cases = c["cases"].as_array().map(Vec::as_slice).unwrap_or_default();
            merged.cases.extend(cases.iter().map(|case| {
                let field = |k: &str| case[k].as_str().unwrap_or_default().to_owned();
                (field("run_id"), field("reason"))
            }));
        }
    }
    if let Some(c) = &mut meta.carried {
        c.cases.sort();
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merged_meta_takes_the_earliest_start_and_every_shards_carried_cases() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = |dir: &str, start: &str, carried: serde_json::Value| {
            let d = tmp.path().join(dir);
            std::fs::create_dir_all(&d).unwrap();
            let doc = serde_json::json!({
                "engine": "recorded", "version": 2, "seed": 7, "corpus_digest": "abc",
                "started_at": start, "interrupted": false, "carried": carried,
            });
            std::fs::write(d.join("manifest.json"), doc.to_string()).unwrap();
            d
        };
        let carried = |ids: &[&str], replayed: u64| {
            let cases: Vec<_> = ids
                .iter()
                .map(|id| serde_json::json!({"run_id": id, "reason": "same config"}))
                .collect();
            serde_json::json!({"impact_csv": "imp/impact.csv", "carried": ids.len(),
                "replayed": replayed, "not_in_impact_csv": 1, "cases": cases})
        };
        let dirs = [
            manifest("a", "2026-12-03T10:00:05Z", carried(&["c", "a"], 3)),
            manifest("b", "2026-12-03T10:00:01Z", carried(&["b"], 4)),
            tmp.path().join("no-manifest"),
        ];
        let meta = merged_meta(&dirs, "2026-12-03T11:00:00Z".into());
        assert_eq!(meta.started_at, "2026-12-03T10:00:01Z");
        assert_eq!(
            (meta.engine.as_str(), meta.version, meta.seed),
            ("recorded", Some(2), Some(7))
        );
        let reason = |id: &str| (id.to_owned(), "same config".to_owned());
        assert_eq!(
            meta.carried,
            Some(Carried {
                source: "imp/impact.csv".into(),
                cases: vec![reason("a"), reason("b"), reason("c")],
                replayed: 7,
                unlisted: 2,
            })
        );
        // Shards run without --impact carry nothing.
        let plain = manifest("p", "2026-12-03T10:00:00Z", serde_json::Value::Null);
        assert_eq!(merged_meta(&[plain], String::new()).carried, None);
    }
}
