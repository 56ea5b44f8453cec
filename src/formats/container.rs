//! Files: one document, a JSON array of documents, or JSONL (one document a line).
//!
//! A bad document never stops the rest of its file: each good array element and each good
//! JSONL line still loads. A UTF-8 byte-order mark at the start of a file or of a JSONL line is
//! skipped (the raw document starts after it). A `.jsonl` file that holds one pretty-printed
//! document (or array) instead of one document per line is read as that document, with one
//! warning; if it is no valid document either and no line loads, it is one error, not one per
//! line.
//!
//! A large `.jsonl` file whose raw documents stay on disk is read in chunks ([`CHUNK`]): the
//! lines of one chunk are parsed (on all cores) while the next chunk is read, and the two chunk
//! buffers are all the file costs in memory, instead of a fresh buffer of the file's size whose
//! every page faults in when it is filled (that kernel time was a third of loading a corpus of
//! two large files). Runs, problems and line numbers are the same as reading the file whole.

use rayon::prelude::*;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::parse::parse;
use super::problem::strip_position;
use super::{Adapters, Problem};
use crate::model::{DocScan, Format, Origin, RawDoc, Run};

/// What one file gave: its good runs (or what a caller keeps of each, `T`) and its problems.
#[derive(Debug)]
pub struct FileOutcome<T = Run> {
    /// Runs read, in file order.
    pub runs: Vec<T>,
    /// Problems found, in file order.
    pub problems: Vec<Problem>,
    /// What is odd about the file as a whole but did not stop it loading.
    pub warnings: Vec<String>,
    /// The file's size in bytes.
    pub bytes: u64,
}

impl<T> Default for FileOutcome<T> {
    fn default() -> Self {
        FileOutcome {
            runs: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            bytes: 0,
        }
    }
}

/// What a reader keeps of each run, made where the run was read (see [`read_file_keeping`]).
pub(crate) type Keep<'k, T> = &'k (dyn Fn(Run) -> T + Sync);

/// Reads and normalizes every run in a file with `adapters` (or as `forced`).
///
/// `keep_raw` holds the file's bytes in memory for every run to share; without it a run keeps
/// only its byte range and re-reads the file when its raw document is asked for. `digest`
/// fills each run's [`Run::raw_digest`] while the bytes are at hand.
pub fn read_file(
    path: &Path,
    adapters: &Adapters,
    forced: Option<Format>,
    keep_raw: bool,
    digest: bool,
) -> FileOutcome {
    read_file_keeping(path, adapters, forced, keep_raw, digest, None, &|run| run)
}

/// [`read_file`], each run handed to `keep` as soon as it is read (with its raw document,
/// origin, digest and what `scan` found in it, [`Run::found`]): a large file never holds all
/// its runs at once, only what `keep` makes of them (the index an entry), and its runs' memory
/// is reused chunk after chunk.
pub(crate) fn read_file_keeping<T>(
    path: &Path,
    adapters: &Adapters,
    forced: Option<Format>,
    keep_raw: bool,
    digest: bool,
    scan: Option<&Arc<dyn DocScan>>,
    keep: Keep<'_, T>,
) -> FileOutcome<T> {
    let how = How {
        forced,
        keep_raw,
        digest,
        scan: scan.cloned(),
        chunk: CHUNK,
    };
    if keep_raw || !is_jsonl(path) {
        // Read whole (`fs::read` asks the size once and reads it in one call).
        return match std::fs::read(path) {
            Ok(bytes) => read_buffer(path, bytes, adapters, &how, keep),
            Err(e) => cannot_read(path, &e),
        };
    }
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return cannot_read(path, &e),
    };
    let size = file.metadata().map_or(0, |m| m.len());
    read_open_keeping(path, &mut file, size, adapters, &how, keep)
}

/// How [`read_open`] reads a file.
pub(crate) struct How {
    /// `--format`.
    pub forced: Option<Format>,
    /// Hold the file's bytes in memory for the runs (else each keeps its range on disk).
    pub keep_raw: bool,
    /// Fill each run's [`Run::raw_digest`].
    pub digest: bool,
    /// Fill each run's [`Run::found`] with what this scan finds in its document.
    pub scan: Option<Arc<dyn DocScan>>,
    /// The chunks a `.jsonl` file larger than one is read in when its runs keep ranges.
    pub chunk: usize,
}

/// [`read_file`] from `file`, open, of `size` bytes.
#[cfg(test)]
pub(crate) fn read_open(
    path: &Path,
    file: &mut (impl Read + Send),
    size: u64,
    adapters: &Adapters,
    how: &How,
) -> FileOutcome {
    read_open_keeping(path, file, size, adapters, how, &|run| run)
}

/// [`read_open`], keeping what `keep` makes of each run.
fn read_open_keeping<T>(
    path: &Path,
    file: &mut (impl Read + Send),
    size: u64,
    adapters: &Adapters,
    how: &How,
    keep: Keep<'_, T>,
) -> FileOutcome<T> {
    let mut bytes = Vec::new();
    if !how.keep_raw && is_jsonl(path) && size > how.chunk as u64 {
        let lines = Lines {
            parallel: size >= PARALLEL_FROM as u64,
            forced: how.forced,
            digest: how.digest,
            scan: how.scan.clone(),
        };
        match read_stream(path, file, how.chunk, adapters, &lines, keep) {
            Streamed::Done(outcome) => return outcome,
            // Read on as a whole file (what was read so far is kept).
            Streamed::Whole(start) => bytes = start,
        }
    } else {
        bytes.reserve_exact(usize::try_from(size).unwrap_or(0));
    }
    if let Err(e) = file.read_to_end(&mut bytes) {
        return cannot_read(path, &e);
    }
    read_buffer(path, bytes, adapters, how, keep)
}

/// [`read_file`] over the whole file's `bytes`.
fn read_buffer<T>(
    path: &Path,
    bytes: Vec<u8>,
    adapters: &Adapters,
    how: &How,
    keep: Keep<'_, T>,
) -> FileOutcome<T> {
    // Shared only when the runs keep it: making the buffer shareable copies it.
    let shared: Option<Arc<[u8]>> = how.keep_raw.then(|| Arc::from(bytes.as_slice()));
    let buf = shared.as_deref().unwrap_or(&bytes);
    let mut reader = Reader::new(path, buf, shared.clone(), adapters, how.forced, keep);
    reader.digest = how.digest;
    reader.scan.clone_from(&how.scan);
    reader.read();
    reader.out
}

/// The outcome of a file that could not be read.
fn cannot_read<T>(path: &Path, e: &std::io::Error) -> FileOutcome<T> {
    FileOutcome {
        problems: vec![Problem::file(path, format!("cannot read the file: {e}"))],
        ..Default::default()
    }
}

/// The hash of a raw document ([`Run::raw_digest`]): BLAKE3, the same as
/// [`crate::replay::corpus_digest`] takes of a document it reads back.
pub(crate) fn doc_hash(doc: &[u8]) -> [u8; 32] {
    blake3::hash(doc).into()
}

/// A `.jsonl` or `.ndjson` name: one document per line.
fn is_jsonl(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson")
}

/// Chunks a large `.jsonl` file is read in when its raw documents stay on disk: big enough
/// that a chunk holds many documents to share between the cores, small enough that its two
/// buffers cost a small part of what a fresh buffer of the whole file costs to fault in.
/// 512 KiB rather than 1 MiB: two 16 MB files validated on two threads fault 2,700 pages
/// instead of 4,100 and load in 37 ms instead of 43 (on one thread 62 ms instead of 68).
pub(crate) const CHUNK: usize = 1 << 19;

/// How lines are parsed.
pub(crate) struct Lines {
    /// On all cores.
    pub parallel: bool,
    /// `--format`.
    pub forced: Option<Format>,
    /// Fill each run's [`Run::raw_digest`].
    pub digest: bool,
    /// Fill each run's [`Run::found`] with what this scan finds in its line.
    pub scan: Option<Arc<dyn DocScan>>,
}

/// What [`read_stream`] did.
pub(crate) enum Streamed<T> {
    /// The file was read line by line, in chunks.
    Done(FileOutcome<T>),
    /// The file is not one document per line (its first line is the start of a multi-line
    /// document, or there is no document at all): it must be read whole. Holds the bytes read
    /// so far, from the file's start.
    Whole(Vec<u8>),
}

/// Reads a JSONL file from `file` in chunks of `chunk` bytes (a chunk grows to hold a longer
/// line): the lines of a chunk are parsed
/// while the next chunk is read. The same runs, problems and line numbers as [`read_file`] reading
/// the whole file, raw documents left on disk ([`RawDoc::Disk`]). A file whose first line is
/// not a whole JSON value is handed back ([`Streamed::Whole`]): only the whole file tells
/// whether it is one pretty-printed document.
pub(crate) fn read_stream<T>(
    path: &Path,
    file: &mut (impl Read + Send),
    chunk: usize,
    adapters: &Adapters,
    options: &Lines,
    keep: Keep<'_, T>,
) -> Streamed<T> {
    // The lines' digests are taken where they are parsed.
    let mut reader = Reader::new(path, &[], None, adapters, options.forced, keep);
    reader.out.bytes = 0;
    let mut buf = Vec::new();
    // Until the first line is whole (a line can be longer than a chunk).
    let mut eof = false;
    let whole_lines = loop {
        match fill(file, &mut buf, chunk) {
            Ok(at_end) => eof = at_end,
            // The whole read meets the error again and says so.
            Err(_) => break false,
        }
        let bom = if buf.starts_with(BOM) { BOM.len() } else { 0 };
        let first = first_byte(&buf, bom);
        let line_end = first.and_then(|first| memchr::memchr(b'\n', &buf[first..]));
        match (first, line_end) {
            (Some(first), Some(end)) => break !first_line_unfinished(&buf, first, first + end),
            (Some(first), None) if eof => {
                break !first_line_unfinished(&buf, first, buf.len());
            }
            (None, _) if eof => break false,
            _ => {}
        }
    };
    if !whole_lines {
        return Streamed::Whole(buf);
    }
    let mut spare = Vec::new();
    let (mut offset, mut line_no) = (0, 0);
    // A read that failed: the whole lines read before it still load.
    let mut failed = None;
    loop {
        // The chunk ends after its last whole line; at the end of the file, with the file.
        let cut = if eof {
            buf.len()
        } else if let Some(i) = memchr::memrchr(b'\n', &buf) {
            i + 1
        } else if failed.is_some() {
            0
        } else {
            // One line longer than the chunk: read on until it ends.
            let more = chunk.max(buf.len());
            match fill(file, &mut buf, more) {
                Ok(at_end) => eof = at_end,
                Err(e) => failed = Some(e),
            }
            continue;
        };
        let last = eof || failed.is_some();
        let lines = split_lines(&buf[..cut], offset, &mut line_no);
        // The next chunk starts with the rest of this one's last line.
        spare.clear();
        spare.extend_from_slice(&buf[cut..]);
        let (parsed, filled) = rayon::join(
            || parse_lines(&buf[..cut], offset, lines, options, adapters),
            || {
                if last {
                    Ok(true)
                } else {
                    fill(file, &mut spare, chunk)
                }
            },
        );
        reader.take_lines(parsed);
        offset += cut;
        if let Some(e) = failed {
            reader.cannot_read_on(offset, e);
            break;
        }
        if eof {
            break;
        }
        std::mem::swap(&mut buf, &mut spare);
        match filled {
            Ok(at_end) => eof = at_end,
            Err(e) => failed = Some(e),
        }
    }
    reader.out.bytes = offset as u64;
    Streamed::Done(reader.out)
}

/// Reads up to `want` more bytes onto `buf`; true at the end of the file.
fn fill(file: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    buf.reserve(want);
    let got = file.take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// [`read_file`] over bytes already in memory.
pub fn read_bytes(
    path: &Path,
    buf: Arc<[u8]>,
    adapters: &Adapters,
    forced: Option<Format>,
    keep_raw: bool,
) -> FileOutcome {
    let shared = keep_raw.then(|| buf.clone());
    let mut reader = Reader::new(path, &buf, shared, adapters, forced, &|run| run);
    reader.read();
    reader.out
}

/// Reads `buf` (runs share `shared`, the same bytes, when given, else keep file ranges) and
/// hands each run to `keep`.
struct Reader<'b, T> {
    path: Arc<Path>,
    buf: &'b [u8],
    /// The same bytes as `buf`, shared by the runs (`keep_raw`).
    shared: Option<Arc<[u8]>>,
    adapters: &'b Adapters,
    forced: Option<Format>,
    /// Fill each run's [`Run::raw_digest`] from `buf`.
    digest: bool,
    /// Fill each run's [`Run::found`] from `buf`.
    scan: Option<Arc<dyn DocScan>>,
    keep: Keep<'b, T>,
    out: FileOutcome<T>,
}

impl<'b, T> Reader<'b, T> {
    fn new(
        path: &Path,
        buf: &'b [u8],
        shared: Option<Arc<[u8]>>,
        adapters: &'b Adapters,
        forced: Option<Format>,
        keep: Keep<'b, T>,
    ) -> Self {
        Reader {
            path: Arc::from(path),
            buf,
            shared,
            adapters,
            forced,
            digest: false,
            scan: None,
            keep,
            out: FileOutcome {
                bytes: buf.len() as u64,
                ..FileOutcome::default()
            },
        }
    }
}

/// The UTF-8 byte-order mark some Windows tools write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The warning of a `.jsonl` file read as one document.
pub(crate) const ONE_DOCUMENT: &str =
    "this .jsonl file holds one multi-line JSON document, not one document per line; read as one document";

impl<T> Reader<'_, T> {
    fn read(&mut self) {
        let buf = self.buf;
        let bom = if buf.starts_with(BOM) { BOM.len() } else { 0 };
        let Some(first) = first_byte(buf, bom) else {
            self.problem(Problem::at("", "empty file: no JSON document"));
            return;
        };
        if is_jsonl(&self.path) {
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
        if !first_line_unfinished(buf, first, line_end) {
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
        let lines = split_lines(buf, 0, &mut 0);
        let options = Lines {
            parallel: buf.len() >= PARALLEL_FROM,
            forced: self.forced,
            // [`read_file`] hashes and scans the runs of a whole file.
            digest: false,
            scan: None,
        };
        let parsed = parse_lines(buf, 0, lines, &options, self.adapters);
        self.take_lines(parsed);
    }

    /// The runs and problems of parsed lines, in order.
    fn take_lines(&mut self, parsed: Vec<ParsedLine>) {
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

    /// A read that failed after `offset` bytes: the lines before stay loaded.
    fn cannot_read_on(&mut self, offset: usize, e: std::io::Error) {
        self.problem(Problem::at(
            "",
            format!("cannot read the file after byte {offset}: {e}"),
        ));
    }

    fn push(
        &mut self,
        mut run: Run,
        range: Range<usize>,
        line: Option<usize>,
        index: Option<usize>,
    ) {
        if self.digest {
            run.raw_digest = self.buf.get(range.clone()).map(doc_hash);
        }
        if let (Some(scan), Some(doc)) = (&self.scan, self.buf.get(range.clone())) {
            run.found = scan.scan(doc);
        }
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
        self.out.runs.push((self.keep)(run));
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

/// The first byte after `from` that is no whitespace.
fn first_byte(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| from + i)
}

/// Whether the line `buf[first..line_end]` is the start of a value that goes on over the next
/// lines. A line ending in `}` or `]` is taken as whole without parsing it twice (good JSONL
/// pays nothing); a pretty printer breaks the first line after `{` or `[`.
fn first_line_unfinished(buf: &[u8], first: usize, line_end: usize) -> bool {
    let last = buf[first..line_end]
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map(|i| buf[first + i]);
    !matches!(last, Some(b'}' | b']'))
        && matches!(
            serde_json::from_slice::<IgnoredAny>(&buf[first..line_end]),
            Err(e) if e.is_eof()
        )
}

/// The lines of `text` that are not blank: their numbers and their ranges in the file (`text`
/// starts at byte `offset` of the file, after `line_no` lines; `line_no` is moved on past
/// `text`). A byte-order mark at the start of a line is left out of its range.
fn split_lines(text: &[u8], offset: usize, line_no: &mut usize) -> Vec<(usize, Range<usize>)> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        *line_no += 1;
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let skip = if text[start..end].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let range = start + skip..end;
        start = end + 1;
        if !text[range.clone()].iter().all(u8::is_ascii_whitespace) {
            lines.push((*line_no, offset + range.start..offset + range.end));
        }
    }
    lines
}

/// A parsed line: its number, its range in the file and its run or problem.
type ParsedLine = (usize, Range<usize>, Result<Run, Problem>);

/// Parses `lines` (from [`split_lines`]) of `text`, which starts at byte `offset` of the file.
fn parse_lines(
    text: &[u8],
    offset: usize,
    lines: Vec<(usize, Range<usize>)>,
    options: &Lines,
    adapters: &Adapters,
) -> Vec<ParsedLine> {
    in_order(
        lines,
        options.parallel,
        |(line_no, range): (usize, Range<usize>)| {
            let line = &text[range.start - offset..range.end - offset];
            let result = match std::str::from_utf8(line) {
                Err(e) => Err(Problem::at(
                    "",
                    format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()),
                )),
                Ok(line) => parse(line, options.forced, adapters),
            };
            let result = result.map(|mut run| {
                if options.digest {
                    run.raw_digest = Some(doc_hash(line));
                }
                if let Some(scan) = &options.scan {
                    run.found = scan.scan(line);
                }
                run
            });
            (line_no, range, result)
        },
    )
}

/// The 1-based line of a byte offset.
fn line_of(buf: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &buf[..offset.min(buf.len())]).count() + 1
}
