//! The one redactor: everything reprise writes or prints (snapshots, report cells, the
//! journal, log lines, error texts) goes through a [`Redactor`] built once from `[redaction]`
//! in `reprise.toml` and passed down.
//!
//! It owns the rules for what never leaves the process as recorded: ids, timestamps, latencies,
//! the server's volatile variables (snapshots only), secrets by key name and by value shape
//! ([`detect`]: `api_headers`, `X-Auth-Token`, `private_key`…; Bearer/Basic credentials,
//! `token=…`, JWTs, PEM keys, cloud keys, credentials in URLs, `sk-…` keys), and PII by default
//! (phone numbers, e-mail addresses, SSNs, dates, and the values of PII-named variables such as
//! `patient_name`), plus the user's rules: regex rules over every text, JSON-pointer rules over
//! the snapshot transcript (the one document with a tree to point into).
//!
//! Values are replaced by stable placeholders so diffs stay readable: within one [`Session`]
//! (one transcript) the same value always gets the same placeholder (`[PHONE-1]`), and the
//! numbering follows first appearance, so two runs that say the same things redact the same way.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::model::is_volatile_variable;
use crate::redact::rules::RedactionConfig;

/// A redaction rule that could not be compiled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedactError {
    /// The rule's `regex` does not compile.
    #[error("redaction rule {index}: bad regex: {message}")]
    BadRegex { index: usize, message: String },
    /// The rule has neither or both of `pointer` and `regex`, or a pointer not starting with `/`.
    #[error("redaction rule {index}: {message}")]
    BadRule { index: usize, message: String },
}

/// Placeholder for whole secret values.
pub const SECRET: &str = "[SECRET]";
/// Placeholder for timestamps.
pub const TIMESTAMP: &str = "[TIMESTAMP]";
/// Placeholder for latencies.
pub const LATENCY: &str = "[LATENCY]";
/// Placeholder for the server's volatile variables.
pub const VOLATILE: &str = "[VOLATILE]";
/// Placeholder for token counts (only when `token_counts = true`).
pub const TOKENS: &str = "[TOKENS]";

mod detect;
pub mod rules;

pub use detect::is_secret_key;
use detect::{Shape, PATTERN};

/// Longest free text kept in a report cell or log line ([`Redactor::line`]).
pub const MAX_LINE_CHARS: usize = 300;

struct CompiledRule {
    workflows: Vec<String>,
    pointer: Option<Vec<String>>,
    regex: Option<Regex>,
    placeholder: String,
}

impl CompiledRule {
    fn applies_to(&self, workflow_id: Option<&str>) -> bool {
        self.workflows
            .iter()
            .any(|w| w == "*" || Some(w.as_str()) == workflow_id)
    }
}

/// The compiled redaction rules. Cheap to share; start a [`Session`] per document.
pub struct Redactor {
    pii: bool,
    token_counts: bool,
    pii_variables: HashSet<String>,
    /// The shortest and longest PII variable name in bytes: [`Session::learn_document`] looks
    /// only at keys of such a length.
    pii_len: (usize, usize),
    /// Which bytes (lower-cased) start and end a PII variable name: a key that fails these is
    /// passed over without hashing it.
    pii_ends: ([bool; 256], [bool; 256]),
    /// The lengths of the PII variable names, as bits ([`length_bit`]): most keys that pass
    /// the other tests have none of these lengths.
    pii_lengths: u64,
    /// The last two bytes of every PII variable name and config key, folded ([`KeyEnds`]):
    /// the first test a key meets in [`Redactor::scan_document`].
    key_ends: Box<KeyEnds>,
    rules: Vec<CompiledRule>,
}

/// A length's bit in [`Redactor`]'s `pii_lengths` (63 and over share the top bit).
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("pii", &self.pii)
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// The loader's scan ([`crate::corpus::LoadOptions::scan`]): what [`Redactor::scan_document`]
/// finds, kept with the run; nothing (no scan) when PII redaction is off.
impl crate::model::DocScan for Redactor {
    fn scan(&self, doc: &[u8]) -> Option<crate::model::FoundValues> {
        if !self.scans_documents() {
            return None;
        }
        let mut found = crate::model::FoundValues::default();
        self.scan_document(doc, |name, text| found.push(name, text));
        Some(found)
    }
}

impl Default for Redactor {
    fn default() -> Self {
        match Redactor::new(&RedactionConfig::default()) {
            Ok(r) => r,
            // The default config has no user rules, so it always compiles.
            Err(_) => unreachable!("default redaction config compiles"),
        }
    }
}

impl Redactor {
    /// The built-in secret rules only (no PII, no user rules): for texts printed before a
    /// configuration is read, such as the error that ends a command.
    pub fn secrets_only() -> Redactor {
        Redactor {
            pii: false,
            ..Redactor::default()
        }
    }

    /// Compiles `config`'s rules.
    pub fn new(config: &RedactionConfig) -> Result<Redactor, RedactError> {
        let mut rules = Vec::with_capacity(config.rules.len());
        for (index, rule) in config.rules.iter().enumerate() {
            let pointer = match &rule.pointer {
                Some(p) if !p.starts_with('/') => {
                    return Err(RedactError::BadRule {
                        index,
                        message: format!("pointer `{p}` must start with `/`"),
                    })
                }
                Some(p) => Some(p[1..].split('/').map(unescape_pointer).collect()),
                None => None,
            };
            let regex = match &rule.regex {
                Some(r) => Some(Regex::new(r).map_err(|e| RedactError::BadRegex {
                    index,
                    message: e.to_string(),
                })?),
                None => None,
            };
            if pointer.is_some() == regex.is_some() {
                return Err(RedactError::BadRule {
                    index,
                    message: "give exactly one of `pointer` and `regex`".into(),
                });
            }
            rules.push(CompiledRule {
                workflows: rule.workflows.clone(),
                pointer,
                regex,
                placeholder: rule.placeholder.clone(),
            });
        }
        let pii_variables: HashSet<String> = config
            .pii_variable_names()
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let pii_len = (
            pii_variables.iter().map(String::len).min().unwrap_or(0),
            pii_variables.iter().map(String::len).max().unwrap_or(0),
        );
        let mut pii_ends = ([false; 256], [false; 256]);
        for name in &pii_variables {
            if let (Some(&first), Some(&last)) = (name.as_bytes().first(), name.as_bytes().last()) {
                pii_ends.0[usize::from(first)] = true;
                pii_ends.1[usize::from(last)] = true;
            }
        }
        let pii_lengths = pii_variables
            .iter()
            .fold(0, |bits, name| bits | length_bit(name.len()));
        let mut key_ends = Box::new(KeyEnds::default());
        for name in pii_variables
            .iter()
            .map(String::as_str)
            .chain(CONFIG_KEYS.iter().copied())
        {
            key_ends.insert(name.as_bytes());
        }
        Ok(Redactor {
            pii: config.pii,
            token_counts: config.token_counts,
            pii_variables,
            pii_len,
            pii_ends,
            pii_lengths,
            key_ends,
            rules,
        })
    }

    /// A session for one document of `workflow_id` (placeholders numbered within it).
    pub fn session(&self, workflow_id: Option<&str>) -> Session<'_> {
        Session {
            redactor: self,
            workflow_id: workflow_id.map(str::to_owned),
            numbers: HashMap::new(),
            known: Vec::new(),
            finders: Vec::new(),
        }
    }

    /// Redacts one piece of text on its own, as in a snapshot (ids too).
    pub fn text(&self, workflow_id: Option<&str>, text: &str) -> String {
        self.session(workflow_id).text(text)
    }

    /// Redacts one line for a report cell, the journal, a log line or an error message
    /// (see [`Session::line`]): secrets, PII unless off, the user's regex rules; ids kept.
    pub fn line(&self, workflow_id: Option<&str>, text: &str) -> String {
        self.session(workflow_id).line(text)
    }

    /// True when [`Redactor::scan_document`] can find anything (PII redaction is on and
    /// names PII variables): without it, a document need not be read to be scanned.
    pub fn scans_documents(&self) -> bool {
        self.pii && self.pii_len.1 > 0
    }

    /// Finds the PII-named variables anywhere in a whole recorded document, skipping the
    /// workflow config (whose `name`s are node and tool names) and the generic key `name`.
    ///
    /// A snapshot is taken of every case, so this runs once per case and must cost about a
    /// scan of the bytes, not a parse: it visits each colon (a fast byte search), and where a
    /// quoted key of a PII name's length ends right before it (quotes unescaped, so not inside
    /// a string) and a string value follows, reads that value. The value of a config key is
    /// jumped over. The result equals a walk of the parsed document (tested
    /// against one), except for a key spelled with JSON escapes (`"patient\u005fname"`), which
    /// is not recognized. A document that is not JSON teaches what its well-formed keys say
    /// (the loader has already reported it).
    ///
    /// `found` gets each key (as spelled) and its string value, in document order.
    pub fn scan_document(&self, raw: &[u8], mut found: impl FnMut(&str, &str)) {
        let redactor = self;
        let (shortest, longest) = redactor.pii_len;
        if !redactor.pii || longest == 0 {
            return;
        }
        let (starts, ends) = &redactor.pii_ends;
        let window_len = longest.max(LONGEST_CONFIG_KEY) + 1;
        // Everything before `pos` has been read (a config value jumped over).
        let mut pos = 0;
        // One searcher over the whole document: a search per colon, started anew each time,
        // cost more than the scan (colons are some 30 bytes apart).
        for colon in memchr::memchr_iter(b':', raw) {
            if colon < pos {
                continue;
            }
            // A key ends in an unescaped quote right before the colon (white space aside).
            let close = if colon > 0 && raw[colon - 1] == b'"' {
                colon
            } else {
                skip_ws_back(raw, colon)
            };
            if close < 2 || raw[close - 1] != b'"' {
                continue;
            }
            let close = close - 1;
            if !redactor.key_ends.may_end(raw, close) {
                continue;
            }
            let last = raw[close - 1];
            let maybe_pii = ends[usize::from(last.to_ascii_lowercase())];
            let maybe_config = CONFIG_ENDS[usize::from(last)];
            if !maybe_pii && !maybe_config {
                continue;
            }
            let window = &raw[close.saturating_sub(window_len)..close];
            let Some(open) = memchr::memrchr(b'"', window).map(|i| close - window.len() + i) else {
                continue;
            };
            let key = &raw[open + 1..close];
            if key.contains(&b'\\') || is_escaped(raw, open) {
                continue;
            }
            if maybe_config && CONFIG_KEYS.iter().any(|k| k.as_bytes() == key) {
                // Config is never learned from: jump over its value.
                let value = skip_ws(raw, colon + 1);
                let mut values = serde_json::Deserializer::from_slice(&raw[value..])
                    .into_iter::<serde::de::IgnoredAny>();
                pos = match values.next() {
                    Some(Ok(_)) => value + values.byte_offset(),
                    // Broken from here on: nothing after it is read as conversation.
                    _ => raw.len(),
                };
                continue;
            }
            let plausible = maybe_pii
                && (shortest..=longest).contains(&key.len())
                && redactor.pii_lengths & length_bit(key.len()) != 0
                && starts[usize::from(key[0].to_ascii_lowercase())]
                // The generic key `name` is never learned from (it names nodes and tools too).
                && key != b"name";
            if !plausible {
                continue;
            }
            let name = match std::str::from_utf8(key) {
                Ok(k) if redactor.is_pii_variable(k) => k,
                _ => continue,
            };
            let value = skip_ws(raw, colon + 1);
            if raw.get(value) != Some(&b'"') {
                continue;
            }
            let mut de = serde_json::Deserializer::from_slice(&raw[value..]);
            if let Ok(text) =
                <std::borrow::Cow<'_, str> as serde::Deserialize>::deserialize(&mut de)
            {
                found(name, &text);
            }
        }
    }

    /// True when `name` is a variable whose value is PII.
    pub fn is_pii_variable(&self, name: &str) -> bool {
        // Called for every key of every document: skip the lowercase copy when there is
        // nothing to lower.
        self.pii
            && if name.bytes().any(|b| b.is_ascii_uppercase()) {
                self.pii_variables.contains(&name.to_ascii_lowercase())
            } else {
                self.pii_variables.contains(name)
            }
    }

    /// True when a JSON-pointer rule applies to documents of `workflow_id` (when none does,
    /// a document can be rendered without building a tree first).
    pub fn has_pointer_rules_for(&self, workflow_id: Option<&str>) -> bool {
        self.rules
            .iter()
            .any(|r| r.pointer.is_some() && r.applies_to(workflow_id))
    }
}

/// What a JSON key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    Secret,
    Timestamp,
    Latency,
    Tokens,
    Id,
    Plain,
}

fn classify_key(key: &str) -> KeyClass {
    let k = key.to_ascii_lowercase();
    let secret = is_secret_key(&k);
    if secret {
        KeyClass::Secret
    } else if k == "timestamp"
        || k == "timestamp_ms"
        || k.ends_with("_at")
        || k.ends_with("_timestamp")
    {
        KeyClass::Timestamp
    } else if k.contains("latency") {
        KeyClass::Latency
    } else if k == "tokens" || k.ends_with("_tokens") {
        KeyClass::Tokens
    } else if k == "id" || k == "_id" || k.ends_with("_id") || k.ends_with("_ids") {
        KeyClass::Id
    } else {
        KeyClass::Plain
    }
}

fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Redaction state for one document: the placeholders handed out so far.
pub struct Session<'a> {
    redactor: &'a Redactor,
    workflow_id: Option<String>,
    /// label → (normalized value → number); a label's numbers run 1, 2, … in order of first
    /// use, so the next number is the count so far. Nested so that a lookup copies nothing.
    numbers: HashMap<String, HashMap<String, usize>>,
    /// Literal values learned (text, label, the full value it stands for). Numbers are given
    /// on first use, so they follow the order of the written document, not of learning.
    known: Vec<(String, String, String)>,
    /// A searcher per entry of `known`, built once: a transcript searches every text for
    /// every known value.
    finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Session<'_> {
    fn placeholder(&mut self, label: &str, value: &str) -> String {
        let values = match self.numbers.get_mut(label) {
            Some(values) => values,
            None => self.numbers.entry(label.to_owned()).or_default(),
        };
        let n = match values.get(value) {
            Some(n) => *n,
            None => {
                let n = values.len() + 1;
                values.insert(value.to_owned(), n);
                n
            }
        };
        format!("[{label}-{n}]")
    }

    /// Learns the PII values of `vars` (by variable name) so they are redacted wherever they
    /// appear later, including the words of a name on their own ("Thanks, Avery").
    pub fn learn<'v, K: AsRef<str> + ?Sized + 'v>(
        &mut self,
        vars: impl IntoIterator<Item = (&'v K, &'v serde_json::Value)>,
    ) {
        for (name, value) in vars {
            let name = name.as_ref();
            if self.redactor.is_pii_variable(name) {
                if let Some(text) = value.as_str() {
                    self.register(&name.to_ascii_uppercase(), text, true);
                }
            }
        }
    }

    /// Learns, at any depth of `value`, the strings under PII-named keys and under id keys
    /// (a tool result's `patient_id` is then hidden in the user's words too).
    pub fn learn_value(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v.as_str() {
                        Some(text) if self.redactor.is_pii_variable(k) => {
                            self.register(&k.to_ascii_uppercase(), text, true);
                        }
                        Some(text) if classify_key(k) == KeyClass::Id => {
                            if text.chars().count() >= 4 {
                                self.register("ID", text, false);
                            }
                        }
                        _ => self.learn_value(v),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.learn_value(v)),
            _ => {}
        }
    }

    /// Learns the PII-named variables anywhere in a whole recorded document: what
    /// [`Redactor::scan_document`] finds, in its order.
    pub fn learn_document(&mut self, raw: &[u8]) {
        let redactor = self.redactor;
        redactor.scan_document(raw, |name, text| self.learn_found(name, text));
    }

    /// Learns one value [`Redactor::scan_document`] found under the PII variable `name` (a
    /// scan made earlier, as the corpus index does while it loads, is replayed through here).
    pub fn learn_found(&mut self, name: &str, text: &str) {
        self.register(&name.to_ascii_uppercase(), text, true);
    }

    /// Registers a literal value and returns its placeholder (the existing one when the value
    /// is already known).
    fn add_known(&mut self, label: &str, text: &str, with_parts: bool) -> String {
        self.register(label, text, with_parts);
        let text = text.trim();
        self.known_placeholder(text)
            .unwrap_or_else(|| self.placeholder(label, text))
    }

    /// Registers a literal value (and, for names, its capitalized words) under `label`,
    /// without numbering it yet.
    fn register(&mut self, label: &str, text: &str, with_parts: bool) {
        let text = text.trim();
        if text.chars().count() < 2 || self.known.iter().any(|(k, _, _)| k == text) {
            return;
        }
        self.push_known(text, label, text);
        if with_parts {
            // Name parts: capitalized words of 3+ letters, so a first name alone is caught too.
            for part in text.split(|c: char| c.is_whitespace() || c == ',') {
                let part = part.trim_matches(|c: char| !c.is_alphanumeric());
                if part.chars().count() >= 3
                    && part.chars().next().is_some_and(char::is_uppercase)
                    && part
                        .chars()
                        .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                    && !self.known.iter().any(|(k, _, _)| k == part)
                {
                    self.push_known(part, label, text);
                }
            }
        }
    }

    /// Adds a known literal and its searcher.
    fn push_known(&mut self, text: &str, label: &str, full: &str) {
        self.known
            .push((text.to_owned(), label.to_owned(), full.to_owned()));
        self.finders
            .push(memchr::memmem::Finder::new(text.as_bytes()).into_owned());
    }

    /// The placeholder of a known literal.
    fn known_placeholder(&mut self, text: &str) -> Option<String> {
        let (_, label, full) = self.known.iter().find(|(k, _, _)| k == text)?.clone();
        Some(self.placeholder(&label, &full))
    }

    /// Where the known literals occur in `s`: whole words only where a literal starts/ends
    /// with a word character; leftmost first, the longest at the same place, no overlaps.
    /// (A plain scan: a session knows a handful of values, and compiling a regex per
    /// transcript cost more than the whole transcript.)
    fn find_known(&self, s: &str) -> Vec<(usize, usize)> {
        fn is_word(c: char) -> bool {
            c.is_alphanumeric() || c == '_'
        }
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for ((k, _, _), finder) in self.known.iter().zip(&self.finders) {
            let need_start = k.starts_with(is_word);
            let need_end = k.ends_with(is_word);
            // Non-overlapping, leftmost first, as `str::match_indices`; a match of a whole
            // UTF-8 literal starts and ends on character boundaries.
            for pos in finder.find_iter(s.as_bytes()) {
                let end = pos + k.len();
                let before_ok = !need_start || !s[..pos].chars().next_back().is_some_and(is_word);
                let after_ok = !need_end || !s[end..].chars().next().is_some_and(is_word);
                if before_ok && after_ok {
                    hits.push((pos, end));
                }
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out: Vec<(usize, usize)> = Vec::with_capacity(hits.len());
        for h in hits {
            if out.last().is_none_or(|last| h.0 >= last.1) {
                out.push(h);
            }
        }
        out
    }

    /// Redacts free text.
    pub fn text(&mut self, text: &str) -> String {
        // User regex rules first: they know the data best.
        let mut s = self.user_rules(text.to_owned());
        if !self.known.is_empty() {
            let hits = self.find_known(&s);
            if !hits.is_empty() {
                let mut out = String::with_capacity(s.len());
                let mut last = 0;
                for (start, end) in hits {
                    out.push_str(&s[last..start]);
                    let ph = self
                        .known_placeholder(&s[start..end])
                        .unwrap_or_else(|| SECRET.to_owned());
                    out.push_str(&ph);
                    last = end;
                }
                out.push_str(&s[last..]);
                s = out;
            }
        }
        self.shapes(s, true)
    }

    /// Redacts one line of free text for a report cell, the journal or the terminal: like
    /// [`Session::text`] but ids are kept (reports are keyed by them), the text is put on one
    /// line and cut at [`MAX_LINE_CHARS`].
    pub fn line(&mut self, text: &str) -> String {
        let mut s = self.message(&text.replace(['\n', '\r'], " "));
        if s.chars().count() > MAX_LINE_CHARS {
            s = s.chars().take(MAX_LINE_CHARS).collect::<String>() + "…";
        }
        s
    }

    /// Redacts a message as it is (lines and length kept): secrets, PII unless off, the
    /// user's regex rules; ids kept.
    pub fn message(&mut self, text: &str) -> String {
        let s = self.user_rules(text.to_owned());
        self.shapes(s, false)
    }

    /// The user's regex rules for this session's workflow.
    fn user_rules(&self, mut s: String) -> String {
        for rule in &self.redactor.rules {
            if let Some(re) = &rule.regex {
                if rule.applies_to(self.workflow_id.as_deref()) && re.is_match(&s) {
                    s = re.replace_all(&s, rule.placeholder.as_str()).into_owned();
                }
            }
        }
        s
    }

    /// The built-in shapes (secrets, PII unless off, ids when `ids`), in one scan of `s`.
    fn shapes(&mut self, s: String, ids: bool) -> String {
        // Most texts hold no shape: the same search without the capture slots
        // `captures_iter` allocates.
        if !PATTERN.is_match(&s) {
            return s;
        }
        let mut out = String::new();
        let mut last = 0;
        for caps in PATTERN.captures_iter(&s) {
            let (Some(m), Some(shape)) = (caps.get(0), Shape::of(&caps)) else {
                continue;
            };
            if (shape.is_pii() && !self.redactor.pii) || (shape == Shape::Id && !ids) {
                continue;
            }
            let Some(hit) = shape.hit(m.as_str()) else {
                continue;
            };
            if out.capacity() == 0 {
                out.reserve(s.len());
            }
            out.push_str(&s[last..m.start() + hit.prefix]);
            let ph = self.placeholder(hit.label, &hit.normalized);
            out.push_str(&ph);
            out.push_str(&s[m.end() - hit.suffix..m.end()]);
            last = m.end();
        }
        if last == 0 {
            return s;
        }
        out.push_str(&s[last..]);
        out
    }

    /// Redacts a JSON value: strings as text, and whole values by what their key says
    /// (secrets, timestamps, latencies, ids, PII-named variables).
    pub fn value(&mut self, value: &serde_json::Value) -> serde_json::Value {
        self.value_under(None, value)
    }

    /// Redacts a map of dynamic variables: like [`Session::value`], and the server's volatile
    /// variables (`now`, `rand_*`, …) become `[VOLATILE]`.
    pub fn variables(
        &mut self,
        vars: &serde_json::Map<String, serde_json::Value>,
    ) -> serde_json::Map<String, serde_json::Value> {
        vars.iter()
            .map(|(k, v)| {
                let v = if is_volatile_variable(k) {
                    serde_json::Value::String(VOLATILE.into())
                } else {
                    self.value_under(Some(k), v)
                };
                (k.clone(), v)
            })
            .collect()
    }

    fn value_under(&mut self, key: Option<&str>, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        if value.is_null() {
            return Value::Null;
        }
        if let Some(k) = key {
            match classify_key(k) {
                KeyClass::Secret => return Value::String(SECRET.into()),
                KeyClass::Timestamp => return Value::String(TIMESTAMP.into()),
                KeyClass::Latency if value.is_number() => return Value::String(LATENCY.into()),
                KeyClass::Tokens if self.redactor.token_counts && value.is_number() => {
                    return Value::String(TOKENS.into())
                }
                KeyClass::Id => {
                    if let Some(s) = value.as_str() {
                        return Value::String(self.add_known("ID", s, false));
                    }
                    if value.is_number() {
                        return Value::String(self.placeholder("ID", &value.to_string()));
                    }
                }
                _ => {}
            }
            if self.redactor.is_pii_variable(k) {
                if let Some(s) = value.as_str() {
                    return Value::String(self.add_known(&k.to_ascii_uppercase(), s, true));
                }
            }
        }
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    // Array items inherit the key: `node_ids: [...]` are all ids.
                    .map(|v| self.value_under(key, v))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value_under(Some(k), v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Applies the user's JSON-pointer rules for this session's workflow to a YAML document.
    pub fn apply_pointer_rules_yaml(&self, doc: &mut serde_yaml_ng::Value) {
        self.apply_pointer_rules(doc);
    }

    /// Applies the user's JSON-pointer rules for this session's workflow to a JSON document.
    pub fn apply_pointer_rules_json(&self, doc: &mut serde_json::Value) {
        self.apply_pointer_rules(doc);
    }

    fn apply_pointer_rules<T: Tree>(&self, doc: &mut T) {
        for rule in &self.redactor.rules {
            if let (Some(pointer), true) =
                (&rule.pointer, rule.applies_to(self.workflow_id.as_deref()))
            {
                replace_at(doc, pointer, &rule.placeholder);
            }
        }
    }
}

/// A document the pointer rules walk: the JSON transcript or the YAML snapshot file.
trait Tree {
    /// Replaces this node with a string.
    fn set_text(&mut self, text: &str);
    /// The children `head` selects (`*`: all): values of a mapping by key, items of a sequence
    /// by index.
    fn select(&mut self, head: &str) -> Vec<&mut Self>;
}

impl Tree for serde_yaml_ng::Value {
    fn set_text(&mut self, text: &str) {
        *self = serde_yaml_ng::Value::String(text.to_owned());
    }

    fn select(&mut self, head: &str) -> Vec<&mut Self> {
        match self {
            serde_yaml_ng::Value::Mapping(map) => map
                .iter_mut()
                .filter(|(k, _)| head == "*" || k.as_str() == Some(head))
                .map(|(_, v)| v)
                .collect(),
            serde_yaml_ng::Value::Sequence(items) => by_index(items, head),
            _ => Vec::new(),
        }
    }
}

impl Tree for serde_json::Value {
    fn set_text(&mut self, text: &str) {
        *self = serde_json::Value::String(text.to_owned());
    }

    fn select(&mut self, head: &str) -> Vec<&mut Self> {
        match self {
            serde_json::Value::Object(map) => map
                .iter_mut()
                .filter(|(k, _)| head == "*" || *k == head)
                .map(|(_, v)| v)
                .collect(),
            serde_json::Value::Array(items) => by_index(items, head),
            _ => Vec::new(),
        }
    }
}

/// The items `head` selects: all for `*`, else the one at that index.
fn by_index<'a, T>(items: &'a mut [T], head: &str) -> Vec<&'a mut T> {
    let index = head.parse::<usize>().ok();
    items
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| head == "*" || index == Some(*i))
        .map(|(_, v)| v)
        .collect()
}

fn replace_at<T: Tree>(doc: &mut T, path: &[String], placeholder: &str) {
    let Some((head, rest)) = path.split_first() else {
        doc.set_text(placeholder);
        return;
    };
    for child in doc.select(head) {
        replace_at(child, rest, placeholder);
    }
}

/// The length of the longest of [`CONFIG_KEYS`].
const LONGEST_CONFIG_KEY: usize = "workflow_config_fully_hydrated".len();

/// Keys under which a document holds config, not conversation: never learned from.
const CONFIG_KEYS: &[&str] = &[
    "workflow_config_fully_hydrated",
    "workflow_config",
    "node_configs",
    "edge_configs",
    "workflow",
    "workflow_version",
    "definition",
    "definitions",
];

/// Which bytes end one of [`CONFIG_KEYS`] (looked up at every key of every document).
const CONFIG_ENDS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < CONFIG_KEYS.len() {
        let key = CONFIG_KEYS[i].as_bytes();
        table[key[key.len() - 1] as usize] = true;
        i += 1;
    }
    table
};

/// The two-byte endings of a set of keys, their bytes folded (`| 0x20`: ASCII letters to
/// lower case, every other byte to one that no letter folds to), as a 65,536-bit table: one
/// lookup passes over most keys of a document, where the tests after it (the last byte, the
/// opening quote, the length) took a byte search each.
///
/// A key that equals one of the set (ASCII case aside) always passes: its two last bytes fold
/// alike. A one-byte key's ending is its opening quote and itself.
struct KeyEnds([u64; 1024]);

impl Default for KeyEnds {
    fn default() -> Self {
        KeyEnds([0; 1024])
    }
}

impl KeyEnds {
    /// The table's bit for the two bytes `a`, `b`.
    fn bit(a: u8, b: u8) -> usize {
        usize::from(u16::from_le_bytes([a | 0x20, b | 0x20]))
    }

    /// Adds the ending of `key` (an empty key adds nothing: the scan never sees one).
    fn insert(&mut self, key: &[u8]) {
        let bit = match key {
            [] => return,
            [only] => Self::bit(b'"', *only),
            [.., a, b] => Self::bit(*a, *b),
        };
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    /// False when the key whose closing quote is at `close` in `raw` cannot be one of the set.
    fn may_end(&self, raw: &[u8], close: usize) -> bool {
        let bit = match close {
            // Too near the start for a key of a byte or more: let the full tests decide.
            0 | 1 => return true,
            _ => Self::bit(raw[close - 2], raw[close - 1]),
        };
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// True when the quote at `at` is escaped (inside a string): an odd run of backslashes.
fn is_escaped(raw: &[u8], at: usize) -> bool {
    raw[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// JSON white space.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The first byte at or after `i` that is not white space.
fn skip_ws(raw: &[u8], mut i: usize) -> usize {
    while raw.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// Just past the last byte before `i` that is not white space.
fn skip_ws_back(raw: &[u8], mut i: usize) -> usize {
    while i > 0 && is_ws(raw[i - 1]) {
        i -= 1;
    }
    i
}

/// One value of a document being learned from, and the key it sits under: the reference the
/// scan of [`Session::learn_document`] is tested against.
#[cfg(test)]
struct LearnWalk<'s, 'a> {
    session: &'s mut Session<'a>,
    key: Option<&'s str>,
}

#[cfg(test)]
impl<'de> serde::de::DeserializeSeed<'de> for LearnWalk<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
impl<'de> serde::de::Visitor<'de> for LearnWalk<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        if let Some(key) = self.key {
            if key != "name" && self.session.redactor.is_pii_variable(key) {
                self.session.register(&key.to_ascii_uppercase(), text, true);
            }
        }
        Ok(())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let session = self.session;
        while seq
            .next_element_seed(LearnWalk {
                session: &mut *session,
                key: None,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if CONFIG_KEYS.contains(&key.as_ref()) {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else {
                map.next_value_seed(LearnWalk {
                    session: &mut *session,
                    key: Some(&key),
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::rules::RedactionRule;
    use proptest::prelude::*;
    use serde_json::json;

    fn r() -> Redactor {
        Redactor::default()
    }

    /// What the scan of `learn_document` learns from `raw`.
    fn scanned(red: &Redactor, raw: &[u8]) -> Vec<(String, String, String)> {
        let mut s = red.session(None);
        s.learn_document(raw);
        s.known
    }

    /// What a full walk of the parsed document learns (the reference).
    fn walked(red: &Redactor, raw: &[u8]) -> Vec<(String, String, String)> {
        let mut s = red.session(None);
        let mut de = serde_json::Deserializer::from_slice(raw);
        let _ = serde::de::DeserializeSeed::deserialize(
            LearnWalk {
                session: &mut s,
                key: None,
            },
            &mut de,
        );
        s.known
    }

    #[test]
    fn the_learning_scan_equals_a_walk_on_every_fixture_document() {
        let red = r();
        // The fixtures, the test data and a small synthetic corpus of all three systems.
        let synth = tempfile::tempdir().unwrap();
        crate::synth::generate(
            synth.path(),
            &crate::synth::Options {
                runs: 40,
                seed: 7,
                versions: 1,
            },
        )
        .unwrap();
        let (files, _) = crate::corpus::find_files(&[
            std::path::PathBuf::from("fixtures"),
            std::path::PathBuf::from("tests/data"),
            synth.path().to_path_buf(),
        ]);
        let mut learned = 0;
        for path in files {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            // Whole files, and each line of JSONL files.
            let mut docs = vec![&bytes[..]];
            docs.extend(bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()));
            for doc in docs {
                let want = walked(&red, doc);
                if serde_json::from_slice::<serde::de::IgnoredAny>(doc).is_ok() {
                    assert_eq!(scanned(&red, doc), want, "{}", path.display());
                    learned += want.len();
                }
            }
        }
        assert!(
            learned > 10,
            "the fixtures hold PII variables to learn ({learned})"
        );
    }

    #[test]
    fn the_learning_scan_reads_keys_only_where_a_walk_would() {
        let red = r();
        for doc in [
            // A key, a value that looks like a key, escaped JSON inside a string.
            r#"{"patient_name": "Avery Quinn", "note": "patient_name", "x": "{\"patient_name\": \"Eve Stone\"}"}"#,
            // Config subtrees are skipped at any depth; `name` is never learned.
            r#"{"workflow_config": {"patient_name": "Config Default"}, "a": {"b": [{"caller_name": "Rory Banks", "name": "Node Name"}]}}"#,
            // Upper-case keys, a non-string value, an escape in the value, white space.
            r#"{"Patient_Name" :  "Jo Mar\u00eda", "patient_dob": {"x": "1"}, "phone": ["555"]}"#,
            // A backslash before the quote that is itself escaped.
            r#"{"t": "end\\", "patient_name": "Sam Lee"}"#,
        ] {
            assert_eq!(
                scanned(&red, doc.as_bytes()),
                walked(&red, doc.as_bytes()),
                "{doc}"
            );
        }
        let got = scanned(
            &red,
            br#"{"patient_name": "Avery Quinn", "x": "{\"patient_name\": \"Eve Stone\"}"}"#,
        );
        assert!(got.iter().any(|(k, _, _)| k == "Avery Quinn"), "{got:?}");
        assert!(!got.iter().any(|(k, _, _)| k.contains("Eve")), "{got:?}");
    }

    #[test]
    fn pii_gets_stable_numbered_placeholders() {
        let red = r();
        let mut s = red.session(None);
        let out =
            s.text("Call (555) 010-4477 or 555-010-4477, not 555.010.9999; mail a.b@example.com");
        assert_eq!(
            out,
            "Call [PHONE-1] or [PHONE-1], not [PHONE-2]; mail [EMAIL-1]"
        );
        assert_eq!(s.text("again (555) 010-4477"), "again [PHONE-1]");
        assert_eq!(
            s.text("SSN 000-12-3456, DOB 04/12/1961 or 1961-04-12 or April 12, 1961"),
            "SSN [SSN-1], DOB [DATE-1] or [DATE-2] or [DATE-3]"
        );
        assert_eq!(s.text("+15550100123"), "[PHONE-3]");
    }

    #[test]
    fn secrets_and_ids() {
        let red = r();
        let mut s = red.session(None);
        assert_eq!(
            s.text("Authorization: Bearer sk-synthetic-SECRET-0000 and sk-abcdef123"),
            "Authorization: [SECRET-1] and [SECRET-2]"
        );
        assert_eq!(
            s.text("run 69a5725851cd4ae89dc12eb0 / e8f36c03-bec5-4eb9-b652-b370a9896534"),
            "run [ID-1] / [ID-2]"
        );
        let v = s.value(&json!({
            "api_headers": {"Authorization": "Bearer x"},
            "secret_variables": {"k": "v"},
            "created_at": "2026-01-01",
            "response_latency_milliseconds": 812,
            "patient_id": "P-1001",
            "total_tokens": 12,
            "note": "call 555-010-4477"
        }));
        assert_eq!(
            v,
            json!({
                "api_headers": "[SECRET]",
                "secret_variables": "[SECRET]",
                "created_at": "[TIMESTAMP]",
                "response_latency_milliseconds": "[LATENCY]",
                "patient_id": "[ID-3]",
                "total_tokens": 12,
                "note": "call [PHONE-1]"
            })
        );
    }

    #[test]
    fn variables_learn_names_and_hide_volatiles() {
        let red = r();
        let mut s = red.session(None);
        let vars = json!({"patient_name": "Avery Quill", "clinic_name": "Maple", "now": "March 02, 2026 03:16 PM", "rand_int": 4})
            .as_object()
            .cloned()
            .unwrap();
        s.learn(&vars);
        let out = s.variables(&vars);
        assert_eq!(
            serde_json::Value::Object(out),
            json!({"patient_name": "[PATIENT_NAME-1]", "clinic_name": "Maple", "now": "[VOLATILE]", "rand_int": "[VOLATILE]"})
        );
        assert_eq!(
            s.text("Hi Avery Quill! Thanks, Avery. Averyville stays."),
            "Hi [PATIENT_NAME-1]! Thanks, [PATIENT_NAME-1]. Averyville stays."
        );
    }

    #[test]
    fn pii_off_keeps_pii_but_not_secrets() {
        let cfg = RedactionConfig {
            pii: false,
            ..Default::default()
        };
        let red = Redactor::new(&cfg).unwrap();
        assert_eq!(
            red.text(None, "555-010-4477 Bearer abc"),
            "555-010-4477 [SECRET-1]"
        );
    }

    #[test]
    fn user_rules_apply_only_to_named_workflows() {
        let cfg = RedactionConfig {
            rules: vec![
                RedactionRule {
                    workflows: vec!["wf1".into()],
                    pointer: None,
                    regex: Some(r"MRN-\d+".into()),
                    placeholder: "[MRN]".into(),
                },
                RedactionRule {
                    workflows: vec!["wf1".into()],
                    pointer: Some("/turns/*/input/member".into()),
                    regex: None,
                    placeholder: "[MEMBER]".into(),
                },
            ],
            ..Default::default()
        };
        let red = Redactor::new(&cfg).unwrap();
        assert_eq!(red.text(Some("wf1"), "MRN-42"), "[MRN]");
        assert_eq!(red.text(Some("wf2"), "MRN-42"), "MRN-42");
        let mut doc = json!({"turns": [{"input": {"member": "x"}}, {"input": {"member": "y"}}]});
        red.session(Some("wf2")).apply_pointer_rules_json(&mut doc);
        assert_eq!(doc["turns"][0]["input"]["member"], "x");
        red.session(Some("wf1")).apply_pointer_rules_json(&mut doc);
        assert_eq!(doc["turns"][1]["input"]["member"], "[MEMBER]");
        let mut y: serde_yaml_ng::Value =
            serde_yaml_ng::from_str("turns:\n- input:\n    member: x\n").unwrap();
        red.session(Some("wf1")).apply_pointer_rules_yaml(&mut y);
        assert_eq!(y["turns"][0]["input"]["member"].as_str(), Some("[MEMBER]"));
    }

    #[test]
    fn report_lines_hide_secrets_pii_and_user_matches_but_keep_ids() {
        let cfg = RedactionConfig {
            rules: vec![RedactionRule {
                workflows: vec!["wf1".into()],
                pointer: None,
                regex: Some(r"MRN-\d+".into()),
                placeholder: "[MRN]".into(),
            }],
            ..Default::default()
        };
        let red = Redactor::new(&cfg).unwrap();
        let line = red.line(
            Some("wf1"),
            "run 69a5725851cd4ae89dc12eb0: 500 {\"token\": \"tk-123456\"}\nDOB 04/12/1961, MRN-42, \
             mail a@b.example, call 555-010-4477, X-Auth-Token: zz-top-99",
        );
        assert_eq!(
            line,
            "run 69a5725851cd4ae89dc12eb0: 500 {\"token\": \"[SECRET-1]\"} DOB [DATE-1], [MRN], \
             mail [EMAIL-1], call [PHONE-1], X-Auth-Token: [SECRET-2]"
        );
        // Another workflow's rule does not apply; the length is capped.
        assert_eq!(red.line(Some("wf2"), "MRN-42"), "MRN-42");
        assert_eq!(
            red.line(None, &"x".repeat(400)).chars().count(),
            MAX_LINE_CHARS + 1
        );
        // Secrets only: PII stays, paths and ids stay.
        let only = Redactor::secrets_only();
        assert_eq!(
            only.session(None)
                .message("/tmp/2026-01-02/a.snap: denied\npassword=hunter22"),
            "/tmp/2026-01-02/a.snap: denied\npassword=[SECRET-1]"
        );
    }

    #[test]
    fn secret_keys_hide_their_values_in_documents() {
        let red = r();
        let v = red.session(None).value(&json!({
            "X-Auth-Token": "a1", "api-key": "a2", "aws_secret_access_key": "a3",
            "github_pat": "a4", "privateKey": {"pem": "a5"}, "jwt": "a6", "credentials": ["a7"],
            "total_tokens": 12, "llm_token_usage": {"prompt_tokens": 3}
        }));
        for secret in ["a1", "a2", "a3", "a4", "a5", "a6", "a7"] {
            assert!(!v.to_string().contains(&format!("\"{secret}\"")), "{v}");
        }
        assert_eq!(v["total_tokens"], 12);
        assert_eq!(v["llm_token_usage"]["prompt_tokens"], 3);
    }

    #[test]
    fn bad_rules_are_errors() {
        let bad = |rule: RedactionRule| {
            Redactor::new(&RedactionConfig {
                rules: vec![rule],
                ..Default::default()
            })
            .unwrap_err()
        };
        let rule = RedactionRule {
            workflows: vec!["*".into()],
            pointer: None,
            regex: Some("(".into()),
            placeholder: "x".into(),
        };
        assert!(matches!(
            bad(rule.clone()),
            RedactError::BadRegex { index: 0, .. }
        ));
        assert!(matches!(
            bad(RedactionRule {
                regex: None,
                ..rule.clone()
            }),
            RedactError::BadRule { .. }
        ));
        assert!(matches!(
            bad(RedactionRule {
                regex: None,
                pointer: Some("a/b".into()),
                ..rule
            }),
            RedactError::BadRule { .. }
        ));
    }

    fn pii_value() -> impl Strategy<Value = String> {
        prop_oneof![
            // phones
            r"\(\d{3}\) \d{3}-\d{4}",
            r"\d{3}-\d{3}-\d{4}",
            r"\d{3}\.\d{3}\.\d{4}",
            r"\+1\d{10}",
            r"\+1 \d{3} \d{3} \d{4}",
            // e-mails
            r"[a-z][a-z0-9._+-]{0,12}@[a-z][a-z0-9-]{0,10}\.(com|org|example|co\.uk)",
            // SSNs
            r"\d{3}-\d{2}-\d{4}",
            // dates of birth
            r"(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/(19|20)\d{2}",
            r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
            r"(January|March|April|December) ([1-9]|[12]\d), (19|20)\d{2}",
        ]
    }

    proptest! {
        #[test]
        fn no_pii_survives(prefix in "[ -~]{0,30}", value in pii_value(), suffix in "[ -~]{0,30}") {
            let red = Redactor::default();
            let text = format!("{prefix} {value} {suffix}");
            let out = red.text(None, &text);
            prop_assert!(!out.contains(&value), "{value:?} survived in {out:?}");
        }

        #[test]
        fn pii_in_json_values_never_survives(value in pii_value(), key in "[a-z_]{1,12}") {
            let red = Redactor::default();
            let out = red.session(None).value(&json!({ key: [ { "x": value.clone() } ] }));
            prop_assert!(!out.to_string().contains(&value));
        }
    }

    proptest! {
        #[test]
        fn the_learning_scan_equals_a_walk_on_generated_documents(
            entries in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "patient_name", "PATIENT_NAME", "name", "phone", "workflow", "node_configs",
                        "note", "caller_name", "a",
                    ]),
                    0u8..4,
                    "[A-Za-z \\\\\"]{0,12}",
                ),
                0..12,
            )
        ) {
            // Nested objects, arrays and strings built from the entries, with keys that may
            // hide inside strings.
            let mut doc = String::from("{");
            for (i, (key, shape, text)) in entries.iter().enumerate() {
                if i > 0 {
                    doc.push(',');
                }
                let text = serde_json::to_string(text).unwrap();
                let value = match shape {
                    0 => text,
                    1 => format!("{{\"{key}\": {text}, \"n\": 1}}"),
                    2 => format!("[{text}, {{\"patient_name\": {text}}}]"),
                    _ => serde_json::to_string(&format!("{{\"{key}\": {text}}}")).unwrap(),
                };
                doc.push_str(&format!("\"{key}\": {value}"));
            }
            doc.push('}');
            let red = r();
            prop_assert_eq!(scanned(&red, doc.as_bytes()), walked(&red, doc.as_bytes()), "{}", doc);
        }
    }
}
