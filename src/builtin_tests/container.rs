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

/// `count` documents made by `good`, but `bad` at index `bad_at`.
fn one_bad(count: usize, bad_at: usize, bad: &str, good: impl Fn(usize) -> String) -> Vec<String> {
    (0..count)
        .map(|i| if i == bad_at { bad.to_owned() } else { good(i) })
        .collect()
}

#[test]
fn large_files_are_parsed_on_all_cores_in_file_order() {
    // Past PARALLEL_FROM: documents padded so that 3,000 of them exceed it; one bad line.
    let pad = "x".repeat(800);
    let docs = one_bad(3000, 1234, "{\"workflow_run_id\": ", |i| {
        format!("{{\"workflow_run_id\":\"r{i:04}\",\"name\":\"{pad}\"}}")
    });
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

/// What a file's outcome says, for comparing two ways of reading it: runs (with their origin,
/// raw range and digest), problems, warnings and size.
fn summary(out: &FileOutcome) -> Vec<String> {
    let mut all: Vec<String> = out.runs.iter().map(|r| format!("{r:?}")).collect();
    all.extend(out.problems.iter().map(|p| format!("{p:?} {p}")));
    all.extend(out.warnings.iter().cloned());
    all.push(format!("{} bytes", out.bytes));
    all
}

/// [`read_open`] over `bytes` in memory, runs keeping ranges, digests on, reading chunks of
/// `chunk` bytes (the whole file at once when `chunk` is not below its size).
fn read_chunked(name: &str, bytes: &[u8], chunk: usize) -> FileOutcome {
    let builtin = crate::vendors::Registry::builtin();
    let how = How {
        forced: None,
        keep_raw: false,
        digest: true,
        scan: None,
        chunk,
    };
    let mut file = std::io::Cursor::new(bytes);
    read_open(
        Path::new(name),
        &mut file,
        bytes.len() as u64,
        builtin.adapters(),
        &how,
    )
}

/// A JSONL file of the given lines (bytes, not all UTF-8), each ended by `\n` or `\r\n`, the
/// last one maybe by nothing, the file maybe starting with a byte-order mark.
fn jsonl(lines: &[(Vec<u8>, bool)], bom: bool, last_ended: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for (i, (line, crlf)) in lines.iter().enumerate() {
        out.extend_from_slice(line);
        if i + 1 < lines.len() || last_ended {
            out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
        }
    }
    out
}

/// One line of a generated JSONL file: good documents of two vendors, bad JSON, bad types
/// (located by pointer), numbers out of range, invalid UTF-8, blank lines, byte-order marks.
fn line_strategy() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let good = (0u32..50).prop_map(|i| {
        format!("{{\"id\": \"n{i}\", \"status\": \"completed\", \"workflow\": {{}}}}").into_bytes()
    });
    let interactly = (0u32..50, "[a-z ]{0,40}").prop_map(|(i, text)| {
        format!(
            "{{\"workflow_run_id\": \"r{i}\", \"input_output_pairs\": [{{\"run_input\": {{\"text\": \"{text}\"}}}}]}}"
        )
        .into_bytes()
    });
    let fixed = prop_oneof![
        Just(b"{\"id\": ".to_vec()),
        Just(b"not json".to_vec()),
        Just(b"[1, 2]".to_vec()),
        Just(b"{}".to_vec()),
        Just(b"".to_vec()),
        Just(b"  \t ".to_vec()),
        Just(b"\xEF\xBB\xBF{\"id\": \"b1\", \"status\": \"completed\", \"workflow\": {}}".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"{\"id\": \"u1\", \"status\": \"\xff\", \"workflow\": {}}".to_vec()),
        Just(b"{\"workflow_run\": {\"_id\": \"a\", \"workflow_run\": {\"status\": [\"done\"]}}}".to_vec()),
        Just(b"{\"workflow_run_id\": \"r\", \"input_output_pairs\": [{\"run_input\": {\"runtime_variables\": {\"input_dynamic_variables\": {\"a\": [1e400]}}}}]}".to_vec()),
        Just(b"{\"id\": \"n1\", \"status\": \"completed\", \"workflow\": {}} trailing".to_vec()),
        // A pretty printer's first line: read whole when it is the file's first line.
        Just(b"{".to_vec()),
        Just(b"[".to_vec()),
    ];
    prop_oneof![3 => good, 2 => interactly, 3 => fixed]
}

proptest::proptest! {
    #[test]
    fn chunked_jsonl_reads_as_the_whole_file(
        lines in proptest::collection::vec((line_strategy(), proptest::bool::ANY), 0..40),
        bom: bool,
        last_ended: bool,
        chunk in 1usize..200,
    ) {
        let bytes = jsonl(&lines, bom, last_ended);
        let whole = read_chunked("a.jsonl", &bytes, usize::MAX);
        let chunked = read_chunked("a.jsonl", &bytes, chunk);
        proptest::prop_assert_eq!(summary(&chunked), summary(&whole));
    }
}

#[test]
fn chunks_split_lines_anywhere_and_lines_longer_than_a_chunk_load() {
    let pad = "x".repeat(500);
    let lines: Vec<(Vec<u8>, bool)> = (0..30)
        .map(|i| {
            let line = match i {
                7 => "{\"id\": ".to_owned(),
                12 => String::new(),
                _ => format!(
                    "{{\"id\": \"n{i:02}\", \"status\": \"completed\", \"workflow\": {{}}, \"name\": \"{}\"}}",
                    &pad[..i * 17]
                ),
            };
            (line.into_bytes(), i % 3 == 0)
        })
        .collect();
    let bytes = jsonl(&lines, true, false);
    let whole = read_chunked("a.jsonl", &bytes, usize::MAX);
    assert_eq!(whole.runs.len(), 28);
    assert_eq!(whole.problems.len(), 1);
    assert_eq!(whole.problems[0].line, Some(8));
    assert!(whole.runs.iter().all(|r| r.raw_digest.is_some()));
    for chunk in [1, 2, 3, 50, 64, 333, 4096, bytes.len() - 1] {
        let chunked = read_chunked("a.jsonl", &bytes, chunk);
        assert_eq!(summary(&chunked), summary(&whole), "chunk {chunk}");
    }
}

/// Reads its bytes, then fails.
struct FailsAfter<'a>(&'a [u8]);

impl std::io::Read for FailsAfter<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("disk gone"));
        }
        let n = out.len().min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_in_the_middle_of_a_chunked_file_keeps_the_lines_before() {
    let doc =
        |i: usize| format!("{{\"id\": \"n{i}\", \"status\": \"completed\", \"workflow\": {{}}}}\n");
    let text: String = (0..10).map(doc).collect();
    // The error comes in the middle of the fifth line.
    let cut = doc(0).len() * 4 + 10;
    let builtin = crate::vendors::Registry::builtin();
    let how = How {
        forced: None,
        keep_raw: false,
        digest: false,
        scan: None,
        chunk: 16,
    };
    let out = read_open(
        Path::new("a.jsonl"),
        &mut FailsAfter(&text.as_bytes()[..cut]),
        text.len() as u64,
        builtin.adapters(),
        &how,
    );
    assert_eq!(ids(&out), ["n0", "n1", "n2", "n3"]);
    assert_eq!(out.problems.len(), 1);
    let shown = out.problems[0].to_string();
    assert_eq!(
        shown,
        format!(
            "a.jsonl: (document): cannot read the file after byte {}: disk gone",
            doc(0).len() * 4
        )
    );
}

#[test]
fn a_large_jsonl_file_on_disk_is_read_in_chunks_as_it_would_be_whole() {
    // Past CHUNK, so read_file streams it; the same bytes in memory are read whole.
    let pad = "y".repeat(900);
    let text: String = one_bad(2 * CHUNK / 900, 777, "{oops\r\n", |i| {
        format!("{{\"id\": \"n{i}\", \"status\": \"completed\", \"workflow\": {{}}, \"name\": \"{pad}\"}}\n")
    })
    .concat();
    assert!(text.len() > CHUNK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    std::fs::write(&path, &text).unwrap();
    let builtin = crate::vendors::Registry::builtin();
    let streamed = read_file(&path, builtin.adapters(), None, false, true);
    let how = How {
        forced: None,
        keep_raw: false,
        digest: true,
        scan: None,
        chunk: usize::MAX,
    };
    let whole = read_open(
        &path,
        &mut std::io::Cursor::new(text.as_bytes()),
        text.len() as u64,
        builtin.adapters(),
        &how,
    );
    assert_eq!(streamed.runs.len(), 2 * CHUNK / 900 - 1);
    assert_eq!(streamed.problems[0].line, Some(778));
    assert_eq!(summary(&streamed), summary(&whole));
}
