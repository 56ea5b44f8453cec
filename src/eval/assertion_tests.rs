//! Every assertion kind, passing and failing, on fixture runs, parsed from TOML as users
//! write them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::corpus::{Corpus, LoadOptions};
use crate::eval::spec::EvaluationSection;
use crate::model::Run;

fn run(file: &str) -> Arc<Run> {
    let c = Corpus::load(&[PathBuf::from(file)], &LoadOptions::default());
    let first = c.cases().next().cloned().unwrap();
    first
}

/// Checks one `[[evaluation.assertions]]` body (without `workflows`) against a run.
fn check(body: &str, run: &Run) -> Result<(), String> {
    let wf = run.workflow_id.clone().unwrap_or_default();
    let text = format!("[[assertions]]\nworkflows = [\"{wf}\"]\n{body}\n");
    let section: EvaluationSection = toml::from_str(&text).unwrap();
    section.assertions[0].check.assertion().check(run)
}

#[test]
fn every_kind_passes_and_fails() {
    let intake = run("fixtures/interactly/01-intake-completed-pass.json");
    let tools = run("fixtures/interactly/08-lookup-tools-pii.json");
    let cortex = run("fixtures/cortex/single-run.json");
    let ok = |body: &str, r: &Run| assert_eq!(check(body, r), Ok(()), "{body}");
    let bad = |body: &str, r: &Run| -> String { check(body, r).expect_err(body) };

    ok(
        "kind = \"status\"\nstatus = [\"completed\", \"failed\"]",
        &intake,
    );
    assert!(bad("kind = \"status\"\nstatus = \"failed\"", &intake).contains("`completed`"));

    ok("kind = \"contains\"\ntext = \"you're booked\"", &intake);
    ok(
        "kind = \"contains\"\ntext = \"TAKE CARE\"\nturn = \"last\"\nignore_case = true",
        &intake,
    );
    assert!(bad(
        "kind = \"contains\"\ntext = \"sore throat\"\nturn = \"last\"",
        &intake
    )
    .contains("the last turn"));
    ok("kind = \"not_contains\"\ntext = \"dial 911\"", &intake);
    bad("kind = \"not_contains\"\ntext = \"Maple Street\"", &intake);
    ok("kind = \"regex\"\npattern = \"booked\\\\.$\"", &intake);
    bad("kind = \"regex\"\npattern = \"^Goodbye\"", &intake);

    ok(
        "kind = \"tool_called\"\ntool = \"lookup_appointment\"",
        &tools,
    );
    ok(
        "kind = \"tool_called\"\ntool = \"lookup_appointment\"\nargs = { patient_id = \"P-1001\" }",
        &tools,
    );
    assert!(bad(
        "kind = \"tool_called\"\ntool = \"lookup_appointment\"\nargs = { patient_id = \"P-2\" }",
        &tools
    )
    .contains("never with the expected arguments"));
    // An edge choice is not a tool.
    bad(
        "kind = \"tool_called\"\ntool = \"Destination_Node_Goodbye\"",
        &tools,
    );

    ok("kind = \"node_visited\"\nnode = \"Goodbye\"", &tools);
    ok(
        "kind = \"node_visited\"\nnode = \"node_178af895-580e-418e-8733-acf25b5766a7\"",
        &tools,
    );
    bad("kind = \"node_visited\"\nnode = \"Emergency\"", &intake);

    ok("kind = \"turn_count\"\nmin = 3\nmax = 3", &intake);
    assert_eq!(
        bad("kind = \"turn_count\"\nmax = 2", &intake),
        "3 turns, expected ..=2"
    );

    ok("kind = \"max_tokens\"\nmax = 3279", &intake);
    assert_eq!(
        bad("kind = \"max_tokens\"\nmax = 3278", &intake),
        "3279 tokens, limit 3278"
    );

    ok(
        "kind = \"max_latency\"\ntotal_max_ms = 4717\ncall_max_ms = 5000",
        &intake,
    );
    bad("kind = \"max_latency\"\ntotal_max_ms = 4716", &intake);
    bad("kind = \"max_latency\"\ncall_max_ms = 100", &intake);

    let schema = "kind = \"json_schema\"\nnode = \"worker_llm\"\nschema = { type = \"object\", required = [\"urgency\"], properties = { urgency = { enum = [\"routine\", \"soon\", \"urgent\"] } } }";
    ok(schema, &intake);
    let strict = "kind = \"json_schema\"\nnode = \"worker_llm\"\nschema = { type = \"object\", required = [\"insurance\"] }";
    let why = bad(strict, &intake);
    assert!(!why.contains("sore throat"), "never quotes the run: {why}");
    ok(
        "kind = \"json_schema\"\nschema = { type = \"object\", required = [\"review\"] }",
        &cortex,
    );
    bad(
        "kind = \"json_schema\"\nnode = \"nope\"\nschema = { type = \"object\" }",
        &intake,
    );
}

#[test]
fn assertions_apply_only_to_the_workflows_they_name() {
    let section: EvaluationSection =
        toml::from_str("[[assertions]]\nworkflows = [\"wf-a\"]\nkind = \"max_tokens\"\nmax = 1\n")
            .unwrap();
    let intake = run("fixtures/interactly/01-intake-completed-pass.json");
    let (judged, failures) = crate::eval::check_assertions(
        &section.assertions,
        &intake,
        &crate::redact::Redactor::default(),
    );
    assert!(!judged && failures.is_empty());
    assert!(toml::from_str::<EvaluationSection>(
        "[[assertions]]\nworkflows = []\nkind = \"json_schema\"\nschema = { type = 3 }\n"
    )
    .is_err());
}
