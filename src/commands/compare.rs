//! `reprise compare BASE_DIR CAND_DIR`: comparison.csv, the summary.md section, report.html,
//! pr-comment.md and the terminal table, from two report folders.

use std::path::PathBuf;

use crate::compare::{page, write, Comparison, ReportDir, Scope};
use crate::error::InputError;
use crate::report::{journal, pr_comment};
use crate::{Error, ExitStatus};

/// What `reprise compare` was asked.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The baseline report folder.
    pub baseline: PathBuf,
    /// The candidate report folder.
    pub candidate: PathBuf,
    /// Where the files go (default: the candidate folder).
    pub out: Option<PathBuf>,
    /// `--history FILE`: report.html draws its trend.
    pub history: Option<PathBuf>,
}

/// Runs `compare`: exit 0 when written, 2 when a report folder is missing or malformed (or
/// its report.html cannot be read back: then everything is written without its transcripts).
pub fn run(args: CompareOptions) -> Result<ExitStatus, Error> {
    let base = ReportDir::read(&args.baseline).map_err(InputError::from)?;
    let cand = ReportDir::read(&args.candidate).map_err(InputError::from)?;
    let cmp = Comparison::new(&base, &cand, &Scope::All);

    let out_dir = args.out.unwrap_or_else(|| args.candidate.clone());
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::io(&out_dir, e))?;
    let csv_path = out_dir.join("comparison.csv");
    let file = std::fs::File::create(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
    write::write_csv(&cmp, std::io::BufWriter::new(file))
        .map_err(|e| Error::io(&csv_path, std::io::Error::other(e)))?;
    let md_path = out_dir.join("summary.md");
    let section = write::markdown(&cmp, &args.baseline, &args.candidate);
    write::update_summary_md(&md_path, &section).map_err(|e| Error::io(&md_path, e))?;
    // The job summary gets the section too, under the PR comment's cap.
    pr_comment::append_step_summary(&format!("\n{section}"))
        .map_err(|e| Error::io(e.path, e.source))?;

    let io_err = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |e| Error::io(&path, e)
    };
    let history = crate::report::history::load(args.history.as_deref())?;
    let mut base_side = page::Side::read(&args.baseline, &base)
        .map_err(io_err(&args.baseline.join(journal::FILE)))?;
    let mut cand_side = page::Side::read(&args.candidate, &cand)
        .map_err(io_err(&args.candidate.join(journal::FILE)))?;
    // A page that cannot be read back only costs the flipped cases' passing transcripts.
    let mut status = ExitStatus::Success;
    for side in [&mut base_side, &mut cand_side] {
        if let Err(e) = side.read_texts(&cmp) {
            eprintln!("error: {e}; its transcripts are left out of the comparison's page");
            status = ExitStatus::Input;
        }
    }
    let html_path = out_dir.join("report.html");
    page::write_html(&cmp, &base_side, &cand_side, &out_dir, &cmp.paths, history)
        .map_err(io_err(&html_path))?;
    let comment_path = out_dir.join(pr_comment::FILE);
    std::fs::write(&comment_path, page::comment(&cmp, &base_side, &cand_side))
        .map_err(io_err(&comment_path))?;

    print!("{}", write::terminal(&cmp));
    eprintln!(
        "wrote {}, {}, {} and {}",
        csv_path.display(),
        md_path.display(),
        html_path.display(),
        comment_path.display()
    );
    Ok(status)
}
