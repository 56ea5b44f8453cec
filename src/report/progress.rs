//! The progress bar on stderr as a sink: one tick per finished case (replayed or resumed),
//! cleared when the run finishes. Hidden unless stderr is a terminal.

use super::event::Event;
use super::sink::{Sink, SinkError};

/// The progress bar.
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar on stderr, drawn only when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Progress {
        let bar = if wanted && console::Term::stderr().is_term() {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cases ({per_sec}, ETA {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Progress { bar }
    }
}

impl Sink for Progress {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::RunStarted { cases, .. } => self.bar.set_length(*cases),
            Event::CaseFinished(_) => self.bar.inc(1),
            Event::RunFinished { .. } => self.bar.finish_and_clear(),
            _ => {}
        }
        Ok(())
    }
}
