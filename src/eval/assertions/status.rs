//! `kind = "status"`: the run ended with one of the given statuses (spelled as its system
//! spells them).

use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// `status = ["completed"]` (a single string is accepted too).
#[derive(Debug, Clone, Deserialize)]
pub struct StatusIs {
    /// Accepted statuses.
    #[serde(deserialize_with = "one_or_many")]
    pub status: Vec<String>,
}

pub(crate) fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl Assertion for StatusIs {
    fn check(&self, run: &Run) -> Result<(), String> {
        if self.status.contains(&run.status.text) {
            Ok(())
        } else {
            Err(format!(
                "status is `{}`, expected one of {:?}",
                run.status.text, self.status
            ))
        }
    }
}
