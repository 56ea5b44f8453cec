//! A corpus: every run found under some paths, loaded in parallel, evaluation runs linked to
//! the runs they evaluated.

mod link;
pub(crate) mod load;
mod select;

pub use link::Warning;
pub use load::{find_files, nothing_found, Corpus, LoadOptions};
pub use select::{Filter, Shard};
