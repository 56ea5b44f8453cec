//! The built-in detectors of the redactor: which JSON keys hold secrets (by name), and the one
//! combined pattern that finds secrets and PII in free text (by shape).
//!
//! All text shapes live in ONE regex of alternatives, one capture group each, so a text is
//! scanned once however many shapes there are (redaction runs for every case of a run).
//! Where two shapes could start at the same place, the earlier alternative wins: secrets
//! first (a key may look like anything), then e-mails (their local part may hold digits),
//! SSNs before phones (3-2-4 vs 3-3-4), dates, ids last. The secret shapes are ASCII and
//! use ASCII word boundaries (`(?-u:\b)`); the PII shapes keep Unicode ones, since a phone
//! may be written in any script's digits.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What one match of [`PATTERN`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A PEM private key block.
    Pem,
    /// The `user:password` of a URL.
    UrlCredentials,
    /// The value of an `Authorization:` header.
    AuthorizationHeader,
    /// `Bearer <token>`.
    Bearer,
    /// `Basic <base64>`.
    Basic,
    /// `token=…`, `password: …`, `"api_key": "…"` and the like: the value.
    KeyValue,
    /// A JSON Web Token.
    Jwt,
    /// A cloud or forge access key (AWS `AKIA…`, Google `AIza…`, GitHub `ghp_…`, Slack, GitLab).
    CloudKey,
    /// `sk-…` / `pk-…` API keys.
    ApiKey,
    /// An e-mail address (PII).
    Email,
    /// A US social security number (PII).
    Ssn,
    /// A phone number (PII).
    Phone,
    /// A date (PII: dates of birth).
    Date,
    /// A UUID or a 24-hex object id.
    Id,
}

/// The alternatives of [`PATTERN`], in order: group `i + 1` is `SHAPES[i]`.
const SHAPES: [Shape; 14] = [
    Shape::Pem,
    Shape::UrlCredentials,
    Shape::AuthorizationHeader,
    Shape::Bearer,
    Shape::Basic,
    Shape::KeyValue,
    Shape::Jwt,
    Shape::CloudKey,
    Shape::ApiKey,
    Shape::Email,
    Shape::Ssn,
    Shape::Phone,
    Shape::Date,
    Shape::Id,
];

/// Every built-in text shape, one capture group per [`Shape`] (inner groups do not capture).
pub(crate) static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    const B: &str = r"(?-u:\b)";
    // PII may be written in any script's digits (Arabic-Indic phone numbers): Unicode
    // boundaries there, as before.
    const W: &str = r"\b";
    const MONTH: &str = "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
    // The separator between a key and its value: `=`, `:`, quoted or escaped-quoted.
    const SEP: &str = r#"\\?["']?[ \t]*[=:][ \t]*\\?["']?"#;
    let alternatives = [
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\[nr])*(?:-----END [A-Z ]*PRIVATE KEY-----)?".to_owned(),
        r#"(?i:[a-z][a-z0-9+.-]*)://[^\s/?#@:"'<>\\]+:[^\s/?#@"'<>\\]+@"#.to_owned(),
        format!(r"{B}(?i:(?:proxy-)?authorization){SEP}(?:(?i:bearer|basic|token|digest|negotiate)[ \t]+)?[A-Za-z0-9._~+/=:-]+"),
        format!(r"{B}(?i:bearer)\s+[A-Za-z0-9._~+/=-]+"),
        format!(r"{B}(?i:basic)[ \t]+[A-Za-z0-9+/]{{6,}}={{0,2}}"),
        format!(
            r#"{B}[A-Za-z0-9_-]*(?i:token|passw(?:or)?d|pwd|secret|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|session|cookie|jwt){SEP}(?:(?i:bearer|basic)[ \t]+)?[^\s"'&,;<>\\]{{3,}}"#
        ),
        format!(r"{B}eyJ[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]*"),
        format!(
            r"{B}(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{{16}}|AIza[0-9A-Za-z_-]{{35}}|gh[pousr]_[A-Za-z0-9]{{30,}}|github_pat_[A-Za-z0-9_]{{20,}}|xox[abprs]-[A-Za-z0-9-]{{10,}}|glpat-[A-Za-z0-9_-]{{20,}})"
        ),
        format!(r"{B}(?:sk|pk)[-_][A-Za-z0-9_-]{{4,}}"),
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}".to_owned(),
        format!(r"{W}\d{{3}}[- ]\d{{2}}[- ]\d{{4}}{W}"),
        format!(r"\+\d{{10,15}}{W}|(?:\+?1[\s.-])?(?:\(\d{{3}}\)|{W}\d{{3}})[\s.-]?\d{{3}}[\s.-]?\d{{4}}{W}"),
        format!(
            r"{W}\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?|{W}\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}}){W}|{W}{MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}{W}|{W}\d{{1,2}} {MONTH}\.?,? \d{{4}}{W}"
        ),
        format!(r"{W}[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}{W}|{W}[0-9a-f]{{24}}{W}"),
    ];
    let joined = alternatives
        .iter()
        .map(|a| format!("({a})"))
        .collect::<Vec<_>>()
        .join("|");
    // Room for the lazy DFA of a large alternation, so it never falls back to the slow engine.
    regex::RegexBuilder::new(&joined)
        .dfa_size_limit(32 << 20)
        .build()
        .expect("static regex")
});

/// What to do with one match: keep `prefix` bytes and `suffix` bytes of it, replace the middle
/// by a placeholder of `label` numbered by `normalized`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub shape: Shape,
    pub label: &'static str,
    pub prefix: usize,
    pub suffix: usize,
    pub normalized: String,
}

impl Shape {
    /// The shape whose group matched.
    pub(crate) fn of(caps: &Captures<'_>) -> Option<Shape> {
        (1..caps.len())
            .find(|&i| caps.get(i).is_some())
            .and_then(|i| SHAPES.get(i - 1).copied())
    }

    /// True for the PII shapes (off with `pii = false`).
    pub(crate) fn is_pii(self) -> bool {
        matches!(self, Shape::Email | Shape::Ssn | Shape::Phone | Shape::Date)
    }

    /// How to replace the match `m` of this shape; `None` to keep it (a `Basic` that is a word).
    pub(crate) fn hit(self, m: &str) -> Option<Hit> {
        let secret = |prefix: usize, suffix: usize, normalized: &str| Hit {
            shape: self,
            label: "SECRET",
            prefix,
            suffix,
            normalized: normalized.to_owned(),
        };
        let last_word = |s: &str| s.split_whitespace().last().unwrap_or(s).to_owned();
        Some(match self {
            Shape::Pem | Shape::Jwt | Shape::CloudKey | Shape::ApiKey => secret(0, 0, m),
            Shape::Bearer => secret(0, 0, &last_word(m)),
            Shape::Basic => {
                let token = last_word(m);
                // Base64 of `user:password`, not an English word after "basic".
                let looks_encoded = token
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b"+/=".contains(&b))
                    || token.bytes().skip(1).any(|b| b.is_ascii_uppercase());
                if !looks_encoded {
                    return None;
                }
                secret(0, 0, &token)
            }
            Shape::UrlCredentials => {
                let start = m.find("://").map_or(0, |i| i + 3);
                let userinfo = &m[start..m.len() - 1];
                secret(start, 1, userinfo)
            }
            Shape::AuthorizationHeader | Shape::KeyValue => {
                let sep = m.find(['=', ':']).unwrap_or(0);
                let start = sep
                    + m[sep..]
                        .find(|c: char| !matches!(c, '=' | ':' | ' ' | '\t' | '"' | '\'' | '\\'))
                        .unwrap_or(m.len() - sep);
                let value = &m[start..];
                secret(start, 0, &last_word(value))
            }
            Shape::Email => Hit {
                shape: self,
                label: "EMAIL",
                prefix: 0,
                suffix: 0,
                normalized: m.to_ascii_lowercase(),
            },
            Shape::Ssn => Hit {
                shape: self,
                label: "SSN",
                prefix: 0,
                suffix: 0,
                normalized: digits(m),
            },
            Shape::Phone => Hit {
                shape: self,
                label: "PHONE",
                prefix: 0,
                suffix: 0,
                normalized: phone_digits(m),
            },
            Shape::Date => Hit {
                shape: self,
                label: "DATE",
                prefix: 0,
                suffix: 0,
                normalized: m.to_owned(),
            },
            Shape::Id => Hit {
                shape: self,
                label: "ID",
                prefix: 0,
                suffix: 0,
                normalized: m.to_ascii_lowercase(),
            },
        })
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The same phone written differently gets the same placeholder: digits, without a leading
/// US country code.
fn phone_digits(s: &str) -> String {
    let d = digits(s);
    match d.strip_prefix('1') {
        Some(rest) if d.len() == 11 => rest.to_owned(),
        _ => d,
    }
}

/// Keys whose values are secrets whatever they look like, by exact (lower-cased) name.
const SECRET_KEYS: &[&str] = &["api_headers", "secret_variables", "headers", "set-cookie"];

/// Words that make a key secret wherever they appear in it, compared with case and separators
/// (`-`, `_`, `.`, space) dropped: `X-Auth-Token`, `aws_secret_access_key`, `privateKey`.
const SECRET_WORDS: &[&str] = &[
    "authorization",
    "secret",
    "password",
    "passwd",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "session",
    "cookie",
    "jwt",
];

/// What may follow `token` in a key that counts tokens rather than holding one
/// (`total_tokens`, `llm_token_usage`, `token_count`, `tokenizer`).
const TOKEN_COUNT_TAILS: &[&str] = &["s", "usage", "count", "limit", "iz"];

/// True when the value of a JSON key named `key` is a secret, judged by the name alone.
pub fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if SECRET_KEYS.contains(&lower.as_str()) {
        return true;
    }
    // `github_pat`, `my-pat`: `pat` as the last word only (not `compat`, `path`).
    if lower.rsplit(['-', '_', '.', ' ']).next() == Some("pat") {
        return true;
    }
    let squashed: String = lower
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .collect();
    if SECRET_WORDS.iter().any(|w| squashed.contains(w)) {
        return true;
    }
    squashed.match_indices("token").any(|(i, _)| {
        let tail = &squashed[i + "token".len()..];
        !TOKEN_COUNT_TAILS.iter().any(|t| tail.starts_with(t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shapes found in `text`, with what each would replace.
    fn found(text: &str) -> Vec<(Shape, String)> {
        PATTERN
            .captures_iter(text)
            .filter_map(|c| {
                let m = c.get(0)?.as_str();
                let hit = Shape::of(&c)?.hit(m)?;
                Some((hit.shape, m[hit.prefix..m.len() - hit.suffix].to_owned()))
            })
            .collect()
    }

    #[test]
    fn secret_keys_by_name_in_any_case_and_separator() {
        for key in [
            "Authorization",
            "X-Auth-Token",
            "api-key",
            "API_KEY",
            "apiKey",
            "x-api-key",
            "aws_secret_access_key",
            "AWS_ACCESS_KEY_ID",
            "github_pat",
            "GITLAB-PAT",
            "privateKey",
            "private_key",
            "credentials",
            "client_secret",
            "passwd",
            "db.password",
            "session",
            "sessionToken",
            "Cookie",
            "jwt",
            "id_token",
            "refresh-token",
            "token",
            "api_headers",
            "secret_variables",
        ] {
            assert!(is_secret_key(key), "{key} is a secret key");
        }
        for key in [
            "total_tokens",
            "prompt_tokens",
            "llm_token_usage",
            "carried_over_llm_token_usage",
            "token_count",
            "max_tokens",
            "tokenizer",
            "patient_name",
            "path",
            "compat",
            "pat_id_x",
            "author_name",
            "key",
            "content",
        ] {
            assert!(!is_secret_key(key), "{key} is not a secret key");
        }
    }

    #[test]
    fn secret_values_by_shape() {
        let cases: &[(&str, Shape, &str)] = &[
            (
                "Authorization: Basic dXNlcjpwYXNz",
                Shape::AuthorizationHeader,
                "Basic dXNlcjpwYXNz",
            ),
            (
                "sent basic dXNlcjpwYXNzd29yZA== to it",
                Shape::Basic,
                "basic dXNlcjpwYXNzd29yZA==",
            ),
            ("h: Bearer abc.def-123", Shape::Bearer, "Bearer abc.def-123"),
            ("GET /x?token=abc123&y=1", Shape::KeyValue, "abc123"),
            ("password=hunter22", Shape::KeyValue, "hunter22"),
            ("my Password: hunter22 ok", Shape::KeyValue, "hunter22"),
            (r#"{"secret": "s3cr3t-v"}"#, Shape::KeyValue, "s3cr3t-v"),
            (r#"{\"api_key\":\"zz-top-9\"}"#, Shape::KeyValue, "zz-top-9"),
            (
                "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG",
                Shape::KeyValue,
                "wJalrXUtnFEMI/K7MDENG",
            ),
            (
                "t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature end",
                Shape::Jwt,
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature",
            ),
            (
                "key AKIAIOSFODNN7EXAMPLE here",
                Shape::CloudKey,
                "AKIAIOSFODNN7EXAMPLE",
            ),
            (
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                Shape::CloudKey,
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            ),
            (
                "see https://alice:pa55w0rd@db.example.org/x",
                Shape::UrlCredentials,
                "alice:pa55w0rd",
            ),
            (
                "use sk-proj-abcd1234 now",
                Shape::ApiKey,
                "sk-proj-abcd1234",
            ),
            (
                "use pk-live-abcd1234 now",
                Shape::ApiKey,
                "pk-live-abcd1234",
            ),
        ];
        for (text, shape, secret) in cases {
            assert_eq!(found(text), vec![(*shape, (*secret).to_owned())], "{text}");
        }
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAA=\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            found(&format!("k {pem} x")),
            vec![(Shape::Pem, pem.to_owned())]
        );
        // Words that only look like the start of a secret.
        for text in [
            "basic information about tokens: 12",
            "total_tokens=12 and token_count: 3",
            "a task-force, the risk-free path",
            "https://example.org/a:b@c",
        ] {
            assert!(
                found(text).iter().all(|(s, _)| s.is_pii()),
                "{text}: {:?}",
                found(text)
            );
        }
    }

    fn secret_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9+/]{12,40}".prop_map(|t| format!("Bearer {t}")),
            "[A-Za-z0-9]{4,12}:[A-Za-z0-9]{4,12}".prop_map(|t| format!("Authorization: Basic {t}")),
            (
                "(token|password|secret|api_key|passwd)",
                "[=:]",
                "[A-Za-z0-9_./+-]{3,30}"
            )
                .prop_map(|(k, s, v)| format!("{k}{s}{v}")),
            "[A-Z0-9]{16}".prop_map(|t| format!("AKIA{t}")),
            (
                "[A-Za-z0-9_-]{10,30}",
                "[A-Za-z0-9_-]{10,30}",
                "[A-Za-z0-9_-]{10,30}"
            )
                .prop_map(|(a, b, c)| format!("eyJ{a}.eyJ{b}.{c}")),
            ("[a-z]{1,10}", "[A-Za-z0-9]{1,12}", "[a-z]{1,10}")
                .prop_map(|(u, p, h)| format!("https://{u}:{p}@{h}.example.com/path")),
            "[A-Za-z0-9]{8,30}".prop_map(|t| format!("sk-{t}")),
            "[A-Za-z0-9]{30,40}".prop_map(|t| format!("ghp_{t}")),
        ]
    }

    proptest! {
        #[test]
        fn every_secret_shape_is_found_in_any_text(
            before in "[ -~]{0,20}",
            secret in secret_text(),
        ) {
            let text = format!("{before} {secret} end");
            let covered: String = found(&text).into_iter().map(|(_, s)| s).collect();
            // What is kept of the secret (a key name, `https://`) is never its value.
            let value = secret.rsplit(['=', ':', ' ']).next().unwrap_or(&secret);
            let value = value.split('@').next().unwrap_or(value);
            prop_assert!(covered.contains(value), "{value:?} not covered in {text:?}: {covered:?}");
        }

        #[test]
        fn keys_are_secret_whatever_their_case_and_separators(
            word in proptest::sample::select(vec!["auth-token", "api_key", "secret", "password", "private_key", "access_key", "session", "cookie", "credential", "jwt", "authorization"]),
            prefix in "(x-|aws_|my\\.|)",
            upper: bool,
            sep in "[-_.]",
        ) {
            let key = format!("{prefix}{}", word.replace(['-', '_'], &sep));
            let key = if upper { key.to_ascii_uppercase() } else { key };
            prop_assert!(is_secret_key(&key), "{key}");
        }
    }
}
