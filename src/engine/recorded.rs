//! The embedded recorded engine: answers a run's inputs with recorded outputs, like a cassette.
//!
//! Built from one or more corpora (the cases, then `--recordings DIR` folders; a run id seen
//! twice keeps its first copy). Every non-evaluation run is a recording. Matching:
//!
//! - by system, workflow id and version (`StartRequest::version`; `None` = any recorded
//!   version; ignored for Noxus, whose runs have no version number), then by the sequence of inputs so far (`matcher`: first-turn caller dynamic
//!   variables, user message texts, Noxus/Cortex `input`; volatile variables ignored), never by
//!   run id. Recordings are indexed by (workflow, version, hash chain of the inputs after each
//!   turn), so a start and each send cost one hash lookup, whatever the corpus size.
//! - among several matches the case's own recording wins (`StartRequest::case_run_id`), then
//!   the lowest run id (DESIGN.md). The winner may change on a later turn (two recordings that
//!   share their first turns and then part): [`Reply::run_id`] is always the recording matched
//!   so far, and the next [`Engine::send`] must name that id.
//! - a miss is [`EngineError::Miss`] naming the three nearest recordings and how they differ,
//!   redacted (which turn or variable differs, never its text or value).
//!
//! Runs are shared (`Arc<Run>`), never copied; an answer is the whole recording (read its
//! turns `..=reply.turn`). The evaluation run linked to a recording (`is_evaluation_run`,
//! `source_workflow_run_id`; the one the recording names wins, else the highest id) is what
//! [`Engine::evaluation`] answers. The recorded engine cannot execute evaluators.
//!
//! Runs in flight are kept in a small table until their recording (and every recording
//! sharing their inputs so far) has no further turn; `stop` drops them early.

mod matcher;

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{
    check_stoppable, check_takes_comments, Engine, EngineError, EngineFuture, Reply, StartRequest,
    TurnInput,
};
use crate::corpus::{Corpus, Entry, Index};
use crate::model::{Event, Run, System, Turn};

/// How many recordings a miss diagnostic compares at most (misses stay cheap on huge corpora).
const MISS_SCAN: usize = 5_000;
/// The same when the recordings are read back from their files: each one compared is parsed
/// again, so a corpus of misses would otherwise parse its whole workflow once per miss.
const MISS_SCAN_READ_BACK: usize = 32;
/// How many nearest recordings a miss names.
const MISS_NEAREST: usize = 3;

/// A run being replayed.
#[derive(Debug, Clone)]
struct Session {
    /// Workflow index.
    wf: u32,
    /// The version asked for at start (`None`: any).
    version: Option<i64>,
    /// Hash chain of the inputs answered so far.
    chain: u64,
    /// 0-based index of the last turn answered.
    turn: usize,
    /// The case being replayed, preferred among equal matches.
    case: Option<u32>,
}

/// The embedded engine answering from recordings. See the module documentation.
#[derive(Debug)]
pub struct RecordedEngine {
    /// The indexes the runs come from (the cases' first, then `--recordings`).
    indexes: Vec<Arc<Index>>,
    /// Every run (recordings and evaluation runs), sorted by run id: which index, and where
    /// in it. The engine's run numbers (`u32`) are positions in this list.
    runs: Vec<(u32, u32)>,
    /// Per system: workflow id → workflow index.
    workflows: HashMap<System, HashMap<String, u32>>,
    /// Per workflow index: (system, workflow id, recorded versions ascending).
    workflow_info: Vec<(System, String, Vec<Option<i64>>)>,
    /// (workflow, version) → its recordings, ascending.
    members: FxHashMap<(u32, Option<i64>), Vec<u32>>,
    /// (workflow, version, chain after some turn) → recordings with those inputs, ascending.
    prefixes: FxHashMap<(u32, Option<i64>, u64), Ids>,
    /// Recording → its evaluation run.
    evaluations: FxHashMap<u32, u32>,
    sessions: Mutex<HashMap<String, Vec<Session>>>,
    latency_factor: f64,
}

impl RecordedEngine {
    /// An engine over one corpus.
    pub fn new(corpus: &Corpus) -> RecordedEngine {
        RecordedEngine::from_corpora(&[corpus])
    }

    /// An engine over several corpora (the cases first, then `--recordings` folders). A run
    /// id seen twice keeps its first copy.
    pub fn from_corpora(corpora: &[&Corpus]) -> RecordedEngine {
        RecordedEngine::from_runs(corpora.iter().flat_map(|c| c.runs.iter().cloned()))
    }

    /// An engine over shared runs (first copy of an id wins).
    pub fn from_runs(runs: impl IntoIterator<Item = Arc<Run>>) -> RecordedEngine {
        RecordedEngine::from_indexes(vec![Arc::new(Index::from_runs(runs))])
    }

    /// An engine over indexes (the cases' first, then `--recordings` folders): runs are read
    /// back from their files when a reply needs them. A run id seen twice keeps its first
    /// copy.
    pub fn from_indexes(indexes: Vec<Arc<Index>>) -> RecordedEngine {
        let mut all: Vec<(u32, u32)> = indexes
            .iter()
            .enumerate()
            .flat_map(|(k, index)| (0..index.len() as u32).map(move |i| (k as u32, i)))
            .collect();
        let id =
            |&(k, i): &(u32, u32)| -> &str { &indexes[k as usize].entries()[i as usize].run_id };
        // Stable: of one id, the copy of the first index comes first and is kept.
        all.sort_by(|a, b| id(a).cmp(id(b)));
        all.dedup_by(|b, a| id(a) == id(b));
        let mut engine = RecordedEngine {
            indexes,
            runs: all,
            workflows: Default::default(),
            workflow_info: Vec::new(),
            members: FxHashMap::default(),
            prefixes: FxHashMap::default(),
            evaluations: FxHashMap::default(),
            sessions: Mutex::new(HashMap::new()),
            latency_factor: 0.0,
        };
        // The indexes are lent out while the recordings are indexed (the maps borrow nothing).
        let indexes = std::mem::take(&mut engine.indexes);
        for i in 0..engine.runs.len() {
            let (k, at) = engine.runs[i];
            let entry = &indexes[k as usize].entries()[at as usize];
            if entry.is_case() {
                engine.index_recording(i as u32, entry);
            }
        }
        // Evaluation runs name their source by id: looked up in a map, not by binary search
        // over the entries (at 160,000 runs the searches' cache misses took a third of a
        // second, on one core, before the replay could start).
        let numbers: FxHashMap<&str, u32> = engine
            .runs
            .iter()
            .enumerate()
            .map(|(i, &(k, at))| {
                (
                    &*indexes[k as usize].entries()[at as usize].run_id,
                    i as u32,
                )
            })
            .collect();
        for i in 0..engine.runs.len() as u32 {
            let (k, at) = engine.runs[i as usize];
            let entry = &indexes[k as usize].entries()[at as usize];
            if entry.is_case() {
                continue;
            }
            let source = entry.eval.source_run_id.as_deref();
            if let Some(&source) = source.and_then(|s| numbers.get(s)) {
                engine.link_evaluation(&indexes, i, source);
            }
        }
        drop(numbers);
        engine.indexes = indexes;
        for (_, _, versions) in &mut engine.workflow_info {
            versions.sort_unstable();
            versions.dedup();
        }
        engine
    }

    /// What the index keeps of run `i`.
    fn entry(&self, i: u32) -> &Entry {
        let (k, at) = self.runs[i as usize];
        &self.indexes[k as usize].entries()[at as usize]
    }

    /// Run `i` itself, read back from its file when no one holds it.
    fn load(&self, i: u32) -> Result<Arc<Run>, EngineError> {
        let (k, at) = self.runs[i as usize];
        self.indexes[k as usize]
            .run(at as usize)
            .map_err(|p| EngineError::Recording(p.to_string()))
    }

    /// The engine's number of the run with this id.
    fn id(&self, run_id: &str) -> Option<u32> {
        self.runs
            .binary_search_by(|&(k, at)| {
                self.indexes[k as usize].entries()[at as usize]
                    .run_id
                    .as_ref()
                    .cmp(run_id)
            })
            .ok()
            .map(|i| i as u32)
    }

    fn index_recording(&mut self, i: u32, run: &Entry) {
        let wf_id = run.workflow_id.as_deref().unwrap_or("");
        let workflows = self.workflows.entry(run.system()).or_default();
        let wf = match workflows.get(wf_id) {
            Some(&wf) => wf,
            None => {
                let wf = self.workflow_info.len() as u32;
                workflows.insert(wf_id.to_owned(), wf);
                self.workflow_info
                    .push((run.system(), wf_id.to_owned(), Vec::new()));
                wf
            }
        };
        self.workflow_info[wf as usize].2.push(run.version);
        self.members.entry((wf, run.version)).or_default().push(i);
        for &chain in run.chains.iter() {
            self.prefixes
                .entry((wf, run.version, chain))
                .or_default()
                .push(i);
        }
    }

    /// Same rule as the corpus: the evaluation the source names wins, else the highest id.
    /// `i` is an evaluation run of recording `source`; the indexes are lent out.
    fn link_evaluation(&mut self, indexes: &[Arc<Index>], i: u32, source: u32) {
        let entry = |n: u32| {
            let (k, at) = self.runs[n as usize];
            &indexes[k as usize].entries()[at as usize]
        };
        let named = entry(source).eval.evaluation_run_id.as_deref();
        match self.evaluations.get(&source) {
            Some(&existing) if named == Some(&*entry(existing).run_id) => {}
            _ => {
                self.evaluations.insert(source, i);
            }
        }
    }

    /// Replays recorded LLM latency: each turn sleeps its LLM calls' recorded latency ×
    /// `factor` (0, the default, answers at once).
    pub fn with_latency_factor(mut self, factor: f64) -> RecordedEngine {
        self.latency_factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            0.0
        };
        self
    }

    /// Every run the engine answers from (recordings and evaluation runs), sorted by run id;
    /// runs that cannot be read back are left out.
    pub fn runs(&self) -> Vec<Arc<Run>> {
        (0..self.runs.len() as u32)
            .filter_map(|i| self.load(i).ok())
            .collect()
    }

    /// How many runs the engine answers from.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// True when the engine has no run to answer from.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The run with this id (a recording or an evaluation run).
    pub fn run(&self, run_id: &str) -> Option<Arc<Run>> {
        self.id(run_id).and_then(|i| self.load(i).ok())
    }

    /// The evaluation run linked to the recording `run_id`.
    pub fn evaluation_of(&self, run_id: &str) -> Option<Arc<Run>> {
        let i = self.id(run_id)?;
        self.evaluations.get(&i).and_then(|&e| self.load(e).ok())
    }

    /// True while a replay of `run_id` is in flight (it may receive more input).
    pub fn in_flight(&self, run_id: &str) -> bool {
        self.lock_sessions()
            .get(run_id)
            .is_some_and(|s| !s.is_empty())
    }

    fn lock_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Session>>> {
        // A panic elsewhere while holding the lock leaves the table consistent (every update
        // is a single insert or remove), so a poisoned lock is still usable.
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn versions_for(&self, wf: u32, version: Option<i64>) -> VersionSel<'_> {
        match version {
            Some(v) => VersionSel::One(Some(v)),
            None => VersionSel::Any(&self.workflow_info[wf as usize].2),
        }
    }

    /// The recordings matching a chain, per version asked for.
    fn candidates<'s>(
        &'s self,
        wf: u32,
        version: Option<i64>,
        chain: u64,
    ) -> impl Iterator<Item = &'s [u32]> + 's {
        self.versions_for(wf, version)
            .iter()
            .filter_map(move |v| self.prefixes.get(&(wf, v, chain)).map(Ids::as_slice))
    }

    /// The winner among the recordings matching `chain`: the case's own, else the lowest id;
    /// each checked against the input itself (the chain is a hash).
    fn pick(
        &self,
        wf: u32,
        version: Option<i64>,
        chain: u64,
        case: Option<u32>,
        input: &TurnInput,
        turn: usize,
    ) -> Result<Option<(u32, Arc<Run>)>, EngineError> {
        let fits = |i: u32| -> Result<Option<(u32, Arc<Run>)>, EngineError> {
            if self.entry(i).turns() <= turn {
                return Ok(None);
            }
            let run = self.load(i)?;
            let same = run
                .turns
                .get(turn)
                .is_some_and(|t| matcher::differences(input, t, turn).is_empty());
            Ok(same.then_some((i, run)))
        };
        if let Some(c) = case {
            if self
                .candidates(wf, version, chain)
                .any(|l| l.binary_search(&c).is_ok())
            {
                if let Some(found) = fits(c)? {
                    return Ok(Some(found));
                }
            }
        }
        // The lowest id that fits: each version's list is ascending, so its first fit is its
        // lowest.
        let mut best: Option<(u32, Arc<Run>)> = None;
        for list in self.candidates(wf, version, chain) {
            for &i in list {
                if best.as_ref().is_some_and(|(b, _)| *b <= i) {
                    break;
                }
                if let Some(found) = fits(i)? {
                    best = Some(found);
                    break;
                }
            }
        }
        Ok(best)
    }

    /// True when no recording matching the inputs so far has a turn after `turn`.
    fn finished(&self, s: &Session) -> bool {
        let more = |i: &u32| self.entry(*i).turns() > s.turn + 1;
        !self
            .candidates(s.wf, s.version, s.chain)
            .any(|l| l.iter().any(more))
    }

    fn answer(&self, s: Session, run: Arc<Run>) -> Reply {
        let reply = Reply {
            run_id: run.run_id.clone(),
            turn: s.turn,
            run,
        };
        if !self.finished(&s) {
            self.lock_sessions()
                .entry(reply.run_id.clone())
                .or_default()
                .push(s);
        }
        reply
    }

    async fn replay_latency(&self, reply: &Reply) {
        if self.latency_factor <= 0.0 {
            return;
        }
        let ms = reply.run.turns.get(reply.turn).map_or(0.0, turn_latency_ms);
        let wait = ms * self.latency_factor;
        if wait > 0.0 && wait.is_finite() {
            tokio::time::sleep(Duration::from_secs_f64(wait / 1000.0)).await;
        }
    }

    fn start_now(&self, request: &StartRequest) -> Result<Reply, EngineError> {
        let found = self
            .workflows
            .get(&request.system)
            .and_then(|w| w.get(request.workflow_id.as_str()));
        let Some(&wf) = found else {
            return Err(EngineError::Miss(format!(
                "{} workflow {} has no recordings",
                request.system, request.workflow_id
            )));
        };
        // Runs without version numbers (Noxus: only a workflow hash): a version asks for
        // nothing.
        let version = if request.system.profile().runs().versioned {
            request.version
        } else {
            None
        };
        let chain = matcher::chain_input(crate::model::chain::CHAIN_SEED, &request.input, true);
        let case = request.case_run_id.as_deref().and_then(|id| self.id(id));
        match self.pick(wf, version, chain, case, &request.input, 0)? {
            Some((_, run)) => Ok(self.answer(
                Session {
                    wf,
                    version,
                    chain,
                    turn: 0,
                    case,
                },
                run,
            )),
            None => Err(EngineError::Miss(self.start_miss(
                wf,
                version,
                &request.input,
                chain,
            ))),
        }
    }

    fn send_now(&self, run_id: &str, input: &TurnInput) -> Result<Reply, EngineError> {
        let mut table = self.lock_sessions();
        let Some(list) = table.get_mut(run_id) else {
            drop(table);
            return Err(EngineError::Miss(match self.id(run_id) {
                Some(i) => format!(
                    "run {run_id} has no turn in flight (it was not started, was stopped, or all {} recorded turn(s) were answered)",
                    self.entry(i).turns()
                ),
                None => format!("no run {run_id} was started"),
            }));
        };
        // Several replays may be on one recording at once: take the first whose next turn
        // matches (sessions on one recording at one turn with one input are interchangeable).
        let mut found = None;
        for (k, s) in list.iter().enumerate() {
            let chain = matcher::chain_input(s.chain, input, false);
            match self.pick(s.wf, s.version, chain, s.case, input, s.turn + 1) {
                Ok(Some(w)) => {
                    found = Some((k, chain, w));
                    break;
                }
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
        let Some((k, chain, (_, run))) = found else {
            // The replay of this run ends with the miss: its session is dropped.
            let s = list.swap_remove(0);
            if list.is_empty() {
                table.remove(run_id);
            }
            drop(table);
            return Err(EngineError::Miss(self.send_miss(&s, input)));
        };
        let s = Session {
            chain,
            turn: list[k].turn + 1,
            ..list[k].clone()
        };
        let reply = Reply {
            run_id: run.run_id.clone(),
            turn: s.turn,
            run,
        };
        let finished = self.finished(&s);
        if reply.run_id == run_id && !finished {
            // The common case: same recording, more turns to come. Updated in place.
            list[k] = s;
        } else {
            list.swap_remove(k);
            if list.is_empty() {
                table.remove(run_id);
            }
            if !finished {
                table.entry(reply.run_id.clone()).or_default().push(s);
            }
        }
        Ok(reply)
    }

    fn describe_version(&self, wf: u32, version: Option<i64>) -> String {
        let (system, id, versions) = &self.workflow_info[wf as usize];
        let recorded: Vec<String> = versions
            .iter()
            .map(|v| v.map_or_else(|| "none".to_owned(), |v| v.to_string()))
            .collect();
        match version {
            Some(v) => format!(
                "{system} workflow {id} version {v} (recorded versions: {})",
                recorded.join(", ")
            ),
            None => format!("{system} workflow {id} (any version)"),
        }
    }

    fn nearest(&self, mut scored: Vec<(usize, u32, Vec<String>)>) -> String {
        scored.sort_by_key(|s| (s.0, s.1));
        scored.dedup_by_key(|s| s.1);
        if scored.is_empty() {
            return "no recording to compare with".to_owned();
        }
        let parts: Vec<String> = scored
            .into_iter()
            .take(MISS_NEAREST)
            .map(|(_, i, diffs)| {
                let run = self.entry(i);
                let version = run
                    .version
                    .map_or_else(String::new, |v| format!(" (version {v})"));
                format!("run {}{version}: {}", run.run_id, diffs.join(", "))
            })
            .collect();
        format!("nearest: {}", parts.join("; "))
    }

    fn start_miss(&self, wf: u32, version: Option<i64>, input: &TurnInput, chain: u64) -> String {
        let versions = &self.workflow_info[wf as usize].2;
        // Same inputs at other versions first (cheap, and usually the nearest), then the rest.
        let same_inputs = versions
            .iter()
            .filter_map(|v| self.prefixes.get(&(wf, *v, chain)))
            .flat_map(Ids::as_slice);
        let others = versions
            .iter()
            .filter_map(|v| self.members.get(&(wf, *v)))
            .flatten();
        let mut scored = Vec::new();
        for &i in same_inputs.chain(others).take(self.miss_scan()) {
            let Ok(run) = self.load(i) else { continue };
            let mut diffs = Vec::new();
            let other_version = version.is_some_and(|v| run.version != Some(v));
            if other_version {
                diffs.push("version differs".to_owned());
            }
            match run.turns.first() {
                Some(t) => diffs.extend(matcher::differences(input, t, 0)),
                None => diffs.push("the recording has no turns".to_owned()),
            }
            // The same inputs at another version are nearer than other inputs at this one.
            let score = 2 * (diffs.len() - usize::from(other_version)) + usize::from(other_version);
            scored.push((score, i, diffs));
        }
        format!(
            "{}, turn 1: {}",
            self.describe_version(wf, version),
            self.nearest(scored)
        )
    }

    fn send_miss(&self, s: &Session, input: &TurnInput) -> String {
        let next = s.turn + 1;
        let mut scored = Vec::new();
        for l in self.candidates(s.wf, s.version, s.chain) {
            for &i in l.iter().take(self.miss_scan()) {
                let Ok(run) = self.load(i) else { continue };
                let diffs = match run.turns.get(next) {
                    Some(t) => matcher::differences(input, t, next),
                    None => vec![format!("the recording ends after turn {}", run.turns.len())],
                };
                scored.push((diffs.len(), i, diffs));
            }
        }
        format!(
            "{}, turn {}: {}",
            self.describe_version(s.wf, s.version),
            next + 1,
            self.nearest(scored)
        )
    }

    /// How many recordings a miss diagnostic compares.
    fn miss_scan(&self) -> usize {
        if self.indexes.iter().all(|i| i.is_resident()) {
            MISS_SCAN
        } else {
            MISS_SCAN_READ_BACK
        }
    }

    fn known(&self, system: System, run_id: &str) -> Result<u32, EngineError> {
        match self.id(run_id) {
            Some(i) if self.entry(i).system() == system => Ok(i),
            _ => Err(EngineError::Miss(format!(
                "no {system} run {run_id} is recorded"
            ))),
        }
    }
}

/// Recordings sharing some inputs, ascending. Most input chains belong to one recording: it
/// is held inline, a list only from the second (a million recordings of a few turns each
/// make millions of chains).
#[derive(Debug, Clone)]
enum Ids {
    One([u32; 1]),
    Many(Vec<u32>),
}

impl Default for Ids {
    fn default() -> Ids {
        Ids::Many(Vec::new())
    }
}

impl Ids {
    fn push(&mut self, id: u32) {
        match self {
            Ids::Many(list) if list.is_empty() => *self = Ids::One([id]),
            Ids::Many(list) => list.push(id),
            Ids::One([first]) => *self = Ids::Many(vec![*first, id]),
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Ids::One(one) => one,
            Ids::Many(list) => list,
        }
    }
}

/// The versions a session may match.
enum VersionSel<'a> {
    One(Option<i64>),
    Any(&'a [Option<i64>]),
}

impl<'a> VersionSel<'a> {
    fn iter(self) -> impl Iterator<Item = Option<i64>> + 'a {
        let (one, any): (Option<Option<i64>>, &'a [Option<i64>]) = match self {
            VersionSel::One(v) => (Some(v), &[]),
            VersionSel::Any(vs) => (None, vs),
        };
        one.into_iter().chain(any.iter().copied())
    }
}

/// The recorded latency of a turn's LLM calls: each distinct `llm_response_id` once.
pub fn turn_latency_ms(turn: &Turn) -> f64 {
    let mut seen: Vec<&str> = Vec::new();
    let mut total = 0.0;
    for event in &turn.events {
        let Event::Llm {
            usage: Some(info), ..
        } = event
        else {
            continue;
        };
        let Some(ms) = info.latency_ms else { continue };
        match info.response_id.as_deref() {
            Some(id) if seen.contains(&id) => continue,
            Some(id) => seen.push(id),
            None => {}
        }
        total += ms;
    }
    total
}

impl Engine for RecordedEngine {
    fn name(&self) -> &str {
        "recorded"
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let reply = self.start_now(request)?;
            self.replay_latency(&reply).await;
            Ok(reply)
        })
    }

    fn send<'a>(&'a self, run_id: &'a str, input: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let reply = self.send_now(run_id, input)?;
            self.replay_latency(&reply).await;
            Ok(reply)
        })
    }

    fn get<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move {
            let i = self.known(system, run_id)?;
            self.load(i)
        })
    }

    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        _evaluator: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async move {
            let i = self.known(system, run_id)?;
            self.evaluations.get(&i).map(|&e| self.load(e)).transpose()
        })
    }

    fn stop<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            check_stoppable(system)?;
            self.known(system, run_id)?;
            self.lock_sessions().remove(run_id);
            Ok(())
        })
    }

    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        _text: &'a str,
    ) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            check_takes_comments(system)?;
            // Recordings are answered exactly as recorded: a comment is accepted, not kept.
            self.known(system, run_id).map(|_| ())
        })
    }
}
