//! `junit.xml`: a testcase per case. Failures and errors name their reasons; unevaluated
//! cases are skipped. Testcases stream to a side file; the suite header (which needs the
//! counts) is written at the end.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{CaseRow, ReportWriter, RunMeta, Stats, Verdict};

/// Writes `junit.xml`.
pub struct Junit {
    path: PathBuf,
    body_path: PathBuf,
    body: Option<BufWriter<File>>,
}

impl Junit {
    /// Starts `dir/junit.xml`.
    pub fn create(dir: &Path) -> io::Result<Junit> {
        let body_path = dir.join(".junit.body.tmp");
        let body = BufWriter::new(File::create(&body_path)?);
        Ok(Junit {
            path: dir.join("junit.xml"),
            body_path,
            body: Some(body),
        })
    }
}

/// Escapes text for XML attributes and text nodes; drops characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

impl ReportWriter for Junit {
    fn row(&mut self, r: &CaseRow) -> io::Result<()> {
        let Some(out) = self.body.as_mut() else {
            return Ok(());
        };
        let class = format!("{}.{}", r.system, r.workflow_id);
        let time = r.latency_ms_total / 1000.0;
        write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{time:.3}\">",
            escape(&r.run_id),
            escape(&class)
        )?;
        let reasons = if r.reasons.is_empty() {
            r.error.clone().unwrap_or_default()
        } else {
            r.reasons.join("\n")
        };
        let first = r
            .reasons
            .first()
            .cloned()
            .or_else(|| r.error.clone())
            .unwrap_or_default();
        match r.verdict {
            Verdict::Pass => {}
            Verdict::Fail => write!(
                out,
                "<failure message=\"{}\" type=\"fail\">{}</failure>",
                escape(&first),
                escape(&reasons)
            )?,
            Verdict::Error => write!(
                out,
                "<error message=\"{}\" type=\"error\">{}</error>",
                escape(&first),
                escape(&reasons)
            )?,
            Verdict::None => write!(out, "<skipped message=\"not evaluated\"/>")?,
        }
        writeln!(out, "</testcase>")
    }

    fn finish(&mut self, stats: &Stats, _: &RunMeta) -> io::Result<()> {
        if let Some(mut body) = self.body.take() {
            body.flush()?;
        }
        let mut out = BufWriter::new(File::create(&self.path)?);
        let a = &stats.all;
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"reprise\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            a.runs, a.failed, a.errored, a.unevaluated
        )?;
        writeln!(
            out,
            "  <testsuite name=\"reprise\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            a.runs, a.failed, a.errored, a.unevaluated
        )?;
        io::copy(&mut File::open(&self.body_path)?, &mut out)?;
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")?;
        out.flush()?;
        std::fs::remove_file(&self.body_path)
    }
}
