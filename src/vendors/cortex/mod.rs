//! Cortex: single-shot step workflows, usage in credits. Its format adapter, status spellings, HTTP client and
//! `reprise serve` routes.

mod client;
mod format;
mod routes;
mod status;

use crate::engine::http::{Auth, Connect, HttpClient, HttpConfig, VendorClient};
use crate::formats::{Adapter, Detected, Document, NormalizeError};
use crate::model::{Format, Profile, Run, RunTraits, StatusKind, System};
use crate::server::{AppState, ServeRoutes};

/// The Cortex vendor.
#[derive(Debug, Clone, Copy)]
pub struct Cortex;

/// Cortex's system id.
pub const SYSTEM: System = System::new(&Cortex);
/// A Cortex run.
pub const RUN: Format = Format::new(
    SYSTEM,
    "cortex-run",
    "A Cortex run (alone, or as an element of a list response)",
);
const FORMATS: [Format; 1] = [RUN];

/// Cortex runs are told by fields no Noxus run has: they win over Noxus's.
const SPECIFICITY: u8 = 2;

/// Single-shot, versioned, cancellable, no comments; listed per workflow.
const RUNS: RunTraits = RunTraits {
    versioned: true,
    stoppable: true,
    lists_per_workflow: true,
    ..RunTraits::NONE
};

impl Profile for Cortex {
    fn name(&self) -> &'static str {
        "cortex"
    }
    fn status(&self, text: &str) -> StatusKind {
        status::kind(text)
    }
    fn runs(&self) -> RunTraits {
        RUNS
    }
}

impl Adapter for Cortex {
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

impl crate::vendors::Vendor for Cortex {
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

impl ServeRoutes for Cortex {
    fn routes(&self, app: &std::sync::Arc<AppState>) -> axum::Router {
        routes::routes(app)
    }
}

impl Connect for Cortex {
    fn system(&self) -> System {
        SYSTEM
    }
    fn auth(&self) -> Auth {
        Auth::Bearer
    }
    fn connect(
        &self,
        http: HttpClient,
        base: String,
        config: &HttpConfig,
    ) -> Box<dyn VendorClient> {
        Box::new(client::Cortex::new(
            http,
            base,
            config.cortex_app_id.clone(),
        ))
    }
}
