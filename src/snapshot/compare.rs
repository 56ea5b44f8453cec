//! Comparing a stored snapshot with a new one, at a detail level.
//!
//! `exact`: the bodies must be equal (trailing whitespace and CRLF aside, as insta compares).
//! `structure`: nodes, edges, tool calls and arguments, variables and statuses must be equal;
//! assistant texts (and Noxus/Cortex step output texts) need only be similar: a normalized
//! word-level similarity ratio at or above the threshold, because live LLM text differs on
//! every run. The stored snapshot keeps the full text either way.

/// How closely a new transcript must match its snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detail {
    /// All text must match.
    #[default]
    Exact,
    /// Structure must match; assistant text only needs to be similar.
    Structure,
}

/// The default similarity threshold of the `structure` level.
pub const DEFAULT_SIMILARITY: f64 = 0.6;

/// The body as insta compares it: trailing whitespace trimmed, CRLF as LF.
pub fn normalize_body(body: &str) -> String {
    let body = body.trim_end();
    // Bodies rarely hold a CR: one byte search and a copy instead of a pattern replace.
    if body.as_bytes().contains(&b'\r') {
        body.replace("\r\n", "\n")
    } else {
        body.to_owned()
    }
}

/// True when `new` matches `old` at `detail`.
pub fn matches(old: &str, new: &str, detail: Detail, threshold: f64) -> bool {
    // The common case, equal text, without copying either body.
    if old == new {
        return true;
    }
    let (old, new) = (normalize_body(old), normalize_body(new));
    if old == new {
        return true;
    }
    match detail {
        Detail::Exact => false,
        Detail::Structure => {
            match (
                serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&old),
                serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&new),
            ) {
                (Ok(a), Ok(b)) => same_structure(&a, &b, &mut Vec::new(), threshold),
                _ => false,
            }
        }
    }
}

/// Similarity of two texts in 0..=1, ignoring case, punctuation and spacing.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (normalize_text(a), normalize_text(b));
    if a == b {
        return 1.0;
    }
    // Words only (not the spaces between them, which would always match).
    let a: Vec<&str> = a.split(' ').filter(|w| !w.is_empty()).collect();
    let b: Vec<&str> = b.split(' ').filter(|w| !w.is_empty()).collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b);
    f64::from(similar::get_diff_ratio(&ops, a.len(), b.len()))
}

fn normalize_text(s: &str) -> String {
    let lowered: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Is the string at `path` LLM free text (compared by similarity)?
fn is_free_text(path: &[String]) -> bool {
    // `outputs/…`: Noxus/Cortex step outputs.
    if path.first().map(String::as_str) == Some("outputs") {
        return true;
    }
    // `turns/<i>/assistant/<j>/text`.
    let n = path.len();
    n >= 3 && path[n - 1] == "text" && path[n - 3] == "assistant"
}

fn same_structure(
    a: &serde_yaml_ng::Value,
    b: &serde_yaml_ng::Value,
    path: &mut Vec<String>,
    threshold: f64,
) -> bool {
    use serde_yaml_ng::Value;
    match (a, b) {
        (Value::String(x), Value::String(y)) if is_free_text(path) => similarity(x, y) >= threshold,
        (Value::Mapping(x), Value::Mapping(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, va)| {
                    let Some(vb) = y.get(k) else { return false };
                    path.push(k.as_str().map(str::to_owned).unwrap_or_default());
                    let same = same_structure(va, vb, path, threshold);
                    path.pop();
                    same
                })
        }
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).enumerate().all(|(i, (va, vb))| {
                    path.push(i.to_string());
                    let same = same_structure(va, vb, path, threshold);
                    path.pop();
                    same
                })
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "system: interactly\nturns:\n- turn: 1\n  assistant:\n  - node: A\n    text: Your next appointment is Tuesday at 2 PM with Dr. Lee.\n  tool_calls:\n  - name: lookup\n    args:\n      patient_id: '[ID-1]'\n  status: completed\n";

    #[test]
    fn exact_needs_equal_text() {
        assert!(matches(OLD, &format!("{OLD}\n\n"), Detail::Exact, 0.6));
        let reworded = OLD.replace("Your next appointment is", "Your upcoming appointment is");
        assert!(!matches(OLD, &reworded, Detail::Exact, 0.6));
        assert!(matches(OLD, &reworded, Detail::Structure, 0.6));
    }

    #[test]
    fn structure_catches_tool_args_and_unrelated_text() {
        let arg = OLD.replace("'[ID-1]'", "'[ID-2]'");
        assert!(!matches(OLD, &arg, Detail::Structure, 0.6));
        let other = OLD.replace(
            "Your next appointment is Tuesday at 2 PM with Dr. Lee.",
            "Sorry, I cannot help with that request today.",
        );
        assert!(!matches(OLD, &other, Detail::Structure, 0.6));
        let status = OLD.replace("completed", "failed");
        assert!(!matches(OLD, &status, Detail::Structure, 0.6));
    }

    #[test]
    fn similarity_ignores_case_and_punctuation() {
        assert_eq!(similarity("Hello, World!", "hello world"), 1.0);
        assert!(similarity("a b c d", "w x y z") < 0.1);
        let r = similarity("a b c d", "a b c e");
        assert!((r - 0.75).abs() < 1e-6, "{r}");
    }
}
