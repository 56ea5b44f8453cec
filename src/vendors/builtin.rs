//! A built-in vendor as one description ([`Builtin`]): its name, status spellings, run traits,
//! formats and the functions of its folder. It implements every trait a plug-in implements,
//! so each folder's `mod.rs` is one `static` naming its parts.

use std::sync::Arc;

use super::Vendor;
use crate::engine::http::{Auth, Connect, HttpClient, HttpConfig, VendorClient};
use crate::formats::doc::Doc;
use crate::formats::{Adapter, Adapters, Detected, Document, NormalizeError};
use crate::model::{Format, Profile, Run, RunTraits, StatusKind, System};
use crate::server::{AppState, ServeRoutes};

/// A built-in vendor's [`Builtin`] from its name, its [`Auth`] and the parts its folder holds
/// under the usual names (`status::kind`, `status::RUNS`, `format::{formats, SPECIFICITY,
/// detect, normalize}`, `client::connect`, `routes::routes`), so the three folders cannot
/// wire their parts differently by a slip.
macro_rules! builtin {
    ($name:literal, $auth:expr) => {
        $crate::vendors::builtin::Builtin {
            name: $name,
            status: status::kind,
            runs: status::RUNS,
            formats: format::formats,
            specificity: format::SPECIFICITY,
            detect: format::detect,
            normalize: format::normalize,
            auth: $auth,
            connect: client::connect,
            routes: routes::routes,
        }
    };
}
pub(crate) use builtin;

/// A built-in vendor, described.
pub(crate) struct Builtin {
    /// The lowercase name (CSV columns, paths, `--base-url NAME=URL`).
    pub name: &'static str,
    /// Its status spellings (`status.rs`).
    pub status: fn(&str) -> StatusKind,
    /// What its runs allow (`status.rs`).
    pub runs: RunTraits,
    /// Its formats (`format.rs`).
    pub formats: fn() -> &'static [Format],
    /// How specific its detection is ([`Detected::specificity`]).
    pub specificity: u8,
    /// Its format of a parsed document, if any (`format.rs`).
    pub detect: fn(&Doc<'_>) -> Option<Format>,
    /// The document as a run of a format (`format.rs`).
    pub normalize: fn(Doc<'_>, Format) -> Result<Run, NormalizeError>,
    /// How its API takes the token.
    pub auth: Auth,
    /// Its live client over the shared one (`client.rs`).
    pub connect: fn(HttpClient, String, &HttpConfig, &Adapters) -> Box<dyn VendorClient>,
    /// Its `reprise serve` routes (`routes.rs`).
    pub routes: fn(&Arc<AppState>) -> axum::Router,
}

impl Profile for Builtin {
    fn name(&self) -> &'static str {
        self.name
    }
    fn status(&self, text: &str) -> StatusKind {
        (self.status)(text)
    }
    fn runs(&self) -> RunTraits {
        self.runs
    }
}

impl Adapter for Builtin {
    fn formats(&self) -> &'static [Format] {
        (self.formats)()
    }
    fn detect(&self, doc: &Document<'_>) -> Option<Detected> {
        Detected::of((self.detect)(&doc.doc), self.specificity)
    }
    fn normalize(&self, doc: Document<'_>, format: Format) -> Result<Run, NormalizeError> {
        (self.normalize)(doc.doc, format)
    }
}

impl Connect for Builtin {
    fn system(&'static self) -> System {
        System::new(self)
    }
    fn auth(&self) -> Auth {
        self.auth
    }
    fn connect(
        &self,
        http: HttpClient,
        base: String,
        config: &HttpConfig,
        adapters: &Adapters,
    ) -> Box<dyn VendorClient> {
        (self.connect)(http, base, config, adapters)
    }
}

impl ServeRoutes for Builtin {
    fn routes(&self, app: &Arc<AppState>) -> axum::Router {
        (self.routes)(app)
    }
}

impl Vendor for Builtin {
    fn system(&'static self) -> System {
        System::new(self)
    }
    fn connector(&'static self) -> Option<&'static dyn Connect> {
        Some(self)
    }
    fn serve(&'static self) -> Option<&'static dyn ServeRoutes> {
        Some(self)
    }
}
