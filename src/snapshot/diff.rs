//! Unified diffs of snapshot bodies (similar), plain for files and CI logs, colored for a
//! terminal.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` with `CONTEXT` lines of context. `old` is empty for a
/// new snapshot.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let (old, new) = (with_newline(old), with_newline(new));
    if old.is_empty() && !new.as_bytes().contains(&b'\r') {
        return additions(&new, old_name, new_name);
    }
    TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(CONTEXT)
        .header(old_name, new_name)
        .to_string()
}

/// What similar writes when `old` is empty, without diffing: one hunk adding every line of
/// `new`. A first run's snapshots are all new, and under `--check` each one's diff is
/// printed, so this is the diff most often made. `new` ends in `\n` (or is empty) and holds no
/// `\r`, the other line break similar splits at.
fn additions(new: &str, old_name: &str, new_name: &str) -> String {
    let lines = new.bytes().filter(|&b| b == b'\n').count();
    if lines == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(new.len() + lines + old_name.len() + new_name.len() + 40);
    let _ = writeln!(out, "--- {old_name}\n+++ {new_name}");
    if lines == 1 {
        out.push_str("@@ -0,0 +1 @@\n");
    } else {
        let _ = writeln!(out, "@@ -0,0 +1,{lines} @@");
    }
    for line in new.split_inclusive('\n') {
        out.push('+');
        out.push_str(line);
    }
    out
}

/// The same diff with ANSI colors: removals red, additions green, hunk headers cyan.
pub fn colored(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    color(&unified(old, new, old_name, new_name))
}

/// A plain unified diff ([`unified`]) with ANSI colors.
pub fn color(plain: &str) -> String {
    let mut out = String::with_capacity(plain.len() + 256);
    for line in plain.lines() {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            console::style(line).bold().force_styling(true).to_string()
        } else if line.starts_with("@@") {
            console::style(line).cyan().force_styling(true).to_string()
        } else if line.starts_with('+') {
            console::style(line).green().force_styling(true).to_string()
        } else if line.starts_with('-') {
            console::style(line).red().force_styling(true).to_string()
        } else {
            line.to_owned()
        };
        out.push_str(&styled);
        out.push('\n');
    }
    out
}

/// How many lines were added and removed.
pub fn counts(old: &str, new: &str) -> (usize, usize) {
    let (old, new) = (with_newline(old), with_newline(new));
    let diff = TextDiff::from_lines(old.as_str(), new.as_str());
    let mut added = 0;
    let mut removed = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => added += 1,
            ChangeTag::Delete => removed += 1,
            ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

fn with_newline(s: &str) -> String {
    let t = super::compare::normalize_body(s);
    if t.is_empty() {
        t
    } else {
        format!("{t}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_has_headers_context_and_changes() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified(old, new, "old", "new");
        insta::assert_snapshot!(d, @r"
        --- old
        +++ new
        @@ -2,7 +2,7 @@
         b
         c
         d
        -e
        +E
         f
         g
         h
        ");
        assert_eq!(counts(old, new), (1, 1));
        let c = colored(old, new, "old", "new");
        assert!(c.contains("\u{1b}[31m-e"), "{c:?}");
        assert!(c.contains("\u{1b}[32m+E"), "{c:?}");
    }

    #[test]
    fn new_snapshot_diff_is_all_additions() {
        let d = unified("", "x: 1\n", "/dev/null", "new");
        assert!(d.contains("+x: 1"));
        assert_eq!(counts("", "x: 1\n"), (1, 0));
        assert_eq!(
            unified("", "a\n\nb\n\n", "o", "n"),
            "--- o\n+++ n\n@@ -0,0 +1,3 @@\n+a\n+\n+b\n"
        );
        assert_eq!(unified("", " \n", "o", "n"), "");
    }

    /// What similar itself writes for the diff.
    fn by_similar(old: &str, new: &str) -> String {
        let (old, new) = (with_newline(old), with_newline(new));
        TextDiff::from_lines(old.as_str(), new.as_str())
            .unified_diff()
            .context_radius(CONTEXT)
            .header("/dev/null", "new x.snap")
            .to_string()
    }

    proptest::proptest! {
        /// The diff of a new snapshot, made without diffing, is byte for byte similar's.
        #[test]
        fn additions_are_what_similar_writes(
            new in "([a-z:' -]|\n|\r|\r\n|\t|é|\u{2028}|\u{85})*",
        ) {
            proptest::prop_assert_eq!(
                unified("", &new, "/dev/null", "new x.snap"),
                by_similar("", &new)
            );
        }
    }
}
