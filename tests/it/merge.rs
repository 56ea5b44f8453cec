//! `reprise report merge` of shards against the whole run, over a synthetic corpus: every
//! file of the merged folder must say what the whole run's says. Only what must differ is
//! masked: start and end times, the shard and the git commit (manifest.json, report.html),
//! and the journal's line order (finish order).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::{self, files, output};

const CASES: &str = "60";
const SHARDS: usize = 3;

/// `reprise ARGS` with `$CI` unset (so `--update-snapshots auto` does not decide), its exit code.
fn reprise(args: &[&std::ffi::OsStr]) -> i32 {
    let out = output(common::reprise_outside().env_remove("CI").args(args));
    assert!(
        matches!(out.code, Some(0 | 1)),
        "{args:?}: {:?}\n{}",
        out.code,
        out.stderr
    );
    out.code.unwrap_or(-1)
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// Runs the corpus whole into `dir/whole` and as [`SHARDS`] shards merged into `dir/merged`,
/// all with `--check` against `snaps`; the whole run's exit code.
fn whole_and_merged(corpus: &Path, snaps: &Path, dir: &Path) -> i32 {
    let run = |out: &Path, shard: Option<String>| {
        let mut args = vec![
            os("run"),
            corpus.as_os_str(),
            os("--out"),
            out.as_os_str(),
            os("--snapshots"),
            snaps.as_os_str(),
            os("--check"),
            os("--no-progress"),
        ];
        let shard = shard.map(std::ffi::OsString::from);
        if let Some(k) = &shard {
            args.extend([os("--shard"), k.as_os_str()]);
        }
        reprise(&args)
    };
    let code = run(&dir.join("whole"), None);
    let shards: Vec<PathBuf> = (1..=SHARDS)
        .map(|k| {
            let out = dir.join(format!("shard-{k}"));
            run(&out, Some(format!("{k}/{SHARDS}")));
            out
        })
        .collect();
    let merged = dir.join("merged");
    let mut args = vec![os("report"), os("merge"), os("--out"), merged.as_os_str()];
    args.extend(shards.iter().map(|s| s.as_os_str()));
    assert_eq!(reprise(&args), 0);
    code
}

/// The file as compared: times, shard and git commit masked; the journal's lines sorted.
fn masked(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    if path.ends_with("journal.jsonl") {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        return lines.join("\n");
    }
    let re =
        regex::Regex::new(r#""(started_at|ended_at|git_sha|shard)": ?("[^"]*"|null)"#).unwrap();
    re.replace_all(&text, "\"$1\":X").into_owned()
}

/// Asserts that `a` and `b` hold the same files with the same (masked) content, naming the
/// first differing line of each file that differs.
fn assert_same_folders(a: &Path, b: &Path) {
    let names = |d: &Path| -> BTreeSet<String> {
        files(d)
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect()
    };
    assert_eq!(names(a), names(b));
    let mut differing = Vec::new();
    for name in names(a) {
        let (x, y) = (masked(&a.join(&name)), masked(&b.join(&name)));
        if x != y {
            let (n, (l, r)) = x
                .lines()
                .chain(std::iter::repeat("<end>"))
                .zip(y.lines().chain(std::iter::repeat("<end>")))
                .enumerate()
                .find(|(_, (l, r))| l != r)
                .unwrap_or((0, ("", "")));
            let cut = |s: &str| s.chars().take(200).collect::<String>();
            differing.push(format!(
                "{name} line {}:\n  whole:  {}\n  merged: {}",
                n + 1,
                cut(l),
                cut(r)
            ));
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn a_run_split_into_shards_and_merged_writes_the_whole_runs_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let synth = [
        os("synth"),
        os("--runs"),
        os(CASES),
        os("--seed"),
        os("1"),
        os("--out"),
    ];
    let mut args = synth.to_vec();
    args.push(corpus.as_os_str());
    assert_eq!(reprise(&args), 0);

    // Every snapshot new (`--check` against an empty folder): summary.md lists each with its
    // diff, report.html keeps every transcript.
    let empty = tmp.path().join("no-snapshots");
    let new = tmp.path().join("new");
    assert_eq!(whole_and_merged(&corpus, &empty, &new), 1);
    let md = std::fs::read_to_string(new.join("whole/summary.md")).unwrap();
    assert!(md.contains(&format!("| 0 | {CASES} | 0 |")), "{md}");
    assert_same_folders(&new.join("whole"), &new.join("merged"));

    // Snapshots written, one of them then changed: every other case matches.
    let snaps = tmp.path().join("snapshots");
    let prep = tmp.path().join("prep");
    let mut args = vec![os("run"), corpus.as_os_str(), os("--out"), prep.as_os_str()];
    args.extend([os("--snapshots"), snaps.as_os_str(), os("--no-progress")]);
    args.extend([os("--update-snapshots"), os("always")]);
    assert_eq!(reprise(&args), 0);
    let snap = common::files_ending(&snaps, ".snap")[7].clone();
    let text = std::fs::read_to_string(&snap).unwrap();
    std::fs::write(&snap, text.replacen("status:", "status: edited\nwas:", 1)).unwrap();
    let checked = tmp.path().join("checked");
    assert_eq!(whole_and_merged(&corpus, &snaps, &checked), 1);
    let md = std::fs::read_to_string(checked.join("whole/summary.md")).unwrap();
    assert!(
        md.contains("| 1 | 0 | 0 |") && md.contains("(changed)"),
        "{md}"
    );
    assert_same_folders(&checked.join("whole"), &checked.join("merged"));
}
