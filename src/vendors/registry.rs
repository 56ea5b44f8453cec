//! The list of vendors a load (and a `--format`/`--system` name) is resolved against.

use std::sync::LazyLock;

use super::{cortex, interactly, noxus, Vendor};
use crate::corpus::LoadOptions;
use crate::engine::http::{Connect, HttpConfig, HttpEngine};
use crate::engine::{EngineError, RecordedEngine};
use crate::formats::Adapters;
use crate::model::{Format, System};
use crate::server::{ServeOptions, ServeRoutes, Server};

/// The built-in vendors, in report order. A new vendor is one line here.
const BUILTIN: [&dyn Vendor; 3] = [&interactly::INTERACTLY, &noxus::NOXUS, &cortex::CORTEX];

static BUILTIN_REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::new(BUILTIN.to_vec()));

/// Every built-in format, for `--format`.
static BUILTIN_FORMATS: LazyLock<Vec<Format>> = LazyLock::new(|| {
    BUILTIN
        .iter()
        .flat_map(|v| v.formats().iter().copied())
        .collect()
});

/// The vendors a load reads with, in order (report order, and the tie order of detection).
#[derive(Clone)]
pub struct Registry {
    vendors: Vec<&'static dyn Vendor>,
    adapters: Adapters,
}

impl Registry {
    /// A registry of `vendors`, in this order.
    pub fn new(vendors: Vec<&'static dyn Vendor>) -> Registry {
        let adapters = Adapters::new(vendors.iter().map(|v| v.as_adapter()).collect());
        Registry { vendors, adapters }
    }

    /// The built-in vendors (Interactly, Noxus, Cortex).
    pub fn builtin() -> &'static Registry {
        &BUILTIN_REGISTRY
    }

    /// This registry with `vendor` added last.
    pub fn with(&self, vendor: &'static dyn Vendor) -> Registry {
        let mut vendors = self.vendors.clone();
        vendors.push(vendor);
        Registry::new(vendors)
    }

    /// The vendors' systems, in order.
    pub fn systems(&self) -> impl Iterator<Item = System> + '_ {
        self.vendors.iter().map(|v| v.system())
    }

    /// The format adapters, in order.
    pub fn adapters(&self) -> &Adapters {
        &self.adapters
    }

    /// The live engine over the APIs of the vendors that have a client and a base URL.
    pub fn http_engine(&self, config: HttpConfig) -> Result<HttpEngine, EngineError> {
        let connectors: Vec<&'static dyn Connect> =
            self.vendors.iter().filter_map(|v| v.connector()).collect();
        HttpEngine::new(config, &connectors, &self.adapters)
    }

    /// `reprise serve` over `engine`, with the routes of the vendors that have them.
    pub fn server(
        &self,
        engine: std::sync::Arc<RecordedEngine>,
        options: ServeOptions,
    ) -> Result<Server, String> {
        let routes: Vec<&'static dyn ServeRoutes> =
            self.vendors.iter().filter_map(|v| v.serve()).collect();
        Server::new(engine, options, routes)
    }

    /// The system named `name` (any case).
    pub fn system(&self, name: &str) -> Option<System> {
        self.systems()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

/// Loads with the built-in vendors (here, not in `corpus`: the loader does not know them).
impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            adapters: Registry::builtin().adapters().clone(),
            format: None,
            keep_raw: false,
            digest: false,
            scan: None,
            cache: None,
        }
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::builtin().clone()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.systems()).finish()
    }
}

/// Names of the built-in systems for callers that pick one (tests, `--system`): the rest of
/// the code does not branch on them.
#[allow(non_upper_case_globals)]
impl System {
    /// Interactly.
    pub const Interactly: System = interactly::SYSTEM;
    /// Noxus.
    pub const Noxus: System = noxus::SYSTEM;
    /// Cortex.
    pub const Cortex: System = cortex::SYSTEM;
    /// Every built-in system, in report order.
    pub const ALL: [System; 3] = [interactly::SYSTEM, noxus::SYSTEM, cortex::SYSTEM];
}

impl std::str::FromStr for System {
    type Err = String;
    /// A built-in system by name (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Registry::builtin()
            .system(s)
            .ok_or_else(|| format!("unknown system `{s}` (expected interactly, noxus or cortex)"))
    }
}

/// `--format NAME`: the built-in formats.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &BUILTIN_FORMATS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()).help(self.about()))
    }
}

/// One in-test document (JSON text) read as a run of the built-in vendors, from a file named
/// `file`; the tests of several modules build their runs this way.
#[cfg(test)]
pub(crate) fn test_run(file: &str, text: &str) -> crate::model::Run {
    let mut out = crate::formats::read_bytes(
        std::path::Path::new(file),
        std::sync::Arc::from(text.as_bytes()),
        Registry::builtin().adapters(),
        None,
        true,
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    out.runs.remove(0)
}
