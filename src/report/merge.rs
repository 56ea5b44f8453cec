//! `reprise report merge`: one report from the journals of several report folders (shards).

use std::path::{Path, PathBuf};

use super::{journal, CaseRow, Report, RunMeta, SinkError, Stats};

/// Merges the journals of `dirs` into a report in `out`. A case found in several journals
/// counts once (the later folder wins). Returns the aggregate and the number of unreadable
/// journal lines.
pub fn merge(dirs: &[PathBuf], out: &Path, meta: &RunMeta) -> Result<(Stats, usize), SinkError> {
    let mut all = std::collections::HashMap::new();
    let mut bad = 0;
    for dir in dirs {
        let (rows, b) = journal::read(dir).map_err(|source| SinkError {
            path: dir.join(journal::FILE),
            source,
        })?;
        bad += b;
        all.extend(rows);
    }
    let mut rows: Vec<CaseRow> = all.into_values().collect();
    rows.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let mut report = Report::create(out, meta.clone())?;
    let refs: Vec<&CaseRow> = rows.iter().collect();
    // The merged folder gets the merged journal too, so it can be merged or resumed again.
    journal::Journal::open(out, &refs)?;
    for row in &rows {
        report.add(row)?;
    }
    report.finish()?;
    Ok((report.into_stats(), bad))
}
