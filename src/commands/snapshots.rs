//! The snapshot stage of `reprise run`: built from [`RunSnapshots`] before the replay, and
//! after it the summary on the terminal, in `summary.md` and in the GitHub job summary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::UsageError;
use crate::redact::Redactor;
use crate::snapshot::store::CheckOptions;
use crate::snapshot::{Detail, SnapshotStage, Store, UpdateMode};
use crate::{Error, ExitStatus};

/// The snapshot settings of `reprise run`.
#[derive(Debug, Clone)]
pub struct RunSnapshots {
    /// The snapshot folder.
    pub dir: PathBuf,
    /// `--check`: write nothing; exit 1 on any changed or new snapshot.
    pub check: bool,
    /// When to write snapshots (`auto` is resolved when the stage is built).
    pub mode: UpdateMode,
    /// How closely transcripts must match.
    pub detail: Detail,
    /// Similarity threshold (0–1) for assistant text at the `structure` detail.
    pub similarity: f64,
    /// Delete snapshots no case of the corpus produced (only when no case is filtered out).
    pub prune_orphans: bool,
}

/// Builds the snapshot stage, redacting with `redactor`; a similarity outside 0–1 is a usage
/// error.
pub fn stage(o: &RunSnapshots, redactor: Arc<Redactor>) -> Result<SnapshotStage, Error> {
    if !(0.0..=1.0).contains(&o.similarity) {
        return Err(UsageError::Similarity.into());
    }
    Ok(SnapshotStage::new(
        Store::new(&o.dir),
        redactor,
        CheckOptions {
            mode: o.mode.resolve(),
            check: o.check,
            detail: o.detail,
            similarity: o.similarity,
        },
    ))
}

/// After the replay: prints the snapshot summary (each changed or new run id with its diff),
/// appends it to `<out>/summary.md`, and says whether `--check` failed.
/// `whole_corpus`: no case was filtered out, so orphans can be told. `report_counts`: the
/// report's (changed, new), which also count cases resumed from the journal.
pub fn finish(
    stage: &SnapshotStage,
    o: &RunSnapshots,
    out_dir: &Path,
    whole_corpus: bool,
    report_counts: (u64, u64),
) -> Result<ExitStatus, Error> {
    let summary = stage.finish(whole_corpus, o.prune_orphans)?;
    let color = console::Term::stdout().is_term() && console::colors_enabled();
    print!("{}", summary.render_terminal(color, o.check));
    let section = summary.render_markdown(Some(report_counts), o.check);
    // summary.md, and the GitHub job summary (under the cap shared with the report's append).
    let md = out_dir.join("summary.md");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&md)
        .map_err(|e| Error::io(&md, e))?;
    write!(file, "\n{section}").map_err(|e| Error::io(&md, e))?;
    crate::report::pr_comment::append_step_summary(&format!("\n{section}"))
        .map_err(|e| Error::io(e.path, e.source))?;
    // Resumed cases count too: their rows carry the outcome they had.
    let any = summary.is_regression() || report_counts.0 + report_counts.1 > 0;
    Ok(if o.check && any {
        ExitStatus::Regression
    } else {
        ExitStatus::Success
    })
}
