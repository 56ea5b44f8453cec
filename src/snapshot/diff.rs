//! Unified diffs of snapshot bodies (similar), plain for files and CI logs, colored for a
//! terminal.

use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` with `CONTEXT` lines of context. `old` is empty for a
/// new snapshot.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let (old, new) = (with_newline(old), with_newline(new));
    TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(CONTEXT)
        .header(old_name, new_name)
        .to_string()
}

/// The same diff with ANSI colors: removals red, additions green, hunk headers cyan.
pub fn colored(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let plain = unified(old, new, old_name, new_name);
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
    }
}
