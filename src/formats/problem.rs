//! A bad document or file: where it is and what is wrong, as `validate` prints it.

use std::path::PathBuf;

use serde::Serialize;

/// One problem with one file, document or JSONL line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line in the file (the JSONL line, or where the parser stopped).
    pub line: Option<usize>,
    /// 1-based column, with `line`.
    pub column: Option<usize>,
    /// JSON pointer inside the document ("" for the whole document).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem at a JSON pointer, file not yet known.
    pub fn at(pointer: &str, message: impl Into<String>) -> Problem {
        Problem {
            path: PathBuf::new(),
            line: None,
            column: None,
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    /// A problem with the file as a whole.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            ..Problem::at("", message)
        }
    }
}

impl std::fmt::Display for Problem {
    /// `path[:line]: JSON location: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let location = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, ": {location}: {}", self.message)?;
        if let (Some(line), Some(col)) = (self.line, self.column) {
            let _ = line;
            write!(f, " (column {col})")?;
        }
        Ok(())
    }
}

pub(crate) fn located(pointer: String, err: serde_json::Error) -> Problem {
    let mut p = Problem::at(&pointer, strip_position(&err.to_string()));
    if err.line() > 0 {
        p.line = Some(err.line());
        p.column = Some(err.column());
    }
    p
}

/// serde_json appends " at line L column C"; the problem carries those separately.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A `serde_path_to_error` path as a JSON pointer (RFC 6901).
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            // Syntax errors inside a key: the path so far is all that is known.
            Segment::Unknown => {
                out.pop();
            }
        }
    }
    out
}
