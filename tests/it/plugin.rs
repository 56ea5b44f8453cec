//! A fourth vendor plugged in from outside the library: its own document format, adapter and
//! profile, registered next to the built-in ones, and a fake engine that answers its runs. The
//! cases go through load → replay → evaluate → snapshot → report with nothing in `src/`
//! knowing the vendor.

use std::collections::HashMap;
use std::sync::Arc;

use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::{Engine, EngineError, EngineFuture, Reply, StartRequest, TurnInput};
use reprise::formats::{Adapter, Detected, Document, NormalizeError};
use reprise::model::{Format, Profile, Run, RunTraits, Status, StatusKind, System, Turn};
use reprise::snapshot::store::CheckOptions;
use reprise::snapshot::{SnapshotCheck, SnapshotStage, Store, UpdateMode};
use reprise::vendors::{Registry, Vendor};
use serde_json::Value;

/// The toy vendor: single-shot runs written `{"toy_run": ID, "flow": WORKFLOW, "state":
/// "DONE"|"BROKEN", "ask": INPUT, "said": OUTPUT}`.
struct Toy;

static TOY: Toy = Toy;
const SYSTEM: System = System::new(&TOY);
const TOY_RUN: Format = Format::new(SYSTEM, "toy-run", "A toy run");
const FORMATS: [Format; 1] = [TOY_RUN];

impl Profile for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn status(&self, text: &str) -> StatusKind {
        match text {
            "DONE" => StatusKind::Completed,
            "BROKEN" => StatusKind::Failed,
            _ => StatusKind::Unknown,
        }
    }
    fn runs(&self) -> RunTraits {
        RunTraits {
            lists_per_workflow: true,
            ..RunTraits::NONE
        }
    }
}

impl Adapter for Toy {
    fn formats(&self) -> &'static [Format] {
        &FORMATS
    }

    fn detect(&self, doc: &Document<'_>) -> Option<Detected> {
        let value: Value = serde_json::from_str(doc.text()).ok()?;
        value.get("toy_run")?;
        Some(Detected {
            format: TOY_RUN,
            specificity: 4,
        })
    }

    fn normalize(&self, doc: Document<'_>, _: Format) -> Result<Run, NormalizeError> {
        let value: Value =
            serde_json::from_str(doc.text()).map_err(|e| NormalizeError::new("", e.to_string()))?;
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let run_id = text("toy_run").ok_or_else(|| NormalizeError::new("/toy_run", "no id"))?;
        Ok(Run {
            workflow_id: text("flow"),
            status: Status::parse(SYSTEM, text("state").as_deref().unwrap_or("")),
            turns: vec![Turn {
                input: value.get("ask").cloned(),
                output: value.get("said").cloned(),
                ..Turn::default()
            }],
            ..Run::new(TOY_RUN, run_id)
        })
    }
}

impl Vendor for Toy {
    fn system(&'static self) -> System {
        SYSTEM
    }
}

/// A fake toy engine: it answers each run with what the toy service now says, per workflow.
struct ToyEngine {
    /// Workflow → (state, what it says).
    answers: HashMap<String, (&'static str, &'static str)>,
}

impl Engine for ToyEngine {
    fn name(&self) -> &str {
        "toy"
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            assert_eq!(request.system, SYSTEM, "a toy case reaches the toy engine");
            let (state, said) = self
                .answers
                .get(&request.workflow_id)
                .ok_or_else(|| EngineError::Miss(request.workflow_id.clone()))?;
            let run_id = format!("live-{}", request.case_run_id.as_deref().unwrap_or(""));
            let doc = serde_json::json!({"toy_run": run_id, "flow": request.workflow_id,
                "state": state, "ask": request.input.input, "said": said});
            let run = TOY
                .normalize_text(&doc.to_string())
                .map_err(|e| EngineError::Malformed(e.to_string()))?;
            Ok(Reply {
                run_id,
                turn: 0,
                run: Arc::new(run),
            })
        })
    }

    fn send<'a>(&'a self, _: &'a str, _: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async { Err(EngineError::Unsupported("toy runs are single-shot".into())) })
    }

    fn get<'a>(&'a self, _: System, run_id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move { Err(EngineError::Miss(run_id.to_owned())) })
    }

    fn evaluation<'a>(
        &'a self,
        _: System,
        _: &'a str,
        _: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async { Ok(None) })
    }
}

impl Toy {
    /// A toy document read through the library's loader, with the toy registered.
    fn normalize_text(&'static self, text: &str) -> Result<Run, String> {
        let registry = Registry::builtin().with(self);
        let mut out = reprise::formats::read_bytes(
            std::path::Path::new("live.json"),
            Arc::from(text.as_bytes()),
            registry.adapters(),
            None,
            true,
        );
        match (out.problems.pop(), out.runs.pop()) {
            (None, Some(run)) => Ok(run),
            (problem, _) => Err(format!("{problem:?}")),
        }
    }
}

#[tokio::test]
async fn a_fourth_vendor_goes_from_load_to_report_without_touching_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    // Two toy cases in one JSONL file, beside a Noxus run the built-in vendor still reads.
    let toy = "{\"toy_run\": \"t-ok\", \"flow\": \"greet\", \"state\": \"DONE\", \"ask\": {\"name\": \"Ada\"}, \"said\": \"hello Ada\"}\n\
               {\"toy_run\": \"t-bad\", \"flow\": \"shout\", \"state\": \"DONE\", \"ask\": {\"name\": \"Bo\"}, \"said\": \"HI BO\"}\n";
    std::fs::write(cases.join("toy.jsonl"), toy).unwrap();
    std::fs::write(
        cases.join("noxus.json"),
        r#"{"id": "n-1", "status": "completed", "workflow_id": "nwf", "progress": 100}"#,
    )
    .unwrap();

    // Load: without the toy registered its documents are no run; with it they are toy runs.
    let builtin = Corpus::load(std::slice::from_ref(&cases), &LoadOptions::default());
    assert_eq!(builtin.runs.len(), 1);
    assert_eq!(builtin.problems.len(), 2, "{:?}", builtin.problems);
    assert!(builtin.problems[0].message.starts_with("not a run"));
    let registry = Registry::builtin().with(&TOY);
    let corpus = Corpus::load(
        std::slice::from_ref(&cases),
        &LoadOptions {
            adapters: registry.adapters().clone(),
            ..LoadOptions::default()
        },
    );
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    let counts: Vec<(String, usize)> = corpus
        .count_by_system()
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    assert_eq!(
        counts,
        [("interactly", 0), ("noxus", 1), ("cortex", 0), ("toy", 2)]
            .map(|(s, n)| (s.to_owned(), n))
    );
    let toy_cases: Vec<Arc<Run>> = corpus
        .cases()
        .filter(|r| r.system == SYSTEM)
        .cloned()
        .collect();
    assert_eq!(toy_cases.len(), 2);
    assert_eq!(toy_cases[0].format, TOY_RUN);

    // Replay against the fake engine: `greet` still answers as recorded, `shout` now breaks.
    let engine: Arc<dyn Engine> = Arc::new(ToyEngine {
        answers: HashMap::from([
            ("greet".to_owned(), ("DONE", "hello Ada")),
            ("shout".to_owned(), ("BROKEN", "")),
        ]),
    });
    let snaps = tmp.path().join("snapshots");
    let stage = Arc::new(SnapshotStage::new(
        Store::new(&snaps),
        Arc::default(),
        CheckOptions {
            mode: UpdateMode::Always,
            ..CheckOptions::default()
        },
    ));
    let out = tmp.path().join("report");
    // Evaluate: a local assertion on the toy's own status spelling.
    let assertion = serde_json::json!({"name": "the toy is done", "workflows": ["greet", "shout"],
        "kind": "status", "status": "DONE"});
    let settings = reprise::eval::Settings {
        assertions: vec![serde_json::from_value(assertion).unwrap()],
        ..reprise::eval::Settings::default()
    };
    let (_, stats) = reprise::pipeline::replay_to_folder(
        engine,
        toy_cases,
        settings,
        stage.clone() as Arc<dyn SnapshotCheck>,
        reprise::replay::Options::default(),
        reprise::pipeline::Folder {
            out: &out,
            meta: reprise::report::RunMeta::default(),
            progress: false,
            terminal: std::io::sink(),
        },
    )
    .await
    .unwrap();
    assert_eq!((stats.all.passed, stats.all.failed), (1, 1));

    // Report: the toy rows, their system, workflow, status and verdicts.
    let (_, rows) = crate::common::table(&out.join("runs.csv"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["t-bad", "t-ok"]);
    let ok = &rows["t-ok"];
    assert_eq!(
        (&*ok["system"], &*ok["workflow_id"], &*ok["verdict"]),
        ("toy", "greet", "pass")
    );
    let bad = &rows["t-bad"];
    assert_eq!(
        (&*bad["system"], &*bad["status"], &*bad["verdict"]),
        ("toy", "BROKEN", "fail")
    );
    assert_eq!(
        (&*ok["assertions_failed"], &*bad["assertions_failed"]),
        ("0", "1")
    );
    assert_eq!((&*ok["snapshot"], &*bad["snapshot"]), ("new", "new"));
    let (_, summary_rows) = crate::common::table(&out.join("summary.csv"));
    let all = summary_rows.values().next().expect("a summary row");
    assert_eq!(
        (
            &*all["runs"],
            &*all["passed"],
            &*all["failed"],
            &*all["snapshots_new"]
        ),
        ("2", "1", "1", "2")
    );

    // Snapshot: written under the vendor's name, with what the toy engine said.
    let snapshots = stage.finish(false, false).unwrap();
    assert_eq!((snapshots.matched, snapshots.differences.len()), (0, 2));
    let snap = snaps.join("toy").join("greet").join("t-ok.snap");
    let text = std::fs::read_to_string(&snap).unwrap_or_else(|e| panic!("{}: {e}", snap.display()));
    // The toy's transcript is single-shot (input and outputs), redacted like any other.
    assert!(text.contains("system: toy\n"), "{text}");
    assert!(text.contains("status: DONE\n"), "{text}");
    assert!(text.contains("outputs: hello [NAME-1]"), "{text}");
    assert!(!text.contains("Ada"), "{text}");
    assert!(snaps.join("toy").join("shout").join("t-bad.snap").is_file());
}
