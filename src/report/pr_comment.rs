//! `pr-comment.md`: a short Markdown body for a sticky pull-request comment. It starts with
//! [`MARKER`] so a CI step can find and update its own comment in place, and is always cut to
//! fit GitHub's comment limit ([`cap`]). What reprise appends to `$GITHUB_STEP_SUMMARY` gets
//! the same cap, over all the appends of one process ([`append_step_summary`]).
//! `reprise run` and `report merge` write the run's version; `compare` replaces it with the
//! comparison's (pass-rate delta, new failures, token and latency deltas).

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::cells::num;
use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// The first line of every comment: what an action searches for to update it in place.
pub const MARKER: &str = "<!-- reprise:pr-comment -->";
/// The file's name inside a report folder.
pub const FILE: &str = "pr-comment.md";
/// GitHub's limit on a comment body, in characters.
pub const GITHUB_LIMIT: usize = 65_536;
/// What reprise writes at most, in bytes (a byte count bounds the character count), leaving
/// room for what an action may add around it.
pub const LIMIT: usize = 60_000;

/// `text` cut at a line boundary so it is at most `limit` bytes, ending with how many lines
/// were left out. Text within the limit is returned as is.
pub fn cap(text: &str, limit: usize) -> String {
    cap_head(&Head::whole(text), limit)
}

/// The start of a text and what the whole holds: enough to cap it, so a long text (the
/// snapshot section of a large run) need not be held to be capped.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// The text's first bytes: all of it, or more than any limit it is capped to.
    pub head: &'a str,
    /// The whole text's length in bytes.
    pub len: usize,
    /// The whole text's number of lines (as `str::lines` counts them).
    pub lines: usize,
}

impl<'a> Head<'a> {
    /// A text held whole.
    pub fn whole(text: &'a str) -> Head<'a> {
        Head {
            head: text,
            len: text.len(),
            lines: text.lines().count(),
        }
    }
}

/// [`cap`] over a [`Head`] (whose `head` holds more than `limit` bytes when the text is longer).
fn cap_head(text: &Head<'_>, limit: usize) -> String {
    if text.len <= limit {
        return text.head.to_owned();
    }
    // Room for the note itself.
    let budget = limit.saturating_sub(120);
    let mut cut = 0;
    for (i, _) in text.head.match_indices('\n') {
        if i + 1 > budget {
            break;
        }
        cut = i + 1;
    }
    // The part kept ends at a line break: the lines left out are all the others.
    let left_out = text.lines - text.head[..cut].matches('\n').count();
    let mut out = text.head[..cut].to_owned();
    let _ = write!(
        out,
        "\n…{left_out} more line(s) left out to stay under the {GITHUB_LIMIT}-character comment limit; see the report folder.\n"
    );
    out
}

/// Room kept for the note of a later append that no longer fits (the note [`cap`] writes
/// is under 120 bytes).
const NOTE_ROOM: usize = 160;

/// What of `text` goes into the step summary when it holds `used` bytes already: all of
/// it while it fits under [`LIMIT`] with room left for one more note; else as much as fits,
/// cut at a line with the count of lines left out; else only that count (or nothing, when
/// not even a note fits).
fn step_summary_part(used: usize, text: &Head<'_>) -> String {
    let avail = LIMIT.saturating_sub(used);
    let room = avail.saturating_sub(NOTE_ROOM);
    if text.len <= room {
        return text.head.to_owned();
    }
    if room >= NOTE_ROOM {
        return cap_head(text, room);
    }
    let note = format!(
        "\n…{} more line(s) left out to stay under the {GITHUB_LIMIT}-character limit; see the report folder.\n",
        text.lines
    );
    if note.len() <= avail {
        note
    } else {
        String::new()
    }
}

/// The step summary file could not be appended to.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct StepSummaryError {
    /// The file `$GITHUB_STEP_SUMMARY` names.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

impl From<StepSummaryError> for io::Error {
    fn from(e: StepSummaryError) -> io::Error {
        io::Error::new(e.source.kind(), e.to_string())
    }
}

/// Appends `text` to the file `$GITHUB_STEP_SUMMARY` names, when it is set: GitHub shows it on
/// the job's page. The file stays under [`LIMIT`] bytes with it, whatever came before (a
/// run's summary, then its snapshot section, then a compare's section in the same step), cut
/// at a line with a count of the lines left out.
pub fn append_step_summary(text: &str) -> Result<(), StepSummaryError> {
    append_step_summary_head(&Head::whole(text))
}

/// [`append_step_summary`] of a text known by its [`Head`] (which holds more than [`LIMIT`]
/// bytes when the text is longer).
pub fn append_step_summary_head(text: &Head<'_>) -> Result<(), StepSummaryError> {
    let Some(step) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(step);
    let used = match std::fs::metadata(&path) {
        Ok(m) => usize::try_from(m.len()).unwrap_or(usize::MAX),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(source) => return Err(StepSummaryError { path, source }),
    };
    let part = step_summary_part(used, text);
    if part.is_empty() {
        return Ok(());
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(part.as_bytes()));
    match written {
        Ok(()) => Ok(()),
        Err(source) => Err(StepSummaryError { path, source }),
    }
}

/// Markdown text that must stay on one line and not break a list item or a code span.
pub fn inline(s: &str) -> String {
    let one: String = s.replace(['\n', '\r'], " ").replace('`', "'");
    let mut t: String = one.chars().take(300).collect();
    if t.len() < one.len() {
        t.push('…');
    }
    t
}

/// "92.0 % (88.1–94.6 %)" or "–".
pub fn rate(rate: Option<f64>, ci: Option<(f64, f64)>) -> String {
    match (rate, ci) {
        (Some(r), Some((lo, hi))) => format!(
            "{:.1} % (95 % CI {:.1}–{:.1} %)",
            r * 100.0,
            lo * 100.0,
            hi * 100.0
        ),
        _ => "– (nothing passed or failed)".to_owned(),
    }
}

/// Where the HTML report is, for the reader of the comment.
pub const HTML_POINTER: &str =
    "Full report: `report.html` in the report folder (uploaded as the CI artifact); open it in a browser, no server needed.";

/// The run's comment.
pub fn for_run(stats: &Stats, meta: &RunMeta) -> String {
    let a = &stats.all;
    let mut s = format!("{MARKER}\n## reprise: {} case(s)\n\n", a.runs);
    if meta.interrupted {
        s.push_str("**Interrupted**: the report covers the cases finished so far.\n\n");
    }
    let _ = writeln!(
        s,
        "**Pass rate {}** — {} passed, {} failed, {} errored, {} unevaluated.\n",
        rate(a.pass_rate(), a.pass_rate_interval()),
        a.passed,
        a.failed,
        a.errored,
        a.unevaluated
    );
    let _ = writeln!(
        s,
        "Tokens {} (mean {} per case); credits {}; LLM latency p50 {} ms, p95 {} ms; snapshots: {} changed, {} new.\n",
        a.total_tokens,
        num(stats.mean_tokens()),
        num(stats.total_credits),
        num(stats.latency.quantile(0.5)),
        num(stats.latency.quantile(0.95)),
        stats.snapshots_changed,
        stats.snapshots_new
    );
    if let Some(c) = &meta.carried {
        carried(&mut s, c);
    }
    if !stats.problems.is_empty() {
        let _ = writeln!(s, "### Failing and erroring cases\n");
        for (id, v, why) in &stats.problems {
            let _ = writeln!(s, "- `{}` {} — {}", inline(id), v.as_str(), inline(why));
        }
        if stats.problems_unlisted > 0 {
            let _ = writeln!(s, "- …and {} more", stats.problems_unlisted);
        }
        s.push('\n');
    }
    s.push_str(HTML_POINTER);
    s.push('\n');
    s
}

/// Reasons listed by the comment's carried section (summary.md and manifest.json have all).
const CARRIED_REASONS_LISTED: usize = 5;

/// `run --impact`: how many cases kept their recorded verdicts, why, and how many were
/// replayed.
fn carried(s: &mut String, c: &super::Carried) {
    let unlisted = if c.unlisted > 0 {
        format!(", {} of them not listed in impact.csv", c.unlisted)
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "**Carried from recordings** (`run --impact`, `{}`): {} case(s) `unaffected`, answered by their recorded run and evaluation; {} replayed{unlisted}.\n",
        inline(&c.source),
        c.cases.len(),
        c.replayed + c.unlisted,
    );
    let mut reasons: Vec<(&str, usize)> = c.by_reason().into_iter().collect();
    // The most common reasons first.
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (why, n) in reasons.iter().take(CARRIED_REASONS_LISTED) {
        let _ = writeln!(s, "- {n} case(s): {}", inline(why));
    }
    if reasons.len() > CARRIED_REASONS_LISTED {
        let _ = writeln!(
            s,
            "- …and {} more reason(s) (summary.md lists them)",
            reasons.len() - CARRIED_REASONS_LISTED
        );
    }
    if !reasons.is_empty() {
        s.push('\n');
    }
}

/// Puts the gate's verdict under the title of the comment in `dir` (after `run` applied the
/// `[gate]` thresholds) and writes it back, capped.
pub fn add_gate(dir: &Path, passed: bool, failed_checks: &[String]) -> io::Result<()> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path)?;
    let mut gate = format!(
        "**Gate: {}**\n",
        if passed { "passed ✅" } else { "FAILED ❌" }
    );
    for c in failed_checks {
        let _ = writeln!(gate, "- {}", inline(c));
    }
    gate.push('\n');
    let at = text.find("\n\n").map_or(text.len(), |i| i + 2);
    let out = format!("{}{}{}", &text[..at], gate, &text[at..]);
    std::fs::write(&path, cap(&out, LIMIT))
}

/// Writes `pr-comment.md` for a run or a merge.
pub struct PrComment {
    path: PathBuf,
}

impl PrComment {
    /// Will write `dir/pr-comment.md`.
    pub fn new(dir: &Path) -> PrComment {
        PrComment {
            path: dir.join(FILE),
        }
    }
}

impl ReportWriter for PrComment {
    fn row(&mut self, _: &CaseRow) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()> {
        std::fs::write(&self.path, cap(&for_run(stats, meta), LIMIT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_keeps_short_text_and_cuts_long_text_at_a_line_with_a_count() {
        assert_eq!(cap("a\nb\n", 100), "a\nb\n");
        let long: String = (0..10_000).map(|i| format!("- line {i}\n")).collect();
        let c = cap(&long, 1_000);
        assert!(c.len() <= 1_000, "{}", c.len());
        let kept = c.lines().filter(|l| l.starts_with("- line")).count();
        assert!(
            c.contains(&format!("…{} more line(s) left out", 10_000 - kept)),
            "{c}"
        );
        assert!(c.lines().all(|l| !l.starts_with("- line") || l.len() > 7));
    }

    #[test]
    fn step_summary_appends_stay_under_the_limit_together_with_counts() {
        let lines = |n: usize, tag: &str| -> String {
            (0..n)
                .map(|i| format!("- `{tag}-{i:05}` new_failure\n"))
                .collect()
        };
        // Small appends go in whole.
        let small = lines(10, "a");
        assert_eq!(step_summary_part(0, &Head::whole(&small)), small);
        // A large first append is cut with the count of lines left out, leaving room for a
        // note of the next one.
        let big = lines(5_000, "b");
        let first = step_summary_part(0, &Head::whole(&big));
        assert!(first.len() <= LIMIT - NOTE_ROOM, "{}", first.len());
        let kept = first.lines().filter(|l| l.starts_with("- `b-")).count();
        assert!(
            first.contains(&format!("…{} more line(s) left out", 5_000 - kept)),
            "{}",
            &first[first.len() - 200..]
        );
        // The next append gets only its count, and the total stays under GitHub's limit.
        let snaps = lines(300, "c");
        let second = step_summary_part(first.len(), &Head::whole(&snaps));
        assert_eq!(
            second.trim(),
            format!("…300 more line(s) left out to stay under the {GITHUB_LIMIT}-character limit; see the report folder.")
        );
        let total = first.len() + second.len();
        assert!(total <= LIMIT, "{total}");
        // Nothing more once even a note does not fit.
        assert_eq!(step_summary_part(LIMIT - 10, &Head::whole(&snaps)), "");
    }

    #[test]
    fn a_long_text_is_capped_from_its_head_as_from_the_whole() {
        // Lines of every length, with and without a last line break, at every used size.
        for n in [0usize, 1, 7, 900, 4_000, 9_000] {
            for end in ["", "\n", "tail without break"] {
                let text: String = (0..n)
                    .map(|i| format!("{}\n", "x".repeat(i % 97)))
                    .collect::<String>()
                    + end;
                let keep = (LIMIT + 1).min(text.len());
                let keep = (keep..=text.len())
                    .find(|&k| text.is_char_boundary(k))
                    .unwrap_or(text.len());
                let head = Head {
                    head: &text[..keep],
                    len: text.len(),
                    lines: text.lines().count(),
                };
                for used in [0, 1_000, LIMIT - 500, LIMIT - 10] {
                    assert_eq!(
                        step_summary_part(used, &head),
                        step_summary_part(used, &Head::whole(&text)),
                        "{n} lines, end {end:?}, used {used}"
                    );
                }
                assert_eq!(cap_head(&head, 30_000), cap(&text, 30_000));
            }
        }
    }

    #[test]
    fn the_run_comment_says_what_was_carried_and_why() {
        let stats = Stats::default();
        let plain = for_run(&stats, &RunMeta::default());
        assert!(!plain.contains("Carried"), "{plain}");
        let mut cases: Vec<(String, String)> = (0..7)
            .map(|i| (format!("run-{i}"), format!("reason {}", i % 6)))
            .collect();
        cases.push(("run-x".into(), "reason 0".into()));
        let meta = RunMeta {
            carried: Some(super::super::Carried {
                source: "reports/impact/impact.csv".into(),
                cases,
                replayed: 3,
                unlisted: 1,
            }),
            ..RunMeta::default()
        };
        let text = for_run(&stats, &meta);
        assert!(
            text.contains("**Carried from recordings** (`run --impact`, `reports/impact/impact.csv`): 8 case(s) `unaffected`, answered by their recorded run and evaluation; 4 replayed, 1 of them not listed in impact.csv."),
            "{text}"
        );
        // The most common reason first; five listed, the sixth counted.
        assert!(
            text.contains("- 3 case(s): reason 0\n- 1 case(s): reason 1\n- 1 case(s): reason 2\n"),
            "{text}"
        );
        assert!(text.contains("- …and 1 more reason(s)"), "{text}");
    }

    #[test]
    fn inline_keeps_one_line_without_backticks() {
        assert_eq!(inline("a\n`b`|c"), "a 'b'|c");
        assert_eq!(inline(&"x".repeat(400)).chars().count(), 301);
    }
}
