//! The cases a run replays: positions in a corpus [`Index`], in run-id order. A case's run is
//! read back from its file when its turn comes and dropped when it is done, so a run holds in
//! memory only the cases in flight.

use std::sync::Arc;

use crate::corpus::{Entry, Index};
use crate::formats::Problem;
use crate::model::Run;

/// The cases of a run, in run-id order. See the module documentation.
#[derive(Debug, Clone)]
pub struct Cases {
    index: Arc<Index>,
    positions: Vec<usize>,
}

impl Cases {
    /// The runs at `positions` (ascending) of `index`.
    pub fn new(index: Arc<Index>, positions: Vec<usize>) -> Cases {
        Cases { index, positions }
    }

    /// Runs already loaded, each a case (sorted by run id; the first copy of an id wins).
    pub fn from_runs(runs: Vec<Arc<Run>>) -> Cases {
        let index = Index::from_runs(runs);
        let positions = (0..index.len()).collect();
        Cases::new(Arc::new(index), positions)
    }

    /// How many cases.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when there is no case.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// What the index keeps of the `k`-th case.
    pub fn entry(&self, k: usize) -> &Entry {
        &self.index.entries()[self.positions[k]]
    }

    /// The entries of the cases, in order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.positions.iter().map(|&i| &self.index.entries()[i])
    }

    /// The `k`-th case's run (read back from its file when the index does not hold it).
    pub fn run(&self, k: usize) -> Result<Arc<Run>, Problem> {
        self.index.run(self.positions[k])
    }
}

impl From<Vec<Arc<Run>>> for Cases {
    fn from(runs: Vec<Arc<Run>>) -> Cases {
        Cases::from_runs(runs)
    }
}
