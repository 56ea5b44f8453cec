//! `reprise impact PATH... --candidate FILE`: re-walk every recorded case of a workflow on a
//! candidate config; `impact.csv`, `summary.md`, `config-diff.md` and a terminal summary.

use std::io::Write;
use std::path::PathBuf;

use crate::corpus::{Corpus, LoadOptions};
use crate::error::{InputError, UsageError};
use crate::impact::graph::Graph;
use crate::impact::report::{self, Counts};
use crate::impact::{classify, config, Impact};
use crate::{Error, ExitStatus};

/// A class of case that makes `impact` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any case that diverges.
    Diverges,
    /// Any case that diverges or is undetermined.
    Undetermined,
}

/// What `reprise impact` was asked.
#[derive(Debug, Clone)]
pub struct ImpactOptions {
    /// Files or folders of recorded runs.
    pub paths: Vec<PathBuf>,
    /// The candidate config (or a run document carrying it).
    pub candidate: PathBuf,
    /// The workflow whose cases to re-walk (default: the one the candidate names).
    pub workflow: Option<String>,
    /// Output folder.
    pub out: PathBuf,
    /// Which cases make the command exit 1.
    pub fail_on: Option<FailOn>,
}

/// Runs `impact`.
pub fn run(args: &ImpactOptions) -> Result<ExitStatus, Error> {
    let candidate =
        config::read_candidate(&args.candidate).map_err(|e| InputError::Candidate(Box::new(e)))?;
    let cand = Graph::new(candidate);
    let workflow = match args.workflow.clone().or_else(|| cand.workflow_id()) {
        Some(w) => w,
        None => {
            return Err(UsageError::ImpactNoWorkflow {
                candidate: args.candidate.clone(),
            }
            .into())
        }
    };
    let corpus = Corpus::load(
        &args.paths,
        &LoadOptions {
            format: None,
            keep_raw: false,
            digest: false,
            ..LoadOptions::default()
        },
    );
    let mut stderr = std::io::stderr().lock();
    for p in &corpus.problems {
        let _ = writeln!(stderr, "error: {p}");
    }
    let classified = classify(&corpus.runs, &cand, &workflow);
    if classified.rows.is_empty() {
        return Err(UsageError::ImpactNoCase {
            workflow,
            guessed: args.workflow.is_none(),
        }
        .into());
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let counts = Counts::of(&classified);
    let cand_name = args.candidate.display().to_string();
    report::write_csv(&args.out.join("impact.csv"), &classified)?;
    report::write_text(
        &args.out.join("config-diff.md"),
        &report::config_diff_md(&classified, &cand_name),
    )?;
    report::write_text(
        &args.out.join("summary.md"),
        &report::summary_md(&classified, &counts, &workflow, &cand_name),
    )?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(report::terminal(&classified, &counts).as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    let failing = match args.fail_on {
        None => false,
        Some(FailOn::Diverges) => counts.get(Impact::Diverges) > 0,
        Some(FailOn::Undetermined) => {
            counts.get(Impact::Diverges) + counts.get(Impact::Undetermined) > 0
        }
    };
    let mut status = if failing {
        ExitStatus::Regression
    } else {
        ExitStatus::Success
    };
    if !corpus.problems.is_empty() {
        status = status.worst(ExitStatus::Input);
    }
    // As in `validate`: the process ends right after; the memory goes back with it.
    std::mem::forget(corpus);
    Ok(status)
}
