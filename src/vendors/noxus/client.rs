//! Noxus over HTTP (`X-API-KEY`): start `POST /v1/workflows/{workflow_id}/runs`
//! {input, workflow_version_id}, poll the workflow-scoped run
//! `GET /v1/workflows/{workflow_id}/runs/{run_id}` (the seed's `GET /v1/runs/{id}` lacks
//! `output` and is used only for runs whose workflow is unknown). No stop, no comments.
//! `reprise fetch` lists with `GET /v1/workflows/{workflow_id}/runs?page=&size=` (assumed).

use crate::engine::http::calls::seg;
use crate::engine::http::{
    HttpClient, HttpConfig, Known, ListQuery, RunUrls, SingleShot, VendorClient,
};
use crate::engine::{EngineError, StartRequest};
use crate::formats::Adapters;

/// Where Noxus runs are, under `base` (no trailing slash).
#[derive(Debug)]
pub struct Noxus {
    base: String,
}

impl RunUrls for Noxus {
    fn start_url(&self, request: &StartRequest) -> Result<String, EngineError> {
        let workflow = seg(&request.workflow_id);
        Ok(format!("{}/v1/workflows/{workflow}/runs", self.base))
    }

    fn run_url(&self, run: Known<'_>) -> Result<String, EngineError> {
        let id = seg(run.run_id);
        Ok(match run.workflow_id {
            Some(w) => format!("{}/v1/workflows/{}/runs/{id}", self.base, seg(w)),
            None => format!("{}/v1/runs/{id}", self.base),
        })
    }

    fn list_url(&self, query: &ListQuery) -> Result<String, EngineError> {
        let Some(workflow) = &query.workflow_id else {
            return Err(EngineError::Unsupported(
                "listing noxus runs needs a workflow (--workflow)".into(),
            ));
        };
        Ok(format!(
            "{}/v1/workflows/{}/runs?page={}&size={}",
            self.base,
            seg(workflow),
            query.page,
            query.size
        ))
    }

    fn cursor(&self) -> bool {
        false
    }
}

/// The client for the API at `base` (no trailing slash) over `http`.
pub(super) fn connect(
    http: HttpClient,
    base: String,
    _: &HttpConfig,
    adapters: &Adapters,
) -> Box<dyn VendorClient> {
    Box::new(SingleShot {
        http,
        system: super::SYSTEM,
        adapters: adapters.clone(),
        urls: Noxus { base },
    })
}
