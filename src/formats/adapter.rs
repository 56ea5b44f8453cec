//! The format half of a vendor: detection and normalization behind [`Adapter`], and the list
//! of adapters ([`Adapters`]) the readers ask, in order.
//!
//! Every document is parsed once into the shared lenient reader ([`Document`]): the built-in
//! vendors read its fields, a plug-in may read the text itself.

use super::doc::Doc;
use super::Problem;
use crate::model::{Format, Run};

/// One document, parsed once, as every adapter sees it.
pub struct Document<'a> {
    text: &'a str,
    pub(crate) doc: Doc<'a>,
}

impl<'a> Document<'a> {
    pub(crate) fn new(text: &'a str, doc: Doc<'a>) -> Document<'a> {
        Document { text, doc }
    }

    /// The document's JSON text (one object), for adapters that read it their own way.
    pub fn text(&self) -> &'a str {
        self.text
    }
}

/// What an adapter recognised a document as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// How specific the fields that told it are: when several adapters claim a document the
    /// highest wins, ties go to the adapter listed first.
    pub specificity: u8,
}

impl Detected {
    /// `format`, when one was found, told with `specificity`.
    pub fn of(format: Option<Format>, specificity: u8) -> Option<Detected> {
        format.map(|format| Detected {
            format,
            specificity,
        })
    }
}

/// A document that parsed but does not make a run: where (a JSON pointer) and why.
#[derive(Debug)]
pub struct NormalizeError {
    pub(crate) pointer: String,
    pub(crate) message: String,
}

impl NormalizeError {
    /// The document does not make a run because of what is at `pointer`.
    pub fn new(pointer: &str, message: impl Into<String>) -> Self {
        NormalizeError {
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    /// The same error, for a document found under `prefix` of the one read.
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// Reads one vendor's documents.
pub trait Adapter: Send + Sync {
    /// The formats it reads (their names are what `--format` takes).
    fn formats(&self) -> &'static [Format];
    /// The format of `doc`, when it is one of this vendor's runs.
    fn detect(&self, doc: &Document<'_>) -> Option<Detected>;
    /// `doc` as a run of `format` (one of [`Adapter::formats`]). The loader sets the run's
    /// `raw` and `origin` (and the usage notes of the lenient readers) afterwards.
    fn normalize(&self, doc: Document<'_>, format: Format) -> Result<Run, NormalizeError>;
}

/// The adapters the readers ask, in order.
#[derive(Clone)]
pub struct Adapters(Vec<&'static dyn Adapter>);

impl Adapters {
    /// The adapters `list` in this order.
    pub fn new(list: Vec<&'static dyn Adapter>) -> Adapters {
        Adapters(list)
    }

    /// The systems of the adapters, in order.
    pub fn systems(&self) -> Vec<crate::model::System> {
        let mut out = Vec::new();
        for system in self.0.iter().flat_map(|a| a.formats()).map(|f| f.system()) {
            if !out.contains(&system) {
                out.push(system);
            }
        }
        out
    }

    /// `doc`'s format: the most specific detection, the first adapter's on a tie.
    fn detect(&self, doc: &Document<'_>) -> Option<(&'static dyn Adapter, Format)> {
        let mut best: Option<(&'static dyn Adapter, Detected)> = None;
        for &adapter in &self.0 {
            if let Some(d) = adapter.detect(doc) {
                if best.is_none_or(|(_, b)| d.specificity > b.specificity) {
                    best = Some((adapter, d));
                }
            }
        }
        best.map(|(a, d)| (a, d.format))
    }

    /// The adapter that reads `format`.
    fn reading(&self, format: Format) -> Option<&'static dyn Adapter> {
        self.0
            .iter()
            .copied()
            .find(|a| a.formats().contains(&format))
    }

    /// `doc` normalized by the adapter that detects it (or reads `forced`).
    pub(crate) fn normalize(
        &self,
        doc: Document<'_>,
        forced: Option<Format>,
    ) -> Result<Run, Problem> {
        let found = match forced {
            Some(f) => self.reading(f).map(|a| (a, f)),
            None => self.detect(&doc),
        };
        let Some((adapter, format)) = found else {
            return Err(Problem::at(
                "",
                "not a run of any known system (expected an Interactly run or envelope, a Noxus run or a Cortex run)",
            ));
        };
        adapter
            .normalize(doc, format)
            .map_err(|e| Problem::at(&e.pointer, e.message))
    }
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let formats: Vec<_> = self.0.iter().flat_map(|a| a.formats()).collect();
        f.debug_tuple("Adapters").field(&formats).finish()
    }
}
