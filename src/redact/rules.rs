//! `[redaction]` in `reprise.toml`: what the redactor hides beyond its built-in rules.
//!
//! Built-in (always on): ids, timestamps, latencies, the server's volatile variables and
//! secrets. PII (phones, e-mails, SSNs, dates, values of PII-named variables) is on by default.
//! User rules name the workflows they apply to (`"*"` names every workflow); a rule applies to
//! nothing it does not name.

use serde::Deserialize;

/// Variable names whose values are PII unless `pii_variables` replaces the list.
pub const DEFAULT_PII_VARIABLES: &[&str] = &[
    "patient_name",
    "patient_first_name",
    "patient_last_name",
    "patient_phone",
    "patient_email",
    "patient_dob",
    "patient_address",
    "first_name",
    "last_name",
    "full_name",
    "caller_name",
    "name",
    "phone",
    "phone_number",
    "email",
    "date_of_birth",
    "dob",
    "address",
];

/// The `[redaction]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedactionConfig {
    /// Redact PII (phones, e-mails, SSNs, dates, PII-named variables). Default true.
    pub pii: bool,
    /// Replaces [`DEFAULT_PII_VARIABLES`] when given.
    pub pii_variables: Option<Vec<String>>,
    /// Added to the PII variable names (default or replaced).
    pub extra_pii_variables: Vec<String>,
    /// Also redact token counts. Default false.
    pub token_counts: bool,
    /// User rules, each naming the workflows it applies to.
    pub rules: Vec<RedactionRule>,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            pii: true,
            pii_variables: None,
            extra_pii_variables: Vec::new(),
            token_counts: false,
            rules: Vec::new(),
        }
    }
}

impl RedactionConfig {
    /// The variable names whose values are PII.
    pub fn pii_variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.pii_variables {
            Some(list) => list.clone(),
            None => DEFAULT_PII_VARIABLES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        names.extend(self.extra_pii_variables.iter().cloned());
        names
    }
}

/// One user rule: a JSON pointer (into the written document) or a regex (over every text),
/// replaced by `placeholder`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RedactionRule {
    /// The workflow ids it applies to; `"*"` for every workflow.
    pub workflows: Vec<String>,
    /// A JSON pointer; a `*` segment matches any key or index.
    pub pointer: Option<String>,
    /// A regular expression; every match is replaced.
    pub regex: Option<String>,
    /// The replacement, e.g. `[MEMBER-ID]`.
    pub placeholder: String,
}

impl RedactionRule {
    /// True when the rule names `workflow_id` (or every workflow).
    pub fn applies_to(&self, workflow_id: Option<&str>) -> bool {
        self.workflows
            .iter()
            .any(|w| w == "*" || Some(w.as_str()) == workflow_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_defaults() {
        let cfg: RedactionConfig = toml::from_str(
            r#"
            extra_pii_variables = ["member_name"]
            [[rules]]
            workflows = ["wf1"]
            regex = "MRN-\\d+"
            placeholder = "[MRN]"
            "#,
        )
        .unwrap();
        assert!(cfg.pii);
        assert_eq!(cfg.rules.len(), 1);
        assert!(cfg.rules[0].applies_to(Some("wf1")));
        assert!(!cfg.rules[0].applies_to(Some("wf2")));
        assert!(!cfg.rules[0].applies_to(None));
        let names = cfg.pii_variable_names();
        assert!(names.contains(&"patient_name".to_owned()));
        assert!(names.contains(&"member_name".to_owned()));
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<RedactionConfig>("piii = false").is_err());
    }
}
