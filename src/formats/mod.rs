//! Reading documents: the file containers (JSON, arrays, JSONL), the one lenient parse every
//! vendor's adapter shares, and the [`Adapter`] trait a vendor's format half implements.
//! The adapters themselves live with their vendors (`crate::vendors`).

mod adapter;
pub(crate) mod container;
pub(crate) mod doc;
pub(crate) mod lenient;
mod numbers;
pub(crate) mod parse;
mod problem;

pub use adapter::{Adapter, Adapters, Detected, Document, NormalizeError};
pub use container::{read_bytes, read_file, FileOutcome};
pub use problem::Problem;
pub(crate) use problem::{located, pointer_of};
