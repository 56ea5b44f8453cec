//! Files: one document, a JSON array of documents, or JSONL (one document a line).
//!
//! A bad document never stops the rest of its file: each good array element and each good
//! JSONL line still loads. A UTF-8 byte-order mark at the start of a file or of a JSONL line is
//! skipped (the raw document starts after it). A `.jsonl` file that holds one pretty-printed
//! document (or array) instead of one document per line is read as that document, with one
//! warning; if it is no valid document either and no line loads, it is one error, not one per
//! line.

use rayon::prelude::*;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::parse::parse;
use super::problem::strip_position;
use super::{Adapters, Problem};
use crate::model::{Format, Origin, RawDoc, Run};

/// What one file gave: its good runs and its problems.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// Runs read, in file order.
    pub runs: Vec<Run>,
    /// Problems found, in file order.
    pub problems: Vec<Problem>,
    /// What is odd about the file as a whole but did not stop it loading.
    pub warnings: Vec<String>,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// Reads and normalizes every run in a file with `adapters` (or as `forced`).
///
/// `keep_raw` holds the file's bytes in memory for every run to share; without it a run keeps
/// only its byte range and re-reads the file when its raw document is asked for. `digest`
/// fills each run's [`Run::raw_sha256`] while the bytes are at hand.
pub fn read_file(
    path: &Path,
    adapters: &Adapters,
    forced: Option<Format>,
    keep_raw: bool,
    digest: bool,
) -> FileOutcome {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return FileOutcome {
                problems: vec![Problem::file(path, format!("cannot read the file: {e}"))],
                ..Default::default()
            }
        }
    };
    // Shared only when the runs keep it: making the buffer shareable copies it.
    let shared: Option<Arc<[u8]>> = keep_raw.then(|| Arc::from(bytes.as_slice()));
    let buf = shared.as_deref().unwrap_or(&bytes);
    let mut outcome = read_in(path, buf, shared.clone(), adapters, forced);
    if digest {
        for run in &mut outcome.runs {
            run.raw_sha256 = buf
                .get(run.raw.range())
                .map(|doc| Sha256::digest(doc).into());
        }
    }
    outcome
}

/// [`read_file`] over bytes already in memory.
pub fn read_bytes(
    path: &Path,
    buf: Arc<[u8]>,
    adapters: &Adapters,
    forced: Option<Format>,
    keep_raw: bool,
) -> FileOutcome {
    read_in(path, &buf, keep_raw.then(|| buf.clone()), adapters, forced)
}

/// Reads `buf`; runs share `shared` (the same bytes) when given, else keep file ranges.
fn read_in(
    path: &Path,
    buf: &[u8],
    shared: Option<Arc<[u8]>>,
    adapters: &Adapters,
    forced: Option<Format>,
) -> FileOutcome {
    let mut reader = Reader {
        path: Arc::from(path),
        buf,
        shared,
        adapters,
        forced,
        out: FileOutcome {
            bytes: buf.len() as u64,
            ..Default::default()
        },
    };
    reader.read();
    reader.out
}

struct Reader<'b> {
    path: Arc<Path>,
    buf: &'b [u8],
    /// The same bytes as `buf`, shared by the runs (`keep_raw`).
    shared: Option<Arc<[u8]>>,
    adapters: &'b Adapters,
    forced: Option<Format>,
    out: FileOutcome,
}

/// The UTF-8 byte-order mark some Windows tools write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The warning of a `.jsonl` file read as one document.
pub(crate) const ONE_DOCUMENT: &str =
    "this .jsonl file holds one multi-line JSON document, not one document per line; read as one document";

impl Reader<'_> {
    fn read(&mut self) {
        let buf = self.buf;
        let bom = if buf.starts_with(BOM) { BOM.len() } else { 0 };
        let Some(first) = buf[bom..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|i| bom + i)
        else {
            self.problem(Problem::at("", "empty file: no JSON document"));
            return;
        };
        let ext = self.path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson") {
            return self.read_jsonl(bom, first);
        }
        self.read_whole(bom, first)
    }

    /// The file (after its byte-order mark, `bom` bytes) as one document or array; several
    /// documents one after another as JSONL. `first`: the first byte that is no whitespace.
    fn read_whole(&mut self, bom: usize, first: usize) {
        let buf = self.buf;
        let text = match std::str::from_utf8(&buf[bom..]) {
            Ok(t) => t,
            Err(e) => {
                let at = bom + e.valid_up_to();
                let mut p = Problem::at("", format!("invalid UTF-8 at byte {at}"));
                p.line = Some(line_of(buf, at));
                self.problem(p);
                return;
            }
        };
        if buf[first] == b'[' {
            return self.read_array(text);
        }
        match parse(text, self.forced, self.adapters) {
            Ok(n) => self.push(n, bom..buf.len(), None, None),
            // Several documents one after another: JSONL in a `.json` file.
            Err(p) if p.message.starts_with("trailing characters") => self.read_lines(),
            Err(p) => self.problem(p),
        }
    }

    /// A `.jsonl` file: one document per line, unless its first line is the start of a value
    /// that goes on over the next lines (a pretty-printed document).
    fn read_jsonl(&mut self, bom: usize, first: usize) {
        let buf = self.buf;
        let line_end = memchr::memchr(b'\n', &buf[first..]).map_or(buf.len(), |i| first + i);
        // A line ending in `}` or `]` is taken as whole without parsing it twice (good JSONL
        // pays nothing); a pretty printer breaks the first line after `{` or `[`.
        let last = buf[first..line_end]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map(|i| buf[first + i]);
        let unfinished = !matches!(last, Some(b'}' | b']'))
            && matches!(
                serde_json::from_slice::<IgnoredAny>(&buf[first..line_end]),
                Err(e) if e.is_eof()
            );
        if !unfinished {
            return self.read_lines();
        }
        // Only odd files pay for this second pass.
        match serde_json::from_slice::<IgnoredAny>(&buf[bom..]) {
            Ok(_) => {
                self.out.warnings.push(ONE_DOCUMENT.to_owned());
                self.read_whole(bom, first);
            }
            Err(whole) => {
                let (runs, problems) = (self.out.runs.len(), self.out.problems.len());
                self.read_lines();
                if self.out.runs.len() == runs {
                    // Not a line loaded: one error for the file, not one per line.
                    self.out.problems.truncate(problems);
                    let mut p = Problem::at(
                        "",
                        format!(
                            "this .jsonl file holds no JSON document per line (its first line is not a whole JSON value), nor one multi-line document: {}",
                            strip_position(&whole.to_string())
                        ),
                    );
                    p.line = Some(whole.line());
                    p.column = Some(whole.column());
                    self.problem(p);
                }
            }
        }
    }

    fn read_array(&mut self, text: &str) {
        let elements: Vec<&RawValue> = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let mut p = Problem::at("", strip_position(&e.to_string()));
                if e.line() > 0 {
                    p.line = Some(e.line());
                    p.column = Some(e.column());
                }
                self.problem(p);
                return;
            }
        };
        // Offsets in the whole file (`text` may start after a byte-order mark).
        let base = self.buf.as_ptr() as usize;
        // The elements of a large file are parsed on all cores (an export is one array).
        let (forced, adapters) = (self.forced, self.adapters);
        let parsed = in_order(
            elements.into_iter().enumerate().collect(),
            self.buf.len() >= PARALLEL_FROM,
            |(index, element): (usize, &RawValue)| {
                let start = element.get().as_ptr() as usize - base;
                let range = start..start + element.get().len();
                (index, range, parse(element.get(), forced, adapters))
            },
        );
        for (index, range, result) in parsed {
            match result {
                Ok(n) => self.push(n, range, None, Some(index)),
                Err(mut p) => {
                    p.pointer = format!("/{index}{}", p.pointer);
                    let first_line = line_of(self.buf, range.start);
                    p.line = Some(p.line.map_or(first_line, |l| first_line + l - 1));
                    self.problem(p);
                }
            }
        }
    }

    /// One document per line. The lines are found first (a cheap byte search), then parsed on
    /// all cores: a corpus exported as a few large JSONL files loads at every core's speed.
    fn read_lines(&mut self) {
        let buf = self.buf;
        let mut lines = Vec::new();
        let mut start = 0;
        let mut line_no = 0;
        while start < buf.len() {
            line_no += 1;
            let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
            let skip = if buf[start..end].starts_with(BOM) {
                BOM.len()
            } else {
                0
            };
            let range = start + skip..end;
            start = end + 1;
            if !buf[range.clone()].iter().all(u8::is_ascii_whitespace) {
                lines.push((line_no, range));
            }
        }
        let (forced, adapters) = (self.forced, self.adapters);
        let parsed = in_order(
            lines,
            buf.len() >= PARALLEL_FROM,
            |(line_no, range): (usize, Range<usize>)| {
                let result = match std::str::from_utf8(&buf[range.clone()]) {
                    Err(e) => Err(Problem::at(
                        "",
                        format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()),
                    )),
                    Ok(text) => parse(text, forced, adapters),
                };
                (line_no, range, result)
            },
        );
        for (line_no, range, result) in parsed {
            match result {
                Ok(n) => self.push(n, range, Some(line_no), None),
                Err(mut p) => {
                    // Within one line the parser's line is always 1; keep its column.
                    p.line = Some(line_no);
                    self.problem(p);
                }
            }
        }
    }

    fn push(
        &mut self,
        mut run: Run,
        range: Range<usize>,
        line: Option<usize>,
        index: Option<usize>,
    ) {
        let raw = if let Some(buf) = &self.shared {
            RawDoc::Memory {
                buf: buf.clone(),
                range,
            }
        } else {
            RawDoc::Disk {
                path: self.path.clone(),
                range,
            }
        };
        run.raw = raw;
        run.origin = Origin {
            path: self.path.clone(),
            line,
            index,
        };
        self.out.runs.push(run);
    }

    fn problem(&mut self, mut p: Problem) {
        p.path = self.path.to_path_buf();
        self.out.problems.push(p);
    }
}

/// Files from this size on have their documents parsed on all cores. Smaller ones are parsed
/// where they were read: the corpus already spreads files over the cores, and handing a small
/// file's documents to other threads costs more than it saves (measured on the load bench).
pub(crate) const PARALLEL_FROM: usize = 2 << 20;

/// `f` over `items`, results in the items' order; on all cores when `parallel`.
fn in_order<T: Send, R: Send>(
    items: Vec<T>,
    parallel: bool,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    if parallel {
        items.into_par_iter().with_min_len(8).map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}

/// The 1-based line of a byte offset.
fn line_of(buf: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &buf[..offset.min(buf.len())]).count() + 1
}
