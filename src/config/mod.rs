//! `reprise.toml`: assertions, thresholds and redaction rules, each naming the workflows it
//! applies to. Nothing in it applies to a workflow it does not name.
//!
//! Each section has its own file; this module only finds and reads the file.

pub mod assertions;
pub mod gate;
pub mod redaction;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// The whole configuration file. Every section is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where it was read from (`None`: no file, defaults).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// `[evaluation]`: evaluator verdict pointers, threshold and local assertions.
    pub evaluation: assertions::EvaluationSection,
    /// `[gate]`: thresholds for `reprise gate` and `reprise run`.
    pub gate: gate::GateConfig,
    /// `[redaction]`: what the redactor hides beyond its built-in rules.
    pub redaction: redaction::RedactionConfig,
}

impl Config {
    /// Reads `explicit`, else `./reprise.toml` when present, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, Error> {
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
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Config {
            path: path.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        config.path = Some(path);
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_explicit_file_is_a_config_error() {
        let err = Config::load(Some(Path::new("/nonexistent/reprise.toml"))).unwrap_err();
        assert_eq!(err.exit_status(), crate::ExitStatus::Input);
    }
}
