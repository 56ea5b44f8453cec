//! Sinks: the consumers of a run's [`Event`]s. A sink never reaches back into the replay;
//! a sink that cannot write says which file ([`SinkError`]) and the run stops with exit 3.
//!
//! [`Ordered`] is the reorder adapter: events come in finish order, and it feeds the sinks
//! behind it the finished cases in run-id order, so what they write does not depend on
//! `--jobs`. The replay bounds how many rows can wait in it (its reorder window).

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::event::{CaseFinished, Event};

/// A consumer of a run's events.
pub trait Sink: Send {
    /// Takes one event. An error stops the run.
    fn event(&mut self, event: &Event) -> Result<(), SinkError>;
}

/// A file a sink writes could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct SinkError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

/// Feeds the sinks behind it [`Event::CaseFinished`] in run-id order (by
/// [`CaseFinished::seq`]); every other event passes at once. At the end of an interrupted
/// run, rows after a gap (a case that never finished) are not fed: the reports cover the
/// contiguous cases, and the journal (in front of the adapter) keeps the rest for `--resume`.
pub struct Ordered<'a> {
    sinks: Vec<&'a mut dyn Sink>,
    next: usize,
    pending: BTreeMap<usize, Arc<CaseFinished>>,
}

impl<'a> Ordered<'a> {
    /// The adapter in front of `sinks` (fed in this order).
    pub fn new(sinks: Vec<&'a mut dyn Sink>) -> Ordered<'a> {
        Ordered {
            sinks,
            next: 0,
            pending: BTreeMap::new(),
        }
    }

    fn feed(&mut self, event: &Event) -> Result<(), SinkError> {
        self.sinks.iter_mut().try_for_each(|s| s.event(event))
    }
}

impl Sink for Ordered<'_> {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        let Event::CaseFinished(done) = event else {
            return self.feed(event);
        };
        self.pending.insert(done.seq, done.clone());
        while let Some(done) = self.pending.remove(&self.next) {
            self.next += 1;
            self.feed(&Event::CaseFinished(done))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::event::Origin;
    use crate::report::CaseRow;

    /// Records the run ids of the rows it is fed, and the other events by name.
    #[derive(Default)]
    struct Seen(Vec<String>);

    impl Sink for Seen {
        fn event(&mut self, event: &Event) -> Result<(), SinkError> {
            self.0.push(match event {
                Event::CaseFinished(d) => d.row.run_id.clone(),
                Event::RunStarted { .. } => "<start>".into(),
                Event::RunFinished { .. } => "<end>".into(),
                _ => "<other>".into(),
            });
            Ok(())
        }
    }

    fn finished(seq: usize) -> Event {
        Event::CaseFinished(Arc::new(CaseFinished {
            seq,
            origin: Origin::Replayed,
            row: CaseRow::new(&format!("case-{seq}"), "noxus", "wf"),
            snapshot_errors: Vec::new(),
            comment_failed: false,
        }))
    }

    #[test]
    fn rows_reach_the_sinks_in_run_id_order_whatever_the_finish_order() {
        let (mut a, mut b) = (Seen::default(), Seen::default());
        {
            let mut ordered = Ordered::new(vec![&mut a, &mut b]);
            let start = Event::RunStarted {
                cases: 5,
                resumed: 0,
            };
            ordered.event(&start).unwrap();
            for seq in [2, 0, 4, 1, 3] {
                ordered.event(&finished(seq)).unwrap();
            }
        }
        let want = ["<start>", "case-0", "case-1", "case-2", "case-3", "case-4"];
        assert_eq!(a.0, want);
        assert_eq!(b.0, want);
    }

    #[test]
    fn rows_after_a_gap_are_held_back_and_the_end_passes() {
        let mut seen = Seen::default();
        {
            let mut ordered = Ordered::new(vec![&mut seen]);
            for seq in [1, 0, 3, 4] {
                ordered.event(&finished(seq)).unwrap();
            }
            let end = Event::RunFinished {
                interrupted: true,
                ended_at: String::new(),
            };
            ordered.event(&end).unwrap();
        }
        assert_eq!(seen.0, ["case-0", "case-1", "<end>"]);
    }

    #[test]
    fn a_failing_sink_stops_the_feed_with_its_path() {
        struct Full;
        impl Sink for Full {
            fn event(&mut self, _: &Event) -> Result<(), SinkError> {
                Err(SinkError {
                    path: PathBuf::from("out/runs.csv"),
                    source: io::Error::other("disk full"),
                })
            }
        }
        let (mut full, mut after) = (Full, Seen::default());
        let err = {
            let mut ordered = Ordered::new(vec![&mut full, &mut after]);
            ordered.event(&finished(0)).unwrap_err()
        };
        assert_eq!(err.path, PathBuf::from("out/runs.csv"));
        assert_eq!(err.to_string(), "out/runs.csv: disk full");
        assert!(after.0.is_empty(), "{:?}", after.0);
    }
}
