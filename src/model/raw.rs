//! The raw document a run was loaded from, kept as bytes (never as a `Value` tree).

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a run came from: the file, and the line (JSONL) or array index inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file the run was read from.
    pub path: Arc<Path>,
    /// 1-based line of a JSONL file.
    pub line: Option<usize>,
    /// 0-based index inside a top-level JSON array.
    pub index: Option<usize>,
}

impl Origin {
    /// An origin for a whole file.
    pub fn file(path: impl Into<PathBuf>) -> Origin {
        Origin {
            path: Arc::from(path.into()),
            line: None,
            index: None,
        }
    }
}

impl Origin {
    /// No place yet: what an adapter gives a run before the loader says where it was read.
    pub fn unknown() -> Origin {
        Origin::file(PathBuf::new())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        Ok(())
    }
}

/// The exact bytes of one run document.
///
/// Runs of one file share its buffer; a run costs a range, not a copy. A corpus too large to
/// hold (a 100,000-run recording set) keeps only the file and the range and reads on demand.
#[derive(Debug, Clone)]
pub enum RawDoc {
    /// The bytes are held in memory, shared by every run of the file.
    Memory { buf: Arc<[u8]>, range: Range<usize> },
    /// Only the place is held; the bytes are read from disk when asked for.
    Disk {
        path: Arc<Path>,
        range: Range<usize>,
    },
}

impl RawDoc {
    /// No bytes: what an adapter gives a run before the loader sets its document.
    pub fn empty() -> RawDoc {
        RawDoc::Memory {
            buf: Arc::from(&[][..]),
            range: 0..0,
        }
    }

    /// The document's bytes, exactly as they were in the file.
    pub fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        match self {
            RawDoc::Memory { buf, range } => Ok(Cow::Borrowed(&buf[range.clone()])),
            RawDoc::Disk { path, range } => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = std::fs::File::open(path)?;
                file.seek(SeekFrom::Start(range.start as u64))?;
                let mut out = vec![0; range.len()];
                file.read_exact(&mut out)?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// Where the document lies in its file (or buffer).
    pub fn range(&self) -> Range<usize> {
        match self {
            RawDoc::Memory { range, .. } | RawDoc::Disk { range, .. } => range.clone(),
        }
    }

    /// The document's length in bytes.
    pub fn len(&self) -> usize {
        match self {
            RawDoc::Memory { range, .. } | RawDoc::Disk { range, .. } => range.len(),
        }
    }

    /// True for an empty document (never produced by the loader).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the bytes, keeping where to find them again.
    pub fn to_disk(&self, path: &Arc<Path>) -> RawDoc {
        match self {
            RawDoc::Memory { range, .. } | RawDoc::Disk { range, .. } => RawDoc::Disk {
                path: path.clone(),
                range: range.clone(),
            },
        }
    }
}
