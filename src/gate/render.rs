//! The gate's output: one aligned line per check for humans, or JSON for machines.

use std::fmt::Write as _;

use super::evaluate::{Check, CheckResult, Outcome};

fn actual(c: &Check) -> String {
    match c.actual {
        None => "n/a".into(),
        Some(x) if x.is_infinite() => "inf".into(),
        Some(x) => crate::report::num(x),
    }
}

fn name(c: &Check) -> String {
    match &c.workflow {
        Some(w) => format!("{}[{w}]", c.threshold),
        None => c.threshold.to_string(),
    }
}

/// One line per check (`threshold  actual  limit  result  note`), then the verdict line.
pub fn text(outcome: &Outcome) -> String {
    let rows: Vec<[String; 5]> = outcome
        .checks
        .iter()
        .map(|c| {
            [
                name(c),
                actual(c),
                crate::report::num(c.limit),
                c.result.as_str().to_string(),
                c.note.clone(),
            ]
        })
        .collect();
    let header = ["threshold", "actual", "limit", "result", "note"].map(String::from);
    let mut widths = [0usize; 4];
    for r in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    if !rows.is_empty() {
        for r in std::iter::once(&header).chain(rows.iter()) {
            let line = format!(
                "{:<w0$}  {:>w1$}  {:>w2$}  {:<w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            );
            s.push_str(line.trim_end());
            s.push('\n');
        }
    }
    let failed = outcome
        .checks
        .iter()
        .filter(|c| c.result == CheckResult::Failed)
        .count();
    let _ = if outcome.checks.is_empty() {
        writeln!(s, "gate passed: no threshold given")
    } else if outcome.passed {
        writeln!(s, "gate passed: {} check(s)", outcome.checks.len())
    } else {
        writeln!(
            s,
            "gate FAILED: {failed} of {} check(s) failed",
            outcome.checks.len()
        )
    };
    s
}

/// The outcome as pretty JSON (`{"passed": bool, "checks": [...]}`), newline-terminated.
pub fn json(outcome: &Outcome) -> String {
    // Serialising plain structs of strings and numbers cannot fail; fall back defensively.
    let mut s =
        serde_json::to_string_pretty(outcome).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
