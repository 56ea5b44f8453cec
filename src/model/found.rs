//! The values redaction learns from a run's raw document, found while the loader had the
//! document's bytes in hand ([`FoundValues`]), and the scan that finds them ([`DocScan`]).
//!
//! The snapshot stage learns every PII-named value of a case's whole recording before it
//! renders the case, so that a value is hidden even where it appears before what names it.
//! Scanning at load, on bytes already read, spares the replay reading every document back.
//! The model only carries the result: the scan itself is the redactor's, handed to the loader
//! as a [`DocScan`] value, so that the corpus layer does not depend on redaction.

/// The `(name, text)` pairs a [`DocScan`] found in one document: each PII key as spelled and
/// its string value, in document order (the order a session learns them in, so placeholders
/// are numbered as a scan of the document would number them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundValues {
    pairs: Vec<(Box<str>, Box<str>)>,
}

impl FoundValues {
    /// Adds one pair after the others.
    pub fn push(&mut self, name: &str, text: &str) {
        self.pairs.push((name.into(), text.into()));
    }

    /// The pairs, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, t)| (&**n, &**t))
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, owned (the binary form's encoding).
    pub(crate) fn pairs(&self) -> &[(Box<str>, Box<str>)] {
        &self.pairs
    }

    /// The values of `pairs`, as found.
    pub(crate) fn from_pairs(pairs: Vec<(Box<str>, Box<str>)>) -> FoundValues {
        FoundValues { pairs }
    }
}

impl<N: AsRef<str>, T: AsRef<str>> FromIterator<(N, T)> for FoundValues {
    fn from_iter<I: IntoIterator<Item = (N, T)>>(iter: I) -> Self {
        let mut found = FoundValues::default();
        for (name, text) in iter {
            found.push(name.as_ref(), text.as_ref());
        }
        found
    }
}

/// A scan of a raw document for the values redaction learns: the pipeline hands its redactor
/// to the loader as one ([`crate::corpus::LoadOptions::scan`]).
pub trait DocScan: Send + Sync + std::fmt::Debug {
    /// What the scan finds in `doc`; `None` when this scanner learns nothing from documents
    /// (PII redaction is off), so that nothing is scanned and nothing is kept.
    fn scan(&self, doc: &[u8]) -> Option<FoundValues>;
}
