//! The outputs of `reprise impact`: `impact.csv`, `summary.md`, `config-diff.md` and the
//! terminal summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::classify::Classified;
use super::diff::render;
use super::walk::Impact;
use crate::report::text_cell;
use crate::Error;

/// The header of `impact.csv`.
pub const HEADER: [&str; 7] = [
    "run_id",
    "workflow_id",
    "version",
    "impact",
    "turn",
    "node",
    "reason",
];

/// Counts per class, and per (node, class) for the cases that stop at a node.
#[derive(Debug, Default)]
pub struct Counts {
    /// Cases per class.
    pub by_class: BTreeMap<Impact, usize>,
    /// Cases per node and class.
    pub by_node: BTreeMap<String, BTreeMap<Impact, usize>>,
}

impl Counts {
    /// Counts the rows.
    pub fn of(c: &Classified) -> Counts {
        let mut out = Counts::default();
        for r in &c.rows {
            *out.by_class.entry(r.outcome.impact).or_default() += 1;
            if let Some(n) = &r.outcome.node {
                *out.by_node
                    .entry(n.clone())
                    .or_default()
                    .entry(r.outcome.impact)
                    .or_default() += 1;
            }
        }
        out
    }

    /// Cases of a class.
    pub fn get(&self, i: Impact) -> usize {
        self.by_class.get(&i).copied().unwrap_or(0)
    }
}

const CLASSES: [Impact; 3] = [Impact::Unaffected, Impact::Diverges, Impact::Undetermined];

/// Writes `impact.csv`: RFC 4180 quoting, text cells guarded against formulas.
pub fn write_csv(path: &Path, c: &Classified) -> Result<(), Error> {
    let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
    let mut w = csv::Writer::from_path(path).map_err(io)?;
    w.write_record(HEADER).map_err(io)?;
    for r in &c.rows {
        let o = &r.outcome;
        w.write_record([
            text_cell(&r.run_id),
            text_cell(&r.workflow_id),
            r.version.map(|v| v.to_string()).unwrap_or_default(),
            o.impact.as_str().to_owned(),
            o.turn.map(|t| t.to_string()).unwrap_or_default(),
            o.node.as_deref().map(text_cell).unwrap_or_default(),
            text_cell(&o.reason),
        ])
        .map_err(io)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

/// `config-diff.md`: one section per distinct recorded config.
pub fn config_diff_md(c: &Classified, candidate: &str) -> String {
    let mut out = format!("# Config diff against `{candidate}`\n");
    if c.diffs.is_empty() {
        out.push_str("\nNo case carries a recorded config to compare with.\n");
    }
    for g in &c.diffs {
        let versions: Vec<String> = g.versions.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(
            out,
            "\n## Recorded version {} ({} case{})",
            if versions.is_empty() {
                "?".to_owned()
            } else {
                versions.join(", ")
            },
            g.cases,
            if g.cases == 1 { "" } else { "s" }
        );
        render(&g.diff, &mut out);
    }
    out
}

/// `summary.md`: counts per class and per node.
pub fn summary_md(c: &Classified, counts: &Counts, workflow: &str, candidate: &str) -> String {
    let mut out = format!(
        "# Impact of `{candidate}` on workflow `{workflow}`\n\n{} case{} re-walked.\n\n| impact | cases |\n|---|---|\n",
        c.rows.len(),
        if c.rows.len() == 1 { "" } else { "s" }
    );
    for class in CLASSES {
        let _ = writeln!(out, "| {} | {} |", class.as_str(), counts.get(class));
    }
    if !counts.by_node.is_empty() {
        out.push_str(
            "\n## Where the walks stop\n\n| node | diverges | undetermined |\n|---|---|---|\n",
        );
        for (node, by) in &counts.by_node {
            let n = |i| by.get(&i).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                node.replace('|', "\\|"),
                n(Impact::Diverges),
                n(Impact::Undetermined)
            );
        }
    }
    out.push_str("\nUnaffected cases re-walk to their recorded path and touch nothing that changed: their recordings stand for the candidate. The others need a live replay (`impact.csv` says where and why).\n");
    out
}

/// The terminal summary: the diff, the counts and the first cases that need a replay.
pub fn terminal(c: &Classified, counts: &Counts) -> String {
    let mut out = String::new();
    for g in &c.diffs {
        let versions: Vec<String> = g.versions.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(
            out,
            "config diff, recorded version {} ({} cases):",
            versions.join(", "),
            g.cases
        );
        if g.diff.lines.is_empty() {
            out.push_str("  no change\n");
        }
        for l in &g.diff.lines {
            let _ = writeln!(out, "  {:<10} {}", l.section.to_lowercase(), l.text);
        }
    }
    out.push('\n');
    let _ = writeln!(out, "{:<14}{:>8}", "impact", "cases");
    for class in CLASSES {
        let _ = writeln!(out, "{:<14}{:>8}", class.as_str(), counts.get(class));
    }
    if !counts.by_node.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<30}{:>10}{:>14}",
            "node", "diverges", "undetermined"
        );
        for (node, by) in &counts.by_node {
            let n = |i| by.get(&i).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "{:<30}{:>10}{:>14}",
                node,
                n(Impact::Diverges),
                n(Impact::Undetermined)
            );
        }
    }
    const SHOWN: usize = 20;
    let affected: Vec<_> = c
        .rows
        .iter()
        .filter(|r| r.outcome.impact != Impact::Unaffected)
        .collect();
    if !affected.is_empty() {
        out.push('\n');
        for r in affected.iter().take(SHOWN) {
            let o = &r.outcome;
            let _ = writeln!(
                out,
                "{:<13} {} turn {} {}: {}",
                o.impact.as_str(),
                r.run_id,
                o.turn
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".to_owned()),
                o.node.as_deref().unwrap_or("-"),
                o.reason
            );
        }
        if affected.len() > SHOWN {
            let _ = writeln!(out, "… {} more in impact.csv", affected.len() - SHOWN);
        }
    }
    out
}

/// Writes a text file, naming it on failure.
pub fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
