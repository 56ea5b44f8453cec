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
///
/// Held as one text and the places the pairs end in it: a document has a dozen pairs or so,
/// and a run is made (at load) and read back (in the replay) with two allocations, not two a
/// pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundValues {
    /// Every name and text, one after the other.
    text: String,
    /// Where each pair's name ends in `text`, then where its text ends.
    ends: Vec<(usize, usize)>,
}

impl FoundValues {
    /// Adds one pair after the others.
    pub fn push(&mut self, name: &str, text: &str) {
        self.text.push_str(name);
        let name_end = self.text.len();
        self.text.push_str(text);
        self.ends.push((name_end, self.text.len()));
    }

    /// The pairs, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(name_end, end)| {
            let pair = (&self.text[start..name_end], &self.text[name_end..end]);
            start = end;
            pair
        })
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Room for `pairs` pairs (the binary form's decoding knows how many).
    pub(crate) fn with_capacity(pairs: usize) -> FoundValues {
        FoundValues {
            text: String::new(),
            ends: Vec::with_capacity(pairs),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_back_in_order_as_pushed() {
        let pairs = [
            ("patient_name", "Ada Lovelace"),
            ("", ""),
            ("Phone", "555 0100"),
            ("name\u{e9}", "\u{4e2d}\u{1f600}"),
            ("patient_name", "Ada Lovelace"),
        ];
        let found: FoundValues = pairs.iter().copied().collect();
        assert_eq!(found.len(), pairs.len());
        assert!(found.iter().eq(pairs.iter().copied()));
        // The same texts split otherwise are other values.
        let other: FoundValues = [("patient_nam", "eAda Lovelace")].into_iter().collect();
        let first: FoundValues = [pairs[0]].into_iter().collect();
        assert_ne!(other, first);
        assert!(FoundValues::default().is_empty());
    }
}
