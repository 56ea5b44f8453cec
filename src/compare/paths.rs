//! Path divergence: where a paired case's node path (`paths.jsonl`, written by every run)
//! first differs between the baseline and the candidate.
//!
//! A report folder without `paths.jsonl` (written before it existed) has no paths: its
//! comparisons have no path rows. A case missing from either side's file is not compared.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::Serialize;

use super::error::ReadError;
use crate::report::paths::{Line, FILE};

/// Node names per turn, by run id.
pub type Paths = HashMap<String, Vec<Vec<String>>>;

/// Shown for a turn that ran no node at that position (the path is shorter there).
pub const NONE: &str = "(none)";

/// A paired case whose node path differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathDivergence {
    /// The case.
    pub run_id: String,
    /// 1-based turn where the paths first differ.
    pub turn: usize,
    /// The baseline's node there ([`NONE`] when its path is shorter).
    pub baseline: String,
    /// The candidate's node there ([`NONE`] when its path is shorter).
    pub candidate: String,
}

/// Reads `dir/paths.jsonl`; `None` when the folder has none.
pub fn read(dir: &Path) -> Result<Option<Paths>, ReadError> {
    let path = dir.join(FILE);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReadError::Io { path, source }),
    };
    let mut out = Paths::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| ReadError::Io {
            path: path.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |message: String| ReadError::Malformed {
            path: path.clone(),
            line: i as u64 + 1,
            message,
        };
        let l: Line = serde_json::from_str(&line).map_err(|e| malformed(e.to_string()))?;
        if out.insert(l.run_id.clone(), l.turns).is_some() {
            return Err(malformed(format!("run {} is listed twice", l.run_id)));
        }
    }
    Ok(Some(out))
}

/// Where `candidate` first departs from `baseline`: (1-based turn, baseline node, candidate
/// node), or `None` when the paths are the same. A turn one side lacks counts as a turn with
/// no node.
pub fn first_divergence(
    baseline: &[Vec<String>],
    candidate: &[Vec<String>],
) -> Option<(usize, String, String)> {
    let empty = Vec::new();
    for t in 0..baseline.len().max(candidate.len()) {
        let b = baseline.get(t).unwrap_or(&empty);
        let c = candidate.get(t).unwrap_or(&empty);
        if b == c {
            continue;
        }
        let i = b.iter().zip(c).take_while(|(x, y)| x == y).count();
        let at = |p: &[String]| p.get(i).cloned().unwrap_or_else(|| NONE.to_owned());
        return Some((t + 1, at(b), at(c)));
    }
    None
}

/// The divergences of the paired cases `ids` (sorted, so the result is too).
pub fn divergences<'a>(
    baseline: &Paths,
    candidate: &Paths,
    ids: impl IntoIterator<Item = &'a str>,
) -> Vec<PathDivergence> {
    ids.into_iter()
        .filter_map(|id| {
            let (b, c) = (baseline.get(id)?, candidate.get(id)?);
            let (turn, baseline, candidate) = first_divergence(b, c)?;
            Some(PathDivergence {
                run_id: id.to_owned(),
                turn,
                baseline,
                candidate,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(turns: &[&[&str]]) -> Vec<Vec<String>> {
        turns
            .iter()
            .map(|t| t.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn the_first_difference_names_turn_and_nodes() {
        let base = p(&[&["Greeting"], &["Collect", "Extract", "Confirm"]]);
        assert_eq!(first_divergence(&base, &base), None);
        let other = p(&[&["Greeting"], &["Collect", "Goodbye"]]);
        assert_eq!(
            first_divergence(&base, &other),
            Some((2, "Extract".to_owned(), "Goodbye".to_owned()))
        );
        // A shorter turn, and a turn one side lacks.
        let short = p(&[&["Greeting"], &["Collect"]]);
        assert_eq!(
            first_divergence(&base, &short),
            Some((2, "Extract".to_owned(), NONE.to_owned()))
        );
        let longer = p(&[
            &["Greeting"],
            &["Collect", "Extract", "Confirm"],
            &["Confirm"],
        ]);
        assert_eq!(
            first_divergence(&base, &longer),
            Some((3, NONE.to_owned(), "Confirm".to_owned()))
        );
        // A trailing turn with no node is no difference.
        let trailing = p(&[&["Greeting"], &["Collect", "Extract", "Confirm"], &[]]);
        assert_eq!(first_divergence(&base, &trailing), None);
    }

    #[test]
    fn a_folder_without_the_file_has_no_paths_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(read(dir.path()).expect("read"), None);
        std::fs::write(
            dir.path().join(FILE),
            "{\"run_id\":\"a\",\"turns\":[[\"X\"]]}\n{\"run_id\":\"b\",\"turns\":\"no\"}\n",
        )
        .expect("write");
        let e = read(dir.path()).expect_err("bad line").to_string();
        assert!(e.contains("paths.jsonl: line 2: "), "{e}");
    }

    proptest! {
        /// Equal paths never diverge; different ones always do, at a turn where they differ,
        /// naming nodes that stand at one common position of that turn.
        #[test]
        fn divergence_is_where_the_paths_differ(
            a in proptest::collection::vec(proptest::collection::vec("[ABC]", 0..4), 0..5),
            b in proptest::collection::vec(proptest::collection::vec("[ABC]", 0..4), 0..5),
        ) {
            prop_assert_eq!(first_divergence(&a, &a), None);
            let empty = Vec::new();
            let same_upto = |t: usize| (0..t).all(|i| a.get(i).unwrap_or(&empty) == b.get(i).unwrap_or(&empty));
            match first_divergence(&a, &b) {
                None => prop_assert!(same_upto(a.len().max(b.len()))),
                Some((turn, x, y)) => {
                    prop_assert!(turn >= 1 && same_upto(turn - 1));
                    prop_assert_ne!(&x, &y);
                    let (ta, tb) = (a.get(turn - 1).unwrap_or(&empty), b.get(turn - 1).unwrap_or(&empty));
                    prop_assert_ne!(ta, tb);
                    prop_assert!(x == NONE || ta.contains(&x));
                    prop_assert!(y == NONE || tb.contains(&y));
                }
            }
        }
    }
}
