//! [`HttpEngine`]: the [`Engine`] over the vendors' live APIs. It keeps what later calls for a
//! run need (workflow, app, retry budget, turns answered), asks the system's profile what the
//! run allows, and calls the vendor's [`VendorClient`].

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::client::{ClientConfig, HttpClient, Limits, RetryBudget};
use super::vendor::{Connect, Known, ListQuery, NextTurn, Page, VendorClient};
use super::HttpConfig;
use crate::engine::{
    check_stoppable, check_takes_comments, Engine, EngineError, EngineFuture, Reply, Settle,
    StartRequest, TurnInput,
};
use crate::formats::Adapters;
use crate::model::{Run, System};

/// A live run this engine started: what later calls for it need.
#[derive(Debug)]
struct RunInfo {
    system: System,
    workflow_id: String,
    /// The Cortex app the run belongs to, when the case named one.
    app_id: Option<String>,
    /// Where the recording came to rest mid-work (see [`Settle`]).
    settle: Option<Settle>,
    /// Turns the run had answered at its last reply: a turn that may have been lost is looked
    /// for past these.
    answered: AtomicUsize,
    budget: Arc<RetryBudget>,
}

/// The live engine: one client per system with a base URL, chosen by each case's system.
#[derive(Debug)]
pub struct HttpEngine {
    clients: BTreeMap<System, Box<dyn VendorClient>>,
    config: Arc<ClientConfig>,
    limits: Arc<Limits>,
    runs: Mutex<HashMap<String, Arc<RunInfo>>>,
}

impl HttpEngine {
    /// Builds the client of every vendor in `vendors` that has a base URL, reading answers
    /// with `adapters` (`crate::vendors::Registry::http_engine` passes the registered ones).
    pub fn new(
        config: HttpConfig,
        vendors: &[&'static dyn Connect],
        adapters: &Adapters,
    ) -> Result<HttpEngine, EngineError> {
        let client_config = Arc::new(config.client.clone());
        let limits = Limits::new(&client_config);
        let mut clients = BTreeMap::new();
        for vendor in vendors {
            let system = vendor.system();
            let Some(url) = config.base_urls.get(&system) else {
                continue;
            };
            let http = HttpClient::new(
                client_config.clone(),
                vendor.auth(),
                config.tokens.get(&system).cloned(),
                limits.clone(),
            )?;
            let base = url.trim_end_matches('/').to_owned();
            clients.insert(system, vendor.connect(http, base, &config, adapters));
        }
        Ok(HttpEngine {
            clients,
            config: client_config,
            limits,
            runs: Mutex::new(HashMap::new()),
        })
    }

    /// The extra spacing the engine currently adds after 429s.
    pub fn slowdown(&self) -> Duration {
        self.limits.slowdown()
    }

    /// Drops what the engine remembers of a finished run (its workflow and retry budget), so
    /// a long replay does not keep one entry per run.
    pub fn forget(&self, run_id: &str) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.remove(run_id);
        }
    }

    /// Retries left for a run this engine started.
    pub fn retries_left(&self, run_id: &str) -> Option<u32> {
        self.info(run_id).map(|i| i.budget.remaining())
    }

    fn client(&self, system: System) -> Result<&dyn VendorClient, EngineError> {
        self.clients
            .get(&system)
            .map(|c| &**c)
            .ok_or_else(|| no_base(system))
    }

    fn info(&self, run_id: &str) -> Option<Arc<RunInfo>> {
        self.runs.lock().ok()?.get(run_id).cloned()
    }

    fn remember(&self, run_id: &str, info: Arc<RunInfo>) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(run_id.to_owned(), info);
        }
    }

    /// The budget of a known run, or a fresh one for a run this engine did not start.
    fn budget(&self, run_id: &str) -> Arc<RetryBudget> {
        self.info(run_id)
            .map(|i| i.budget.clone())
            .unwrap_or_else(|| Arc::new(RetryBudget::new(self.config.retry_budget)))
    }

    /// What the engine knows of `run_id`.
    fn known<'a>(&self, run_id: &'a str, info: Option<&'a RunInfo>) -> Known<'a> {
        Known {
            run_id,
            workflow_id: info.map(|i| i.workflow_id.as_str()),
            app_id: info.and_then(|i| i.app_id.as_deref()),
        }
    }

    /// One page of a system's run list (for `reprise fetch`).
    pub async fn list_page(&self, system: System, query: &ListQuery) -> Result<Page, EngineError> {
        let budget = RetryBudget::new(self.config.retry_budget);
        self.client(system)?.list_page(query, &budget).await
    }

    /// One run's document exactly as the server sent it, checked to be a run of `system`.
    pub async fn get_raw(
        &self,
        system: System,
        workflow_id: Option<&str>,
        run_id: &str,
    ) -> Result<Arc<[u8]>, EngineError> {
        let budget = RetryBudget::new(self.config.retry_budget);
        let run = Known {
            run_id,
            workflow_id,
            app_id: None,
        };
        self.client(system)?.get_raw(run, &budget).await
    }
}

fn no_base(system: System) -> EngineError {
    EngineError::Unsupported(format!(
        "no base URL for {system} (pass --base-url {system}=URL)"
    ))
}

impl Engine for HttpEngine {
    fn name(&self) -> &str {
        "http"
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let budget = Arc::new(RetryBudget::new(self.config.retry_budget));
            let reply = self.client(request.system)?.start(request, &budget).await?;
            let info = RunInfo {
                system: request.system,
                workflow_id: request.workflow_id.clone(),
                app_id: request.live.app_id.clone(),
                settle: request.live.settle,
                answered: AtomicUsize::new(reply.run.turns.len()),
                budget,
            };
            self.remember(&reply.run_id, Arc::new(info));
            Ok(reply)
        })
    }

    fn send<'a>(&'a self, run_id: &'a str, input: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let Some(info) = self.info(run_id) else {
                return Err(EngineError::Unsupported(format!(
                    "send to run {run_id}, which this engine did not start"
                )));
            };
            let system = info.system;
            if !system.profile().runs().conversational {
                return Err(EngineError::Unsupported(format!(
                    "{system} runs are single-shot: no further turns"
                )));
            }
            let turn = NextTurn {
                workflow_id: &info.workflow_id,
                run_id,
                input,
                answered: info.answered.load(Ordering::Acquire),
                settle: info.settle,
            };
            let reply = self.client(system)?.send(turn, &info.budget).await?;
            info.answered
                .store(reply.run.turns.len(), Ordering::Release);
            // A recorded engine may switch recordings mid-run: the next turn names the new id.
            if reply.run_id != run_id {
                self.remember(&reply.run_id, info.clone());
            }
            Ok(reply)
        })
    }

    fn get<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move {
            let budget = self.budget(run_id);
            let info = self.info(run_id);
            let client = self.client(system)?;
            client
                .get(self.known(run_id, info.as_deref()), &budget)
                .await
        })
    }

    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        evaluator: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async move {
            if !system.profile().runs().evaluates {
                return Ok(None);
            }
            self.client(system)?
                .evaluation(run_id, evaluator.is_some())
                .await
        })
    }

    fn stop<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            check_stoppable(system)?;
            let budget = self.budget(run_id);
            let info = self.info(run_id);
            let client = self.client(system)?;
            client
                .stop(self.known(run_id, info.as_deref()), &budget)
                .await
        })
    }

    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        text: &'a str,
    ) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            check_takes_comments(system)?;
            let budget = self.budget(run_id);
            self.client(system)?.comment(run_id, text, &budget).await
        })
    }
}
