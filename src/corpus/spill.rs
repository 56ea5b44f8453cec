//! The spill of an index: every run the index pass normalized, in its binary form
//! ([`crate::model::binary`]), written to an anonymous temporary file so that reading a run back
//! during the replay decodes it instead of parsing its JSON again.
//!
//! The file is made with [`tempfile::tempfile_in`] in the folder the caller names
//! ([`super::LoadOptions::cache`]; `reprise run` names its report folder, on the disk the user
//! chose for output): it has no name and goes away with the process, a crash included. Memory
//! does not grow with it: the runs are written as they are read, and the operating system's
//! page cache holds what it can.
//!
//! The workers write without waiting on each other: each takes a block buffer from a small
//! pool, appends a record, and reserves a region of the file for the block with one atomic
//! add; a full block is written in one positioned write (`pwrite`). A record is
//!
//! `[XXH3 of the rest: 8 bytes][the binary run]`
//!
//! so a record that is not what was written (a hole, a failed write, bad disk) is noticed and
//! that run parsed again. A record holds the run as the index pass read it, with what the
//! loader's scan found in its document ([`crate::model::Run::found`]): the run read back from
//! it needs nothing of its document (a document changed since is not noticed here; see
//! [`super::index`]).
//! Nothing here ever fails a load: a spill that cannot be made or written is one warning, and
//! the runs it lost are read back the old way (parsed again).

use std::fs::File;
use std::num::NonZeroU64;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use xxhash_rust::xxh3::xxh3_64;

use crate::model::{binary, Format, Run};

/// Where a run's record lies in the spill: its offset (40 bits: up to 1 TB) and length
/// (24 bits: up to 16 MB; a longer record is not spilled) in one word, so that an entry grows
/// by 8 bytes (a record is never empty: `Option<Spilled>` is one word too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spilled(NonZeroU64);

impl Spilled {
    const LEN_BITS: u32 = 24;

    fn new(at: u64, len: usize) -> Option<Spilled> {
        let len = u64::try_from(len)
            .ok()
            .filter(|&l| l < 1 << Self::LEN_BITS)?;
        let at = at
            .checked_shl(Self::LEN_BITS)
            .filter(|s| s >> Self::LEN_BITS == at)?;
        NonZeroU64::new(at | len).map(Spilled)
    }

    /// Its offset in the file.
    pub(crate) fn at(self) -> u64 {
        self.0.get() >> Self::LEN_BITS
    }

    /// Its length.
    pub(crate) fn len(self) -> usize {
        (self.0.get() & ((1 << Self::LEN_BITS) - 1)) as usize
    }
}

/// The record header: the record's checksum.
const HEADER: usize = 8;

/// The size of the file region a block buffer fills before it is written (a larger record
/// takes a region of its own size).
const BLOCK: usize = 1 << 20;

/// The spill while the index pass writes it.
pub(crate) struct Spill {
    /// The folder it is in (for the warning).
    dir: PathBuf,
    file: Option<File>,
    /// The end of the regions handed out so far.
    next: AtomicU64,
    /// Block buffers not in use by a worker.
    idle: Mutex<Vec<Block>>,
    /// The region a block fills ([`BLOCK`]; tests take smaller ones).
    block: usize,
    /// Regions whose write failed, and the first error.
    failed: Mutex<(Vec<Range<u64>>, Option<String>)>,
}

/// Records not written yet, and the region of the file they go to.
#[derive(Default)]
struct Block {
    buf: Vec<u8>,
    region: Range<u64>,
}

impl Spill {
    /// A spill in `dir`, or none (`dir` is `None`). A spill that cannot be made is a warning
    /// at [`Spill::finish`].
    pub(crate) fn create(dir: Option<&Path>) -> Spill {
        let mut failed = (Vec::new(), None);
        let file = dir.and_then(|dir| {
            tempfile::tempfile_in(dir)
                .map_err(|e| failed.1 = Some(format!("cannot create a file there: {e}")))
                .ok()
        });
        Spill {
            dir: dir.map(Path::to_path_buf).unwrap_or_default(),
            file,
            next: AtomicU64::new(0),
            idle: Mutex::new(Vec::new()),
            block: BLOCK,
            failed: Mutex::new(failed),
        }
    }

    /// Spills `run` (called on the worker that read it); where its record is, or `None` when
    /// there is no spill.
    pub(crate) fn put(&self, run: &Run) -> Option<Spilled> {
        let file = self.file.as_ref()?;
        let mut block = lock(&self.idle).pop().unwrap_or_default();
        let start = block.buf.len();
        block.buf.extend_from_slice(&[0; HEADER]);
        binary::encode(run, &mut block.buf);
        let record = &mut block.buf[start..];
        let len = record.len();
        // A record too long for its place, in a file too long for it, is not spilled.
        if Spilled::new(self.next.load(Ordering::Relaxed), len).is_none() {
            block.buf.truncate(start);
            lock(&self.idle).push(block);
            return None;
        }
        let sum = xxh3_64(&record[HEADER..]);
        record[..HEADER].copy_from_slice(&sum.to_le_bytes());
        let end = block.region.start + block.buf.len() as u64;
        let at = if end <= block.region.end {
            block.region.start + start as u64
        } else {
            // The block is full (or new): write what it holds, start a new region with this
            // record.
            if start > 0 {
                self.write(file, &block.buf[..start], block.region.start);
                block.buf.drain(..start);
                if block.buf.capacity() > 2 * self.block {
                    block.buf.shrink_to(self.block);
                }
            }
            let size = self.block.max(block.buf.len()) as u64;
            let at = self.next.fetch_add(size, Ordering::Relaxed);
            block.region = at..at + size;
            at
        };
        lock(&self.idle).push(block);
        Spilled::new(at, len)
    }

    fn write(&self, file: &File, bytes: &[u8], at: u64) {
        if let Err(e) = write_at(file, bytes, at) {
            let mut failed = lock(&self.failed);
            failed.0.push(at..at + bytes.len() as u64);
            failed
                .1
                .get_or_insert_with(|| format!("cannot write there: {e}"));
        }
    }

    /// Writes the blocks still held, forgets the `places` (each run's, as [`Spill::put`] gave
    /// them) of the records whose write failed (those runs are parsed again), and gives the
    /// spill to read back (when it holds any record) and the warning to print (when something
    /// failed).
    pub(crate) fn finish<'p>(
        self,
        places: impl IntoIterator<Item = &'p mut Option<Spilled>>,
    ) -> (Option<Cache>, Option<String>) {
        if let Some(file) = &self.file {
            for block in std::mem::take(&mut *lock(&self.idle)) {
                if !block.buf.is_empty() {
                    self.write(file, &block.buf, block.region.start);
                }
            }
        }
        let mut failed = std::mem::take(&mut lock(&self.failed).0);
        failed.sort_by_key(|r| r.start);
        let mut spilled = false;
        for place in places {
            if let Some(s) = *place {
                // The failed region starting last at or before the record.
                let i = failed.partition_point(|r| r.start <= s.at());
                if i > 0 && failed[i - 1].contains(&s.at()) {
                    *place = None;
                }
            }
            spilled |= place.is_some();
        }
        let warning = lock(&self.failed).1.as_ref().map(|why| {
            format!(
                "run cache in {}: {why}; the runs it does not hold are parsed again when their \
                 turn comes",
                self.dir.display()
            )
        });
        let cache = self.file.filter(|_| spilled).map(|file| Cache { file });
        (cache, warning)
    }
}

/// The spill, written, for reading back.
#[derive(Debug)]
pub(crate) struct Cache {
    file: File,
}

impl Cache {
    /// The record at `at`; `None` when it cannot be read or is not what was written.
    pub(crate) fn read(&self, at: Spilled) -> Option<Record> {
        let mut bytes = vec![0; at.len()];
        read_at(&self.file, &mut bytes, at.at()).ok()?;
        let record = Record(bytes);
        (record.0.len() >= HEADER && xxh3_64(&record.0[HEADER..]) == record.sum()).then_some(record)
    }

    /// The file (tests: a record gone bad).
    #[cfg(test)]
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

/// A record whose checksum holds.
pub(crate) struct Record(Vec<u8>);

impl Record {
    /// The checksum the record was written with.
    fn sum(&self) -> u64 {
        let mut word = [0; HEADER];
        word.copy_from_slice(&self.0[..HEADER]);
        u64::from_le_bytes(word)
    }

    /// The run (see [`binary::decode`] for what it lacks).
    pub(crate) fn decode(&self, format: Format) -> Result<Run, binary::DecodeError> {
        binary::decode(&self.0[HEADER..], format)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each update is one push, pop or take: a panic elsewhere cannot leave one half done.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, at)
}

#[cfg(not(unix))]
fn write_at(_: &File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "positioned writes are implemented on Unix only",
    ))
}

#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "positioned reads are implemented on Unix only",
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::corpus::{Corpus, LoadOptions};

    fn fixtures() -> Vec<Arc<Run>> {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let options = LoadOptions {
            digest: true,
            ..LoadOptions::default()
        };
        Corpus::load(&[fixtures], &options).runs
    }

    /// Spills every fixture run through `spill` (from two threads at once).
    fn spill_all(spill: &Spill, runs: &[Arc<Run>]) -> Vec<Option<Spilled>> {
        let (a, b) = runs.split_at(runs.len() / 2);
        let put = |runs: &[Arc<Run>]| -> Vec<Option<Spilled>> {
            runs.iter().map(|run| spill.put(run)).collect()
        };
        let (mut a, b) = std::thread::scope(|s| {
            let b = s.spawn(|| put(b));
            (put(a), b.join().unwrap())
        });
        a.extend(b);
        a
    }

    #[test]
    fn every_record_reads_back_across_blocks_from_two_writers() {
        let dir = tempfile::tempdir().unwrap();
        let runs = fixtures();
        assert!(runs.len() > 20);
        for block in [64, 4096, BLOCK] {
            let mut spill = Spill::create(Some(dir.path()));
            spill.block = block;
            let mut places = spill_all(&spill, &runs);
            let (cache, warning) = spill.finish(&mut places);
            assert_eq!(warning, None);
            let cache = cache.expect("a spill");
            for (run, place) in runs.iter().zip(&places) {
                let record = cache.read(place.expect("spilled")).expect("read");
                let again = record.decode(run.format).expect("decodes");
                assert_eq!(again.run_id, run.run_id);
                assert_eq!(again.turns, run.turns, "{block}: {}", run.run_id);
            }
        }
        // The file has no name: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_place_is_one_word_and_comes_back_as_given() {
        assert_eq!(std::mem::size_of::<Option<Spilled>>(), 8);
        for (at, len) in [(0, 16), (1 << 39, (1 << 24) - 1), ((1 << 40) - 1, 1)] {
            let s = Spilled::new(at, len).expect("fits");
            assert_eq!((s.at(), s.len()), (at, len));
        }
        assert_eq!(Spilled::new(1 << 40, 16), None);
        assert_eq!(Spilled::new(0, 1 << 24), None);
        assert_eq!(Spilled::new(0, 0), None);
    }

    /// Fault injection: writes that fail (a file open for reading only, as a full disk fails
    /// them) lose the records, not the runs; one warning names the folder.
    #[test]
    fn failed_writes_forget_their_records_and_warn_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        let mut spill = Spill::create(Some(dir.path()));
        spill.file = Some(File::open(&path).unwrap());
        spill.block = 4096;
        let mut places = spill_all(&spill, &fixtures());
        assert!(places.iter().all(Option::is_some), "places handed out");
        let (cache, warning) = spill.finish(&mut places);
        assert!(places.iter().all(Option::is_none));
        assert!(cache.is_none());
        let warning = warning.expect("a warning");
        assert!(
            warning.contains(&dir.path().display().to_string()),
            "{warning}"
        );
        assert!(warning.contains("cannot write there"), "{warning}");
    }

    #[test]
    fn a_folder_that_cannot_hold_the_spill_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let spill = Spill::create(Some(&missing));
        let run = fixtures()[0].clone();
        let mut places = [spill.put(&run)];
        assert_eq!(places, [None]);
        let (cache, warning) = spill.finish(&mut places);
        assert!(cache.is_none());
        let warning = warning.expect("a warning");
        assert!(
            warning.contains(&missing.display().to_string()),
            "{warning}"
        );
        // No folder asked for: no spill, no warning.
        let (cache, warning) = Spill::create(None).finish(&mut []);
        assert!(cache.is_none() && warning.is_none());
    }
}
