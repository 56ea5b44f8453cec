//! `kind = "contains" | "not_contains" | "regex"`: assistant messages, in any turn or in the
//! last turn only.

use regex::Regex;
use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// Which assistant messages to look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every turn.
    #[default]
    Any,
    /// The last turn only.
    Last,
}

fn messages(run: &Run, scope: Scope) -> Vec<&str> {
    match scope {
        Scope::Any => run
            .turns
            .iter()
            .flat_map(|t| t.assistant_messages())
            .collect(),
        Scope::Last => run
            .turns
            .last()
            .map(|t| t.assistant_messages().collect())
            .unwrap_or_default(),
    }
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Any => "any turn",
        Scope::Last => "the last turn",
    }
}

/// `text = "..."`, `turn = "any" | "last"`, `ignore_case = false`.
#[derive(Debug, Clone, Deserialize)]
pub struct Contains {
    /// The text to find.
    pub text: String,
    /// Where.
    #[serde(default)]
    pub turn: Scope,
    /// Compare case-insensitively.
    #[serde(default)]
    pub ignore_case: bool,
}

fn contains(hay: &str, needle: &str, ignore_case: bool) -> bool {
    if ignore_case {
        hay.to_lowercase().contains(&needle.to_lowercase())
    } else {
        hay.contains(needle)
    }
}

impl Assertion for Contains {
    fn check(&self, run: &Run) -> Result<(), String> {
        if messages(run, self.turn)
            .iter()
            .any(|m| contains(m, &self.text, self.ignore_case))
        {
            Ok(())
        } else {
            Err(format!(
                "no assistant message in {} contains {:?}",
                scope_name(self.turn),
                self.text
            ))
        }
    }
}

/// Like [`Contains`], inverted.
#[derive(Debug, Clone, Deserialize)]
pub struct NotContains {
    /// The text that must not appear.
    pub text: String,
    /// Where.
    #[serde(default)]
    pub turn: Scope,
    /// Compare case-insensitively.
    #[serde(default)]
    pub ignore_case: bool,
}

impl Assertion for NotContains {
    fn check(&self, run: &Run) -> Result<(), String> {
        if messages(run, self.turn)
            .iter()
            .any(|m| contains(m, &self.text, self.ignore_case))
        {
            Err(format!(
                "an assistant message in {} contains {:?}",
                scope_name(self.turn),
                self.text
            ))
        } else {
            Ok(())
        }
    }
}

/// A regex compiled when the config is read, so a bad pattern is a config error.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Regex::new(&s)
            .map(Pattern)
            .map_err(serde::de::Error::custom)
    }
}

/// `pattern = "..."`, `turn = "any" | "last"`.
#[derive(Debug, Clone, Deserialize)]
pub struct RegexMatch {
    /// The regex.
    pub pattern: Pattern,
    /// Where.
    #[serde(default)]
    pub turn: Scope,
}

impl Assertion for RegexMatch {
    fn check(&self, run: &Run) -> Result<(), String> {
        if messages(run, self.turn)
            .iter()
            .any(|m| self.pattern.0.is_match(m))
        {
            Ok(())
        } else {
            Err(format!(
                "no assistant message in {} matches /{}/",
                scope_name(self.turn),
                self.pattern.0.as_str()
            ))
        }
    }
}
