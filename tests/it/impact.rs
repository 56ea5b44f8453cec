//! `reprise impact` through the binary: the candidate configs of tests/data/impact/candidates
//! (written by scripts/make_impact_fixtures.py as edits of the cases' recorded config) against
//! the cases of tests/data/impact/cases, each with the exact impact.csv it must produce.

use std::path::{Path, PathBuf};

use crate::common::reprise_outside as reprise;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/impact")
}

/// Runs `impact` on the fixture cases; returns (exit code, stdout, stderr, out dir).
fn impact(candidate: &Path, extra: &[&str]) -> (i32, String, String, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("temp dir");
    let o = reprise()
        .arg("impact")
        .arg(data().join("cases"))
        .arg("--candidate")
        .arg(candidate)
        .arg("--out")
        .arg(out.path())
        .args(extra)
        .output()
        .expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        out,
    )
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Each candidate's impact.csv equals its checked-in expectation, byte for byte.
#[test]
fn every_candidate_gives_its_exact_impact_csv() {
    for name in [
        "same",
        "prompt",
        "disable-edge",
        "remove-node",
        "expression",
        "unreachable",
        "global-node",
        "super-node",
    ] {
        let (code, _, stderr, out) = impact(&data().join(format!("candidates/{name}.json")), &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let got = read(&out.path().join("impact.csv"));
        let want = read(&data().join(format!("expected/{name}.csv")));
        assert_eq!(got, want, "{name}: impact.csv differs");
    }
}

fn column(csv: &str, run: &str, col: usize) -> String {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(|x| x.expect("csv row"))
        .find(|x| &x[0] == run)
        .map(|x| x[col].to_owned())
        .unwrap_or_else(|| panic!("no row for {run}"))
}

/// The expectations say what the issue asks, so a regenerated expectation cannot drift from
/// it unnoticed.
#[test]
fn the_expectations_say_what_each_edit_means() {
    let csv = |n: &str| read(&data().join(format!("expected/{n}.csv")));
    const FULL: &str = "69a59566eec3645a209c3946"; // 01: through Confirm details to Goodbye
    const FAILED: &str = "69a58530da9f6d208566e081"; // 03: failed at Extract intake
    const WRONG: &str = "69a5e0000000000000000e01"; // ends at turn 2 via Collect reason -> Goodbye

    // Nothing changes, or an unreachable node: every case unaffected.
    for n in ["same", "unreachable"] {
        let c = csv(n);
        assert_eq!(c.lines().count(), 6, "{n}");
        assert!(c.lines().skip(1).all(|l| l.contains(",unaffected,")), "{n}");
    }
    // A prompt some cases reach: those undetermined at turn 2 at that node, the rest unaffected.
    let c = csv("prompt");
    assert_eq!(column(&c, FULL, 3), "undetermined");
    assert_eq!(column(&c, FULL, 4), "2");
    assert_eq!(column(&c, FULL, 5), "Confirm details");
    assert_eq!(column(&c, FAILED, 3), "unaffected");
    assert_eq!(column(&c, WRONG, 3), "unaffected");
    // A disabled edge: diverges where the walk takes it.
    let c = csv("disable-edge");
    assert_eq!(column(&c, FULL, 3), "diverges");
    assert_eq!(column(&c, FULL, 5), "Extract intake");
    assert!(column(&c, FULL, 6).contains("is disabled"));
    // A removed node: the case whose path goes there diverges at turn 2.
    let c = csv("remove-node");
    assert_eq!(column(&c, WRONG, 3), "diverges");
    assert_eq!(column(&c, WRONG, 4), "2");
    assert_eq!(column(&c, WRONG, 5), "Collect reason");
    // An expression that now holds on the recorded variables ('soon').
    let c = csv("expression");
    assert_eq!(column(&c, FULL, 3), "diverges");
    assert!(column(&c, FULL, 6).contains("Emergency"));
    // A global node or a super node: undetermined with the construct named, never unaffected
    // for a case that reaches it.
    let c = csv("global-node");
    assert!(c
        .lines()
        .skip(1)
        .all(|l| l.contains(",undetermined,") && l.contains("global node")));
    let c = csv("super-node");
    assert_eq!(column(&c, FULL, 3), "undetermined");
    assert!(column(&c, FULL, 6).contains("super node"));
}

#[test]
fn the_diff_and_the_summary_are_written_and_printed() {
    let (code, stdout, _, out) = impact(&data().join("candidates/remove-node.json"), &[]);
    assert_eq!(code, 0);
    let diff = read(&out.path().join("config-diff.md"));
    assert!(diff.contains("- removed: `Goodbye`"), "{diff}");
    assert!(
        diff.contains("- removed: `Collect reason -> Goodbye`"),
        "{diff}"
    );
    let summary = read(&out.path().join("summary.md"));
    assert!(summary.contains("| unaffected | 0 |"), "{summary}");
    assert!(summary.contains("| diverges | 1 |"), "{summary}");
    assert!(summary.contains("| undetermined | 4 |"), "{summary}");
    assert!(summary.contains("| Collect reason | 1 | 4 |"), "{summary}");
    assert!(stdout.contains("removed: `Goodbye`"), "{stdout}");
    assert!(stdout.contains("diverges             1"), "{stdout}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let cand = |n: &str| data().join(format!("candidates/{n}.json"));
    assert_eq!(
        impact(&cand("disable-edge"), &["--fail-on", "diverges"]).0,
        1
    );
    assert_eq!(impact(&cand("prompt"), &["--fail-on", "diverges"]).0, 0);
    assert_eq!(impact(&cand("prompt"), &["--fail-on", "undetermined"]).0, 1);
    assert_eq!(impact(&cand("same"), &["--fail-on", "undetermined"]).0, 0);
}

/// A run document is a candidate too: its own hydrated config, here the recorded one.
#[test]
fn a_run_document_is_a_candidate() {
    let (code, _, stderr, out) = impact(&data().join("cases/01-full.json"), &[]);
    assert_eq!(code, 0, "{stderr}");
    let csv = read(&out.path().join("impact.csv"));
    assert_eq!(
        csv.lines().filter(|l| l.contains(",unaffected,")).count(),
        5,
        "{csv}"
    );
}

#[test]
fn a_bad_candidate_is_named_with_its_json_location() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"node_configs": [{"logical_id": "a"}, {"disabled": "yes"}]}"#,
    )
    .expect("write");
    let (code, _, stderr, out) = impact(&bad, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.json: at node_configs[1].disabled"),
        "{stderr}"
    );
    assert!(!out.path().join("impact.csv").exists());

    std::fs::write(&bad, "{\"node_configs\": [").expect("write");
    let (code, _, stderr, _) = impact(&bad, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.json: at line 1 column"), "{stderr}");

    let (code, _, stderr, _) = impact(&dir.path().join("missing.json"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("missing.json"), "{stderr}");

    // A candidate of another workflow matches no case.
    let (code, _, stderr, _) = impact(
        &data().join("candidates/same.json"),
        &["--workflow", "nope"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no recorded case of workflow nope"),
        "{stderr}"
    );
}

/// `reprise impact CORPUS --candidate FILE --workflow ID --out OUT`, which must exit 0: the
/// rows of its impact.csv (at least one).
fn impact_rows(corpus: &Path, candidate: &Path, workflow: &str, out: &Path) -> Vec<String> {
    let o = reprise()
        .arg("impact")
        .arg(corpus)
        .arg("--candidate")
        .arg(candidate)
        .args(["--workflow", workflow, "--out"])
        .arg(out)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = read(&out.join("impact.csv"));
    let rows: Vec<String> = csv.lines().skip(1).map(str::to_owned).collect();
    assert!(!rows.is_empty(), "{workflow}: no rows");
    rows
}

/// Noxus runs are single-shot and not re-walked: with the workflow named, each is
/// `undetermined` with the reason, never `unaffected`.
#[test]
fn noxus_cases_are_undetermined_with_a_reason() {
    let out = tempfile::tempdir().expect("temp dir");
    let rows = impact_rows(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus"),
        &data().join("candidates/same.json"),
        "7f576edd-f8b9-4351-8da2-0f38e317cf88",
        out.path(),
    );
    for row in rows {
        assert!(row.contains(",undetermined,,,\"a noxus run:"), "{row}");
    }
}

/// Bad corpus files are named and make the exit 2, and the good cases are still classified.
#[test]
fn bad_corpus_files_exit_2_and_the_rest_is_classified() {
    let out = tempfile::tempdir().expect("temp dir");
    let o = reprise()
        .arg("impact")
        .arg(data().join("cases"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad"))
        .arg("--candidate")
        .arg(data().join("candidates/same.json"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: ") && stderr.contains("tests/data/bad"),
        "{stderr}"
    );
    let csv = read(&out.path().join("impact.csv"));
    assert_eq!(read(&data().join("expected/same.csv")), csv);
}

/// Writes a synthetic corpus (`reprise synth --versions 2`) into `dir`.
fn synth(dir: &Path, runs: &str) {
    let o = reprise()
        .args(["synth", "--runs", runs, "--versions", "2", "--out"])
        .arg(dir)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The runs of the single-run files (`*.json`) under `dir`, in file name order.
fn synth_runs(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let mut doc: serde_json::Value =
                serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            match doc.pointer_mut("/workflow_run/workflow_run") {
                Some(run) => run.take(),
                None => doc,
            }
        })
        .collect()
}

/// Synthetic recordings follow their configs: with a candidate that only adds an unreachable
/// node to a workflow's own config (so every walk is re-walked, not short-cut as unchanged),
/// every case of every synthetic workflow re-walks `unaffected`.
#[test]
fn synthetic_recordings_walk_their_own_configs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    synth(tmp.path(), "150");
    let cases = tmp.path().join("interactly");
    let runs = synth_runs(&cases);
    let mut workflows: Vec<&str> = runs
        .iter()
        .filter_map(|r| r["workflow_id"].as_str())
        .collect();
    workflows.sort_unstable();
    workflows.dedup();
    assert!(workflows.len() >= 3, "{workflows:?}");
    for w in workflows {
        let mut config = runs
            .iter()
            .find(|r| r["workflow_id"] == w)
            .map(|r| r["workflow_config_fully_hydrated"].clone())
            .expect("a case of the workflow");
        let nodes = config["node_configs"].as_array_mut().expect("node_configs");
        let mut extra = nodes[nodes.len() - 1].clone();
        extra["logical_id"] = "node_unreachable".into();
        extra["name"] = "Unreachable".into();
        extra["is_start"] = false.into();
        nodes.push(extra);
        let cand = tmp.path().join(format!("cand-{w}.json"));
        std::fs::write(&cand, config.to_string()).expect("write");
        let rows = impact_rows(&cases, &cand, w, &tmp.path().join(format!("impact-{w}")));
        for row in rows {
            assert!(
                row.contains(",unaffected,,,the walk is identical"),
                "{w}: {row}"
            );
        }
    }
}

/// `reprise run ARGS`: exit code and stderr.
fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Option<i32>, String) {
    let o = reprise()
        .env("REPRISE_TOKEN", "any-token")
        .arg("run")
        .args(args)
        .arg("--no-progress")
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A synthetic corpus with its version-2 recordings, and `reprise impact` of one workflow's
/// version-2 config that leaves some cases unaffected and affects others.
struct ImpactSetup {
    tmp: tempfile::TempDir,
    corpus: PathBuf,
    cases: PathBuf,
    impact_dir: PathBuf,
    /// `--filter workflow=…` of that workflow.
    filter: String,
    /// The cases impact.csv classes `unaffected`.
    carried: Vec<String>,
    /// The others.
    affected: Vec<String>,
}

/// Gives every Interactly run under `dir` (its `.json` and `.jsonl` files) an MCP server in
/// its workflow config: a side effect that a live replay refuses without
/// `--allow-side-effects` (the same server in every version, so no walk changes).
fn add_mcp_server(dir: &Path) {
    fn edit(doc: &mut serde_json::Value) {
        let run = match doc.pointer_mut("/workflow_run/workflow_run") {
            Some(run) => run,
            None => doc,
        };
        if let Some(wc) = run.pointer_mut("/workflow_config_fully_hydrated/workflow_config") {
            wc["mcp_servers"] = serde_json::json!([
                {"name": "crm", "server_url": "https://mcp.example.invalid/crm"}
            ]);
        }
    }
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let text = match path.extension().and_then(|x| x.to_str()) {
            Some("json") => {
                let mut doc: serde_json::Value = serde_json::from_str(&read(&path)).expect("json");
                edit(&mut doc);
                doc.to_string()
            }
            Some("jsonl") => read(&path)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let mut doc: serde_json::Value = serde_json::from_str(l).expect("json line");
                    edit(&mut doc);
                    format!("{doc}\n")
                })
                .collect(),
            _ => continue,
        };
        std::fs::write(&path, text).expect("write");
    }
}

impl ImpactSetup {
    /// With `side_effects`, every case and recording has an MCP server ([`add_mcp_server`]).
    fn new(side_effects: bool) -> ImpactSetup {
        let tmp = tempfile::tempdir().expect("temp dir");
        let corpus = tmp.path().join("corpus");
        synth(&corpus, "80");
        let cases = corpus.join("interactly");
        let v2 = corpus.join("recordings-v2/interactly");
        if side_effects {
            add_mcp_server(&cases);
            add_mcp_server(&v2);
        }
        let runs = synth_runs(&cases);
        let v2_runs = synth_runs(&v2);
        let (workflow, impact_dir, carried, affected) = v2_runs
            .iter()
            .filter_map(|r| Some((r["workflow_id"].as_str()?.to_owned(), r)))
            .find_map(|(w, v2_run)| {
                let cand = tmp.path().join(format!("v2-{w}.json"));
                std::fs::write(&cand, v2_run["workflow_config_fully_hydrated"].to_string())
                    .expect("write");
                let out = tmp.path().join(format!("impact-{w}"));
                let rows = impact_rows(&cases, &cand, &w, &out);
                // run_id and impact come before the free-text reason.
                let (carried, affected): (Vec<&String>, Vec<&String>) = rows
                    .iter()
                    .partition(|r| r.split(',').nth(3) == Some("unaffected"));
                let id = |r: &&String| r.split(',').next().unwrap_or_default().to_owned();
                let carried: Vec<String> = carried.iter().map(id).collect();
                let affected: Vec<String> = affected.iter().map(id).collect();
                (!carried.is_empty() && !affected.is_empty()).then_some((w, out, carried, affected))
            })
            .expect("a workflow with unaffected and affected cases");
        assert!(runs.iter().any(|r| r["workflow_id"] == workflow.as_str()));
        ImpactSetup {
            filter: format!("workflow={workflow}"),
            tmp,
            corpus,
            cases,
            impact_dir,
            carried,
            affected,
        }
    }

    /// `reprise serve` over the cases and the version-2 recordings, logging to `log_path`.
    fn serve(&self, log_path: &Path) -> crate::common::Served {
        let log = std::fs::File::create(log_path).expect("log");
        crate::common::serve_logging(
            &[
                self.corpus.to_str().expect("utf-8 path"),
                "--recordings",
                self.corpus
                    .join("recordings-v2")
                    .to_str()
                    .expect("utf-8 path"),
            ],
            log,
        )
    }

    /// `reprise run` of the workflow's cases at version 2 through `url` into `out` (with
    /// `--impact` when `impact`), plus `extra`: exit code and stderr.
    fn run_live(
        &self,
        url: &str,
        out: &Path,
        impact: bool,
        extra: &[&str],
    ) -> (Option<i32>, String) {
        use std::ffi::OsStr;
        let snaps = self.tmp.path().join("snaps");
        let mut args: Vec<&OsStr> = vec![
            self.cases.as_os_str(),
            OsStr::new("--filter"),
            OsStr::new(&self.filter),
            OsStr::new("--engine"),
            OsStr::new("http"),
            OsStr::new("--base-url"),
            OsStr::new(url),
            OsStr::new("--version"),
            OsStr::new("2"),
            OsStr::new("--eval-wait-secs"),
            OsStr::new("5"),
            OsStr::new("--out"),
            out.as_os_str(),
            OsStr::new("--snapshots"),
            snaps.as_os_str(),
        ];
        if impact {
            args.extend([OsStr::new("--impact"), self.impact_dir.as_os_str()]);
        }
        args.extend(extra.iter().map(OsStr::new));
        run(&args)
    }
}

/// The issue's CI story end to end on a synthetic corpus: `reprise impact` with the version-2
/// config of a workflow, then `reprise run --impact --engine http --version 2` against
/// `reprise serve` over the version-2 recordings. Only the `diverges`/`undetermined` cases
/// reach the server (counted from its request log), the `unaffected` ones carry their
/// recorded (version-1) verdicts, and `compare` and `gate` work on the result.
#[test]
fn run_impact_replays_only_the_affected_cases_through_serve() {
    use std::collections::BTreeSet;
    use std::ffi::OsStr;

    let setup = ImpactSetup::new(false);
    let ImpactSetup {
        tmp,
        cases,
        impact_dir,
        filter,
        carried,
        affected,
        ..
    } = &setup;
    let snaps = tmp.path().join("snaps");

    // The baseline: version 1 from the recordings.
    let base = tmp.path().join("base");
    let (code, stderr) = run(&[
        cases.as_os_str(),
        OsStr::new("--filter"),
        OsStr::new(&filter),
        OsStr::new("--out"),
        base.as_os_str(),
        OsStr::new("--snapshots"),
        snaps.as_os_str(),
    ]);
    assert!(matches!(code, Some(0)), "{stderr}");

    // The candidate: version 2 through the server, only what impact could not settle.
    let log_path = tmp.path().join("serve.log");
    let served = setup.serve(&log_path);
    let cand = tmp.path().join("cand");
    let (code, stderr) = setup.run_live(&served.url, &cand, true, &["--allow-side-effects"]);
    drop(served);
    assert_eq!(code, Some(0), "{stderr}");

    // Only the affected cases reached the server: the cases its log names are exactly those,
    // and no carried case's id appears in any request.
    let log = read(&log_path);
    let reached: BTreeSet<&str> = log
        .lines()
        .filter_map(|l| l.split(" case=").nth(1))
        .map(str::trim)
        .collect();
    let want: BTreeSet<&str> = affected.iter().map(String::as_str).collect();
    assert_eq!(reached, want);
    for id in carried {
        assert!(!log.contains(id.as_str()), "{id} reached the server");
    }

    // runs.csv keeps its columns; the carried rows are their recordings' (verdict, score,
    // tokens, the recording itself answering); the affected ones come from version 2.
    let (base_head, base_rows) = crate::common::table(&base.join("runs.csv"));
    let (cand_head, cand_rows) = crate::common::table(&cand.join("runs.csv"));
    assert_eq!(base_head, cand_head);
    assert_eq!(cand_rows.len(), carried.len() + affected.len());
    for id in carried {
        let (b, c) = (&base_rows[id], &cand_rows[id]);
        for col in ["verdict", "score", "total_tokens", "eval_run_id", "version"] {
            assert_eq!(b[col], c[col], "{id}: {col}");
        }
        assert_eq!(c["replay_run_id"], *id);
    }
    for id in affected {
        let c = &cand_rows[id];
        assert_ne!(c["replay_run_id"], *id, "{id}: not replayed at version 2");
        assert_eq!(c["version"], "2", "{id}");
    }

    // summary.md and manifest.json say what was carried, and why.
    let summary = read(&cand.join("summary.md"));
    assert!(summary.contains("### Carried from recordings"), "{summary}");
    assert!(
        summary.contains(&format!(
            "{} cases carried from {}",
            carried.len(),
            impact_dir.join("impact.csv").display()
        )),
        "{summary}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&cand.join("manifest.json"))).expect("manifest");
    assert_eq!(manifest["carried"]["carried"], carried.len());
    assert_eq!(manifest["carried"]["replayed"], affected.len());
    let listed: Vec<&str> = manifest["carried"]["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["run_id"].as_str().expect("run_id"))
        .collect();
    assert_eq!(
        listed,
        carried.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // The PR comment and report.html say it too: how many were carried, and which.
    let comment = read(&cand.join("pr-comment.md"));
    assert!(
        comment.contains(&format!(
            "**Carried from recordings** (`run --impact`, `{}`): {} case(s) `unaffected`, answered by their recorded run and evaluation; {} replayed.",
            impact_dir.join("impact.csv").display(),
            carried.len(),
            affected.len()
        )),
        "{comment}"
    );
    assert!(
        comment.contains("case(s): the walk is identical"),
        "{comment}"
    );
    if let Some(browser) = crate::html::browser() {
        let html = cand.join("report.html");
        let page = browser.open(&html, "");
        assert_eq!(
            page.texts("id", "carried-count"),
            [carried.len().to_string()]
        );
        assert_eq!(
            page.texts("id", "replayed-count"),
            [affected.len().to_string()]
        );
        assert!(page.dom.contains(r#"<table id="carried-reasons">"#));
        // The case table filters on the origin: exactly the carried cases, each badged.
        let page = browser.open(&html, "tab=cases&origin=carried");
        let shown: BTreeSet<String> = page.row_ids("cases").into_iter().collect();
        assert_eq!(shown, carried.iter().cloned().collect::<BTreeSet<_>>());
        assert_eq!(
            page.dom.matches(r#"<span class="badge""#).count(),
            carried.len().min(100)
        );
        let page = browser.open(&html, "tab=cases&origin=replayed");
        let shown: BTreeSet<String> = page.row_ids("cases").into_iter().collect();
        assert_eq!(shown, affected.iter().cloned().collect::<BTreeSet<_>>());
        let page = browser.open(&html, &format!("case={}", carried[0]));
        assert!(
            page.dom.contains("carried from its recording: "),
            "case view"
        );
    }

    // compare and gate work on it: no carried case can flip (its verdict is the baseline's).
    let o = reprise()
        .arg("compare")
        .args([&base, &cand])
        .output()
        .expect("runs");
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    let comparison = read(&cand.join("comparison.csv"));
    for id in carried {
        assert!(!comparison.contains(&format!("flip:{id},")), "{comparison}");
    }
    let o = reprise()
        .arg("gate")
        .arg(&cand)
        .arg("--baseline")
        .arg(&base)
        .args(["--max-errors", "0"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

/// `run --impact --engine http` without `--allow-side-effects`: a carried case never reaches
/// the vendor, so it is not refused for side effects and carries its recorded verdict; an
/// affected case with side effects is still refused. Which cases have side effects is what
/// the same live run without `--impact` refuses.
#[test]
fn run_impact_refuses_side_effects_only_for_cases_that_go_live() {
    use std::collections::BTreeSet;

    let setup = ImpactSetup::new(true);
    let tmp = setup.tmp.path();
    let log_path = tmp.join("serve.log");
    let served = setup.serve(&log_path);
    let refused = |dir: &Path| -> BTreeSet<String> {
        let (_, rows) = crate::common::table(&dir.join("runs.csv"));
        rows.into_iter()
            .filter(|(_, r)| r["error"].contains("--allow-side-effects"))
            .map(|(id, _)| id)
            .collect()
    };
    // Every case live: the side-effect cases are refused.
    let all_live = tmp.join("all-live");
    let (code, stderr) = setup.run_live(&served.url, &all_live, false, &[]);
    assert!(matches!(code, Some(0 | 1 | 3)), "{stderr}");
    let side_effects = refused(&all_live);
    let carried_se: Vec<&String> = setup
        .carried
        .iter()
        .filter(|id| side_effects.contains(*id))
        .collect();
    let affected_se: BTreeSet<String> = setup
        .affected
        .iter()
        .filter(|id| side_effects.contains(*id))
        .cloned()
        .collect();
    assert!(
        !carried_se.is_empty() && !affected_se.is_empty(),
        "side-effect cases among both the carried and the affected: {side_effects:?}"
    );

    // With --impact: only the affected side-effect cases are refused.
    let base = tmp.join("base");
    let (code, stderr) = run(&[
        setup.cases.as_os_str(),
        std::ffi::OsStr::new("--filter"),
        std::ffi::OsStr::new(&setup.filter),
        std::ffi::OsStr::new("--out"),
        base.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let cand = tmp.join("cand");
    let (code, stderr) = setup.run_live(&served.url, &cand, true, &[]);
    drop(served);
    assert!(matches!(code, Some(0 | 1 | 3)), "{stderr}");
    assert_eq!(refused(&cand), affected_se);
    let (_, base_rows) = crate::common::table(&base.join("runs.csv"));
    let (_, cand_rows) = crate::common::table(&cand.join("runs.csv"));
    for id in carried_se {
        let (b, c) = (&base_rows[id], &cand_rows[id]);
        for col in ["verdict", "score", "total_tokens", "eval_run_id", "error"] {
            assert_eq!(b[col], c[col], "{id}: {col}");
        }
        assert_eq!(c["replay_run_id"], *id);
    }
}

/// A missing or malformed impact.csv is refused (exit 2), naming the file and the line.
#[test]
fn run_impact_refuses_a_bad_impact_csv() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases = data().join("cases");
    let out = tmp.path().join("out");
    let args = |dir: &Path| {
        vec![
            cases.clone().into_os_string(),
            "--impact".into(),
            dir.as_os_str().to_owned(),
            "--out".into(),
            out.clone().into_os_string(),
        ]
    };
    let (code, stderr) = run(&args(&tmp.path().join("none")));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("none/impact.csv: cannot read"), "{stderr}");

    let dir = tmp.path().join("bad");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("impact.csv"),
        "run_id,workflow_id,version,impact,turn,node,reason\na,w,1,unaffected,,,x\nb,w,1,sure,,,x\n",
    )
    .expect("write");
    let (code, stderr) = run(&args(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("bad/impact.csv: line 3: impact `sure`"),
        "{stderr}"
    );
    assert!(!out.join("runs.csv").exists());
}

/// Every run writes each case's node path per turn to paths.jsonl, and `compare` adds a
/// `path:` row (after the flips) and a summary.md table for a paired case whose path differs;
/// a baseline without paths.jsonl (an older report) compares as before.
#[test]
fn compare_names_where_a_case_path_departs() {
    const FULL: &str = "69a59566eec3645a209c3946"; // 01: Greeting … Confirm details -> Goodbye
    let tmp = tempfile::tempdir().expect("temp dir");
    let case = data().join("cases/01-full.json");

    // A version-2 recording of the same inputs that stays at Confirm details on turn 3:
    // the conditional edge to Goodbye and Goodbye's node run are taken out.
    let mut doc: serde_json::Value = serde_json::from_str(&read(&case)).expect("json");
    let rec = doc
        .pointer_mut("/workflow_run/workflow_run")
        .expect("envelope");
    rec["version_number"] = 2.into();
    rec["workflow_run_id"] = "69a5e0000000000000000f02".into();
    let turn3 = &mut rec["input_output_pairs"][2]["run_output"];
    let events = turn3["events"].as_array_mut().expect("events");
    let edge = events
        .iter()
        .position(|e| e["type"] == "conditional_edge")
        .expect("the edge to Goodbye");
    events.truncate(edge);
    let outputs = turn3["thread_to_node_outputs"]["0"]
        .as_array_mut()
        .expect("outputs");
    outputs.truncate(1);
    let recs = tmp.path().join("v2");
    std::fs::create_dir_all(&recs).expect("dir");
    std::fs::write(recs.join("01-v2.json"), doc.to_string()).expect("write");

    let (base, cand) = (tmp.path().join("base"), tmp.path().join("cand"));
    let snaps = tmp.path().join("snaps");
    let args: Vec<std::ffi::OsString> = vec![
        case.clone().into_os_string(),
        "--snapshots".into(),
        snaps.into_os_string(),
    ];
    let out = |dir: &Path| ["--out".into(), dir.as_os_str().to_owned()];
    let (code, stderr) = run(&[&args[..], &out(&base)].concat());
    assert_eq!(code, Some(0), "{stderr}");
    let v2: [std::ffi::OsString; 4] = [
        "--version".into(),
        "2".into(),
        "--recordings".into(),
        recs.into_os_string(),
    ];
    let (code, stderr) = run(&[&args[..], &v2, &out(&cand)].concat());
    assert!(matches!(code, Some(0 | 1)), "{stderr}");

    let line = |dir: &Path| -> serde_json::Value {
        let text = read(&dir.join("paths.jsonl"));
        assert_eq!(text.lines().count(), 1, "{text}");
        serde_json::from_str(text.trim()).expect("json line")
    };
    assert_eq!(
        line(&base),
        serde_json::json!({"run_id": FULL, "turns": [["Greeting"],
            ["Collect reason", "Extract intake", "Confirm details"], ["Confirm details", "Goodbye"]]})
    );
    assert_eq!(
        line(&cand)["turns"][2],
        serde_json::json!(["Confirm details"])
    );

    let compare = || {
        let o = reprise()
            .arg("compare")
            .args([&base, &cand])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let stdout = compare();
    assert!(
        stdout.contains(&format!("{FULL} turn 3: Goodbye -> (none)")),
        "{stdout}"
    );
    let csv = read(&cand.join("comparison.csv"));
    let tail: Vec<&str> = csv.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "mcnemar_p,,,,,1",
            &format!("path:{FULL},Goodbye,(none),,,diverged at turn 3")
        ]
    );
    let summary = read(&cand.join("summary.md"));
    assert!(
        summary.contains(&format!("| `{FULL}` | 3 | Goodbye | (none) |")),
        "{summary}"
    );

    // An older baseline, written before paths.jsonl: no path rows, the rest as before.
    std::fs::remove_file(base.join("paths.jsonl")).expect("remove");
    compare();
    let older = read(&cand.join("comparison.csv"));
    assert!(!older.contains("path:"), "{older}");
    assert_eq!(
        older.lines().count() + 1,
        csv.lines().count(),
        "only the path row differs"
    );
}
