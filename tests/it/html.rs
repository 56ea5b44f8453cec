//! `report.html` in a real browser: headless Chromium opens the page of the fixtures' run and
//! of a compare (`--dump-dom` gives the DOM after the page's script ran; the view is chosen
//! by the URL hash, as a reader's link would), and a screenshot is decoded.
//!
//! Without Chromium the test is skipped, except under CI (env `CI` set), where it fails:
//! `.ci/run` installs Chromium from Debian.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as BinCommand;

use crate::common::{reprise, table};

/// The browser, if installed.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REPRISE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub(crate) struct Browser {
    exe: PathBuf,
    profile: tempfile::TempDir,
}

/// What Chromium gave back: the DOM and its log (console messages are `CONSOLE` lines).
pub(crate) struct Page {
    pub(crate) dom: String,
    log: String,
}

impl Browser {
    fn command(&self) -> Command {
        let mut c = Command::new(&self.exe);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", self.profile.path().display()));
        c
    }

    pub(crate) fn open(&self, file: &Path, hash: &str) -> Page {
        let out = self
            .command()
            .arg("--dump-dom")
            .arg(format!("file://{}#{hash}", file.display()))
            .output()
            .expect("chromium runs");
        let page = Page {
            dom: String::from_utf8_lossy(&out.stdout).into_owned(),
            log: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(out.status.success(), "chromium failed: {}", page.log);
        page.assert_clean(file, hash);
        page
    }

    /// Saves a screenshot and checks it shows more than one colour.
    fn screenshot(&self, file: &Path, png: &Path) {
        let out = self
            .command()
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", file.display()))
            .output()
            .expect("chromium runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(png).expect("screenshot written"),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let px = info.color_type.samples();
        assert!(info.width >= 800 && px >= 3, "{info:?}");
        let colours: BTreeSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
        assert!(
            colours.len() > 10,
            "{}: a blank screenshot ({} colours)",
            png.display(),
            colours.len()
        );
    }
}

impl Page {
    fn assert_clean(&self, file: &Path, hash: &str) {
        let console: Vec<&str> = self.log.lines().filter(|l| l.contains("CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{}#{hash}: console: {console:#?}",
            file.display()
        );
        assert!(
            !self.dom.contains(r#"class="page-error""#),
            "{}#{hash}: the page reported an error",
            file.display()
        );
        assert!(
            self.dom.contains(r#"data-rendered="1""#),
            "{hash}: not rendered"
        );
    }

    /// The text of every element with `attr="value"`.
    pub(crate) fn texts(&self, attr: &str, value: &str) -> Vec<String> {
        let needle = format!(r#"{attr}="{value}""#);
        let mut out = Vec::new();
        let mut rest = self.dom.as_str();
        while let Some(i) = rest.find(&needle) {
            rest = &rest[i + needle.len()..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest[start..].find('<').unwrap();
            out.push(rest[start..start + end].to_owned());
        }
        out
    }

    /// The markup of the `<div id="{id}">` (up to its closing tag, nested divs included).
    pub(crate) fn element(&self, id: &str) -> &str {
        let start = self
            .dom
            .find(&format!(r#"<div id="{id}">"#))
            .unwrap_or_else(|| panic!("no element {id}"));
        let mut depth = 0;
        let mut at = start;
        loop {
            let open = self.dom[at + 1..].find("<div").map(|i| i + at + 1);
            let close = at + 1 + self.dom[at + 1..].find("</div>").expect("closed");
            match open {
                Some(o) if o < close => {
                    depth += 1;
                    at = o;
                }
                _ if depth == 0 => return &self.dom[start..close],
                _ => {
                    depth -= 1;
                    at = close;
                }
            }
        }
    }

    /// The `data-run-id`s of the rows inside the element `<table id="{table}">`.
    pub(crate) fn row_ids(&self, table: &str) -> Vec<String> {
        let start = self
            .dom
            .find(&format!(r#"<table id="{table}">"#))
            .unwrap_or_else(|| panic!("no table {table}"));
        let end = start + self.dom[start..].find("</table>").unwrap();
        let part = &self.dom[start..end];
        part.split(r#"data-run-id=""#)
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_owned())
            .collect()
    }
}

/// Runs `cmd`, asserting it succeeded (its stderr shown when not).
fn succeed(cmd: &mut BinCommand) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Copies the fixtures' snapshots into `dir` and changes one line of one of them; returns
/// the run id of that case, the line changed and the number of turns of its transcript.
fn snapshots_with_one_change(dir: &Path) -> (String, String, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut changed = None;
    for f in crate::common::files_ending(&root, ".snap") {
        let to = dir.join(f.strip_prefix(&root).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        let is_target = changed.is_none() && text.contains("\nstatus: completed\n");
        let text = if is_target {
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("expression: "))
                .and_then(|e| e.split(' ').next_back())
                .unwrap()
                .to_owned();
            let turns = text.matches("\n- turn: ").count();
            changed = Some((id, "status: completed".to_owned(), turns));
            text.replacen("\nstatus: completed\n", "\nstatus: still-running\n", 1)
        } else {
            text
        };
        std::fs::write(&to, text).unwrap();
    }
    changed.expect("a fixture snapshot with status completed")
}

#[test]
fn report_html_in_headless_chromium() {
    let Some(browser) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let snaps = tmp.path().join("snapshots");
    let (changed_id, old_line, turns) = snapshots_with_one_change(&snaps);

    // The fixtures' run, with one snapshot changed.
    let run_dir = tmp.path().join("run");
    reprise()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "fixtures", "--no-progress", "--retries", "0"])
        .args(["--update-snapshots", "no", "--snapshots"])
        .arg(&snaps)
        .arg("--out")
        .arg(&run_dir)
        .output()
        .unwrap();
    let html = run_dir.join("report.html");
    let (_, runs) = table(&run_dir.join("runs.csv"));
    assert_eq!(runs[&changed_id]["snapshot"], "changed");

    // Overview: every number of summary.csv, as summary.csv spells it.
    let page = browser.open(&html, "");
    let (header, summary) = table(&run_dir.join("summary.csv"));
    let values = summary.values().next().unwrap();
    for h in &header {
        let shown = page.texts("data-metric", h);
        assert!(!shown.is_empty(), "overview lacks {h}");
        let want = if values[h].is_empty() {
            "–"
        } else {
            &values[h]
        };
        for s in shown {
            assert_eq!(s, want, "overview {h}");
        }
    }

    // Filtering by `fail` shows exactly the failed run ids.
    let failed: BTreeSet<String> = runs
        .iter()
        .filter(|(_, r)| r["verdict"] == "fail")
        .map(|(id, _)| id.clone())
        .collect();
    assert!(!failed.is_empty(), "the fixtures have failures");
    let page = browser.open(&html, "tab=cases&verdict=fail");
    let shown: BTreeSet<String> = page.row_ids("cases").into_iter().collect();
    assert_eq!(shown, failed);
    assert_eq!(page.texts("data-count", &failed.len().to_string()).len(), 1);
    // Sorting and other filters draw too.
    let page = browser.open(&html, "tab=cases&snapshot=changed&sort=total_tokens&desc=1");
    assert_eq!(page.row_ids("cases"), std::slice::from_ref(&changed_id));

    // The changed case's view shows its diff: the stored line removed, the new one added.
    let page = browser.open(&html, &format!("case={changed_id}"));
    let diff_start = page
        .dom
        .find(r#"id="case-diff""#)
        .expect("the case view has a diff");
    let diff = &page.dom[diff_start..diff_start + page.dom[diff_start..].find("</table>").unwrap()];
    // Side by side: the stored line on the left, the new one on the right of the same row.
    assert!(
        diff.contains(&format!(
            r#"<tr><td><span class="del">-status: still-running</span></td><td><span class="add">+{old_line}</span></td></tr>"#
        )),
        "{diff}"
    );
    assert!(diff.contains("<th>stored snapshot</th><th>new transcript</th>"));
    assert!(page.dom.contains("Transcript (redacted)"));
    // Turn by turn: one block per turn of the transcript.
    assert!(turns > 1, "the changed case has turns");
    assert_eq!(page.dom.matches(r#"<div class="turn">"#).count(), turns);
    browser.screenshot(&html, &tmp.path().join("run.png"));

    // A compare: the baseline is the same run with its failures passing and one pass failing.
    let base_dir = tmp.path().join("base");
    std::fs::create_dir_all(&base_dir).unwrap();
    std::fs::copy(run_dir.join("summary.csv"), base_dir.join("summary.csv")).unwrap();
    let mut reader = csv::Reader::from_path(run_dir.join("runs.csv")).unwrap();
    let head = reader.headers().unwrap().clone();
    let verdict_col = head.iter().position(|h| h == "verdict").unwrap();
    let mut writer = csv::Writer::from_path(base_dir.join("runs.csv")).unwrap();
    writer.write_record(&head).unwrap();
    let mut fixed = None;
    for rec in reader.records() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(str::to_owned).collect();
        if rec[verdict_col] == "fail" {
            rec[verdict_col] = "pass".into();
        } else if rec[verdict_col] == "pass" && fixed.is_none() {
            rec[verdict_col] = "fail".into();
            fixed = Some(rec[0].clone());
        }
        writer.write_record(&rec).unwrap();
    }
    writer.flush().unwrap();
    // The baseline folder keeps transcripts as a run's does: failing cases' in its journal
    // (here the first new failure's, marked to tell the sides apart), passing cases' in its
    // report.html (the fixed case's).
    let first = failed.iter().next().unwrap().clone();
    let fixed_id = fixed.clone().unwrap();
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    let mut base_journal = String::new();
    for line in journal.lines() {
        let mut row: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = row["run_id"].as_str().unwrap().to_owned();
        if failed.contains(&id) {
            row["verdict"] = "pass".into();
            row["reasons"] = serde_json::json!([]);
        }
        if id == first {
            let t = row["snapshot_text"]["transcript"].as_str().unwrap();
            row["snapshot_text"]["transcript"] = format!("{t}# BASELINE-SIDE\n").into();
        } else if let Some(o) = row.as_object_mut() {
            o.remove("snapshot_text");
        }
        if id == fixed_id {
            row["verdict"] = "fail".into();
            row["reasons"] = serde_json::json!(["baseline said no"]);
        }
        base_journal.push_str(&format!("{row}\n"));
    }
    std::fs::write(base_dir.join("journal.jsonl"), base_journal).unwrap();
    std::fs::copy(&html, base_dir.join("report.html")).unwrap();
    // An earlier entry in the history, drawn by the compare's page too.
    let history = tmp.path().join("history.jsonl");
    std::fs::copy(
        run_dir.join("manifest.json"),
        base_dir.join("manifest.json"),
    )
    .unwrap();
    succeed(
        reprise()
            .args(["history", "append"])
            .arg(&run_dir)
            .arg("--to")
            .arg(&history),
    );
    // `reprise compare` of the baseline and the run into `out`.
    let compare = |out: &Path| {
        let mut c = reprise();
        c.arg("compare")
            .arg(&base_dir)
            .arg(&run_dir)
            .arg("--out")
            .arg(out);
        c
    };
    let cmp_dir = tmp.path().join("cmp");
    succeed(compare(&cmp_dir).arg("--history").arg(&history));
    let html = cmp_dir.join("report.html");
    let page = browser.open(&html, "");
    assert_eq!(page.texts("id", "new-failures"), [failed.len().to_string()]);
    // New failures first, then the fixed case.
    let mut want: Vec<String> = failed.iter().cloned().collect();
    want.push(fixed.clone().unwrap());
    assert_eq!(page.row_ids("flips"), want);
    let p = page.texts("id", "mcnemar-p");
    assert!(
        p[0].parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p)),
        "{p:?}"
    );
    // No node paths in this comparison: the section says so.
    assert!(page.dom.contains(r#"id="paths-none""#));
    // With node paths on both sides (each folder's paths.jsonl; the baseline's with one
    // case's turn 2 starting at another node), `compare` adds a `path:` row and the page and
    // the comment list it.
    let paths = std::fs::read_to_string(run_dir.join("paths.jsonl")).unwrap();
    let mut diverged = None;
    let mut base_paths = String::new();
    for line in paths.lines() {
        let mut l: serde_json::Value = serde_json::from_str(line).unwrap();
        let turn2 = l["turns"].get(1).and_then(|t| t.get(0)).cloned();
        if let (None, Some(node)) = (&diverged, turn2) {
            diverged = Some((l["run_id"].as_str().unwrap().to_owned(), node));
            l["turns"][1][0] = "Baseline-only node".into();
        }
        base_paths.push_str(&format!("{l}\n"));
    }
    let (path_id, node) = diverged.expect("a case with a second turn in paths.jsonl");
    let node = node.as_str().unwrap().to_owned();
    std::fs::write(base_dir.join("paths.jsonl"), base_paths).unwrap();
    let with_paths = tmp.path().join("cmp-paths");
    succeed(&mut compare(&with_paths));
    let csv = std::fs::read_to_string(with_paths.join("comparison.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().filter(|l| l.starts_with("path:")).collect();
    assert_eq!(
        rows,
        [format!(
            "path:{path_id},Baseline-only node,{node},,,diverged at turn 2"
        )]
    );
    let p = browser.open(&with_paths.join("report.html"), "tab=compare");
    assert_eq!(p.row_ids("paths"), std::slice::from_ref(&path_id));
    assert!(
        p.dom.contains(&format!(
            r#"<td class="n">2</td><td>Baseline-only node</td><td>{node}</td>"#
        )),
        "paths table"
    );
    assert!(!p.dom.contains(r#"id="paths-none""#));
    let comment = std::fs::read_to_string(with_paths.join("pr-comment.md")).unwrap();
    assert!(
        comment.contains(&format!(
            "### Path divergences (1)\n\n- `{path_id}` turn 2: Baseline-only node → {node}\n"
        )),
        "{comment}"
    );
    // A flipped case side by side: baseline pass, candidate fail with its reasons, and both
    // transcripts turn by turn (the baseline's from its journal).
    let page = browser.open(&html, &format!("case={first}"));
    let (b, c) = (
        page.element("side-baseline"),
        page.element("side-candidate"),
    );
    assert!(b.contains("baseline: pass"), "{b}");
    assert!(c.contains("candidate: fail"), "{c}");
    for side in [b, c] {
        assert!(side.contains("Transcript (redacted)"), "{side}");
        assert!(side.matches(r#"<div class="turn">"#).count() >= 1, "{side}");
    }
    assert!(b.contains("# BASELINE-SIDE"), "{b}");
    assert!(!c.contains("BASELINE-SIDE"), "{c}");
    // The fixed case: the baseline's reasons, both passing-side transcripts from each
    // folder's report.html and the failing side's from the journal.
    let page = browser.open(&html, &format!("case={fixed_id}"));
    let (b, c) = (
        page.element("side-baseline"),
        page.element("side-candidate"),
    );
    assert!(
        b.contains("baseline: fail") && b.contains("baseline said no"),
        "{b}"
    );
    assert!(c.contains("candidate: pass"), "{c}");
    for side in [b, c] {
        assert!(side.contains("Transcript (redacted)"), "{side}");
        assert!(side.matches(r#"<div class="turn">"#).count() >= 1, "{side}");
    }
    // The compare's page draws the history's trend.
    let page = browser.open(&html, "tab=history");
    let chart = page
        .dom
        .find(r#"id="history-chart""#)
        .expect("a trend chart on the compare's page");
    let chart = &page.dom[chart..chart + page.dom[chart..].find("</svg>").unwrap()];
    assert_eq!(chart.matches("<circle").count(), 1, "{chart}");
    browser.screenshot(&html, &tmp.path().join("compare.png"));

    let comment = std::fs::read_to_string(cmp_dir.join("pr-comment.md")).unwrap();
    assert!(comment.starts_with("<!-- reprise:pr-comment -->\n"));
    assert!(comment.contains(&format!("### New failures ({})", failed.len())));
    for id in &failed {
        assert!(
            comment.contains(&format!("- `{id}` — ")),
            "{id} not in {comment}"
        );
    }
    let run_comment = std::fs::read_to_string(run_dir.join("pr-comment.md")).unwrap();
    assert!(run_comment.contains("**Pass rate "), "{run_comment}");

    // History: a second entry, then a merge whose page draws the trend.
    succeed(
        reprise()
            .args(["history", "append"])
            .arg(&base_dir)
            .arg("--to")
            .arg(&history),
    );
    let shown = reprise()
        .args(["history", "show"])
        .arg(&history)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(table.lines().count(), 3, "{table}");
    let merged = tmp.path().join("merged");
    succeed(
        reprise()
            .args(["report", "merge"])
            .arg(&run_dir)
            .arg("--out")
            .arg(&merged)
            .arg("--history")
            .arg(&history),
    );
    let page = browser.open(&merged.join("report.html"), "tab=history");
    let chart = page
        .dom
        .find(r#"id="history-chart""#)
        .expect("a trend chart");
    let chart = &page.dom[chart..chart + page.dom[chart..].find("</svg>").unwrap()];
    assert_eq!(chart.matches("<circle").count(), 2, "{chart}");
}

/// The browser, or `None` (skipped) when it is missing outside CI.
pub(crate) fn browser() -> Option<Browser> {
    let Some(exe) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is missing under CI (.ci/run installs it from Debian)"
        );
        eprintln!("skipped: no chromium on PATH (set REPRISE_CHROMIUM)");
        return None;
    };
    Some(Browser {
        exe,
        profile: tempfile::tempdir().unwrap(),
    })
}

/// A case with turn-by-turn evaluation (the fixture whose evaluator judged every turn, with
/// its second turn made a failure whose text names an e-mail address): its case view shows
/// each turn's result, score and the evaluator's redacted text, in a table and beside the
/// turn of the transcript.
#[test]
fn the_case_view_shows_per_turn_evaluator_results() {
    let Some(browser) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interactly/07-intake-turn-by-turn.json");
    let original = std::fs::read_to_string(fixture).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let run = &mut doc["workflow_run"]["workflow_run"];
    let id = run["workflow_run_id"].as_str().unwrap().to_owned();
    run["input_output_pairs"][1]["evaluation"] = serde_json::json!({
        "passed": false, "score": 0.25,
        "reason": "No weekday slot offered; the caller was told to write to jane.doe@example.com"
    });
    // `reprise run` of `text` as the only case, into `name`.
    let run = |name: &str, text: &str| {
        let corpus = tmp.path().join(format!("corpus-{name}"));
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join("07.json"), text).unwrap();
        let out = tmp.path().join(name);
        succeed(
            reprise()
                .arg("run")
                .arg(&corpus)
                .args(["--no-progress", "--snapshots"])
                .arg(tmp.path().join(format!("snaps-{name}")))
                .arg("--out")
                .arg(&out),
        );
        out
    };
    let out = run("out", &doc.to_string());
    let (_, runs) = table(&out.join("runs.csv"));
    assert_eq!(runs[&id]["verdict"], "fail");

    let page = browser.open(&out.join("report.html"), &format!("case={id}"));
    let start = page
        .dom
        .find(r#"<table id="turn-results">"#)
        .expect("the table");
    let table = &page.dom[start..start + page.dom[start..].find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr data-turn=").skip(1).collect();
    assert_eq!(rows.len(), 3, "{table}");
    let want = [
        (
            r#""1">"#,
            "v-pass",
            ">1<",
            "Greeting used the patient's name and clinic.",
        ),
        (
            r#""2">"#,
            "v-fail",
            ">0.25<",
            "No weekday slot offered; the caller was told to write to ",
        ),
        (
            r#""3">"#,
            "v-pass",
            ">1<",
            "Booking confirmed and call closed politely.",
        ),
    ];
    for (row, (turn, verdict, score, text)) in rows.iter().zip(want) {
        assert!(row.starts_with(turn), "{row}");
        for part in [verdict, score, text] {
            assert!(row.contains(part), "{part} not in {row}");
        }
    }
    assert!(!page.dom.contains("jane.doe@example.com"), "not redacted");
    // Beside the transcript: each turn's block says its result.
    let shown = page.texts("data-turn-result", "2");
    assert_eq!(shown.len(), 1);
    assert_eq!(page.dom.matches(r#"<div class="turn">"#).count(), 3);
    let turn2 = page.dom.find(r#"data-turn-result="2""#).unwrap();
    let line = &page.dom[turn2..turn2 + page.dom[turn2..].find("</div>").unwrap()];
    assert!(
        line.contains("evaluator: fail") && line.contains("(score 0.25)"),
        "{line}"
    );

    // A compare against the fixture as recorded (every turn passed): the flipped case's two
    // sides each show their own per-turn results beside their transcript.
    let base = run("base", &original);
    let cmp = tmp.path().join("cmp");
    succeed(
        reprise()
            .arg("compare")
            .arg(&base)
            .arg(&out)
            .arg("--out")
            .arg(&cmp),
    );
    let page = browser.open(&cmp.join("report.html"), &format!("case={id}"));
    let (b, c) = (
        page.element("side-baseline"),
        page.element("side-candidate"),
    );
    let results = |side: &str| -> Vec<String> {
        side.split(r#"data-turn-result=""#)
            .skip(1)
            .map(|r| {
                let r = &r[..r.find("</div>").unwrap()];
                let said = ["pass", "fail"]
                    .into_iter()
                    .find(|v| r.contains(&format!("evaluator: {v}")))
                    .unwrap_or("?");
                format!("{}:{said}", &r[..1])
            })
            .collect()
    };
    assert_eq!(results(b), ["1:pass", "2:pass", "3:pass"], "{b}");
    assert_eq!(results(c), ["1:pass", "2:fail", "3:pass"], "{c}");
}

/// `$GITHUB_STEP_SUMMARY` gets the PR comment's cap: a compare of 5,000 new failures (whose
/// summary.md section lists every flip) appends under GitHub's limit, after what the step
/// wrote before, cut at a line with the exact count of lines left out.
#[test]
fn step_summary_of_5000_new_failures_stays_under_githubs_limit() {
    use crate::compare::{row, write_report};
    let tmp = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..5_000).map(|i| format!("run-{i:05}")).collect();
    let rows = |v: &'static str| ids.iter().map(|id| row(id, v)).collect::<Vec<_>>();
    write_report(&tmp.path().join("base"), &rows("pass"), 800.0);
    write_report(&tmp.path().join("cand"), &rows("fail"), 800.0);
    let step = tmp.path().join("step.md");
    let earlier = "## an earlier step's summary\n";
    std::fs::write(&step, earlier).unwrap();
    let out_dir = tmp.path().join("out");
    succeed(
        reprise()
            .env("GITHUB_STEP_SUMMARY", &step)
            .arg("compare")
            .arg(tmp.path().join("base"))
            .arg(tmp.path().join("cand"))
            .arg("--out")
            .arg(&out_dir),
    );
    let text = std::fs::read_to_string(&step).unwrap();
    assert!(text.starts_with(earlier), "the earlier content is kept");
    assert!(text.chars().count() < 65_536, "{}", text.chars().count());
    let listed = text.lines().filter(|l| l.starts_with("- `run-")).count();
    assert!(listed > 100 && listed < 5_000, "{listed}");
    assert!(text.contains("Flips: 5000 new failure(s), 0 fixed."));
    // The note counts exactly the lines of the section (as summary.md has it) left out.
    let md = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    let section = md.strip_prefix("# reprise comparison\n\n").unwrap();
    let full = format!("\n{section}");
    let appended = &text[earlier.len()..];
    let note = appended.lines().last().unwrap();
    let n: usize = note
        .strip_prefix('…')
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {note}"));
    assert!(note.contains("more line(s) left out"), "{note}");
    assert_eq!(appended.lines().count() - 2 + n, full.lines().count());
    assert!(full.len() > 65_536);
}

/// A run appends its summary and then its snapshot section; on a step summary already near
/// the cap, both are reduced to their counts and the file stays under it.
#[test]
fn a_runs_appends_to_a_nearly_full_step_summary_stay_under_the_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let step = tmp.path().join("step.md");
    let earlier = "x\n".repeat(29_850);
    std::fs::write(&step, &earlier).unwrap();
    reprise()
        .env("GITHUB_STEP_SUMMARY", &step)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "fixtures", "--no-progress", "--snapshots"])
        .arg(tmp.path().join("snaps"))
        .arg("--out")
        .arg(tmp.path().join("r"))
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&step).unwrap();
    assert!(text.starts_with(&earlier));
    let added = &text[earlier.len()..];
    assert!(text.len() <= 60_000, "{}", text.len());
    assert!(!added.contains("## reprise run"), "{added}");
    let notes: Vec<&str> = added
        .lines()
        .filter(|l| l.contains("more line(s) left out"))
        .collect();
    assert_eq!(
        notes.len(),
        2,
        "one count for the summary, one for the snapshots: {added}"
    );
    let summary = std::fs::read_to_string(tmp.path().join("r/summary.md")).unwrap();
    let counted: usize = notes
        .iter()
        .map(|n| {
            n.trim_start_matches('…')
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert!(
        counted > 0 && counted <= summary.lines().count() + 2,
        "{notes:?}"
    );
}
