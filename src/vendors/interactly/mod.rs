//! Interactly: conversational graph workflows, turn by turn. Its format adapter (the GET
//! envelope, the bare `WorkflowRun`, the execute response), status spellings, HTTP client and
//! `reprise serve` routes.

mod client;
mod format;
mod layout;
mod routes;
mod status;

use crate::engine::http::{Auth, Connect, HttpClient, HttpConfig, VendorClient};
use crate::formats::{Adapter, Detected, Document, NormalizeError};
use crate::model::{Format, Profile, Run, RunTraits, StatusKind, System};
use crate::server::{AppState, ServeRoutes};

/// The Interactly vendor.
#[derive(Debug, Clone, Copy)]
pub struct Interactly;

/// Interactly's system id.
pub const SYSTEM: System = System::new(&Interactly);
/// `GET …/workflow-runs/{id}`.
pub const ENVELOPE: Format = Format::new(
    SYSTEM,
    "interactly-envelope",
    "Interactly `GET …/workflow-runs/{id}`: `{workflow_run: {_id, …, workflow_run: WorkflowRun}}`",
);
/// A bare `WorkflowRun`.
pub const RUN: Format = Format::new(
    SYSTEM,
    "interactly-run",
    "A bare Interactly `WorkflowRun` (the first-generation execute response)",
);
/// The current execute response.
pub const EXECUTE: Format = Format::new(
    SYSTEM,
    "interactly-execute",
    "The current Interactly execute response `{run_id, turn_number, events, …}`",
);
const FORMATS: [Format; 3] = [ENVELOPE, RUN, EXECUTE];

/// Interactly's fields (an envelope's wrapper, `workflow_run_id`, …) are its own: they win over
/// the `id` the other vendors look at.
const SPECIFICITY: u8 = 3;

/// Conversations, versioned, stopped, evaluated by Interactly itself, commented; one list for all workflows.
const RUNS: RunTraits = RunTraits {
    conversational: true,
    versioned: true,
    stoppable: true,
    evaluates: true,
    takes_comments: true,
    has_configs: true,
    lists_per_workflow: false,
};

impl Profile for Interactly {
    fn name(&self) -> &'static str {
        "interactly"
    }
    fn status(&self, text: &str) -> StatusKind {
        status::kind(text)
    }
    fn runs(&self) -> RunTraits {
        RUNS
    }
}

impl Adapter for Interactly {
    fn formats(&self) -> &'static [Format] {
        &FORMATS
    }

    fn detect(&self, doc: &Document<'_>) -> Option<Detected> {
        format::detect(&doc.doc).map(|format| Detected {
            format,
            specificity: SPECIFICITY,
        })
    }

    fn normalize(&self, doc: Document<'_>, format: Format) -> Result<Run, NormalizeError> {
        if format == ENVELOPE {
            format::envelope(doc.doc)
        } else if format == EXECUTE {
            format::execute(doc.doc)
        } else {
            format::bare(doc.doc)
        }
    }
}

impl crate::vendors::Vendor for Interactly {
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

impl ServeRoutes for Interactly {
    fn routes(&self, app: &std::sync::Arc<AppState>) -> axum::Router {
        routes::routes(app)
    }
}

impl Connect for Interactly {
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
        Box::new(client::Interactly::new(
            http,
            base,
            config.interactly_generation,
            config.secret_variables.clone(),
            config.eval_wait,
        ))
    }
}
