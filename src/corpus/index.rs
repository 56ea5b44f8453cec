//! The corpus as an index: what `reprise run` keeps in memory of every document, so that memory
//! does not grow with the runs' size.
//!
//! Loading reads every file on all cores as [`Corpus::load`](super::Corpus::load) does, but
//! keeps of each run only an [`Entry`]: its id, system, workflow, version, status, evaluation
//! links, the hash chain of its inputs (what the recorded engine matches on), its digest and
//! where its document lies (file and byte range). A run is read back when it is needed
//! ([`Index::run`]): asked for a cache folder ([`LoadOptions::cache`]), the index pass spills
//! each normalized run to a file there ([`super::spill`]) and a run read back is decoded from
//! it; else (or when its record is bad) its document is parsed again.
//!
//! A run decoded from the cache is the run as the index pass read it, and its document is not
//! read again: the run's raw document points at its file ([`RawDoc::Disk`]), read only by the
//! few users that want its bytes, and what redaction learns from it was found at load
//! ([`LoadOptions::scan`], [`Run::found`]). So the replay replays the corpus as it was read at
//! load, which is what the manifest's corpus digest describes; a file changed during the run
//! is noticed only when the cache cannot serve its run: the document parsed again must have
//! the digest taken at load ([`Entry::digest`], when it was taken) and the same run id, else
//! the read-back is an error naming the file. The index holds a weak
//! reference to each run in use, so a case and the recording answering it are read back once
//! while the case is in flight and dropped when it ends.
//!
//! An index can also hold its runs ([`Index::from_runs`]): tests, `reprise serve` and the
//! commands that keep a corpus in memory build the recorded engine that way, through the
//! same code.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use super::link::{link, position, unique, Links, Record, Warning};
use super::load::{count_by_system, read_all, LoadOptions};
use super::spill::{Cache, Spill, Spilled};
use crate::formats::container::doc_hash;
use crate::formats::{Adapters, Problem};
use crate::model::{chain, EvalLink, Format, Origin, RawDoc, Run, System, UnusableCount};

/// What the index keeps of one run. See the module documentation.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The run id.
    pub run_id: Box<str>,
    /// The shape it was read from (and so its system).
    pub format: Format,
    /// The workflow it ran.
    pub workflow_id: Option<Box<str>>,
    /// Its version number.
    pub version: Option<i64>,
    /// Its status as the system spelled it (`--filter status=`).
    pub status: Box<str>,
    /// Evaluation links.
    pub eval: EvalLink,
    /// The hash chain of its inputs after each turn ([`crate::model::chain`]); its length is
    /// the number of turns.
    pub chains: Box<[u64]>,
    /// The BLAKE3 digest of its document, when the loader was asked for it.
    pub digest: Option<[u8; 32]>,
    /// Where it was read from.
    pub origin: Origin,
    /// Where its document lies in that file.
    pub range: Range<usize>,
    /// Counts read as unknown (warned about once, at load).
    unusable: Option<Box<(Vec<UnusableCount>, usize)>>,
    /// Where the run lies in the index's spill, when it was spilled.
    pub(super) spilled: Option<Spilled>,
}

impl Entry {
    /// The entry of a loaded run.
    pub fn of(run: &Run) -> Entry {
        Entry {
            run_id: run.run_id.as_str().into(),
            format: run.format,
            workflow_id: run.workflow_id.as_deref().map(Into::into),
            version: run.version,
            status: run.status.text.as_str().into(),
            eval: run.eval.clone(),
            chains: chain::chains(&run.turns),
            digest: run.raw_digest,
            origin: run.origin.clone(),
            range: run.raw.range(),
            unusable: (!run.usage.unusable.is_empty())
                .then(|| Box::new((run.usage.unusable.clone(), run.usage.unusable_more))),
            spilled: None,
        }
    }

    /// The entry of a run read by [`Index::load`], spilled to `spill`.
    fn spilled(run: &Run, spill: &Spill) -> Entry {
        Entry {
            spilled: spill.put(run),
            ..Entry::of(run)
        }
    }

    /// True when the run is read back from the index's spill (decoded, not parsed again).
    pub fn is_spilled(&self) -> bool {
        self.spilled.is_some()
    }

    /// The system it ran on.
    pub fn system(&self) -> System {
        self.format.system()
    }

    /// True for a case: a run that is not an evaluation run.
    pub fn is_case(&self) -> bool {
        !self.eval.is_evaluation_run
    }

    /// Its number of turns.
    pub fn turns(&self) -> usize {
        self.chains.len()
    }
}

impl Record for Entry {
    fn run_id(&self) -> &str {
        &self.run_id
    }
    fn eval(&self) -> &EvalLink {
        &self.eval
    }
    fn origin(&self) -> Origin {
        self.origin.clone()
    }
    fn unusable(&self) -> (&[UnusableCount], usize) {
        self.unusable
            .as_deref()
            .map_or((&[], 0), |(counts, more)| (counts.as_slice(), *more))
    }
}

/// Every run of a corpus as an [`Entry`], sorted by run id (ids unique), and the way back to
/// each run. See the module documentation.
#[derive(Debug)]
pub struct Index {
    entries: Vec<Entry>,
    /// The runs themselves, in the entries' order, when the index holds them.
    resident: Option<Vec<Arc<Run>>>,
    /// The runs read back that may still be in use somewhere.
    in_use: Mutex<InUse>,
    /// The runs spilled by the index pass ([`super::LoadOptions::cache`]).
    cache: Option<Cache>,
    /// Why some or all runs could not be spilled (they are parsed again when read back).
    pub cache_warning: Option<String>,
    /// How to read a document again (each entry's format is forced: no detection).
    adapters: Adapters,
    links: Links,
    /// The systems of the adapters it was read with, in order.
    systems: Vec<System>,
    /// Bad files, documents and lines.
    pub problems: Vec<Problem>,
    /// What is odd but did not stop loading (as [`super::Corpus::warnings`]).
    pub warnings: Vec<Warning>,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
}

impl Index {
    /// Reads every run under `paths` on all cores, keeping an entry of each. Problems,
    /// warnings and their order are those of [`Corpus::load`](super::Corpus::load).
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Index {
        let spill = Spill::create(options.cache.as_deref());
        let read = read_all(paths, options, |run| Entry::spilled(&run, &spill));
        let (mut entries, mut warnings) = unique(read.runs);
        let (cache, cache_warning) = spill.finish(entries.iter_mut().map(|e| &mut e.spilled));
        let (links, link_warnings) = link(&entries);
        warnings.extend(link_warnings);
        let mut all_warnings = read.warnings;
        all_warnings.extend(warnings);
        Index {
            in_use: Mutex::default(),
            entries,
            resident: None,
            cache,
            cache_warning,
            adapters: options.adapters.clone(),
            links,
            systems: options.adapters.systems(),
            problems: read.problems,
            warnings: all_warnings,
            files: read.files,
            bytes: read.bytes,
        }
    }

    /// An index holding runs already loaded (the first copy of an id wins; the later ones are
    /// warnings).
    pub fn from_runs(runs: impl IntoIterator<Item = Arc<Run>>) -> Index {
        let (runs, warnings) = unique(runs.into_iter().collect());
        let (links, link_warnings) = link(&runs);
        let entries: Vec<Entry> = runs.iter().map(|r| Entry::of(r)).collect();
        Index {
            in_use: Mutex::default(),
            entries,
            resident: Some(runs),
            cache: None,
            cache_warning: None,
            adapters: Adapters::new(Vec::new()),
            links,
            systems: Vec::new(),
            problems: Vec::new(),
            warnings: warnings.into_iter().chain(link_warnings).collect(),
            files: 0,
            bytes: 0,
        }
    }

    /// True when the index holds its runs (else it reads them back from their files).
    pub fn is_resident(&self) -> bool {
        self.resident.is_some()
    }

    /// The entries, sorted by run id.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The number of runs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no run was loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where the run with this id is among the entries.
    pub fn position(&self, run_id: &str) -> Option<usize> {
        position(&self.entries, run_id)
    }

    /// The positions of the cases (runs that are not evaluation runs), in run-id order.
    pub fn cases(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.entries.len()).filter(|&i| self.entries[i].is_case())
    }

    /// The position of the evaluation run that judged the run at `i` (same rule as the
    /// corpus: the one the run names wins, else the highest id).
    pub fn evaluation_of(&self, i: usize) -> Option<usize> {
        self.links.evaluation_of(i)
    }

    /// Evaluation runs whose source is in the corpus.
    pub fn linked_evaluations(&self) -> usize {
        self.links.linked
    }

    /// Evaluation runs whose source is not in the corpus.
    pub fn dangling_evaluations(&self) -> usize {
        self.links.dangling
    }

    /// Runs per system, as [`Corpus::count_by_system`](super::Corpus::count_by_system).
    pub fn count_by_system(&self) -> Vec<(System, usize)> {
        count_by_system(&self.systems, self.entries.iter().map(Entry::system))
    }

    /// The run at position `i`: held, still in use elsewhere, or read back (decoded from the
    /// spill, else parsed again from its file). An error names the file when the run must be
    /// parsed again and its document can no longer be read as it was (the file changed or
    /// went away during the run); a run decoded from the spill does not read its file.
    pub fn run(&self, i: usize) -> Result<Arc<Run>, Problem> {
        if let Some(runs) = &self.resident {
            return Ok(runs[i].clone());
        }
        if let Some(run) = self.lock().get(i) {
            return Ok(run);
        }
        // Parsed outside the lock: two tasks asking at once both parse, and one copy wins.
        let run = Arc::new(self.read_back(&self.entries[i])?);
        Ok(self.lock().put(i, run))
    }

    fn read_back(&self, entry: &Entry) -> Result<Run, Problem> {
        let path: &Path = &entry.origin.path;
        // A record that decodes is the run as the index pass read it: its document is not
        // read (the replay replays the corpus as loaded, which the corpus digest describes),
        // only pointed at for the few users that want its bytes.
        let decoded = entry
            .spilled
            .zip(self.cache.as_ref())
            .and_then(|(at, cache)| cache.read(at))
            .and_then(|record| record.decode(entry.format).ok())
            // A record of another run (it cannot be after its checksum held, short of a bug
            // here) is parsed again: the run is not lost.
            .filter(|run| *run.run_id == *entry.run_id);
        let mut run = match decoded {
            Some(mut run) => {
                if let Some((counts, more)) = entry.unusable.as_deref() {
                    run.usage.unusable.clone_from(counts);
                    run.usage.unusable_more = *more;
                }
                run.raw = RawDoc::Disk {
                    path: entry.origin.path.clone(),
                    range: entry.range.clone(),
                };
                run
            }
            None => self.parse_again(entry, path)?,
        };
        run.raw_digest = entry.digest;
        run.origin = entry.origin.clone();
        Ok(run)
    }

    /// The run of `entry` parsed again from its file (no record in the cache, or a bad one).
    /// A document that is not what the index pass read (its digest differs, when it was
    /// taken; else it no longer parses as the same run) is an error naming the file.
    fn parse_again(&self, entry: &Entry, path: &Path) -> Result<Run, Problem> {
        let changed = |why: String| {
            let mut p = Problem::file(
                path,
                format!("cannot read run {} again: {why}", entry.run_id),
            );
            p.line = entry.origin.line;
            p
        };
        let during = || changed("the file changed during the run".to_owned());
        let bytes = read_range(path, &entry.range).map_err(|e| changed(e.to_string()))?;
        if entry.digest.is_some_and(|d| d != doc_hash(&bytes)) {
            return Err(during());
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| during())?;
        let mut run = crate::formats::parse::parse(text, Some(entry.format), &self.adapters)
            .map_err(|p| changed(format!("the file changed during the run ({})", p.message)))?;
        if *run.run_id != *entry.run_id {
            return Err(during());
        }
        // The bytes just read stay with the run while it is in use: the snapshot stage scans
        // the document (the values it redacts), and would otherwise open the file again.
        let len = bytes.len();
        run.raw = RawDoc::Memory {
            buf: Arc::from(bytes),
            range: 0..len,
        };
        Ok(run)
    }
}

impl Index {
    fn lock(&self) -> std::sync::MutexGuard<'_, InUse> {
        // Every update is one insert or one sweep; a panic elsewhere cannot leave it half done.
        self.in_use.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The runs read back, by position, held weakly: a run is dropped when its last user is done.
/// A dead entry still holds the run's own block (a `Weak` keeps its allocation), so the dead
/// are swept out whenever the table has doubled since the last sweep: memory follows the
/// runs in flight, not the runs read.
#[derive(Debug, Default)]
struct InUse {
    runs: HashMap<usize, Weak<Run>>,
    sweep_at: usize,
}

impl InUse {
    /// How many entries a sweep waits for at least.
    const MIN_SWEEP: usize = 1024;

    fn get(&self, i: usize) -> Option<Arc<Run>> {
        self.runs.get(&i).and_then(Weak::upgrade)
    }

    /// Holds `run` for position `i`, unless another copy is alive (which is returned).
    fn put(&mut self, i: usize, run: Arc<Run>) -> Arc<Run> {
        if let Some(other) = self.get(i) {
            return other;
        }
        self.runs.insert(i, Arc::downgrade(&run));
        if self.runs.len() >= self.sweep_at.max(Self::MIN_SWEEP) {
            self.runs.retain(|_, w| w.strong_count() > 0);
            self.sweep_at = 2 * self.runs.len();
        }
        run
    }
}

/// The bytes of `range` in the file at `path`.
fn read_range(path: &Path, range: &Range<usize>) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0; range.len()];
    let file = std::fs::File::open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut out, range.start as u64)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = file;
        file.seek(SeekFrom::Start(range.start as u64))?;
        file.read_exact(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    fn fixtures() -> Vec<PathBuf> {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")]
    }

    /// Load options that spill to `dir`.
    fn spilling(dir: &Path) -> LoadOptions {
        LoadOptions {
            digest: true,
            cache: Some(dir.to_path_buf()),
            ..LoadOptions::default()
        }
    }

    /// Every run of `index` read back is the run of `corpus`, field for field.
    fn every_run_read_back_is(index: &Index, corpus: &Corpus) {
        assert_eq!(index.len(), corpus.runs.len());
        for (i, loaded) in corpus.runs.iter().enumerate() {
            let entry = &index.entries()[i];
            assert_eq!(&*entry.run_id, loaded.run_id);
            assert_eq!(entry.turns(), loaded.turns.len());
            let again = index.run(i).expect("read back");
            assert_eq!(
                again.raw.bytes().unwrap(),
                loaded.raw.bytes().unwrap(),
                "{}",
                loaded.run_id
            );
            // The rest, field for field (the raw document is held differently: in memory).
            let (mut a, mut b) = ((*again).clone(), (**loaded).clone());
            (a.raw, b.raw) = (RawDoc::empty(), RawDoc::empty());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", loaded.run_id);
        }
    }

    #[test]
    fn every_run_read_back_is_the_run_the_corpus_loaded() {
        let dir = tempfile::tempdir().unwrap();
        for options in [LoadOptions::default(), spilling(dir.path())] {
            let corpus = Corpus::load(&fixtures(), &options);
            let index = Index::load(&fixtures(), &options);
            assert!(index.len() > 20, "{}", index.len());
            assert_eq!(index.problems.len(), corpus.problems.len());
            assert_eq!(index.warnings, corpus.warnings);
            assert_eq!(index.cache_warning, None);
            // Spilled when asked for: read back by decoding, not parsing.
            let spilled = options.cache.is_some();
            assert!(index.entries().iter().all(|e| e.is_spilled() == spilled));
            every_run_read_back_is(&index, &corpus);
            for i in 0..index.len() {
                assert_eq!(
                    index.evaluation_of(i).map(|e| &*index.entries()[e].run_id),
                    corpus
                        .evaluation_of(&index.entries()[i].run_id)
                        .map(|r| r.run_id.as_str())
                );
            }
        }
    }

    /// Fault injection: records gone bad in the spill (garbled, zeroed, cut short by a
    /// truncated file, or well formed but not a run) are parsed again, and the runs come
    /// back as they were loaded.
    #[test]
    fn a_bad_record_in_the_spill_is_parsed_again() {
        let dir = tempfile::tempdir().unwrap();
        let options = spilling(dir.path());
        let corpus = Corpus::load(&fixtures(), &options);
        let index = Index::load(&fixtures(), &options);
        let cache = index.cache.as_ref().expect("a spill");
        let file = cache.file();
        let at = |i: usize| index.entries()[i].spilled.expect("spilled");
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            // One byte flipped in the middle of a record.
            let garbled = at(0);
            let mut byte = [0];
            let middle = garbled.at() + garbled.len() as u64 / 2;
            file.read_exact_at(&mut byte, middle).unwrap();
            file.write_all_at(&[!byte[0]], middle).unwrap();
            // A record zeroed.
            let zeroed = at(1);
            file.write_all_at(&vec![0; zeroed.len()], zeroed.at())
                .unwrap();
            // A record whose checksum holds over bytes that are no run: a string tag where
            // the run id's length should be.
            let bad = at(2);
            let mut record = vec![0; 8];
            record.extend(std::iter::repeat_n(0xff, bad.len() - 8));
            let sum = xxhash_rust::xxh3::xxh3_64(&record[8..]);
            record[..8].copy_from_slice(&sum.to_le_bytes());
            file.write_all_at(&record, bad.at()).unwrap();
        }
        // The last record cut short.
        let last = (0..index.len()).max_by_key(|&i| at(i).at()).unwrap();
        file.set_len(at(last).at() + at(last).len() as u64 / 2)
            .unwrap();
        every_run_read_back_is(&index, &corpus);
    }

    /// A copy of the Noxus fixture `completed.json` alone in a folder under `dir`, loaded
    /// with a spill: the index and the file's path.
    fn one_spilled_run(dir: &Path) -> (Index, PathBuf) {
        let corpus_dir = dir.join("corpus");
        std::fs::create_dir(&corpus_dir).unwrap();
        let path = corpus_dir.join("run.json");
        std::fs::copy(fixtures()[0].join("noxus/completed.json"), &path).unwrap();
        let index = Index::load(&[corpus_dir], &spilling(dir));
        assert_eq!(index.len(), 1);
        assert!(index.entries()[0].is_spilled());
        (index, path)
    }

    /// A document changed in place after the index pass, same length, still a valid run
    /// with the same id (parsing it again could not tell). The replay replays the corpus as
    /// it was loaded: read back from an intact record, the run is the loaded one; when the
    /// record cannot serve it (damaged), the document's digest tells, and the read-back is an
    /// error naming the file.
    #[test]
    fn a_document_changed_in_place_is_noticed_when_the_cache_cannot_serve_its_run() {
        let dir = tempfile::tempdir().unwrap();
        let (index, path) = one_spilled_run(dir.path());
        let loaded = format!("{:?}", index.run(0).expect("read back"));
        // The first character of the last string value changed to another of its kind.
        let mut bytes = std::fs::read(&path).unwrap();
        let value = bytes
            .windows(4)
            .rposition(|w| &w[..3] == b"\":\"" && w[3].is_ascii_alphanumeric())
            .expect("a string value")
            + 3;
        bytes[value] = match bytes[value] {
            b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => bytes[value] + 1,
            _ => bytes[value] - 1,
        };
        let text = std::str::from_utf8(&bytes).unwrap().to_owned();
        let reparsed = crate::formats::parse::parse(&text, None, &LoadOptions::default().adapters)
            .expect("still a run");
        assert_eq!(reparsed.run_id, *index.entries()[0].run_id);
        std::fs::write(&path, &bytes).unwrap();
        // (The run read back before was dropped: this one is read back again.)
        let again = index.run(0).expect("served by the cache");
        assert_eq!(format!("{again:?}"), loaded);
        drop(again);
        // The record zeroed: the document must be parsed again, and is not what was loaded.
        let at = index.entries()[0].spilled.expect("spilled");
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let cache = index.cache.as_ref().expect("a spill");
            cache
                .file()
                .write_all_at(&vec![0; at.len()], at.at())
                .unwrap();
            let problem = index.run(0).expect_err("changed");
            assert_eq!(problem.path, path);
            assert!(
                problem.message.contains("changed during the run"),
                "{problem}"
            );
        }
    }

    /// The cache path does not open the corpus file: the file gone after the load, the run
    /// still comes back, whole, from its record; its document is only pointed at.
    #[test]
    fn a_run_served_by_the_cache_does_not_read_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let (index, path) = one_spilled_run(dir.path());
        let corpus = Corpus::load(std::slice::from_ref(&path), &spilling(dir.path()));
        std::fs::remove_file(&path).unwrap();
        let again = index.run(0).expect("served by the cache");
        assert!(
            matches!(&again.raw, RawDoc::Disk { path: p, .. } if **p == *path),
            "{:?}",
            again.raw
        );
        let (mut a, mut b) = ((*again).clone(), (*corpus.runs[0]).clone());
        (a.raw, b.raw) = (RawDoc::empty(), RawDoc::empty());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        // Only a user that wants the bytes meets the missing file.
        assert!(again.raw.bytes().is_err());
    }

    #[test]
    fn without_a_place_for_the_spill_runs_are_parsed_again_and_it_is_said_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let options = spilling(&missing);
        let index = Index::load(&fixtures(), &options);
        let warning = index.cache_warning.as_deref().expect("a warning");
        assert!(
            warning.contains(&missing.display().to_string()),
            "{warning}"
        );
        assert!(index.entries().iter().all(|e| !e.is_spilled()));
        every_run_read_back_is(&index, &Corpus::load(&fixtures(), &options));
    }

    #[test]
    fn a_run_in_use_is_shared_and_a_dropped_one_is_swept() {
        let index = Index::load(&fixtures(), &LoadOptions::default());
        let a = index.run(0).unwrap();
        let b = index.run(0).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "one copy while in use");
        drop((a, b));
        // Dropped runs leave dead entries; a sweep clears them once the table has grown.
        let mut table = InUse::default();
        for i in 0..10 * InUse::MIN_SWEEP {
            drop(table.put(
                i,
                Arc::new(Run::new(index.entries()[0].format, format!("r{i}"))),
            ));
        }
        assert!(table.runs.len() <= InUse::MIN_SWEEP, "{}", table.runs.len());
    }

    #[test]
    fn a_file_changed_during_the_run_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let src = fixtures()[0].join("noxus");
        let first = std::fs::read_dir(&src)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .expect("a noxus fixture");
        let path = dir.path().join("run.json");
        std::fs::copy(&first, &path).unwrap();
        let index = Index::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert_eq!(index.len(), 1);
        std::fs::write(&path, b"{}").unwrap();
        let problem = index.run(0).expect_err("changed");
        assert_eq!(problem.path, path);
        assert!(problem.message.contains("cannot read run"), "{problem}");
    }
}
