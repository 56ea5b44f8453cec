//! `reprise history append DIR --to FILE` and `reprise history show FILE`.

use std::path::Path;

use crate::report::history::{self, Entry};
use crate::{Error, ExitStatus};

/// Appends one JSON line with the figures of the report folder `dir` to `to`: exit 0, or 2 for
/// a bad report folder.
pub fn append(dir: &Path, to: &Path) -> Result<ExitStatus, Error> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let entry = Entry::of_report(dir, now)?;
    history::append(to, &entry)?;
    eprintln!("appended {} to {}", dir.display(), to.display());
    Ok(ExitStatus::Success)
}

/// Prints the trend of the history file `file`: exit 0, or 2 when some lines are no entries
/// (each named on stderr).
pub fn show(file: &Path) -> Result<ExitStatus, Error> {
    let (entries, bad) = history::read(file)?;
    print!("{}", history::table(&entries));
    for b in &bad {
        eprintln!("error: {b}: not a history entry, skipped");
    }
    Ok(if bad.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Input
    })
}
