//! The summary table printed on the terminal at the end of a run: [`render`], and the
//! [`Terminal`] sink that aggregates the rows it is fed (in run-id order, behind
//! [`Ordered`](super::Ordered)) and prints the table when the run finishes.

use std::fmt::Write as _;

use super::cells::num;
use super::event::Event;
use super::sink::{Sink, SinkError};
use super::Stats;

/// Prints the summary table to `out` at the end of a run.
pub struct Terminal<W> {
    stats: Stats,
    out: W,
}

impl<W: std::io::Write + Send> Terminal<W> {
    /// A summary printed to `out`.
    pub fn new(out: W) -> Terminal<W> {
        Terminal {
            stats: Stats::default(),
            out,
        }
    }
}

impl<W: std::io::Write + Send> Sink for Terminal<W> {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::CaseFinished(done) => self.stats.add(&done.row),
            // A closed stdout (`| head`) must not turn a finished run into a failure: the
            // reports hold the same figures.
            Event::RunFinished { .. } => {
                let _ = write!(self.out, "{}", render(&self.stats));
                let _ = self.out.flush();
            }
            _ => {}
        }
        Ok(())
    }
}

/// The terminal summary.
pub fn render(stats: &Stats) -> String {
    let a = &stats.all;
    let mut s = String::new();
    let rate = match (a.pass_rate(), a.pass_rate_interval()) {
        (Some(r), Some((lo, hi))) => format!(
            "{:.1} %  (95 % CI {:.1}–{:.1} %)",
            r * 100.0,
            lo * 100.0,
            hi * 100.0
        ),
        _ => "n/a (nothing passed or failed)".to_owned(),
    };
    let _ = writeln!(s, "cases        {}", a.runs);
    let _ = writeln!(
        s,
        "verdicts     pass {}  fail {}  error {}  none {}",
        a.passed, a.failed, a.errored, a.unevaluated
    );
    let _ = writeln!(s, "pass rate    {rate}");
    let _ = writeln!(
        s,
        "tokens       {} (mean {}, p95 {}), evaluator {}",
        a.total_tokens,
        num(stats.mean_tokens()),
        num(stats.tokens.quantile(0.95)),
        stats.eval_tokens
    );
    let _ = writeln!(s, "credits      {}", num(stats.total_credits));
    let _ = writeln!(
        s,
        "LLM latency  p50 {} ms, p95 {} ms",
        num(stats.latency.quantile(0.5)),
        num(stats.latency.quantile(0.95))
    );
    if !stats.models.is_empty() {
        let _ = writeln!(
            s,
            "\n{:<12} {:<28} {:>6} {:>10} {:>10}",
            "provider", "model", "calls", "tokens", "p95 ms"
        );
        for ((p, m), st) in &stats.models {
            let _ = writeln!(
                s,
                "{:<12} {:<28} {:>6} {:>10} {:>10}",
                p,
                m,
                st.counts.calls,
                st.counts.total_tokens,
                num(st.latency.quantile(0.95))
            );
        }
    }
    for (id, v, why) in stats.problems.iter().take(20) {
        let _ = writeln!(s, "{:<5} {id}: {why}", v.as_str());
    }
    if stats.problems.len() > 20 || stats.problems_unlisted > 0 {
        let more = stats.problems.len().saturating_sub(20) as u64 + stats.problems_unlisted;
        let _ = writeln!(
            s,
            "… and {more} more failing or erroring cases (summary.md)"
        );
    }
    s
}
