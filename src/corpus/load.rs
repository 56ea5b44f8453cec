//! Finding files and loading them in parallel.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::link::{link, position, unique, Links, Warning};
use crate::formats::container::read_file_keeping;
use crate::formats::{Adapters, Problem};
use crate::model::{DocScan, Format, Run, System};

/// How to load. The default reads with the built-in vendors' adapters (its `Default` is
/// implemented beside the vendors' registry, `crate::vendors`).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The adapters that read documents, in order (`Registry::adapters` of the vendors).
    pub adapters: Adapters,
    /// Skip detection and read every document as this format.
    pub format: Option<Format>,
    /// Keep each file's bytes in memory (else runs re-read their raw document from disk).
    pub keep_raw: bool,
    /// Hash each raw document while its file is in memory ([`Run::raw_digest`]), for
    /// [`crate::replay::corpus_digest`] (and, when a run cannot be decoded from the cache, to
    /// tell that its document changed since).
    pub digest: bool,
    /// A scan of each raw document while its file is in memory, kept with the run
    /// ([`Run::found`]): `reprise run` gives its redactor, so that the snapshot stage learns a
    /// case's PII values without reading its document back.
    pub scan: Option<Arc<dyn DocScan>>,
    /// A folder for [`super::Index::load`] to spill the runs it reads to (an anonymous
    /// temporary file there), so that a run read back is decoded, not parsed again, and its
    /// document is not read (see [`super::index`]).
    pub cache: Option<PathBuf>,
}

/// Loaded runs, their problems and warnings.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Every good run, sorted by run id; run ids are unique. Shared with engines, not copied.
    pub runs: Vec<Arc<Run>>,
    /// Bad files, documents and lines.
    pub problems: Vec<Problem>,
    /// Dangling links, duplicate ids, symbolic link loops and odd files that still loaded:
    /// listed, counted, never fatal.
    pub warnings: Vec<Warning>,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// The systems of the adapters it was read with, in order.
    systems: Vec<System>,
    links: Links,
}

/// The JSON files under `paths` (files given by name are taken whatever their extension),
/// sorted, each once, and the paths that could not be taken. Symbolic links are followed;
/// [`Corpus::load`] also reports the links that loop (see [`walk`]).
pub fn find_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let found = walk(paths);
    (found.files, found.problems)
}

/// What walking the corpus paths found.
#[derive(Debug, Default)]
struct Found {
    files: Vec<PathBuf>,
    /// The files handed to [`walk_each`]'s `each`, in that order, when `files` are not those.
    walked: Option<Vec<PathBuf>>,
    problems: Vec<Problem>,
    warnings: Vec<Warning>,
    /// Whether a file could be reached by two paths (a link inside a root, or a root that is a
    /// link among several roots), so that each file was checked by its identity.
    links: bool,
}

/// Walks `paths`, following symbolic links to files and folders. A link that leads back to a
/// folder it is in is a warning (each such link once), and is not followed again. A file
/// reached by several paths through links is read once (only when a link was met: that check
/// costs a `stat` per file). A FIFO, socket or device is an error naming it and is never
/// opened (opening a FIFO would wait for a writer forever): inside folders only when its name
/// is a JSON name, always when given by name.
fn walk(paths: &[PathBuf]) -> Found {
    walk_each(paths, |_| {})
}

/// [`walk`], handing each file to `each` as it is found (in walk order, before the files are
/// sorted, deduplicated and checked for one file reached by several paths).
fn walk_each(paths: &[PathBuf], mut each: impl FnMut(&PathBuf)) -> Found {
    let mut found = Found::default();
    // Whether the files come out sorted, each after the one before (one folder walked does:
    // its entries are sorted by name), checked as they come rather than after the walk.
    let mut sorted = true;
    let mut push = |found: &mut Found, path: PathBuf| {
        sorted &= found.files.last().is_none_or(|last| *last < path);
        each(&path);
        found.files.push(path);
    };
    let mut loops = HashSet::new();
    let mut links = false;
    for root in paths {
        // A root that is a link reaches files another root may reach by other paths; alone,
        // it reaches each of its files by one path (links inside it are met below).
        if paths.len() > 1
            && std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink())
        {
            links = true;
        }
        match std::fs::metadata(root) {
            Ok(m) if m.is_file() => {
                push(&mut found, root.clone());
                continue;
            }
            Ok(m) if m.is_dir() => {}
            Ok(m) => {
                found.problems.push(not_a_file(root, &m.file_type()));
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                found
                    .problems
                    .push(Problem::file(root, "no such file or directory"));
                continue;
            }
            Err(e) => {
                found
                    .problems
                    .push(Problem::file(root, format!("cannot read: {e}")));
                continue;
            }
        }
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            // The root itself (depth 0) is taken care of above: a lone root that is a link
            // reaches each of its files by one path.
            if entry
                .as_ref()
                .is_ok_and(|e| e.depth() > 0 && e.path_is_symlink())
            {
                links = true;
            }
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if is_json_name(e.path()) {
                        push(&mut found, e.into_path());
                    }
                }
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) => {
                    if is_json_name(e.path()) {
                        found.problems.push(not_a_file(e.path(), &e.file_type()));
                    }
                }
                Err(e) => {
                    let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    if let Some(ancestor) = e.loop_ancestor() {
                        if loops.insert(path.clone()) {
                            found.warnings.push(Warning::File {
                                path,
                                message: format!(
                                    "symbolic link loop: leads back to {}; not followed",
                                    ancestor.display()
                                ),
                            });
                        }
                    } else if is_json_name(&path) || !is_dangling_link(&path) {
                        found
                            .problems
                            .push(Problem::file(path, format!("cannot read: {e}")));
                    }
                }
            }
        }
    }
    let walked = found.files.len();
    if !sorted || links {
        found.walked = Some(found.files.clone());
    }
    if !sorted {
        found.files.sort();
        found.files.dedup();
    }
    if links {
        // Links can reach one file by several paths: read it once, by its first path.
        let mut seen = HashSet::new();
        found.files.retain(|f| seen.insert(file_identity(f)));
    }
    if sorted && found.files.len() == walked {
        found.walked = None;
    }
    found.links = links;
    found
}

/// What makes two paths one file: device and inode on Unix, the canonical path elsewhere
/// (the path itself when neither can be read; reading it will then report why).
fn file_identity(path: &Path) -> (u64, u64, PathBuf) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return (m.dev(), m.ino(), PathBuf::new());
        }
    }
    #[cfg(not(unix))]
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return (0, 0, canonical);
    }
    (u64::MAX, 0, path.to_path_buf())
}

/// A link whose target is missing (a dangling link that is not a JSON file is no concern of
/// the corpus, as a plain non-JSON file is not).
fn is_dangling_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(path).is_err()
}

/// The error for a path that is neither a regular file nor a folder.
fn not_a_file(path: &Path, file_type: &std::fs::FileType) -> Problem {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            "a FIFO (named pipe)"
        } else if file_type.is_socket() {
            "a socket"
        } else if file_type.is_block_device() {
            "a block device"
        } else if file_type.is_char_device() {
            "a character device"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let kind = {
        let _ = file_type;
        "a special file"
    };
    Problem::file(path, format!("{kind}, not a regular file: not read"))
}

/// The input error of a corpus without a single run (`what` = `runs`) or case (`cases`):
/// `no runs found under <paths>`.
pub fn nothing_found(what: &str, paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!("no {what} found under {}", names.join(", "))
}

fn is_json_name(path: &Path) -> bool {
    // No lower-cased copy: this runs once per file of the walk.
    path.extension().is_some_and(|e| {
        ["json", "jsonl", "ndjson"]
            .iter()
            .any(|name| e.eq_ignore_ascii_case(name))
    })
}

/// Runs per system: every one of `systems` in order (then any other system of `runs`).
pub(crate) fn count_by_system(
    systems: &[System],
    runs: impl Iterator<Item = System>,
) -> Vec<(System, usize)> {
    let mut counts: Vec<(System, usize)> = systems.iter().map(|&s| (s, 0)).collect();
    for system in runs {
        match counts.iter_mut().find(|(s, _)| *s == system) {
            Some((_, n)) => *n += 1,
            None => counts.push((system, 1)),
        }
    }
    counts
}

/// What reading every file under some paths gave: each run as `keep` made it, in file order,
/// with the problems and warnings of the files and the walk.
pub(crate) struct ReadAll<T> {
    pub runs: Vec<T>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    pub files: usize,
    pub bytes: u64,
}

/// What reading one file gave, `keep` applied to its runs.
struct FileRead<T> {
    runs: Vec<T>,
    problems: Vec<Problem>,
    warnings: Vec<Warning>,
    bytes: u64,
}

/// Reads every file under `paths` on all cores; each run is handed to `keep` on the worker
/// that read it (a loaded corpus keeps the whole run, the index a small entry of it).
///
/// Files are read while the folders are still being walked: the walk (directory reads, a
/// name sort and a path per file: about half a second of one core per 100,000 files, plus a
/// `stat` each when links are met) was a serial tenth of the index pass. The outcomes are
/// then put in the order of the sorted file list: the walk's order when that was it already
/// (one folder), else by path (several paths, links, one file named twice).
pub(crate) fn read_all<T: Send>(
    paths: &[PathBuf],
    options: &LoadOptions,
    keep: impl Fn(Run) -> T + Sync,
) -> ReadAll<T> {
    let read_one = |path: &PathBuf| {
        // Each run is kept (and dropped) as soon as it is read: a file's runs are never all
        // in memory at once.
        let read = read_file_keeping(
            path,
            &options.adapters,
            options.format,
            options.keep_raw,
            options.digest,
            options.scan.as_ref(),
            &keep,
        );
        // Moved to a list of their exact number: the reader's list grew by doubling (four
        // places for a file's one document), and it lives as long as the corpus.
        let mut runs: Vec<T> = Vec::with_capacity(read.runs.len());
        runs.extend(read.runs);
        let warnings: Vec<Warning> = read
            .warnings
            .into_iter()
            .map(|message| Warning::File {
                path: path.clone(),
                message,
            })
            .collect();
        FileRead {
            runs,
            problems: read.problems,
            warnings,
            bytes: read.bytes,
        }
    };
    // The walk runs on a thread of its own and hands each file on as it finds it; the pool's
    // threads take the next file when they are free (a file at a time: two large files of a
    // corpus go to two cores). Not a task spawned per file: a thread waiting inside a large
    // file's parse would take up more tasks from the queue on its own stack, one inside the
    // other, without end.
    let (found, mut reads) = std::thread::scope(|scope| {
        // Unbounded: a walk that waited for room would be woken once per file read (a
        // context switch each); it runs ahead of the reading, its paths queued meanwhile.
        let (tx, rx) = std::sync::mpsc::channel::<PathBuf>();
        let walker = scope.spawn(move || {
            walk_each(paths, |path| {
                // The receiver lives until the walk ends.
                let _ = tx.send(path.clone());
            })
        });
        let reads: Vec<(usize, FileRead<T>)> = rx
            .into_iter()
            .enumerate()
            .par_bridge()
            .map(|(i, path)| (i, read_one(&path)))
            .collect();
        let found = walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (found, reads)
    });
    let Found {
        files,
        mut problems,
        warnings: walk_warnings,
        walked,
        links: _,
    } = found;
    // In walk order.
    reads.sort_unstable_by_key(|r| r.0);
    let mut runs = Vec::with_capacity(reads.iter().map(|r| r.1.runs.len()).sum());
    let reads = reads.into_iter().map(|r| r.1);
    let reads: Box<dyn Iterator<Item = FileRead<T>>> = match walked {
        Some(walked) => {
            // By path: the sorted list holds each walked path at most once.
            let mut by_path: HashMap<PathBuf, FileRead<T>> =
                walked.into_iter().zip(reads).collect();
            Box::new(
                files
                    .iter()
                    .map(move |path| by_path.remove(path).unwrap_or_else(|| read_one(path))),
            )
        }
        None => Box::new(reads),
    };
    let mut bytes = 0;
    let mut warnings = walk_warnings;
    for read in reads {
        bytes += read.bytes;
        runs.extend(read.runs);
        problems.extend(read.problems);
        warnings.extend(read.warnings);
    }
    ReadAll {
        runs,
        problems,
        warnings,
        files: files.len(),
        bytes,
    }
}

impl Corpus {
    /// Loads every run under `paths`, in parallel.
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Corpus {
        // Runs are moved into their `Arc` on the worker that read them: copying every run
        // into one list first would be serial work on fresh memory.
        let read = read_all(paths, options, Arc::new);
        let mut corpus = Corpus::from_shared(read.runs);
        corpus.problems.splice(0..0, read.problems);
        corpus.warnings.splice(0..0, read.warnings);
        corpus.files = read.files;
        corpus.bytes = read.bytes;
        corpus.systems = options.adapters.systems();
        corpus
    }

    /// A corpus of runs already loaded (files in order; the first of a duplicated id wins).
    pub fn from_runs(runs: Vec<Run>) -> Corpus {
        Corpus::from_shared(runs.into_iter().map(Arc::new).collect())
    }

    /// [`Corpus::from_runs`] for runs already shared.
    fn from_shared(all: Vec<Arc<Run>>) -> Corpus {
        let (kept, mut warnings) = unique(all);
        let (links, link_warnings) = link(&kept);
        warnings.extend(link_warnings);
        Corpus {
            runs: kept,
            problems: Vec::new(),
            warnings,
            files: 0,
            bytes: 0,
            systems: Vec::new(),
            links,
        }
    }

    /// The run with this id.
    pub fn get(&self, run_id: &str) -> Option<&Arc<Run>> {
        position(&self.runs, run_id).map(|i| &self.runs[i])
    }

    /// The cases (runs that are not evaluation runs), sorted by run id.
    pub fn cases(&self) -> impl Iterator<Item = &Arc<Run>> {
        self.runs.iter().filter(|r| r.is_case())
    }

    /// The evaluation runs.
    pub fn evaluations(&self) -> impl Iterator<Item = &Arc<Run>> {
        self.runs.iter().filter(|r| !r.is_case())
    }

    /// The evaluation run that judged `run_id`, if the corpus has it.
    pub fn evaluation_of(&self, run_id: &str) -> Option<&Arc<Run>> {
        let run = position(&self.runs, run_id)?;
        self.links.evaluation_of(run).map(|i| &self.runs[i])
    }

    /// Evaluation runs whose source is in the corpus.
    pub fn linked_evaluations(&self) -> usize {
        self.links.linked
    }

    /// Evaluation runs whose source is not in the corpus.
    pub fn dangling_evaluations(&self) -> usize {
        self.links.dangling
    }

    /// Runs per system: every system the corpus was read with, in the adapters' order (then
    /// any other system its runs are of).
    pub fn count_by_system(&self) -> Vec<(System, usize)> {
        count_by_system(&self.systems, self.runs.iter().map(|r| r.system))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A folder `real` with two JSON files, and `link` leading to it.
    fn linked_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        for name in ["a.json", "b.json"] {
            std::fs::write(real.join(name), "{}").unwrap();
        }
        symlink(&real, dir.path().join("link")).unwrap();
        dir
    }

    #[test]
    fn a_lone_root_that_is_a_link_is_walked_without_a_stat_per_file() {
        let dir = linked_folder();
        let found = walk(&[dir.path().join("link")]);
        assert_eq!(found.files.len(), 2);
        assert!(!found.links, "one root reaches each file by one path");
    }

    #[test]
    fn a_file_reached_twice_through_links_is_read_once() {
        let dir = linked_folder();
        // Two roots, one a link to the other.
        let found = walk(&[dir.path().join("link"), dir.path().join("real")]);
        assert!(found.links);
        assert_eq!(found.files.len(), 2, "{:?}", found.files);
        // A link inside the root.
        let found = walk(&[dir.path().to_path_buf()]);
        assert!(found.links);
        assert_eq!(found.files.len(), 2, "{:?}", found.files);
    }
}
