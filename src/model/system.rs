//! The opaque ids of a system (a vendor) and of a document format.
//!
//! Nothing outside `crate::vendors` names a system: code that needs to know something about
//! one asks its [`Profile`] (how it spells statuses, whether runs go on turn by turn, …). The
//! vendors implement the profile next to their adapter, client and routes.

use serde::{Serialize, Serializer};

use super::{Status, StatusKind};

/// What the rest of the code may know about a system without naming it.
pub trait Profile: Send + Sync + 'static {
    /// The lowercase name used in CSV columns, paths and `--base-url NAME=URL`.
    fn name(&self) -> &'static str;
    /// What a status spelled `text` (as this system spells it) means.
    fn status(&self, text: &str) -> StatusKind;
    /// What its runs allow.
    fn runs(&self) -> RunTraits;
}

/// What a system's runs allow: the questions code outside the vendor asks instead of naming it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTraits {
    /// Runs go on turn by turn (a conversation); else a run is single-shot, one turn.
    pub conversational: bool,
    /// Runs carry a version number that a replay may ask for.
    pub versioned: bool,
    /// A run can be stopped (or cancelled) through the API.
    pub stoppable: bool,
    /// The system starts an evaluation run of its own for a run (a run's verdict may come
    /// from it).
    pub evaluates: bool,
    /// Runs take comments (where `reprise run --comment` writes the verdict).
    pub takes_comments: bool,
    /// Runs may carry their hydrated workflow config (what `reprise impact` reads).
    pub has_configs: bool,
    /// The run list is per workflow: `reprise fetch` needs `--workflow`.
    pub lists_per_workflow: bool,
}

impl RunTraits {
    /// Allows nothing: single-shot runs without versions, stop, evaluation, comments or
    /// configs, listed in one list.
    pub const NONE: RunTraits = RunTraits {
        conversational: false,
        versioned: false,
        stoppable: false,
        evaluates: false,
        takes_comments: false,
        has_configs: false,
        lists_per_workflow: false,
    };
}

/// The system a run was recorded on: an opaque id that only its vendor interprets.
///
/// Equal, hashed and ordered by name.
#[derive(Clone, Copy)]
pub struct System(&'static dyn Profile);

impl System {
    /// The id of the system `profile` describes.
    pub const fn new(profile: &'static dyn Profile) -> System {
        System(profile)
    }

    /// The lowercase name used in CSV columns and paths.
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// What the rest of the code may ask about the system.
    pub fn profile(self) -> &'static dyn Profile {
        self.0
    }
}

impl PartialEq for System {
    fn eq(&self, other: &System) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for System {}

impl std::hash::Hash for System {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for System {
    fn partial_cmp(&self, other: &System) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for System {
    fn cmp(&self, other: &System) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for System {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The document shape a run was read from: its system and the name `--format` takes.
#[derive(Clone, Copy)]
pub struct Format {
    system: System,
    name: &'static str,
    about: &'static str,
}

impl Format {
    /// The format `name` (kebab-case, unique across systems) of `system`; `about` is its
    /// line in `--help`.
    pub const fn new(system: System, name: &'static str, about: &'static str) -> Format {
        Format {
            system,
            name,
            about,
        }
    }

    /// The system this format belongs to.
    pub fn system(self) -> System {
        self.system
    }

    /// The name used by `--format`.
    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// What the format is, in one line.
    pub fn about(self) -> &'static str {
        self.about
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

impl std::hash::Hash for Format {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// Classifying a spelling needs the system's [`Profile`], so it lives with [`System`]; the
/// status types stay below it.
impl Status {
    /// Classifies `text` as `system` spells its statuses.
    pub fn parse(system: System, text: &str) -> Status {
        let kind = system.profile().status(text);
        Status {
            text: text.to_owned(),
            kind,
        }
    }
}
