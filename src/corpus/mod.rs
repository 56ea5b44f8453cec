//! A corpus: every run found under some paths, loaded in parallel, evaluation runs linked to
//! the runs they evaluated; held whole ([`Corpus`]) or as an index that reads runs back from
//! their files when they are needed ([`Index`]).

mod index;
mod link;
pub(crate) mod load;
mod select;
mod spill;

pub use index::{Entry, Index};
pub use link::Warning;
pub use load::{find_files, nothing_found, Corpus, LoadOptions};
pub use select::{Filter, Shard};
