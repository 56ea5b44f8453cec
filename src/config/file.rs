//! Finding and reading `reprise.toml` into a [`Config`], and its errors (exit 2, naming the
//! file).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file. Every section is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where it was read from (`None`: no file, defaults).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// `[evaluation]`: evaluator verdict pointers, threshold and local assertions.
    pub evaluation: crate::eval::spec::EvaluationSection,
    /// `[gate]`: thresholds for `reprise gate` and `reprise run`.
    pub gate: super::gate::GateConfig,
    /// `[redaction]`: what the redactor hides beyond its built-in rules.
    pub redaction: crate::redact::rules::RedactionConfig,
}

/// A configuration file that cannot be used (exit 2), naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or a key or value the configuration does not take.
    #[error("{}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why.
        #[source]
        source: toml::de::Error,
    },
    /// A `[redaction]` rule that does not compile.
    #[error("{}: {source}", path.display())]
    Redaction {
        /// The file.
        path: PathBuf,
        /// Which rule and why.
        #[source]
        source: crate::redact::RedactError,
    },
}

impl Config {
    /// Reads `explicit`, else `./reprise.toml` when present, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let default = PathBuf::from("reprise.toml");
                if !default.is_file() {
                    return Ok(Config::default());
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.clone(),
            source,
        })?;
        config.path = Some(path);
        Ok(config)
    }

    /// The one redactor of a command, from `[redaction]` (a bad rule names this file).
    pub fn redactor(&self) -> Result<crate::redact::Redactor, ConfigError> {
        crate::redact::Redactor::new(&self.redaction).map_err(|source| ConfigError::Redaction {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from("reprise.toml")),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_explicit_file_is_a_read_error_naming_it() {
        let err = Config::load(Some(Path::new("/nonexistent/reprise.toml"))).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("/nonexistent/reprise.toml: cannot read: "));
    }

    #[test]
    fn a_bad_rule_is_an_error_naming_the_file() {
        let config = Config {
            path: Some("conf/reprise.toml".into()),
            ..toml::from_str(
                r#"
                [[redaction.rules]]
                workflows = ["*"]
                regex = "("
                placeholder = "[X]"
                "#,
            )
            .unwrap()
        };
        let err = config.redactor().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("conf/reprise.toml: redaction rule 0"),
            "{err}"
        );
    }

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("[evaluation]\n")
            .expect("README has the example");
        let block = &readme[start..];
        let block = &block[..block.find("```").expect("closed block")];
        // The README indents the block inside a list item.
        let text: String = block
            .lines()
            .map(|l| l.trim_start().to_owned() + "\n")
            .collect();
        let config: crate::config::Config = toml::from_str(&text).unwrap();
        let section = &config.evaluation;
        assert_eq!(section.threshold, 0.5);
        assert_eq!(section.assertions.len(), 1);
        assert_eq!(section.assertions[0].check.kind(), "contains");
        assert!(section.assertions[0].applies_to(Some("69a5ab8d27542b571e6ab925")));
        assert!(!section.assertions[0].applies_to(Some("other")));
        assert!(!section.assertions[0].applies_to(None));
    }

    #[test]
    fn readme_example_parses_as_part_of_the_config_file() {
        let cfg: crate::config::Config = toml::from_str(
            r#"
            [redaction]
            pii = true
            extra_pii_variables = ["member_name"]
            token_counts = false

            [[redaction.rules]]
            workflows = ["69a5cfb4f70dd01a8e961b62"]
            regex = "MRN-\\d+"
            placeholder = "[MRN]"

            [[redaction.rules]]
            workflows = ["69a5cfb4f70dd01a8e961b62"]
            pointer = "/turns/*/tool_results/*/result/member_id"
            placeholder = "[MEMBER-ID]"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.redaction.rules.len(), 2);
        assert_eq!(cfg.redaction.rules[0].regex.as_deref(), Some("MRN-\\d+"));
        assert!(crate::redact::Redactor::new(&cfg.redaction).is_ok());
    }
}
