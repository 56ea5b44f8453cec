//! `reprise validate PATH...`: load only; a summary (text or JSON) and one line per problem.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::corpus::{Index, LoadOptions};
use crate::model::Format;
use crate::{Error, ExitStatus};

/// What `reprise validate` was asked.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Files or folders of recorded runs.
    pub paths: Vec<PathBuf>,
    /// Read every document as this format instead of detecting it.
    pub format: Option<Format>,
    /// Print the result as JSON.
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    files: usize,
    bytes: u64,
    runs: usize,
    by_system: Vec<(&'static str, usize)>,
    cases: usize,
    evaluation_runs: usize,
    linked: usize,
    dangling: usize,
    errors: usize,
    warnings: &'a [crate::corpus::Warning],
    problems: Vec<String>,
}

/// Runs `validate`: exit 2 when any file, document or line is bad, or no run is found.
pub fn run(args: &ValidateOptions) -> Result<ExitStatus, Error> {
    // The index, not the runs: validating a million documents takes an entry's memory each.
    let corpus = Index::load(
        &args.paths,
        &LoadOptions {
            format: args.format,
            keep_raw: false,
            digest: false,
            ..LoadOptions::default()
        },
    );
    let mut problems: Vec<String> = corpus.problems.iter().map(ToString::to_string).collect();
    if corpus.is_empty() {
        // A corpus of nothing is no green result.
        problems.push(crate::corpus::nothing_found("runs", &args.paths));
    }
    let report = Report {
        files: corpus.files,
        bytes: corpus.bytes,
        runs: corpus.len(),
        by_system: corpus
            .count_by_system()
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect(),
        cases: corpus.cases().count(),
        evaluation_runs: corpus.len() - corpus.cases().count(),
        linked: corpus.linked_evaluations(),
        dangling: corpus.dangling_evaluations(),
        errors: problems.len(),
        warnings: &corpus.warnings,
        problems,
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
    } else {
        print_text(&mut out, &report)
    };
    written.map_err(|e| Error::io("<stdout>", e))?;
    let status = if report.errors > 0 {
        ExitStatus::Input
    } else {
        ExitStatus::Success
    };
    drop(report);
    // As in `run`: the process ends right after, and freeing every entry one by one would only
    // add to the wall time, so the memory goes back with the process.
    std::mem::forget(corpus);
    Ok(status)
}

fn print_text(out: &mut impl Write, r: &Report<'_>) -> std::io::Result<()> {
    let systems: Vec<String> = r
        .by_system
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    writeln!(out, "files              {}", r.files)?;
    writeln!(
        out,
        "runs               {} ({})",
        r.runs,
        systems.join(", ")
    )?;
    writeln!(out, "cases              {}", r.cases)?;
    writeln!(
        out,
        "evaluation runs    {} (linked {}, dangling {})",
        r.evaluation_runs, r.linked, r.dangling
    )?;
    writeln!(out, "warnings           {}", r.warnings.len())?;
    writeln!(out, "errors             {}", r.errors)?;
    for w in r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for p in &r.problems {
        writeln!(out, "error: {p}")?;
    }
    Ok(())
}
