//! `report.html` in a real browser: headless Chromium opens the page of the fixtures' run and
//! of a compare (`--dump-dom` gives the DOM after the page's script ran; the view is chosen
//! by the URL hash, as a reader's link would), and a screenshot is decoded.
//!
//! Without Chromium the test is skipped, except under CI (env `CI` set), where it fails:
//! `.ci/run` installs Chromium from Debian.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

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

struct Browser {
    exe: PathBuf,
    profile: tempfile::TempDir,
}

/// What Chromium gave back: the DOM and its log (console messages are `CONSOLE` lines).
struct Page {
    dom: String,
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

    fn open(&self, file: &Path, hash: &str) -> Page {
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
    fn texts(&self, attr: &str, value: &str) -> Vec<String> {
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

    /// The `data-run-id`s of the rows inside the element `<table id="{table}">`.
    fn row_ids(&self, table: &str) -> Vec<String> {
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
    let Some(exe) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is missing under CI (.ci/run installs it from Debian)"
        );
        eprintln!("skipped: no chromium on PATH (set REPRISE_CHROMIUM)");
        return;
    };
    let browser = Browser {
        exe,
        profile: tempfile::tempdir().unwrap(),
    };
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
    let diff = &page.dom[diff_start..diff_start + page.dom[diff_start..].find("</pre>").unwrap()];
    assert!(
        diff.contains(r#"<span class="del">-status: still-running"#),
        "{diff}"
    );
    assert!(
        diff.contains(&format!(r#"<span class="add">+{old_line}"#)),
        "{diff}"
    );
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
    let cmp_dir = tmp.path().join("cmp");
    let out = reprise()
        .arg("compare")
        .arg(&base_dir)
        .arg(&run_dir)
        .arg("--out")
        .arg(&cmp_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    // A flipped case side by side: baseline pass, candidate fail with its reasons.
    let first = failed.iter().next().unwrap();
    let page = browser.open(&html, &format!("case={first}"));
    assert!(page.dom.contains("baseline: pass"), "no side-by-side view");
    assert!(page.dom.contains("candidate: fail"));
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

    // History: two entries, then a merge whose page draws the trend.
    let history = tmp.path().join("history.jsonl");
    for dir in [&base_dir, &run_dir] {
        if !dir.join("manifest.json").exists() {
            std::fs::copy(run_dir.join("manifest.json"), dir.join("manifest.json")).unwrap();
        }
        let out = reprise()
            .args(["history", "append"])
            .arg(dir)
            .arg("--to")
            .arg(&history)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let shown = reprise()
        .args(["history", "show"])
        .arg(&history)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(table.lines().count(), 3, "{table}");
    let merged = tmp.path().join("merged");
    let out = reprise()
        .args(["report", "merge"])
        .arg(&run_dir)
        .arg("--out")
        .arg(&merged)
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = browser.open(&merged.join("report.html"), "tab=history");
    let chart = page
        .dom
        .find(r#"id="history-chart""#)
        .expect("a trend chart");
    let chart = &page.dom[chart..chart + page.dom[chart..].find("</svg>").unwrap()];
    assert_eq!(chart.matches("<circle").count(), 2, "{chart}");
}
