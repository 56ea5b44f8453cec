//! `summary.md`: totals, a per-workflow and per-version breakdown, failing and flaky cases.
//! Also appended to `$GITHUB_STEP_SUMMARY` when that is set.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::cells::num;
use super::stats::Counts;
use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// Writes `summary.md`.
pub struct Markdown {
    path: PathBuf,
}

impl Markdown {
    /// Will write `dir/summary.md`.
    pub fn new(dir: &Path) -> Markdown {
        Markdown {
            path: dir.join("summary.md"),
        }
    }
}

/// Markdown table cells must not break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn rate(c: &Counts) -> String {
    match (c.pass_rate(), c.pass_rate_interval()) {
        (Some(r), Some((lo, hi))) => {
            format!("{:.1} % ({:.1}–{:.1})", r * 100.0, lo * 100.0, hi * 100.0)
        }
        _ => "–".to_owned(),
    }
}

fn counts_row(label: &str, c: &Counts) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        label,
        c.runs,
        c.passed,
        c.failed,
        c.errored,
        c.unevaluated,
        rate(c),
        c.total_tokens
    )
}

/// The whole document.
pub fn render(stats: &Stats, meta: &RunMeta) -> String {
    let mut s = String::new();
    let a = &stats.all;
    let _ = writeln!(s, "## reprise run\n");
    let _ = writeln!(
        s,
        "Engine `{}`{}, {} cases{}.\n",
        meta.engine,
        meta.version
            .map(|v| format!(" at version {v}"))
            .unwrap_or_default(),
        a.runs,
        if meta.interrupted {
            " — **interrupted**, resume with `--resume`"
        } else {
            ""
        }
    );
    let head = "| | runs | passed | failed | errored | unevaluated | pass rate (95 % CI) | tokens |\n|---|---|---|---|---|---|---|---|\n";
    s.push_str(head);
    s.push_str(&counts_row("**all**", a));
    let _ = writeln!(
        s,
        "\nTokens: total {}, mean {} per case, p95 {}; evaluator tokens {}; credits {}. LLM latency p50 {} ms, p95 {} ms.\n",
        a.total_tokens,
        num(stats.mean_tokens()),
        num(stats.tokens.quantile(0.95)),
        stats.eval_tokens,
        num(stats.total_credits),
        num(stats.latency.quantile(0.5)),
        num(stats.latency.quantile(0.95)),
    );
    let _ = writeln!(s, "### By workflow\n");
    s.push_str(&head.replacen("| |", "| workflow |", 1));
    for ((system, wf), c) in &stats.workflows {
        s.push_str(&counts_row(&cell(&format!("{system} `{wf}`")), c));
    }
    let _ = writeln!(s, "\n### By version\n");
    s.push_str(&head.replacen("| |", "| workflow @ version |", 1));
    for ((system, wf, v), c) in &stats.versions {
        let v = v.map(|v| v.to_string()).unwrap_or_else(|| "–".into());
        s.push_str(&counts_row(&cell(&format!("{system} `{wf}` @ {v}")), c));
    }
    if !stats.problems.is_empty() {
        let _ = writeln!(s, "\n### Failing and erroring cases\n");
        let _ = writeln!(s, "| run_id | verdict | why |\n|---|---|---|");
        for (id, v, why) in &stats.problems {
            let _ = writeln!(s, "| `{}` | {} | {} |", cell(id), v.as_str(), cell(why));
        }
        if stats.problems_unlisted > 0 {
            let _ = writeln!(s, "\n…and {} more.", stats.problems_unlisted);
        }
    }
    if let Some(c) = &meta.carried {
        carried(&mut s, c);
    }
    if !stats.flaky.is_empty() {
        let _ = writeln!(s, "\n### Flaky cases\n");
        let _ = writeln!(s, "| run_id | passed | repeats |\n|---|---|---|");
        for (id, p, n) in &stats.flaky {
            let _ = writeln!(s, "| `{}` | {p} | {n} |", cell(id));
        }
        if stats.flaky_unlisted > 0 {
            let _ = writeln!(s, "\n…and {} more.", stats.flaky_unlisted);
        }
    }
    s
}

/// How many carried cases summary.md lists by id (manifest.json lists them all).
const CARRIED_LISTED: usize = 50;

/// The "Carried from recordings" section of `run --impact`.
fn carried(s: &mut String, c: &super::Carried) {
    let _ = writeln!(s, "\n### Carried from recordings\n");
    let _ = writeln!(
        s,
        "{} case{} carried from {} (`unaffected`: the recorded run and its recorded evaluation stand for the candidate); {} replayed (`diverges` or `undetermined`){}.\n",
        c.cases.len(),
        if c.cases.len() == 1 { "" } else { "s" },
        cell(&c.source),
        c.replayed,
        if c.unlisted > 0 {
            format!(", {} replayed because impact.csv does not list them", c.unlisted)
        } else {
            String::new()
        }
    );
    if c.cases.is_empty() {
        return;
    }
    let _ = writeln!(s, "| why | cases |\n|---|---|");
    for (why, n) in c.by_reason() {
        let _ = writeln!(s, "| {} | {n} |", cell(why));
    }
    let _ = writeln!(s, "\n| run_id | why |\n|---|---|");
    for (id, why) in c.cases.iter().take(CARRIED_LISTED) {
        let _ = writeln!(s, "| `{}` | {} |", cell(id), cell(why));
    }
    if c.cases.len() > CARRIED_LISTED {
        let _ = writeln!(
            s,
            "\n…and {} more (manifest.json lists every carried case).",
            c.cases.len() - CARRIED_LISTED
        );
    }
}

impl ReportWriter for Markdown {
    fn row(&mut self, _: &CaseRow) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()> {
        let text = render(stats, meta);
        std::fs::write(&self.path, &text)?;
        // The same cap as the PR comment: the file stays under it with what came before.
        super::pr_comment::append_step_summary(&format!("{text}\n")).map_err(io::Error::from)
    }
}
