//! The three renderings of a [`Comparison`]: `comparison.csv`, the terminal table, and the
//! "Comparison" section of `summary.md`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::{Comparison, LatencySource, MetricRow};
// The one cell writer of every CSV reprise writes.
use crate::report::cells::{num_places, opt_num, text};

/// Header of `comparison.csv` (DESIGN.md contract).
pub const CSV_HEADER: [&str; 6] = [
    "metric",
    "baseline",
    "candidate",
    "delta",
    "delta_pct",
    "verdict",
];

/// Flips listed on the terminal; the rest are in `comparison.csv` and `summary.md`.
const TERMINAL_FLIPS: usize = 20;

/// Marks the start of the section `compare` owns in `summary.md`, so a second compare into the
/// same folder replaces its own section instead of stacking another one.
const MD_MARKER: &str = "<!-- reprise compare -->";

/// How many path divergences summary.md lists (comparison.csv has them all).
const MD_PATHS: usize = 100;

/// Writes `comparison.csv` to `out`.
pub fn write_csv(cmp: &Comparison, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for r in cmp.rows() {
        w.write_record([
            text(r.metric),
            opt_num(r.baseline),
            opt_num(r.candidate),
            opt_num(r.delta),
            opt_num(r.delta_pct),
            text(r.verdict),
        ])?;
    }
    for f in &cmp.flips {
        let (from, to) = match f.kind {
            super::FlipKind::NewFailure => ("pass", "fail"),
            super::FlipKind::Fixed => ("fail", "pass"),
        };
        w.write_record([
            text(&format!("flip:{}", f.run_id)),
            from.to_string(),
            to.to_string(),
            String::new(),
            String::new(),
            f.kind.as_str().to_string(),
        ])?;
    }
    for d in &cmp.paths {
        w.write_record([
            text(&format!("path:{}", d.run_id)),
            text(&d.baseline),
            text(&d.candidate),
            String::new(),
            String::new(),
            format!("diverged at turn {}", d.turn),
        ])?;
    }
    // The p-value keeps full precision: it is compared against small limits.
    let p = cmp.mcnemar_p();
    w.write_record(["mcnemar_p", "", "", "", "", &format!("{p}")])?;
    w.flush()?;
    Ok(())
}

fn table_rows(rows: &[MetricRow]) -> Vec<[String; 6]> {
    rows.iter()
        .map(|r| {
            [
                r.metric.to_string(),
                opt_num(r.baseline),
                opt_num(r.candidate),
                signed(r.delta, 4).unwrap_or_default(),
                // Humans read percentages to one decimal; comparison.csv keeps four.
                signed(r.delta_pct, 1).map_or_else(String::new, |s| format!("{s}%")),
                r.verdict.to_string(),
            ]
        })
        .collect()
}

/// A delta with an explicit sign (`+12.5`, `-3`, `0`) for humans.
fn signed(v: Option<f64>, places: i32) -> Option<String> {
    let s = v.map(|x| num_places(x, places)).unwrap_or_default();
    if s.is_empty() {
        return None;
    }
    Some(if s != "0" && !s.starts_with('-') {
        format!("+{s}")
    } else {
        s
    })
}

fn latency_note(cmp: &Comparison) -> &'static str {
    match cmp.latency_source {
        LatencySource::SummaryPerCall => "latency percentiles: per LLM call (summary.csv)",
        LatencySource::CaseMeans => {
            "latency percentiles: over the paired cases' mean LLM latency (runs.csv latency_ms_mean)"
        }
    }
}

/// The terminal rendering: an aligned side-by-side table, the flips and the McNemar p.
pub fn terminal(cmp: &Comparison) -> String {
    let header = CSV_HEADER.map(String::from);
    let rows = table_rows(&cmp.rows());
    let mut widths = [0usize; 6];
    for r in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for r in std::iter::once(&header).chain(rows.iter()) {
        let mut line = format!("{:<w$}", r[0], w = widths[0]);
        for i in 1..5 {
            let _ = write!(line, "  {:>w$}", r[i], w = widths[i]);
        }
        let _ = write!(line, "  {}", r[5]);
        s.push_str(line.trim_end());
        s.push('\n');
    }
    let _ = writeln!(s, "({})", latency_note(cmp));
    let _ = writeln!(
        s,
        "\nflips: {} new failure(s) (pass -> fail), {} fixed (fail -> pass)",
        cmp.new_failures(),
        cmp.fixed()
    );
    for f in cmp.flips.iter().take(TERMINAL_FLIPS) {
        let _ = writeln!(s, "  {:<12} {}", f.kind.as_str(), f.run_id);
    }
    if cmp.flips.len() > TERMINAL_FLIPS {
        let _ = writeln!(
            s,
            "  ... and {} more (all in comparison.csv)",
            cmp.flips.len() - TERMINAL_FLIPS
        );
    }
    let _ = writeln!(s, "mcnemar_p: {}", cmp.mcnemar_p());
    if !cmp.paths.is_empty() {
        let _ = writeln!(
            s,
            "\npath divergences: {} paired case(s) took another node path",
            cmp.paths.len()
        );
        for d in cmp.paths.iter().take(TERMINAL_FLIPS) {
            let _ = writeln!(
                s,
                "  {} turn {}: {} -> {}",
                d.run_id, d.turn, d.baseline, d.candidate
            );
        }
        if cmp.paths.len() > TERMINAL_FLIPS {
            let _ = writeln!(
                s,
                "  ... and {} more (all in comparison.csv)",
                cmp.paths.len() - TERMINAL_FLIPS
            );
        }
    }
    if !cmp.only_in_baseline.is_empty() || !cmp.only_in_candidate.is_empty() {
        let _ = writeln!(
            s,
            "not compared: {} case(s) only in the baseline, {} only in the candidate (listed in summary.md)",
            cmp.only_in_baseline.len(),
            cmp.only_in_candidate.len()
        );
    }
    s
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown "Comparison" section (starting with its marker line).
pub fn markdown(cmp: &Comparison, baseline_dir: &Path, candidate_dir: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MD_MARKER}\n## Comparison\n");
    let _ = writeln!(
        s,
        "Baseline `{}`, candidate `{}`; {} paired case(s).\n",
        md_escape(&baseline_dir.display().to_string()),
        md_escape(&candidate_dir.display().to_string()),
        cmp.candidate.runs
    );
    let _ = writeln!(
        s,
        "| metric | baseline | candidate | delta | delta % | verdict |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    for r in table_rows(&cmp.rows()) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r[0], r[1], r[2], r[3], r[4], r[5]
        );
    }
    let _ = writeln!(s, "\n{}.\n", capitalise(latency_note(cmp)));
    let _ = writeln!(
        s,
        "Flips: {} new failure(s), {} fixed. McNemar exact p = {}.\n",
        cmp.new_failures(),
        cmp.fixed(),
        cmp.mcnemar_p()
    );
    for f in &cmp.flips {
        let _ = writeln!(s, "- `{}` {}", md_escape(&f.run_id), f.kind.as_str());
    }
    if !cmp.flips.is_empty() {
        s.push('\n');
    }
    if !cmp.paths.is_empty() {
        let _ = writeln!(
            s,
            "Path divergences: {} paired case(s) took another node path (where the candidate first departs).\n",
            cmp.paths.len()
        );
        let _ = writeln!(s, "| run_id | turn | baseline node | candidate node |");
        let _ = writeln!(s, "|---|---:|---|---|");
        for d in cmp.paths.iter().take(MD_PATHS) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                md_escape(&d.run_id),
                d.turn,
                md_escape(&d.baseline),
                md_escape(&d.candidate)
            );
        }
        if cmp.paths.len() > MD_PATHS {
            let _ = writeln!(
                s,
                "\n…and {} more (all in comparison.csv).",
                cmp.paths.len() - MD_PATHS
            );
        }
        s.push('\n');
    }
    for (label, ids) in [
        ("Only in the baseline (not counted)", &cmp.only_in_baseline),
        (
            "Only in the candidate (not counted)",
            &cmp.only_in_candidate,
        ),
    ] {
        if ids.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{label}: {}\n", ids.len());
        for id in ids {
            let _ = writeln!(s, "- `{}`", md_escape(id));
        }
        s.push('\n');
    }
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Adds `section` to `summary.md` at `path`: appended after the existing content (replacing an
/// earlier comparison section, which is always the last one), or a new file when none exists.
pub fn update_summary_md(path: &Path, section: &str) -> std::io::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(existing) => {
            let kept = match existing.find(MD_MARKER) {
                Some(at) => existing[..at].trim_end().to_string(),
                None => existing.trim_end().to_string(),
            };
            if kept.is_empty() {
                section.to_string()
            } else {
                format!("{kept}\n\n{section}")
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("# reprise comparison\n\n{section}")
        }
        Err(e) => return Err(e),
    };
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_md_appends_then_replaces_its_own_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "# Run\n\nall good\n").unwrap();
        update_summary_md(&path, "<!-- reprise compare -->\n## Comparison\n\none\n").unwrap();
        update_summary_md(&path, "<!-- reprise compare -->\n## Comparison\n\ntwo\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# Run\n\nall good\n\n<!-- reprise compare -->\n## Comparison\n\ntwo\n"
        );
        let fresh = dir.path().join("other.md");
        update_summary_md(&fresh, "S\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&fresh).unwrap(),
            "# reprise comparison\n\nS\n"
        );
    }
}
