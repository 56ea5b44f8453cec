//! The re-walk: one recorded Interactly case, turn by turn, on the candidate graph.
//!
//! The walk predicts each transition of the main thread from the candidate config and checks
//! it against the recording (EXECUTION.md §6, "Suggested divergence check"). What is
//! deterministic is recomputed: the start node, direct edges, expression conditions on the
//! variable state of the preceding `workflow_show_state`, disabled and removed nodes and
//! edges. What an LLM decided (a freeform edge, staying put, a reply) is taken from the
//! recording only while the deciding node, the edges it was offered and the global nodes are
//! unchanged. Tool and data nodes are stubbed: their recorded results stand while the node is
//! unchanged. Anything else ends the walk `undetermined` with the construct named.

use serde_json::{Map, Value};

use super::diff::{edge_fields, label, node_fields, ConfigDiff};
use super::expr::{self, Scope};
use super::graph::{node_kind, pure_expression, Graph, NodeKind};
use crate::model::{EdgeKind, Event, Run};

/// The class of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// The walk is identical and touches nothing that changed.
    Unaffected,
    /// A deterministic rule now takes another path.
    Diverges,
    /// The recording cannot settle an LLM decision, or a construct is not modeled.
    Undetermined,
}

impl Impact {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Unaffected => "unaffected",
            Impact::Diverges => "diverges",
            Impact::Undetermined => "undetermined",
        }
    }
}

/// A case's classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The class.
    pub impact: Impact,
    /// 1-based turn where the walk departs or stops (none when unaffected).
    pub turn: Option<usize>,
    /// The node's name there.
    pub node: Option<String>,
    /// Why, expected vs. now.
    pub reason: String,
}

impl Outcome {
    fn at(impact: Impact, turn: usize, node: &str, reason: String) -> Outcome {
        Outcome {
            impact,
            turn: Some(turn),
            node: Some(node.to_owned()),
            reason,
        }
    }

    /// A case that cannot be walked at all.
    pub fn undetermined(reason: impl Into<String>) -> Outcome {
        Outcome {
            impact: Impact::Undetermined,
            turn: None,
            node: None,
            reason: reason.into(),
        }
    }
}

/// One step of a main-thread path: a node run or an edge taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// `start_node_run` (or the park point of a node entered and waiting).
    Node(String),
    /// An edge taken, by (kind, source, destination).
    Edge(&'static str, String, String),
}

/// The recorded main-thread path of a run: node runs and edges, in order.
pub fn recorded_path(run: &Run) -> Vec<PathStep> {
    let mut out = Vec::new();
    for turn in &run.turns {
        for e in &turn.events {
            match e {
                Event::NodeStart { node: Some(n), .. } => out.push(PathStep::Node(n.to_string())),
                Event::Edge {
                    kind,
                    source: Some(s),
                    destination: Some(d),
                    ..
                } => out.push(PathStep::Edge(
                    edge_kind(*kind),
                    s.to_string(),
                    d.to_string(),
                )),
                _ => {}
            }
        }
    }
    out
}

fn edge_kind(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Direct => "direct",
        EdgeKind::Conditional => "conditional",
        EdgeKind::ReverseConditional => "reverse_conditional",
        EdgeKind::Companion => "companion",
        EdgeKind::SelfLoop => "self_loop",
        EdgeKind::GuardrailEscalation => "guardrail_escalation",
    }
}

/// What one recorded config against the candidate means for every walk: computed once per
/// distinct recorded config, shared by its cases.
#[derive(Debug)]
pub struct Plan<'c> {
    /// The recorded graph.
    pub rec: Graph,
    /// The candidate graph.
    pub cand: &'c Graph,
    /// The config diff.
    pub diff: ConfigDiff,
}

impl Plan<'_> {
    /// Why node `id`'s own inputs changed (its fields, the workflow-level settings it reads,
    /// the global nodes offered to it), if they did.
    fn node_change(&self, id: &str) -> Option<String> {
        let (old, new) = (self.rec.node(id)?, self.cand.node(id)?);
        let name = self.rec.name(id);
        let fields: Vec<String> = node_fields(old, new)
            .into_iter()
            .filter(|f| f != "disabled" && f != "is_start")
            .collect();
        if !fields.is_empty() {
            let mut labels: Vec<&str> = fields.iter().map(|f| label(f)).collect();
            labels.dedup();
            let what = labels.join(", ");
            return Some(match node_kind(new.node_type.as_deref()) {
                NodeKind::Llm => {
                    format!("{name} changed ({what}): its recorded LLM decision cannot be reused")
                }
                _ => format!("{name} changed ({what}): its recorded result no longer stands"),
            });
        }
        let kind = node_kind(new.node_type.as_deref());
        let read: Vec<&String> = self
            .diff
            .workflow_fields
            .iter()
            .filter(|f| reads_workflow_field(new, kind, f))
            .collect();
        if !read.is_empty() {
            let mut labels: Vec<&str> = read.iter().map(|f| label(f)).collect();
            labels.dedup();
            return Some(format!(
                "workflow {} changed, read by {name}: its recorded decision cannot be reused",
                labels.join(", ")
            ));
        }
        if self.diff.variables_changed {
            return Some(format!(
                "the workflow's default variables changed, read by {name}"
            ));
        }
        if kind == NodeKind::Llm {
            if let Some(g) = &self.diff.globals {
                return Some(format!(
                    "{g}: global conditions are offered to an LLM at {name}; the recording cannot settle them"
                ));
            }
        }
        None
    }

    /// Why the freeform (LLM-judged) edges offered at `id` changed, if they did.
    fn choice_change(&self, id: &str) -> Option<String> {
        fn offered<'g>(g: &'g Graph, id: &str) -> Vec<&'g super::config::EdgeConfig> {
            g.enabled_out(id)
                .filter(|e| {
                    e.edge_type.as_deref() == Some("conditional") && pure_expression(e).is_none()
                })
                .collect()
        }
        let (old, new) = (offered(&self.rec, id), offered(self.cand, id));
        let label_of = |g: &Graph, e: &super::config::EdgeConfig| {
            format!(
                "{} -> {}",
                g.name(id),
                g.name(e.destination_node_logical_id.as_deref().unwrap_or("?"))
            )
        };
        for e in &new {
            match old.iter().find(|o| {
                o.destination_node_logical_id == e.destination_node_logical_id
                    && o.logical_id == e.logical_id
            }) {
                None => return Some(format!("edge {} added", label_of(self.cand, e))),
                Some(o) => {
                    let f = edge_fields(o, e);
                    if !f.is_empty() {
                        let labels: Vec<&str> = f.iter().map(|x| label(x)).collect();
                        return Some(format!(
                            "edge {} changed ({})",
                            label_of(self.cand, e),
                            labels.join(", ")
                        ));
                    }
                }
            }
        }
        for o in &old {
            if !new.iter().any(|e| {
                e.destination_node_logical_id == o.destination_node_logical_id
                    && e.logical_id == o.logical_id
            }) {
                return Some(format!(
                    "edge {} removed or disabled",
                    label_of(&self.rec, o)
                ));
            }
        }
        if old
            .iter()
            .map(|e| &e.logical_id)
            .ne(new.iter().map(|e| &e.logical_id))
        {
            return Some(format!("edges offered at {} reordered", self.rec.name(id)));
        }
        None
    }
}

/// Whether a node reads a workflow-level field. Documented exceptions only
/// (EXECUTION.md §4): a node's own `llms_config` or `attachable_llm_config_id` replaces the
/// workflow's LLM config, `ignore_default_prompt_prefix`/`suffix` drop the workflow's, MCP tools
/// reach only nodes with `use_mcp_tools`, a node that calls no LLM reads none of the LLM
/// settings, and a static message reads only variables. Anything else counts as read.
fn reads_workflow_field(node: &super::config::NodeConfig, kind: NodeKind, field: &str) -> bool {
    let set = |k: &str| node.rest.get(k).is_some_and(|v| !v.is_null());
    let yes = |k: &str| node.rest.get(k).and_then(Value::as_bool) == Some(true);
    const LLM_ONLY: &[&str] = &[
        "llms_config",
        "attachable_llm_config_id",
        "main_response_config",
        "backchannel_response_config",
        "default_prompt_prefix",
        "default_prompt_suffix",
        "global_condition_evaluation_method",
        "ignore_content_received_during_llm_tool_call_specification",
        "mcp_servers",
    ];
    let static_node = matches!(node.node_type.as_deref(), Some("say_static" | "no_op"));
    match field {
        // A static message reads variables only (`miscellaneous` holds the defaults).
        _ if static_node => field == "miscellaneous",
        _ if kind != NodeKind::Llm && LLM_ONLY.contains(&field) => false,
        "mcp_servers" => yes("use_mcp_tools"),
        "llms_config" | "attachable_llm_config_id" => {
            !(set("llms_config") || set("attachable_llm_config_id"))
        }
        "default_prompt_prefix" => !yes("ignore_default_prompt_prefix"),
        "default_prompt_suffix" => !yes("ignore_default_prompt_suffix"),
        _ => true,
    }
}

/// A recorded step of the main thread.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Start(&'a str),
    Edge(EdgeKind, &'a str, &'a str),
    Park(&'a str),
    /// `end_node_run`: the node finished (its edges are evaluated next).
    Finished,
    End,
    State,
    Error,
}

fn steps(events: &[Event]) -> Vec<Step<'_>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NodeStart { node: Some(n), .. } => Some(Step::Start(n)),
            Event::Edge {
                kind,
                source: Some(s),
                destination: Some(d),
                ..
            } => Some(Step::Edge(*kind, s, d)),
            Event::BusyWait { node: Some(n) } => Some(Step::Park(n)),
            Event::NodeEnd { .. } => Some(Step::Finished),
            Event::Other { kind } if kind == "end_thread" => Some(Step::End),
            Event::Other { kind } if kind == "workflow_show_state" => Some(Step::State),
            Event::WorkflowError { .. } => Some(Step::Error),
            _ => None,
        })
        .collect()
}

/// The recorded variable states (`workflow_show_state`), read from the raw document only when
/// an expression needs them: (runtime, dynamic) per turn, in event order.
type States = Vec<Vec<VarState>>;

/// One recorded variable state: (runtime, dynamic) variables.
type VarState = (Map<String, Value>, Map<String, Value>);

fn read_states(run: &Run) -> Result<States, String> {
    let bytes = run
        .raw
        .bytes()
        .map_err(|e| format!("{}: {e}", run.origin))?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", run.origin))?;
    let pairs = [
        doc.pointer("/workflow_run/workflow_run/input_output_pairs"),
        doc.pointer("/workflow_run/input_output_pairs"),
        doc.pointer("/input_output_pairs"),
    ]
    .into_iter()
    .flatten()
    .find_map(Value::as_array)
    .ok_or("the recording has no input_output_pairs")?;
    Ok(pairs
        .iter()
        .map(|p| {
            p.pointer("/run_output/events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|e| e.get("type").and_then(Value::as_str) == Some("workflow_show_state"))
                .map(|e| {
                    let obj = |v: Option<&Value>| {
                        v.and_then(Value::as_object).cloned().unwrap_or_default()
                    };
                    (
                        obj(e.get("runtime_variables")),
                        obj(e.pointer("/workflow_runtime_variables/_evaluated_dynamic_variables")),
                    )
                })
                .collect()
        })
        .collect())
}

/// Walks one case; also returns the predicted path (node runs and edges) up to where the walk
/// stopped, which equals the recorded path when the case is `unaffected`.
pub fn walk(run: &Run, plan: &Plan<'_>) -> (Outcome, Vec<PathStep>) {
    let mut w = Walker {
        run,
        plan,
        path: Vec::new(),
        states: None,
        state_at: None,
    };
    let outcome = match w.go() {
        Ok(()) => Outcome {
            impact: Impact::Unaffected,
            turn: None,
            node: None,
            reason: "the walk is identical and touches no change".to_owned(),
        },
        Err(o) => o,
    };
    (outcome, w.path)
}

struct Walker<'r, 'p, 'c> {
    run: &'r Run,
    plan: &'p Plan<'c>,
    path: Vec<PathStep>,
    states: Option<Result<States, String>>,
    /// (turn, index) of the last `workflow_show_state` seen.
    state_at: Option<(usize, usize)>,
}

/// What a graph does deterministically when the walk leaves a node.
enum Next {
    Edge(&'static str, String),
    /// No deterministic rule applies: the recorded LLM decision stands if it may.
    Recorded,
}

impl Walker<'_, '_, '_> {
    fn name(&self, id: &str) -> String {
        let (r, c) = (&self.plan.rec, self.plan.cand);
        if r.node(id).is_some() {
            r.name(id).to_owned()
        } else {
            c.name(id).to_owned()
        }
    }

    fn go(&mut self) -> Result<(), Outcome> {
        let mut pos: Option<&str> = None;
        let mut ran = false;
        // A node that ran and whose way out the recording never shows (the run failed in it,
        // or the recording ends there): (node, turn).
        let mut open: Option<(&str, usize)> = None;
        let mut finished = false;
        for (t, turn) in self.run.turns.iter().enumerate() {
            let n = t + 1;
            let mut states_seen = 0;
            for step in steps(&turn.events) {
                match step {
                    Step::State => {
                        self.state_at = Some((t, states_seen));
                        states_seen += 1;
                    }
                    Step::Finished => finished = true,
                    Step::Error => return self.unfinished(open, finished),
                    Step::Start(x) | Step::Park(x) if pos.is_none() => {
                        if t == 0 && self.path.is_empty() {
                            self.check_start(x, n)?;
                        } else {
                            return Err(Outcome::at(
                                Impact::Undetermined,
                                n,
                                &self.name(x),
                                format!(
                                    "{} runs after the thread ended (not modeled)",
                                    self.name(x)
                                ),
                            ));
                        }
                        self.enter(x, n)?;
                        pos = Some(x);
                        if let Step::Start(_) = step {
                            ran = true;
                            open = Some((x, n));
                            finished = false;
                            self.path.push(PathStep::Node(x.to_owned()));
                        }
                    }
                    Step::Start(x) => {
                        if pos != Some(x) {
                            return Err(self.unmodeled_jump(n, pos, x));
                        }
                        ran = true;
                        open = Some((x, n));
                        finished = false;
                        self.path.push(PathStep::Node(x.to_owned()));
                    }
                    Step::Edge(EdgeKind::Companion, s, _) => {
                        return Err(Outcome::at(
                            Impact::Undetermined,
                            n,
                            &self.name(s),
                            "a companion thread forks here: companion threads are not modeled"
                                .to_owned(),
                        ));
                    }
                    Step::Edge(kind, s, d) => {
                        if pos != Some(s) {
                            return Err(self.unmodeled_jump(n, pos, s));
                        }
                        self.transition(n, s, Some((kind, d)))?;
                        open = None;
                        self.path
                            .push(PathStep::Edge(edge_kind(kind), s.to_owned(), d.to_owned()));
                        self.enter(d, n)?;
                        pos = Some(d);
                        ran = false;
                    }
                    Step::Park(x) => {
                        if pos != Some(x) {
                            return Err(self.unmodeled_jump(n, pos, x));
                        }
                        if ran {
                            self.transition(n, x, None)?;
                            open = None;
                        }
                    }
                    Step::End => {
                        if let Some(x) = pos {
                            if ran {
                                self.transition(n, x, None)?;
                                open = None;
                            }
                        }
                        pos = None;
                    }
                }
            }
        }
        self.unfinished(open, finished)
    }

    /// A node that ran without the recording showing its way out: the recording stands only
    /// if the LLM-judged edges offered to it (tools of its LLM call) are unchanged, and, when
    /// the node had `finished` (its edges were being evaluated), if its edges are unchanged.
    fn unfinished(&self, open: Option<(&str, usize)>, finished: bool) -> Result<(), Outcome> {
        let Some((x, n)) = open else {
            return Ok(());
        };
        if let Some(why) = self.plan.choice_change(x) {
            return Err(Outcome::at(
                Impact::Undetermined,
                n,
                &self.name(x),
                format!("{why}: they are offered to the LLM of {}, whose recorded run cannot settle the new call", self.name(x)),
            ));
        }
        // After `end_node_run` the run may have failed evaluating an edge (an unsupported
        // expression fails the run); before it, the failure was the node's own.
        let (rec, cand) = (&self.plan.rec, self.plan.cand);
        let same = !finished
            || rec.enabled_out(x).count() == cand.enabled_out(x).count()
                && rec
                    .enabled_out(x)
                    .zip(cand.enabled_out(x))
                    .all(|(a, b)| edge_fields(a, b).is_empty());
        if same {
            Ok(())
        } else {
            Err(Outcome::at(
                Impact::Undetermined,
                n,
                &self.name(x),
                format!(
                    "the recording stops in {} and the edges leaving it changed: what the candidate does there is unknown",
                    self.name(x)
                ),
            ))
        }
    }

    fn unmodeled_jump(&self, n: usize, pos: Option<&str>, x: &str) -> Outcome {
        let at = pos
            .map(|p| self.name(p))
            .unwrap_or_else(|| "no node".to_owned());
        Outcome::at(
            Impact::Undetermined,
            n,
            &self.name(x),
            format!(
                "the recording moves from {at} to {} without an edge the walk follows (not modeled)",
                self.name(x)
            ),
        )
    }

    fn check_start(&self, x: &str, n: usize) -> Result<(), Outcome> {
        let (rec, cand) = (&self.plan.rec, self.plan.cand);
        if rec.starts() != [x] {
            // The caller chose the start node (start_node_logical_id): the same call enters
            // the same node on the candidate, checked when it is entered.
            return Ok(());
        }
        match cand.starts().as_slice() {
            [s] if *s == x => Ok(()),
            [] => Err(Outcome::at(
                Impact::Diverges,
                n,
                &self.name(x),
                format!(
                    "expected the run to start at {}, now there is no start node (the run fails: No start node found)",
                    self.name(x)
                ),
            )),
            [s] => {
                let impact = if cand.node(s).map(|c| c.node_type.as_deref()) == Some(Some("super_node")) {
                    Impact::Undetermined
                } else {
                    Impact::Diverges
                };
                Err(Outcome::at(
                    impact,
                    n,
                    &self.name(x),
                    format!("expected the run to start at {}, now it starts at {}", self.name(x), self.name(s)),
                ))
            }
            many => Err(Outcome::at(
                Impact::Undetermined,
                n,
                &self.name(x),
                format!("{} start nodes: which one runs is undocumented", many.len()),
            )),
        }
    }

    /// The walk enters node `x`: it must exist, be enabled, modeled and unchanged.
    fn enter(&self, x: &str, n: usize) -> Result<(), Outcome> {
        let cand = self.plan.cand;
        let name = self.name(x);
        let Some(node) = cand.node(x) else {
            if let Some(s) = cand.interior.get(x) {
                return Err(Outcome::at(
                    Impact::Undetermined,
                    n,
                    &name,
                    format!(
                        "{name} is now inside super node {}, which is expanded at runtime: super nodes are not modeled",
                        cand.name(s)
                    ),
                ));
            }
            if self.plan.rec.node(x).is_none() {
                return Err(Outcome::at(
                    Impact::Undetermined,
                    n,
                    &name,
                    format!("{name} is not a node of the recorded config (a super node's interior?): not modeled"),
                ));
            }
            return Err(Outcome::at(
                Impact::Diverges,
                n,
                &name,
                format!(
                    "node {name} is removed; expected {name} to run, now the walk cannot enter it"
                ),
            ));
        };
        if node.disabled == Some(true) {
            return Err(Outcome::at(
                Impact::Diverges,
                n,
                &name,
                format!("node {name} is disabled; expected {name} to run, now it is skipped (what follows is undocumented)"),
            ));
        }
        if node_kind(node.node_type.as_deref()) == NodeKind::Unmodeled {
            let changed = self.plan.rec.node(x) != Some(node);
            if changed || !self.plan.diff.is_empty_for_walk() {
                return Err(Outcome::at(
                    Impact::Undetermined,
                    n,
                    &name,
                    format!(
                        "{name} is a {} node: not modeled by the re-walk",
                        node.node_type.as_deref().unwrap_or("untyped")
                    ),
                ));
            }
        }
        if let Some(why) = self.plan.node_change(x) {
            return Err(Outcome::at(Impact::Undetermined, n, &name, why));
        }
        Ok(())
    }

    fn scope_at(&mut self) -> Result<VarState, String> {
        if self.states.is_none() {
            self.states = Some(read_states(self.run));
        }
        let states = match self.states.as_ref() {
            Some(Ok(s)) => s,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err("no variable state".to_owned()),
        };
        let (t, i) = self
            .state_at
            .ok_or("no workflow_show_state precedes the edge")?;
        states
            .get(t)
            .and_then(|s| s.get(i))
            .cloned()
            .ok_or_else(|| "the recorded variable state is missing".to_owned())
    }

    /// What graph `g` does deterministically when leaving `s`: its main direct edge, else the
    /// one expression edge that holds on the recorded variables, else [`Next::Recorded`].
    fn predict(&mut self, g: &Graph, n: usize, s: &str) -> Result<Next, Outcome> {
        let sname = self.name(s);
        let undetermined = |why: String| Outcome::at(Impact::Undetermined, n, &sname, why);
        let out: Vec<_> = g.enabled_out(s).collect();
        let directs: Vec<_> = out
            .iter()
            .filter(|e| e.edge_type.as_deref() == Some("direct"))
            .collect();
        let main = directs
            .iter()
            .find(|e| directs.len() == 1 || !e.is_companion_fork());
        Ok(if let Some(main) = main {
            let d = main.destination_node_logical_id.as_deref().unwrap_or("?");
            Next::Edge("direct", d.to_owned())
        } else {
            // Expression edges, in list order, on the recorded variables.
            let exprs: Vec<_> = out
                .iter()
                .filter(|e| e.edge_type.as_deref() == Some("conditional"))
                .filter_map(|e| pure_expression(e).map(|x| (*e, x)))
                .collect();
            let mut hits = Vec::new();
            if !exprs.is_empty() {
                let (runtime, dynamic) = self.scope_at().map_err(|e| {
                    undetermined(format!(
                        "expression edges at {sname} need the recorded variables: {e}"
                    ))
                })?;
                let scope = Scope {
                    runtime: &runtime,
                    dynamic: &dynamic,
                };
                for (e, x) in &exprs {
                    let d = e.destination_node_logical_id.as_deref().unwrap_or("?");
                    match expr::eval(x, scope) {
                        Ok(true) => hits.push((d, *x)),
                        Ok(false) => {}
                        Err(why) => {
                            return Err(undetermined(format!(
                                "condition of {sname} -> {} is not modeled: {why}",
                                self.name(d)
                            )))
                        }
                    }
                }
            }
            match hits.as_slice() {
                [] => Next::Recorded,
                [(d, _)] => Next::Edge("conditional", (*d).to_owned()),
                many => {
                    let names: Vec<String> = many
                        .iter()
                        .map(|(d, _)| format!("{sname} -> {}", self.name(d)))
                        .collect();
                    return Err(undetermined(format!(
                        "{} expression edges are true at once ({}): their order is undocumented",
                        many.len(),
                        names.join(", ")
                    )));
                }
            }
        })
    }

    /// Checks what the candidate does when leaving `s` against what the recording did
    /// (`recorded`: the edge taken, or `None` when the thread stopped there).
    fn transition(
        &mut self,
        n: usize,
        s: &str,
        recorded: Option<(EdgeKind, &str)>,
    ) -> Result<(), Outcome> {
        let plan = self.plan;
        let (rec, cand) = (&plan.rec, plan.cand);
        let sname = self.name(s);
        let expected = match recorded {
            Some((_, d)) => format!("expected {sname} -> {}", self.name(d)),
            None => format!("expected the thread to stop at {sname}"),
        };
        let undetermined = |why: String| Outcome::at(Impact::Undetermined, n, &sname, why);
        let diverges = |why: String| Outcome::at(Impact::Diverges, n, &sname, why);
        let is_super =
            |d: &str| cand.node(d).and_then(|x| x.node_type.as_deref()) == Some("super_node");

        let out: Vec<_> = cand.enabled_out(s).collect();
        let directs: Vec<_> = out
            .iter()
            .filter(|e| e.edge_type.as_deref() == Some("direct"))
            .collect();
        if directs.len() > 1
            || out
                .iter()
                .any(|e| e.edge_type.as_deref() == Some("companion"))
        {
            let rec_same = rec.enabled_out(s).eq(cand.enabled_out(s));
            if !rec_same {
                return Err(undetermined(format!(
                    "{sname} now forks companion threads or pairs a companion worker: not modeled"
                )));
            }
        }
        // The recording must follow its own config where that config is deterministic; where
        // it does not (an unmodeled behaviour), nothing the candidate predicts can be trusted.
        let by_recorded_config = self.predict(rec, n, s)?;
        if let Next::Edge(_, d) = &by_recorded_config {
            if recorded.map(|(_, rd)| rd) != Some(d.as_str()) {
                return Err(undetermined(format!(
                    "{expected}, but the recorded config itself leads to {} here: the recording follows a behaviour the re-walk does not model",
                    self.name(d)
                )));
            }
        }
        // The type of edge the recording took: the recorded config's deterministic one, else
        // an LLM-judged conditional edge.
        let rec_kind = match &by_recorded_config {
            Next::Edge(k, _) => *k,
            Next::Recorded => "conditional",
        };
        let next = self.predict(cand, n, s)?;
        match next {
            Next::Edge(kind, d) => {
                let d = d.as_str();
                let dname = self.name(d);
                let llm = cand
                    .node(s)
                    .is_some_and(|x| node_kind(x.node_type.as_deref()) == NodeKind::Llm);
                if kind != "direct" || llm {
                    // Only direct edges are documented to win, and an LLM node is offered its
                    // LLM-judged edges as tools even then: when those changed, neither the
                    // order against an expression that holds nor the node's own call is known.
                    if let Some(why) = plan.choice_change(s) {
                        return Err(undetermined(format!(
                            "{why}: they are offered to {sname}, and the recording cannot settle what it does now"
                        )));
                    }
                }
                let now = if kind == "direct" {
                    format!("direct edge {sname} -> {dname} is taken")
                } else {
                    let x = out
                        .iter()
                        .find(|e| e.destination_node_logical_id.as_deref() == Some(d))
                        .and_then(|e| pure_expression(e))
                        .unwrap_or("?");
                    format!("condition of {sname} -> {dname} (`{x}`) holds on the recorded variables")
                };
                match recorded {
                    // Transitions match by (source, destination) (EXECUTION.md §2: recorded
                    // edge ids and kinds are not reliable); a retyped edge is a change the
                    // edge check reports.
                    Some((_, rd)) if rd == d && rec_kind != kind => Err(diverges(format!(
                        "{expected} by a {rec_kind} edge; now {now}: the same node is reached by another kind of edge"
                    ))),
                    Some((_, rd)) if rd == d => self.edge_unchanged(n, s, d, kind),
                    _ if is_super(d) => Err(undetermined(format!(
                        "{expected}; now {now}, into super node {dname}: super nodes are not modeled"
                    ))),
                    _ => Err(diverges(format!("{expected}; now {now}"))),
                }
            }
            Next::Recorded => match recorded {
                None => match plan.choice_change(s) {
                    None => Ok(()),
                    Some(why) => Err(undetermined(format!(
                        "{why}: whether {sname} now leaves is an LLM decision the recording cannot settle"
                    ))),
                },
                Some((EdgeKind::ReverseConditional, d)) => {
                    if cand.is_global(s) && plan.diff.globals.is_none() && cand.node(d).is_some() {
                        Ok(())
                    } else {
                        Err(undetermined(format!(
                            "{expected} (reverse edge of a global node): the global nodes changed"
                        )))
                    }
                }
                Some((EdgeKind::SelfLoop, _)) => match plan.choice_change(s) {
                    None => Ok(()),
                    Some(why) => Err(undetermined(format!("{why}: {sname} looped on itself"))),
                },
                Some((EdgeKind::GuardrailEscalation, _)) => {
                    if plan.diff.workflow_fields.is_empty() {
                        Ok(())
                    } else {
                        Err(undetermined("guardrail escalation with changed workflow settings: not modeled".to_owned()))
                    }
                }
                Some((k, d)) => {
                    let dname = self.name(d);
                    let taken = out.iter().find(|e| {
                        e.destination_node_logical_id.as_deref() == Some(d)
                            && e.edge_type.as_deref() == Some("conditional")
                            && pure_expression(e).is_none()
                    });
                    let to_global = k == EdgeKind::Conditional && cand.is_global(d);
                    if taken.is_none() && !to_global {
                        // The recorded edge cannot be taken now.
                        let was_expr = rec
                            .enabled_out(s)
                            .find(|e| e.destination_node_logical_id.as_deref() == Some(d))
                            .and_then(|e| pure_expression(e).map(str::to_owned));
                        let cand_edge = cand
                            .out_edges(s)
                            .find(|e| e.destination_node_logical_id.as_deref() == Some(d));
                        let into_super = cand.interior.contains_key(d)
                            || out.iter().any(|e| e.destination_node_logical_id.as_deref().is_some_and(is_super));
                        if into_super {
                            return Err(undetermined(format!(
                                "{expected}; the edges at {sname} now lead into a super node: super nodes are not modeled"
                            )));
                        }
                        let why = match (cand_edge, was_expr) {
                            (Some(e), Some(x)) if e.disabled != Some(true) && pure_expression(e).is_some() => {
                                format!("condition of {sname} -> {dname} (`{}`, was `{x}`) is false on the recorded variables", pure_expression(e).unwrap_or("?"))
                            }
                            (Some(e), _) if e.disabled == Some(true) => format!("edge {sname} -> {dname} is disabled"),
                            (Some(_), _) => format!("edge {sname} -> {dname} is no longer an LLM-judged conditional edge"),
                            (None, _) => format!("edge {sname} -> {dname} is removed"),
                        };
                        let llm_edges = out.iter().any(|e| {
                            e.edge_type.as_deref() == Some("conditional")
                                && pure_expression(e).is_none()
                        });
                        let waits = cand.node(s).is_some_and(|x| {
                            node_kind(x.node_type.as_deref()) == NodeKind::Llm
                                && x.wait_for_user_message.unwrap_or(true)
                        });
                        let now = if llm_edges {
                            format!("now {sname} must choose among its other edges (an LLM decision)")
                        } else if waits {
                            format!("now no edge applies and the thread waits at {sname}")
                        } else {
                            "now no edge applies and the thread ends".to_owned()
                        };
                        return Err(diverges(format!("{why}; {expected}, {now}")));
                    }
                    if let Some(why) = plan.choice_change(s) {
                        return Err(undetermined(format!(
                            "{why}: the recorded choice of {sname} -> {dname} cannot settle the new choice"
                        )));
                    }
                    if to_global && plan.diff.globals.is_some() {
                        return Err(undetermined(format!(
                            "{expected} (a global node): the global nodes changed"
                        )));
                    }
                    self.edge_unchanged(n, s, d, "conditional")
                }
            },
        }
    }

    /// The edge the walk takes must itself be unchanged (its name and messages reach the
    /// history); a changed one leaves the rest of the case to an LLM.
    fn edge_unchanged(&self, n: usize, s: &str, d: &str, kind: &str) -> Result<(), Outcome> {
        let (rec, cand) = (&self.plan.rec, self.plan.cand);
        let pick = |g: &'_ Graph| {
            g.enabled_out(s)
                .find(|e| {
                    e.destination_node_logical_id.as_deref() == Some(d)
                        && e.edge_type.as_deref() == Some(kind)
                })
                .cloned()
        };
        let (Some(a), Some(b)) = (pick(rec), pick(cand)) else {
            return Err(Outcome::at(
                Impact::Undetermined,
                n,
                &self.name(s),
                format!(
                    "no {kind} edge {} -> {} in both configs: the recording follows a behaviour the re-walk does not model",
                    self.name(s),
                    self.name(d)
                ),
            ));
        };
        {
            // An expression edge was re-evaluated on the recorded variables: a re-worded
            // expression that still holds takes the same path.
            let evaluated = pure_expression(&a).is_some() && pure_expression(&b).is_some();
            let f: Vec<String> = edge_fields(&a, &b)
                .into_iter()
                .filter(|f| !(evaluated && f == "condition_expression"))
                .collect();
            if !f.is_empty() {
                let labels: Vec<&str> = f.iter().map(|x| label(x)).collect();
                return Err(Outcome::at(
                    Impact::Undetermined,
                    n,
                    &self.name(s),
                    format!(
                        "edge {} -> {} changed ({}): what follows it is not settled by the recording",
                        self.name(s),
                        self.name(d),
                        labels.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::config::NodeConfig;

    fn node(v: serde_json::Value) -> NodeConfig {
        serde_json::from_value(v).expect("node config")
    }

    #[test]
    fn which_workflow_fields_a_node_reads() {
        let own_llm = node(
            serde_json::json!({"type": "say_llm", "llms_config": {"model": "m"},
            "ignore_default_prompt_prefix": true}),
        );
        assert!(!reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "llms_config"
        ));
        assert!(!reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "default_prompt_prefix"
        ));
        assert!(reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "default_prompt_suffix"
        ));
        assert!(reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "tools_config"
        ));
        assert!(!reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "mcp_servers"
        ));
        assert!(reads_workflow_field(
            &own_llm,
            NodeKind::Llm,
            "some_new_field"
        ));
        let bare = node(serde_json::json!({"type": "worker_llm", "use_mcp_tools": true}));
        assert!(reads_workflow_field(&bare, NodeKind::Llm, "llms_config"));
        assert!(reads_workflow_field(&bare, NodeKind::Llm, "mcp_servers"));
        let stat = node(serde_json::json!({"type": "say_static"}));
        assert!(!reads_workflow_field(
            &stat,
            NodeKind::Stubbed,
            "tools_config"
        ));
        assert!(reads_workflow_field(
            &stat,
            NodeKind::Stubbed,
            "miscellaneous"
        ));
        let tool = node(serde_json::json!({"type": "tool_node"}));
        assert!(!reads_workflow_field(
            &tool,
            NodeKind::Stubbed,
            "default_prompt_prefix"
        ));
        assert!(reads_workflow_field(
            &tool,
            NodeKind::Stubbed,
            "tools_config"
        ));
    }
}
