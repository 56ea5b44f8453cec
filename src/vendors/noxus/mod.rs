//! Noxus: single-shot DAG runs; no version number (only a workflow hash), no token usage. Its format adapter, status spellings, HTTP client and
//! `reprise serve` routes.

mod client;
mod format;
mod routes;
mod status;

use crate::engine::http::{Auth, Connect, HttpClient, HttpConfig, VendorClient};
use crate::formats::{Adapter, Detected, Document, NormalizeError};
use crate::model::{Format, Profile, Run, RunTraits, StatusKind, System};
use crate::server::{AppState, ServeRoutes};

/// The Noxus vendor.
#[derive(Debug, Clone, Copy)]
pub struct Noxus;

/// Noxus's system id.
pub const SYSTEM: System = System::new(&Noxus);
/// A Noxus run.
pub const RUN: Format = Format::new(SYSTEM, "noxus-run", "A Noxus run");
const FORMATS: [Format; 1] = [RUN];

/// Noxus runs are told by fields a Cortex run may share: Cortex's win.
const SPECIFICITY: u8 = 1;

/// Single-shot, unversioned (only a workflow hash), no stop, no comments; listed per workflow.
const RUNS: RunTraits = RunTraits {
    lists_per_workflow: true,
    ..RunTraits::NONE
};

impl Profile for Noxus {
    fn name(&self) -> &'static str {
        "noxus"
    }
    fn status(&self, text: &str) -> StatusKind {
        status::kind(text)
    }
    fn runs(&self) -> RunTraits {
        RUNS
    }
}

impl Adapter for Noxus {
    fn formats(&self) -> &'static [Format] {
        &FORMATS
    }

    fn detect(&self, doc: &Document<'_>) -> Option<Detected> {
        format::detect(&doc.doc).map(|format| Detected {
            format,
            specificity: SPECIFICITY,
        })
    }

    fn normalize(&self, doc: Document<'_>, _: Format) -> Result<Run, NormalizeError> {
        format::run(doc.doc)
    }
}

impl crate::vendors::Vendor for Noxus {
    fn system(&self) -> System {
        SYSTEM
    }
    fn adapter(&'static self) -> &'static dyn Adapter {
        self
    }
    fn connector(&'static self) -> Option<&'static dyn Connect> {
        Some(self)
    }
    fn serve(&'static self) -> Option<&'static dyn ServeRoutes> {
        Some(self)
    }
}

impl ServeRoutes for Noxus {
    fn routes(&self, app: &std::sync::Arc<AppState>) -> axum::Router {
        routes::routes(app)
    }
}

impl Connect for Noxus {
    fn system(&self) -> System {
        SYSTEM
    }
    fn auth(&self) -> Auth {
        Auth::ApiKey
    }
    fn connect(&self, http: HttpClient, base: String, _: &HttpConfig) -> Box<dyn VendorClient> {
        Box::new(client::Noxus::new(http, base))
    }
}
