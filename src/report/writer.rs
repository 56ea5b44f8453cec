//! The [`ReportWriter`] trait every report file implements: data in (rows, [`Stats`],
//! [`RunMeta`]), one file out. Below the writers and the folder that registers them.

use std::io;

use super::{CaseRow, RunMeta, Stats};

/// One output file.
pub trait ReportWriter {
    /// Called once per case, in run id order.
    fn row(&mut self, row: &CaseRow) -> io::Result<()>;
    /// Called once at the end.
    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()>;
}
