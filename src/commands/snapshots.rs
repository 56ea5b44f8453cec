//! The snapshot stage of `reprise run`: built from [`RunSnapshots`] before the replay, and
//! after it the summary on the terminal, in `summary.md` and in the GitHub job summary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::UsageError;
use crate::redact::Redactor;
use crate::report::pr_comment;
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
    {
        // Written as it goes: a first `--check` of a large corpus prints every new body.
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        // A closed stdout (`| head`) must not turn a finished run into an error.
        let _ = summary
            .write_terminal(&mut stdout, color, o.check)
            .and_then(|()| stdout.flush());
    }
    // summary.md, and the GitHub job summary (under the cap shared with the report's append).
    let md = out_dir.join("summary.md");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&md)
        .map_err(|e| Error::io(&md, e))?;
    let mut section = Tee::new(std::io::BufWriter::new(file), pr_comment::LIMIT + 1);
    section
        .write_all(b"\n")
        .and_then(|()| summary.write_markdown(&mut section, Some(report_counts), o.check))
        .and_then(|()| section.inner.flush())
        .map_err(|e| Error::io(&md, e))?;
    pr_comment::append_step_summary_head(&section.head())
        .map_err(|e| Error::io(e.path, e.source))?;
    // Resumed cases count too: their rows carry the outcome they had.
    let any = summary.is_regression() || report_counts.0 + report_counts.1 > 0;
    Ok(if o.check && any {
        ExitStatus::Regression
    } else {
        ExitStatus::Success
    })
}

/// A writer that passes everything on and keeps the first `keep` bytes and the line count:
/// the step summary needs only those of a section too long to hold.
struct Tee<W> {
    inner: W,
    keep: usize,
    head: Vec<u8>,
    len: usize,
    newlines: usize,
    last: Option<u8>,
}

impl<W: Write> Tee<W> {
    fn new(inner: W, keep: usize) -> Tee<W> {
        Tee {
            inner,
            keep,
            head: Vec::new(),
            len: 0,
            newlines: 0,
            last: None,
        }
    }

    /// What was written, as the step summary caps it.
    fn head(&self) -> pr_comment::Head<'_> {
        // The renderings write whole UTF-8 strings; a head cut inside a character keeps
        // its valid part (the cap cuts at a line break before it anyway).
        let head = match std::str::from_utf8(&self.head) {
            Ok(h) => h,
            Err(e) => std::str::from_utf8(&self.head[..e.valid_up_to()]).unwrap_or_default(),
        };
        let unfinished = self.last.is_some_and(|b| b != b'\n');
        pr_comment::Head {
            head,
            len: self.len,
            lines: self.newlines + usize::from(unfinished),
        }
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let buf = &buf[..n];
        let room = self.keep.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..room.min(n)]);
        self.len += n;
        self.newlines += memchr::memchr_iter(b'\n', buf).count();
        if let Some(&b) = buf.last() {
            self.last = Some(b);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
