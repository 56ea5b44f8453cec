use std::path::Path;
use std::sync::Arc;

use crate::formats::container::*;

fn read(name: &str, text: &str) -> FileOutcome {
    let builtin = crate::vendors::Registry::builtin();
    read_bytes(
        Path::new(name),
        Arc::from(text.as_bytes()),
        builtin.adapters(),
        None,
        true,
    )
}

fn ids(out: &FileOutcome) -> Vec<&str> {
    out.runs.iter().map(|r| r.run_id.as_str()).collect()
}

#[test]
fn large_files_are_parsed_on_all_cores_in_file_order() {
    // Past PARALLEL_FROM: documents padded so that 3,000 of them exceed it; one bad line.
    let pad = "x".repeat(800);
    let docs: Vec<String> = (0..3000)
        .map(|i| {
            if i == 1234 {
                "{\"workflow_run_id\": ".to_owned()
            } else {
                format!("{{\"workflow_run_id\":\"r{i:04}\",\"name\":\"{pad}\"}}")
            }
        })
        .collect();
    let jsonl = docs.join("\n");
    assert!(jsonl.len() >= PARALLEL_FROM);
    let out = read("big.jsonl", &jsonl);
    let want: Vec<String> = (0..3000)
        .filter(|&i| i != 1234)
        .map(|i| format!("r{i:04}"))
        .collect();
    assert_eq!(ids(&out), want);
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].line, Some(1235));
    let lines: Vec<Option<usize>> = out.runs.iter().map(|r| r.origin.line).collect();
    assert_eq!(lines[1234], Some(1236));
    // The same documents as one array: element indexes kept.
    let good: Vec<&String> = docs.iter().filter(|d| d.ends_with('}')).collect();
    let array = format!(
        "[{}]",
        good.iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let out = read("big.json", &array);
    assert_eq!(ids(&out), want);
    assert_eq!(out.runs[2998].origin.index, Some(2998));
}

#[test]
fn a_pretty_printed_array_in_a_jsonl_file_is_read_with_one_warning() {
    let text = "\u{feff}[\n  {\"id\": \"n1\", \"status\": \"completed\", \"workflow\": {}},\n  {\"id\": \"n2\", \"status\": \"failed\", \"workflow\": {}}\n]\n";
    let out = read("a.jsonl", text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(ids(&out), ["n1", "n2"]);
    assert_eq!(out.warnings, [ONE_DOCUMENT]);
    // Each run's raw document is its element, found after the byte-order mark.
    let raw = out.runs[1].raw.bytes().unwrap();
    assert!(raw.starts_with(b"{\"id\": \"n2\""), "{raw:?}");
}

#[test]
fn good_jsonl_gets_no_warning_and_a_byte_order_mark_alone_is_an_empty_file() {
    let line = "{\"id\": \"n1\", \"status\": \"completed\", \"workflow\": {}}";
    let out = read(
        "a.jsonl",
        &format!("{line}\n\u{feff}{}\n", line.replace("n1", "n2")),
    );
    assert_eq!((ids(&out), out.warnings.len()), (vec!["n1", "n2"], 0));
    let out = read("a.json", "\u{feff}  \n");
    assert_eq!(out.problems.len(), 1);
    assert!(out.problems[0].message.starts_with("empty file"));
}
