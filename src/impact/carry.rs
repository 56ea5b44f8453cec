//! `reprise run --impact DIR`: replay only what `reprise impact` could not settle.
//!
//! [`ImpactPlan::read`] reads DIR/impact.csv; [`CarryingEngine`] answers the `unaffected` cases
//! from their own recordings (the recorded run and its recorded evaluation stand for the
//! candidate, as `impact` proved) and sends every other case to the chosen engine. Replay,
//! evaluation, snapshots and the reports run unchanged over it; the report's
//! [`Carried`](crate::report::Carried) section says which cases were carried and why.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::report::HEADER;
use super::walk::Impact;
use crate::engine::{forward_run_calls, Engine, EngineFuture, RecordedEngine, Reply, StartRequest};
use crate::report::Carried;

/// Why `impact.csv` cannot be used: the file, the line and what is wrong there.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file is missing or unreadable.
    #[error("{path}: cannot read the impact report ({source}); run `reprise impact ... --out DIR` first")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not what `reprise impact` writes.
    #[error("{path}: line {line}: {what}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        what: String,
    },
}

/// What `impact.csv` says about each case: its class and reason.
#[derive(Debug, Default)]
pub struct ImpactPlan {
    /// The file read.
    pub path: PathBuf,
    /// run id → (class, reason).
    pub cases: HashMap<String, (Impact, String)>,
}

impl ImpactPlan {
    /// Reads `dir/impact.csv` (the output folder of `reprise impact`).
    pub fn read(dir: &Path) -> Result<ImpactPlan, PlanError> {
        let path = dir.join("impact.csv");
        let bytes = std::fs::read(&path).map_err(|source| PlanError::Read {
            path: path.clone(),
            source,
        })?;
        let bad = |line: u64, what: String| PlanError::Malformed {
            path: path.clone(),
            line,
            what,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let mut cases = HashMap::new();
        let mut header_seen = false;
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if !header_seen {
                if record.iter().ne(HEADER) {
                    return Err(bad(
                        line,
                        format!(
                            "the header is not `{}` (is this the impact.csv of `reprise impact`?)",
                            HEADER.join(",")
                        ),
                    ));
                }
                header_seen = true;
                continue;
            }
            if record.len() != HEADER.len() {
                return Err(bad(
                    line,
                    format!("{} fields, expected {}", record.len(), HEADER.len()),
                ));
            }
            // Text cells may carry the spreadsheet guard (a leading `'`): take it off.
            let cell = |i: usize| {
                let s = &record[i];
                match s.strip_prefix('\'') {
                    Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
                    _ => s.to_owned(),
                }
            };
            let run_id = cell(0);
            if run_id.is_empty() {
                return Err(bad(line, "empty run_id".to_owned()));
            }
            let impact = match &record[3] {
                "unaffected" => Impact::Unaffected,
                "diverges" => Impact::Diverges,
                "undetermined" => Impact::Undetermined,
                other => {
                    return Err(bad(
                        line,
                        format!("impact `{other}` is none of unaffected, diverges, undetermined"),
                    ))
                }
            };
            if cases.insert(run_id.clone(), (impact, cell(6))).is_some() {
                return Err(bad(line, format!("run {run_id} is listed twice")));
            }
        }
        if !header_seen {
            return Err(bad(1, "the file is empty: no header".to_owned()));
        }
        Ok(ImpactPlan { path, cases })
    }

    /// The cases among `selected` to carry from their recordings (the `unaffected` ones), as
    /// the report's [`Carried`] section: which, why, and how many others are replayed.
    pub fn carried<'a>(&self, selected: impl IntoIterator<Item = &'a str>) -> Carried {
        let mut out = Carried {
            source: self.path.display().to_string(),
            ..Carried::default()
        };
        for run_id in selected {
            match self.cases.get(run_id) {
                Some((Impact::Unaffected, reason)) => {
                    out.cases.push((run_id.to_owned(), reason.clone()));
                }
                Some(_) => out.replayed += 1,
                None => out.unlisted += 1,
            }
        }
        out.cases.sort();
        out
    }
}

/// `run --impact DIR`: reads DIR/impact.csv and wraps `engine` so that the `unaffected`
/// cases among `selected` (run ids) are answered from their recordings (`recorded`, over the
/// cases' corpus). Returns the engine to replay with and the report's [`Carried`] section.
pub fn carrying<'a>(
    dir: &Path,
    selected: impl IntoIterator<Item = &'a str>,
    recorded: RecordedEngine,
    engine: Arc<dyn Engine>,
) -> Result<(Arc<dyn Engine>, Carried), PlanError> {
    let plan = ImpactPlan::read(dir)?;
    let carried = plan.carried(selected);
    let ids = carried.cases.iter().map(|(id, _)| id.clone());
    Ok((
        Arc::new(CarryingEngine::new(recorded, engine, ids)),
        carried,
    ))
}

/// An engine that answers the carried cases from their own recordings and sends every other
/// case to `live`.
///
/// A carried case is recognised at `start` by its case run id; the runs the recordings
/// answer with are remembered, so the later calls on them (`send`, `get`, `evaluation`,
/// `stop`, `comment`) go to the recordings too. The carried start asks for no version: the
/// case's own recording answers, whatever `--version` the live cases are replayed at.
pub struct CarryingEngine {
    recorded: RecordedEngine,
    live: Arc<dyn Engine>,
    carried: HashSet<String>,
    /// Run ids the recordings answered with.
    answered: Mutex<HashSet<String>>,
}

impl CarryingEngine {
    /// Carries `carried` (run ids) from `recorded`; the rest goes to `live`.
    pub fn new(
        recorded: RecordedEngine,
        live: Arc<dyn Engine>,
        carried: impl IntoIterator<Item = String>,
    ) -> CarryingEngine {
        CarryingEngine {
            recorded,
            live,
            carried: carried.into_iter().collect(),
            answered: Mutex::new(HashSet::new()),
        }
    }

    /// The engine that owns `run_id`.
    fn owner(&self, run_id: &str) -> &dyn Engine {
        let recorded = self
            .answered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(run_id);
        if recorded {
            &self.recorded
        } else {
            self.live.as_ref()
        }
    }
}

impl Engine for CarryingEngine {
    fn name(&self) -> &str {
        self.live.name()
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        let carried = request
            .case_run_id
            .as_deref()
            .is_some_and(|id| self.carried.contains(id));
        if !carried {
            return self.live.start(request);
        }
        Box::pin(async move {
            let own = StartRequest {
                version: None,
                ..request.clone()
            };
            let reply = self.recorded.start(&own).await?;
            self.answered
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(reply.run_id.clone());
            Ok(reply)
        })
    }

    fn goes_live(&self, case_run_id: &str) -> bool {
        !self.carried.contains(case_run_id) && self.live.goes_live(case_run_id)
    }

    forward_run_calls!(owner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<ImpactPlan, PlanError> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("impact.csv"), text).expect("write");
        ImpactPlan::read(dir.path())
    }

    const HEAD: &str = "run_id,workflow_id,version,impact,turn,node,reason\n";

    #[test]
    fn reads_what_impact_writes() {
        let p = plan(&format!(
            "{HEAD}a,w,1,unaffected,,,the walk is identical and touches no change\nb,w,1,diverges,2,X,\"edge X -> Y is disabled; the thread now ends\"\nc,w,,undetermined,,,'=odd\n"
        ))
        .expect("plan");
        assert_eq!(p.cases.len(), 3);
        assert_eq!(p.cases["a"].0, Impact::Unaffected);
        assert_eq!(p.cases["b"].0, Impact::Diverges);
        assert_eq!(
            p.cases["b"].1,
            "edge X -> Y is disabled; the thread now ends"
        );
        assert_eq!(p.cases["c"], (Impact::Undetermined, "=odd".to_owned()));
    }

    #[test]
    fn carried_cases_do_not_go_live() {
        let empty = crate::corpus::Corpus::default();
        let live: Arc<dyn Engine> = Arc::new(RecordedEngine::from_corpora(&[&empty]));
        let engine = CarryingEngine::new(
            RecordedEngine::from_corpora(&[&empty]),
            live,
            ["carried".to_owned()],
        );
        assert!(!engine.goes_live("carried"));
        assert!(engine.goes_live("affected"));
    }

    #[test]
    fn a_bad_file_is_named_with_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let e = ImpactPlan::read(dir.path()).expect_err("missing");
        assert!(e.to_string().contains("impact.csv: cannot read"), "{e}");

        for (text, want) in [
            ("", "line 1: the file is empty"),
            ("run_id,impact\n", "line 1: the header is not"),
            (
                &format!("{HEAD}a,w,1,maybe,,,x\n") as &str,
                "line 2: impact `maybe`",
            ),
            (
                &format!("{HEAD}a,w,1,unaffected,,,x\nb,w\n"),
                "line 3: 2 fields, expected 7",
            ),
            (
                &format!("{HEAD}a,w,1,unaffected,,,x\na,w,1,diverges,,,y\n"),
                "line 3: run a is listed twice",
            ),
            (
                &format!("{HEAD},w,1,unaffected,,,x\n"),
                "line 2: empty run_id",
            ),
        ] {
            let e = plan(text).expect_err(want);
            let msg = e.to_string();
            assert!(
                msg.contains("impact.csv: ") && msg.contains(want),
                "{msg} / {want}"
            );
        }
    }
}
