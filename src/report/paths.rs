//! `paths.jsonl`: each case's node path per turn, one line per case in run id order:
//! `{"run_id": …, "turns": [["Greeting", "Collect reason"], …]}` (node names). `reprise
//! compare` reads it to say where a new version first departs from the baseline's path.
//!
//! The rows carry the paths ([`super::node_path`] computes them); runs with no node at all
//! (Noxus, Cortex, cases that errored before a reply) get no line.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// The file name.
pub const FILE: &str = "paths.jsonl";

/// One line of `paths.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The case.
    pub run_id: String,
    /// Node names per turn.
    pub turns: Vec<Vec<String>>,
}

/// Writes `paths.jsonl` from the rows' paths.
pub struct PathsJsonl {
    out: BufWriter<File>,
}

impl PathsJsonl {
    /// Creates `dir/paths.jsonl`.
    pub fn create(dir: &Path) -> io::Result<PathsJsonl> {
        Ok(PathsJsonl {
            out: BufWriter::new(File::create(dir.join(FILE))?),
        })
    }
}

impl ReportWriter for PathsJsonl {
    fn row(&mut self, row: &CaseRow) -> io::Result<()> {
        if row.paths.is_empty() {
            return Ok(());
        }
        #[derive(Serialize)]
        struct Borrowed<'a> {
            run_id: &'a str,
            turns: &'a [Vec<String>],
        }
        let line = Borrowed {
            run_id: &row.run_id,
            turns: &row.paths,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, _: &Stats, _: &RunMeta) -> io::Result<()> {
        self.out.flush()
    }
}
