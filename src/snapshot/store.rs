//! The snapshot files: `<root>/<system>/<workflow_id>/<run_id>.snap` in insta's file format
//! (`---\nsource: …\nexpression: …\n---\n<body>\n`), pending ones beside them as `.snap.new`.
//!
//! Update modes follow insta: `always` writes `.snap`, `new` writes `.snap.new` for review,
//! `no` writes nothing, `auto` is `no` under CI (env `CI`) and `new` otherwise. `--check`
//! writes nothing whatever the mode.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::compare::{self, Detail};
use super::diff;
use super::state::{SnapshotError, SnapshotState};
use crate::model::System;
use crate::names::{file_stem, is_plain};

/// When to write snapshot files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum UpdateMode {
    /// `no` under CI (env `CI` set), `new` otherwise.
    #[default]
    Auto,
    /// Write changed and new snapshots as `.snap`.
    Always,
    /// Write changed and new snapshots as `.snap.new`, for review.
    New,
    /// Write nothing.
    No,
}

impl UpdateMode {
    /// Resolves `auto` from the environment variable `CI`.
    pub fn resolve(self) -> UpdateMode {
        let ci = std::env::var("CI")
            .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
            .unwrap_or(false);
        self.resolve_with(ci)
    }

    /// Resolves `auto`: `no` when `ci`, `new` otherwise.
    pub fn resolve_with(self, ci: bool) -> UpdateMode {
        match self {
            UpdateMode::Auto if ci => UpdateMode::No,
            UpdateMode::Auto => UpdateMode::New,
            other => other,
        }
    }
}

/// Which case a snapshot belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SnapshotKey {
    /// The case's system.
    pub system: System,
    /// The case's workflow.
    pub workflow_id: Option<String>,
    /// The case's run id.
    pub run_id: String,
}

impl SnapshotKey {
    /// `<system>/<workflow_id>/<run_id>.snap`, the ids made file names by
    /// [`crate::names::file_stem`] (a case without a workflow id goes in `_none`).
    pub fn relative_path(&self) -> PathBuf {
        let mut p = PathBuf::from(self.system.as_str());
        p.push(match self.workflow_id.as_deref() {
            Some(w) => file_stem(w),
            None => NO_WORKFLOW.to_owned(),
        });
        p.push(format!("{}.snap", file_stem(&self.run_id)));
        p
    }

    /// Whether the file names differ from the ids, so the file must say which ids it holds.
    fn names_differ(&self) -> bool {
        !is_plain(&self.run_id) || self.workflow_id.as_deref().is_some_and(|w| !is_plain(w))
    }
}

/// The folder of cases without a workflow id.
const NO_WORKFLOW: &str = "_none";

/// How to check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckOptions {
    /// When to write (resolve `auto` first; `Auto` here acts as `New`).
    pub mode: UpdateMode,
    /// `--check`: write nothing.
    pub check: bool,
    /// How closely to compare.
    pub detail: Detail,
    /// The similarity threshold of `structure`.
    pub similarity: f64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            mode: UpdateMode::New,
            check: false,
            detail: Detail::Exact,
            similarity: compare::DEFAULT_SIMILARITY,
        }
    }
}

/// The result of checking one case.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The case.
    pub key: SnapshotKey,
    /// match, changed or new.
    pub outcome: SnapshotState,
    /// The `.snap` file.
    pub path: PathBuf,
    /// The file written, if any (`.snap` or `.snap.new`).
    pub written: Option<PathBuf>,
    /// The unified diff (plain) of a changed snapshot. A new one's (all additions) is not
    /// kept: [`Checked::unified_diff`] makes it when it is shown.
    pub diff: Option<String>,
    /// The stored body, if there was one.
    pub old: Option<String>,
    /// The new body.
    pub new: String,
}

impl Checked {
    /// The unified diff (plain) from the stored body, if any, to the new one: [`Checked::diff`]
    /// when kept, else made (empty for a match).
    pub fn unified_diff(&self) -> Cow<'_, str> {
        if let Some(d) = &self.diff {
            return Cow::Borrowed(d);
        }
        if self.outcome == SnapshotState::Match {
            return Cow::Borrowed("");
        }
        let rel = self.key.relative_path().display().to_string();
        let new_name = format!("new {rel}");
        Cow::Owned(match &self.old {
            Some(o) => diff::unified(o, &self.new, &format!("old {rel}"), &new_name),
            None => diff::unified("", &self.new, "/dev/null", &new_name),
        })
    }
}

/// A snapshot file's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    /// The `source:` header.
    pub source: Option<String>,
    /// The `expression:` header.
    pub expression: Option<String>,
    /// The exact run id from the `info` header (written when the file name is not the id).
    pub run_id: Option<String>,
    /// The body.
    pub body: String,
}

/// A YAML scalar as insta's header writer would accept it back: plain when safe, else quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '/' | '-'))
        && !s.starts_with(['-', ' ', '.'])
        && !s.ends_with(' ')
        && serde_yaml_ng::from_str::<serde_yaml_ng::Value>(s)
            .map(|v| v.is_string())
            .unwrap_or(false);
    if plain {
        s.to_owned()
    } else {
        yaml_quoted(s)
    }
}

/// A YAML double-quoted scalar every YAML reader reads back as `s`: what YAML does not allow
/// raw (control characters, a byte-order mark) and what YAML 1.1 takes as a line break (NEL,
/// U+2028, U+2029) is escaped as `\uXXXX`. (A JSON string is not enough: it
/// leaves those raw, and an id holding one made its snapshot unreadable.)
fn yaml_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        let code = u32::from(c);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            '\u{2028}' | '\u{2029}' | '\u{feff}' => out.push_str(&format!("\\u{code:04X}")),
            _ if matches!(code, 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..) => out.push(c),
            // What is left is all in the Basic Multilingual Plane.
            _ => out.push_str(&format!("\\u{code:04X}")),
        }
    }
    out.push('"');
    out
}

/// The text of a snapshot file, as insta writes it.
pub fn format_snapshot(source: &str, expression: &str, body: &str) -> String {
    format_with_info(source, expression, None, body)
}

/// [`format_snapshot`] with insta's free-form `info` header holding `key`'s exact ids, when given.
fn format_with_info(
    source: &str,
    expression: &str,
    key: Option<&SnapshotKey>,
    body: &str,
) -> String {
    let mut info = String::new();
    if let Some(key) = key {
        info.push_str("info:\n  run_id: ");
        info.push_str(&yaml_scalar(&key.run_id));
        info.push('\n');
        if let Some(w) = &key.workflow_id {
            info.push_str("  workflow_id: ");
            info.push_str(&yaml_scalar(w));
            info.push('\n');
        }
    }
    format!(
        "---\nsource: {}\nexpression: {}\n{info}---\n{}\n",
        yaml_scalar(source),
        yaml_scalar(expression),
        compare::normalize_body(body)
    )
}

/// Parses a snapshot file's text.
pub fn parse_snapshot(text: &str) -> Result<SnapshotFile, String> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or("does not start with `---`")?;
    let mut header_end = None;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            header_end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let (h_end, body_start) = header_end.ok_or("no closing `---` after the header")?;
    if let Some((source, expression)) = plain_header(&rest[..h_end]) {
        return Ok(SnapshotFile {
            source: Some(source.to_owned()),
            expression: Some(expression.to_owned()),
            run_id: None,
            body: compare::normalize_body(&rest[body_start..]),
        });
    }
    let header: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&rest[..h_end]).map_err(|e| format!("bad header: {e}"))?;
    let field = |k: &str| header.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(SnapshotFile {
        source: field("source"),
        expression: field("expression"),
        run_id: header
            .get("info")
            .and_then(|i| i.get("run_id"))
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        body: compare::normalize_body(&rest[body_start..]),
    })
}

/// The header as reprise writes it for ordinary paths (`source: <plain>\nexpression:
/// <plain>\n`), read without a YAML parser (one per case showed in profiles). Only values that
/// YAML reads back as the same string qualify: the characters [`yaml_scalar`] writes plain,
/// and a space or `/` so they cannot be a number, bool or null. Anything else: `None`.
fn plain_header(header: &str) -> Option<(&str, &str)> {
    let mut lines = header.split('\n');
    let source = lines.next()?.strip_prefix("source: ")?;
    let expression = lines.next()?.strip_prefix("expression: ")?;
    if lines.any(|l| !l.is_empty()) {
        return None;
    }
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '/' | '-'))
            && !s.starts_with(['-', ' ', '.'])
            && !s.ends_with(' ')
            && s.contains([' ', '/'])
    };
    (plain(source) && plain(expression)).then_some((source, expression))
}

/// Reads a snapshot file (`None` when it does not exist).
pub fn read_snapshot(path: &Path) -> Result<Option<SnapshotFile>, SnapshotError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_snapshot(&text)
            .map(Some)
            .map_err(|message| SnapshotError::Format {
                path: path.to_path_buf(),
                message,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SnapshotError::io(path, e)),
    }
}

/// The pending file beside a `.snap`.
pub fn pending_path(snap: &Path) -> PathBuf {
    snap.with_extension("snap.new")
}

/// Writes `text` to `path` atomically (temp file in the same folder, then rename).
fn write_atomic(path: &Path, text: &str) -> Result<(), SnapshotError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| SnapshotError::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| SnapshotError::io(dir, e))?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| SnapshotError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| SnapshotError::io(path, e.error))?;
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<(), SnapshotError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SnapshotError::io(path, e)),
    }
}

/// The snapshot folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store rooted at `root` (`snapshots/` by default).
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.snap` file of `key`.
    pub fn path_of(&self, key: &SnapshotKey) -> PathBuf {
        self.root.join(key.relative_path())
    }

    /// Compares `body` with `key`'s snapshot and writes what `options` say.
    /// `source` goes in the header (where the recording came from).
    pub fn check(
        &self,
        key: &SnapshotKey,
        body: &str,
        source: &str,
        options: &CheckOptions,
    ) -> Result<Checked, SnapshotError> {
        let path = self.path_of(key);
        let pending = pending_path(&path);
        let new = compare::normalize_body(body);
        let old = read_snapshot(&path)?.map(|f| f.body);
        let matched = old
            .as_deref()
            .is_some_and(|o| compare::matches(o, &new, options.detail, options.similarity));
        let mut checked = Checked {
            key: key.clone(),
            outcome: if matched {
                SnapshotState::Match
            } else if old.is_some() {
                SnapshotState::Changed
            } else {
                SnapshotState::New
            },
            path: path.clone(),
            written: None,
            diff: None,
            old,
            new,
        };
        if checked.outcome == SnapshotState::Changed {
            checked.diff = Some(checked.unified_diff().into_owned());
        }
        if options.check {
            return Ok(checked);
        }
        let expression = format!(
            "{} {} {}",
            key.system,
            key.workflow_id.as_deref().unwrap_or(NO_WORKFLOW),
            key.run_id
        );
        let info = key.names_differ().then_some(key);
        match (options.mode, matched) {
            (UpdateMode::No, _) => {}
            // A stale pending snapshot is obsolete once the case matches again.
            (_, true) => remove_if_exists(&pending)?,
            (UpdateMode::Always, false) => {
                let text = format_with_info(source, &expression, info, &checked.new);
                write_atomic(&path, &text)?;
                remove_if_exists(&pending)?;
                checked.written = Some(path);
            }
            (UpdateMode::New | UpdateMode::Auto, false) => {
                let text = format_with_info(source, &expression, info, &checked.new);
                write_atomic(&pending, &text)?;
                checked.written = Some(pending);
            }
        }
        Ok(checked)
    }

    /// The files under the root whose name ends in `suffix` and that `keep` accepts, sorted.
    fn files_ending(&self, suffix: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .filter(|p| p.to_str().is_some_and(|s| s.ends_with(suffix)) && keep(p))
            .collect();
        out.sort();
        out
    }

    /// Every `.snap` file, sorted.
    pub fn snapshots(&self) -> Vec<PathBuf> {
        self.files_ending(".snap", |_| true)
    }

    /// Every pending `.snap.new` file, sorted.
    pub fn pending(&self) -> Vec<PathBuf> {
        self.files_ending(".snap.new", |_| true)
    }

    /// `.snap` files no case of this run produced (`seen`: the `.snap` paths of the cases),
    /// each with the run id it holds (its file name when the file cannot be read).
    pub fn orphans(&self, seen: impl Fn(&Path) -> bool) -> Vec<Orphan> {
        // Filtered before sorting: a path sorts component by component, and a big suite has
        // a hundred thousand snapshots but few orphans.
        self.files_ending(".snap", |p| !seen(p))
            .into_iter()
            .map(|path| Orphan {
                run_id: run_id_of(&path).unwrap_or_else(|_| stem_of(&path)),
                path,
            })
            .collect()
    }

    /// Deletes `orphans` and their pending files; returns how many were deleted.
    pub fn prune(&self, orphans: &[Orphan]) -> Result<usize, SnapshotError> {
        for o in orphans {
            remove_if_exists(&o.path)?;
            remove_if_exists(&pending_path(&o.path))?;
        }
        Ok(orphans.len())
    }

    /// Accepts a pending snapshot: `.snap.new` replaces `.snap`.
    pub fn accept(&self, pending: &Path) -> Result<PathBuf, SnapshotError> {
        let snap = snap_of_pending(pending);
        std::fs::rename(pending, &snap).map_err(|e| SnapshotError::io(pending, e))?;
        Ok(snap)
    }

    /// Rejects a pending snapshot: `.snap.new` is deleted, `.snap` stays.
    pub fn reject(&self, pending: &Path) -> Result<(), SnapshotError> {
        std::fs::remove_file(pending).map_err(|e| SnapshotError::io(pending, e))
    }
}

/// The `.snap` a `.snap.new` belongs to.
pub fn snap_of_pending(pending: &Path) -> PathBuf {
    let s = pending.to_string_lossy();
    PathBuf::from(s.strip_suffix(".new").unwrap_or(&s).to_owned())
}

/// A snapshot no case of the run produced.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Orphan {
    /// The `.snap` file.
    pub path: PathBuf,
    /// The run id it was written for.
    pub run_id: String,
}

/// The run id a `.snap` or `.snap.new` file was written for: the exact id of its `info`
/// header when the file name is not the id, else the file name without its extension.
pub fn run_id_of(path: &Path) -> Result<String, SnapshotError> {
    Ok(read_snapshot(path)?
        .and_then(|f| f.run_id)
        .unwrap_or_else(|| stem_of(path)))
}

/// A `.snap` or `.snap.new` file's name without its extension.
fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.trim_end_matches(".new")
        .trim_end_matches(".snap")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn plain_header_reads_what_yaml_reads() {
        for (source, expression) in [
            ("fixtures/noxus/run 1.json", "noxus wf_1 run_1"),
            ("/tmp/a-b/c.json", "cortex _none run_x"),
            ("true", "noxus wf run"),
            ("12", "1 2"),
            ("a:b/c", "x y"),
        ] {
            let text = format_snapshot(source, expression, "body");
            let fast = parse_snapshot(&text).unwrap();
            assert_eq!(fast.source.as_deref(), Some(source), "{text}");
            assert_eq!(fast.expression.as_deref(), Some(expression), "{text}");
            assert_eq!(fast.body, "body");
        }
        assert_eq!(
            plain_header("source: a/b\nexpression: x y\n"),
            Some(("a/b", "x y"))
        );
        assert_eq!(plain_header("source: 12\nexpression: x y\n"), None);
        assert_eq!(
            plain_header("source: a/b\nexpression: x y\ninfo: z\n"),
            None
        );
    }

    fn key() -> SnapshotKey {
        SnapshotKey {
            system: crate::vendors::interactly::SYSTEM,
            workflow_id: Some("wf1".into()),
            run_id: "run1".into(),
        }
    }

    fn opts(mode: UpdateMode, check: bool) -> CheckOptions {
        CheckOptions {
            mode,
            check,
            ..CheckOptions::default()
        }
    }

    #[test]
    fn lifecycle_new_accept_match_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let body = "status: completed\n";
        // check writes nothing
        let c = store
            .check(&key(), body, "f.json", &opts(UpdateMode::Always, true))
            .unwrap();
        assert_eq!(c.outcome, SnapshotState::New);
        assert!(c.written.is_none());
        assert!(store.snapshots().is_empty() && store.pending().is_empty());
        // new → .snap.new
        let c = store
            .check(&key(), body, "f.json", &opts(UpdateMode::New, false))
            .unwrap();
        assert_eq!(c.outcome, SnapshotState::New);
        assert_eq!(store.pending().len(), 1);
        assert_eq!(run_id_of(&store.pending()[0]).unwrap(), "run1");
        let snap = store.accept(&store.pending()[0]).unwrap();
        assert_eq!(snap, dir.path().join("interactly/wf1/run1.snap"));
        let text = std::fs::read_to_string(&snap).unwrap();
        assert_eq!(
            text,
            "---\nsource: f.json\nexpression: interactly wf1 run1\n---\nstatus: completed\n"
        );
        // match
        let c = store
            .check(&key(), body, "f.json", &opts(UpdateMode::New, false))
            .unwrap();
        assert_eq!(c.outcome, SnapshotState::Match);
        assert!(c.diff.is_none() && c.written.is_none());
        // changed, under no: nothing written, diff given
        let c = store
            .check(
                &key(),
                "status: failed\n",
                "f.json",
                &opts(UpdateMode::No, false),
            )
            .unwrap();
        assert_eq!(c.outcome, SnapshotState::Changed);
        let d = c.diff.unwrap();
        assert!(
            d.contains("-status: completed") && d.contains("+status: failed"),
            "{d}"
        );
        assert!(store.pending().is_empty());
        // always overwrites
        store
            .check(
                &key(),
                "status: failed\n",
                "f.json",
                &opts(UpdateMode::Always, false),
            )
            .unwrap();
        assert_eq!(
            read_snapshot(&snap).unwrap().unwrap().body,
            "status: failed"
        );
        // orphans
        let seen: HashSet<PathBuf> = HashSet::new();
        assert_eq!(
            store.orphans(|p| seen.contains(p)),
            vec![Orphan {
                path: snap.clone(),
                run_id: "run1".into()
            }]
        );
        assert_eq!(
            store.prune(&store.orphans(|p| seen.contains(p))).unwrap(),
            1
        );
        assert!(store.snapshots().is_empty());
    }

    #[test]
    fn stale_pending_is_removed_on_match_and_reject_keeps_snap() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store
            .check(&key(), "a: 1", "s", &opts(UpdateMode::Always, false))
            .unwrap();
        store
            .check(&key(), "a: 2", "s", &opts(UpdateMode::New, false))
            .unwrap();
        assert_eq!(store.pending().len(), 1);
        store.reject(&store.pending()[0]).unwrap();
        assert!(store.pending().is_empty());
        store
            .check(&key(), "a: 2", "s", &opts(UpdateMode::New, false))
            .unwrap();
        let c = store
            .check(&key(), "a: 1", "s", &opts(UpdateMode::New, false))
            .unwrap();
        assert_eq!(c.outcome, SnapshotState::Match);
        assert!(store.pending().is_empty());
    }

    #[test]
    fn auto_is_no_under_ci() {
        assert_eq!(UpdateMode::Auto.resolve_with(true), UpdateMode::No);
        assert_eq!(UpdateMode::Auto.resolve_with(false), UpdateMode::New);
        assert_eq!(UpdateMode::Always.resolve_with(true), UpdateMode::Always);
    }

    #[test]
    fn paths_are_safe() {
        let k = SnapshotKey {
            system: crate::vendors::cortex::SYSTEM,
            workflow_id: Some("../../etc".into()),
            run_id: "a/b".into(),
        };
        let folder = file_stem("../../etc");
        let file = format!("{}.snap", file_stem("a/b"));
        assert!(folder.starts_with("_._.._etc~"), "{folder}");
        assert_eq!(
            k.relative_path(),
            PathBuf::from("cortex").join(&folder).join(&file)
        );
        let k = SnapshotKey {
            workflow_id: Some("..".into()),
            ..k
        };
        assert_eq!(
            k.relative_path(),
            PathBuf::from("cortex").join(file_stem("..")).join(&file)
        );
        assert!(!file_stem("..").contains('/') && file_stem("..") != "..");
    }

    #[test]
    fn odd_ids_are_stored_in_the_file_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let ids = ["ü-abc", "é-abc", "a/b", "a_b", "x".repeat(300).leak()];
        for id in ids {
            let key = SnapshotKey {
                system: crate::vendors::noxus::SYSTEM,
                workflow_id: Some("wf/1".into()),
                run_id: id.into(),
            };
            store
                .check(&key, id, "s", &opts(UpdateMode::New, false))
                .unwrap();
        }
        let pending = store.pending();
        assert_eq!(pending.len(), ids.len(), "one file per id: {pending:?}");
        let mut read: Vec<String> = pending.iter().map(|p| run_id_of(p).unwrap()).collect();
        read.sort();
        let mut want: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(read, want);
        // A plain run id in a folder named after an odd workflow id: the header names both.
        let plain = std::fs::read_to_string(
            dir.path()
                .join(format!("noxus/{}/a_b.snap.new", file_stem("wf/1"))),
        )
        .unwrap();
        assert!(
            plain.contains("info:\n  run_id: a_b\n  workflow_id: wf/1\n"),
            "{plain}"
        );
        let snap = store.accept(&pending[0]).unwrap();
        let orphans = store.orphans(|_| false);
        assert_eq!(orphans.len(), 1);
        assert_eq!(orphans[0].path, snap);
        assert_eq!(orphans[0].run_id, run_id_of(&snap).unwrap());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any source, expression and run id comes back from the file exactly as written.
        #[test]
        fn any_header_value_round_trips(
            source in proptest::prelude::any::<String>(),
            run_id in "(\\PC|[\\x00-\\x1f\\x7f-\\u{a0}\\u{2028}\\u{2029}\\u{feff}\"\\\\])*",
        ) {
            let key = SnapshotKey {
                system: crate::vendors::noxus::SYSTEM,
                workflow_id: None,
                run_id: run_id.clone(),
            };
            let text = format_with_info(&source, &run_id, Some(&key), "body");
            let file = parse_snapshot(&text).map_err(|e| {
                proptest::test_runner::TestCaseError::fail(format!("{e}: {text:?}"))
            })?;
            proptest::prop_assert_eq!(file.source.as_deref(), Some(source.as_str()));
            proptest::prop_assert_eq!(file.expression.as_deref(), Some(run_id.as_str()));
            proptest::prop_assert_eq!(file.run_id.as_deref(), Some(run_id.as_str()));
        }
    }

    #[test]
    fn headers_round_trip_with_quoting() {
        let text = format_snapshot("dir: x/#1.json", "true", "a: 1\n\n");
        let f = parse_snapshot(&text).unwrap();
        assert_eq!(f.source.as_deref(), Some("dir: x/#1.json"));
        assert_eq!(f.expression.as_deref(), Some("true"));
        assert_eq!(f.body, "a: 1");
        assert!(parse_snapshot("nope").is_err());
    }
}
