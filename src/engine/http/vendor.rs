//! What the live engine asks of one vendor's API ([`VendorClient`]), and how a vendor builds
//! its client over the shared retry, pacing and resend rules ([`Connect`]).

use std::sync::Arc;

use super::client::{Auth, HttpClient, RetryBudget};
use super::HttpConfig;
use crate::engine::{unsupported, EngineFuture, Reply, Settle, StartRequest, TurnInput};
use crate::formats::Adapters;
use crate::model::{Run, System};

/// What the engine knows of a run when it calls for it.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The run.
    pub run_id: &'a str,
    /// The workflow it runs, when this engine started it (or the caller named it).
    pub workflow_id: Option<&'a str>,
    /// The app it belongs to, when the case named one (Cortex).
    pub app_id: Option<&'a str>,
}

/// The next turn of a started run.
#[derive(Debug, Clone, Copy)]
pub struct NextTurn<'a> {
    /// The workflow the run runs.
    pub workflow_id: &'a str,
    /// The run.
    pub run_id: &'a str,
    /// What the user says.
    pub input: &'a TurnInput,
    /// Turns the run had answered at its last reply: a turn that may have been lost is looked
    /// for past these.
    pub answered: usize,
    /// Where the recording came to rest mid-work.
    pub settle: Option<Settle>,
}

/// One vendor's live API. The engine checks the system's `Profile` first (single-shot runs
/// take no further turns, runs that cannot be stopped are not, …): a method is only called
/// for what the profile allows, and those a vendor's runs do not allow need no body.
pub trait VendorClient: Send + Sync + std::fmt::Debug {
    /// Starts a run; the reply is its first turn.
    fn start<'a>(
        &'a self,
        request: &'a StartRequest,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Reply>;
    /// Sends the next turn of a conversational run.
    fn send<'a>(&'a self, turn: NextTurn<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, Reply> {
        let _ = (turn, budget);
        unsupported("further turns")
    }
    /// The run as the server has it now.
    fn get<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, Arc<Run>>;
    /// The run's document exactly as the server sent it, checked to be a run of the system.
    fn get_raw<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Arc<[u8]>>;
    /// The evaluation run the system started itself for `run_id`, when there is one;
    /// `asked`: the case names an evaluator (wait for it).
    fn evaluation<'a>(
        &'a self,
        run_id: &'a str,
        asked: bool,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        let _ = (run_id, asked);
        Box::pin(async { Ok(None) })
    }
    /// Stops (or cancels) a run.
    fn stop<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, ()> {
        let _ = (run, budget);
        unsupported("stop")
    }
    /// Adds a comment to a run.
    fn comment<'a>(
        &'a self,
        run_id: &'a str,
        text: &'a str,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, ()> {
        let _ = (run_id, text, budget);
        unsupported("comments")
    }
    /// One page of the run list (for `reprise fetch`).
    fn list_page<'a>(
        &'a self,
        query: &'a ListQuery,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Page>;
}

/// How a vendor builds its client.
pub trait Connect: Send + Sync {
    /// The system the client talks to.
    fn system(&'static self) -> System;
    /// How its requests carry the token.
    fn auth(&self) -> Auth;
    /// The client for the API at `base` (no trailing slash) over `http`; it reads answers
    /// with `adapters` (the caller's registry: a vendor folder never names its siblings).
    fn connect(
        &self,
        http: HttpClient,
        base: String,
        config: &HttpConfig,
        adapters: &Adapters,
    ) -> Box<dyn VendorClient>;
}

/// What to list (for `reprise fetch`).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only runs of this workflow (required by Noxus and Cortex, whose lists are per workflow).
    pub workflow_id: Option<String>,
    /// Only runs created at or after this time (Interactly `created_after`).
    pub since: Option<String>,
    /// 1-based page number.
    pub page: u32,
    /// Page size.
    pub size: u32,
    /// A server-given cursor for the next page (Cortex `next`), when the last page had one.
    pub cursor: Option<String>,
}

/// One page of a run list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Run ids in list order.
    pub run_ids: Vec<String>,
    /// The server's cursor for the next page, when it gives one.
    pub next: Option<String>,
    /// True when the server says (or the page shows) there is nothing after this page.
    pub last: bool,
}
