//! Noxus over HTTP (`X-API-KEY`): start `POST /v1/workflows/{workflow_id}/runs`
//! {input, workflow_version_id}, poll the workflow-scoped run
//! `GET /v1/workflows/{workflow_id}/runs/{run_id}` (the seed's `GET /v1/runs/{id}` lacks
//! `output` and is used only for runs whose workflow is unknown). No stop, no comments.
//! `reprise fetch` lists with `GET /v1/workflows/{workflow_id}/runs?page=&size=` (assumed).

use std::sync::Arc;

use crate::engine::http::calls::{get_page, get_run, get_run_raw, seg, start_single_shot, str_at};
use crate::engine::http::{HttpClient, Known, ListQuery, Page, RetryBudget, VendorClient};
use crate::engine::{BoxFuture, EngineError, Reply, StartRequest};
use crate::model::Run;
use crate::vendors::Registry;

/// The Noxus client.
#[derive(Debug)]
pub struct Noxus {
    http: HttpClient,
    base: String,
}

impl Noxus {
    /// A client for the API at `base` (no trailing slash).
    pub fn new(http: HttpClient, base: String) -> Noxus {
        Noxus { http, base }
    }

    fn run_url(&self, workflow_id: Option<&str>, run_id: &str) -> String {
        match workflow_id {
            Some(w) => format!("{}/v1/workflows/{}/runs/{}", self.base, seg(w), seg(run_id)),
            None => format!("{}/v1/runs/{}", self.base, seg(run_id)),
        }
    }

    /// Starts a run and polls it until it rests (completed, failed, stopped, or awaiting
    /// human feedback). Noxus runs are single-shot: the reply is turn 0.
    pub async fn start(
        &self,
        request: &StartRequest,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let url = format!(
            "{}/v1/workflows/{}/runs",
            self.base,
            seg(&request.workflow_id)
        );
        let workflow = request.workflow_id.as_str();
        start_single_shot(
            &self.http,
            url,
            request,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
            |run_id| async move { self.get(Some(workflow), &run_id, budget).await },
        )
        .await
    }

    /// The run as Noxus has it now.
    pub async fn get(
        &self,
        workflow_id: Option<&str>,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<Run>, EngineError> {
        let url = self.run_url(workflow_id, run_id);
        get_run(
            &self.http,
            url,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
        )
        .await
    }

    /// The run's document exactly as received.
    pub async fn get_raw(
        &self,
        workflow_id: Option<&str>,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<[u8]>, EngineError> {
        let url = self.run_url(workflow_id, run_id);
        get_run_raw(
            &self.http,
            url,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
        )
        .await
    }

    /// One page of a workflow's runs.
    pub async fn list_page(
        &self,
        query: &ListQuery,
        budget: &RetryBudget,
    ) -> Result<Page, EngineError> {
        let Some(workflow) = &query.workflow_id else {
            return Err(EngineError::Unsupported(
                "listing noxus runs needs a workflow (--workflow)".into(),
            ));
        };
        let url = format!(
            "{}/v1/workflows/{}/runs?page={}&size={}",
            self.base,
            seg(workflow),
            query.page,
            query.size
        );
        get_page(&self.http, url, query.size, false, budget, |item| {
            str_at(item, &["id"]).map(str::to_owned)
        })
        .await
    }
}

impl VendorClient for Noxus {
    fn start<'a>(
        &'a self,
        request: &'a StartRequest,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Reply, EngineError>> {
        Box::pin(Noxus::start(self, request, budget))
    }

    fn get<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Arc<Run>, EngineError>> {
        Box::pin(Noxus::get(self, run.workflow_id, run.run_id, budget))
    }

    fn get_raw<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Arc<[u8]>, EngineError>> {
        Box::pin(Noxus::get_raw(self, run.workflow_id, run.run_id, budget))
    }

    fn list_page<'a>(
        &'a self,
        query: &'a ListQuery,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Page, EngineError>> {
        Box::pin(Noxus::list_page(self, query, budget))
    }
}
