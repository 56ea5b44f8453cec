//! A last line of defence for the free text that reaches reports (error messages, reasons):
//! e-mail addresses, phone numbers, bearer tokens and API keys are masked, length is capped.
//! Reports otherwise hold ids and numbers only.

use std::sync::OnceLock;

use regex::Regex;

/// Longest free text kept in a cell.
const MAX_CHARS: usize = 300;

fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            (r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+", "Bearer [REDACTED]"),
            (
                r"\b(?:sk|pk|api|key|tok)[-_][A-Za-z0-9_-]{6,}",
                "[REDACTED]",
            ),
            (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "[EMAIL]"),
            (
                r"(?:\+?\d{1,2}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b",
                "[PHONE]",
            ),
            (r"\b\d{3}-\d{2}-\d{4}\b", "[SSN]"),
        ]
        .into_iter()
        .filter_map(|(re, to)| Regex::new(re).ok().map(|r| (r, to)))
        .collect()
    })
}

/// `text` with secrets and contact details masked, on one line, at most 300 characters.
pub fn scrub(text: &str) -> String {
    let mut s = text.replace(['\n', '\r'], " ");
    for (re, to) in patterns() {
        if re.is_match(&s) {
            s = re.replace_all(&s, *to).into_owned();
        }
    }
    if s.chars().count() > MAX_CHARS {
        s = s.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_contacts_and_secrets() {
        let s = scrub("call (555) 010-1234 or mail jo@example.com with Bearer sk-synthetic-SECRET-0000; ssn 000-12-3456");
        assert!(!s.contains("010-1234"), "{s}");
        assert!(!s.contains("example.com"), "{s}");
        assert!(!s.contains("SECRET"), "{s}");
        assert!(!s.contains("000-12-3456"), "{s}");
        assert_eq!(scrub(&"x".repeat(400)).chars().count(), 301);
    }
}
