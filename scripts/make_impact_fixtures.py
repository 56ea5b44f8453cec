#!/usr/bin/env python3
"""Writes tests/data/impact/: recorded cases of the "Patient intake" workflow and candidate
configs for `reprise impact`, each candidate a small, reviewable edit of the recorded config.

The cases come from fixtures/interactly/ (workflow 69a5ab8d27542b571e6ab925). Their recorded
config has no expression condition, so every case is first re-stated on a config in which
"Extract intake" leaves by two expression edges instead of its direct edge
(`[[urgency]] != 'urgent'` to "Confirm details", `[[urgency]] == 'urgent'` to "Emergency"),
and the recorded `direct_edge` event becomes the matching `conditional_edge`. One more case is
derived from 01: the caller ends the call at turn 2 ("Collect reason" -> "Goodbye").

`workflow_config.nodes`/`edges` hold the editor's own ids, not the logical ids; the walk reads
`node_configs`/`edge_configs`, so the edits leave those two lists alone.

Run from the repository root: python3 scripts/make_impact_fixtures.py
"""

import copy
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "fixtures", "interactly")
OUT = os.path.join(ROOT, "tests", "data", "impact")
WORKFLOW = "69a5ab8d27542b571e6ab925"

CASES = {
    "01-full.json": "01-intake-completed-pass.json",
    "03-failed.json": "03-intake-failed.json",
    "04-looping.json": "04-intake-aborted-looping.json",
    "05-waiting.json": "05-intake-waiting.json",
}

TO_CONFIRM = "edge_impact-extract-to-confirm"
TO_EMERGENCY = "edge_impact-extract-to-emergency"


def load(name):
    with open(os.path.join(SRC, name)) as f:
        return json.load(f)


def run_of(doc):
    return doc["workflow_run"]["workflow_run"]


def node_id(cfg, name):
    return next(n["logical_id"] for n in cfg["node_configs"] if n["name"] == name)


def edge(cfg, name):
    return next(e for e in cfg["edge_configs"] if e["name"] == name)


def with_expressions(cfg):
    """The recorded config: Extract intake leaves by two expression edges."""
    cfg = copy.deepcopy(cfg)
    extract, confirm, emergency = (
        node_id(cfg, n) for n in ("Extract intake", "Confirm details", "Emergency")
    )
    direct = edge(cfg, "Extract intake -> Confirm details")
    cfg["edge_configs"].remove(direct)

    def cond(logical_id, name, dest, expression):
        e = {k: direct[k] for k in ("description", "workflow_id", "version_number", "disabled", "miscellaneous")}
        e.update(
            logical_id=logical_id,
            name=name,
            source_node_logical_id=extract,
            destination_node_logical_id=dest,
            condition={
                "condition_freeform": None,
                "condition_expression": expression,
                "args_schema": None,
                "static_messages_config": None,
                "dynamic_messages_config": None,
            },
            evaluate_while_waiting_config=None,
            type="conditional",
        )
        return e

    for e in (
        cond(TO_EMERGENCY, "Extract intake -> Emergency", emergency, "[[urgency]] == 'urgent'"),
        cond(TO_CONFIRM, "Extract intake -> Confirm details", confirm, "[[urgency]] != 'urgent'"),
    ):
        cfg["edge_configs"].append(e)
    return cfg


def restate(doc, cfg):
    """The case recorded on `cfg`: its Extract intake direct edges become conditional."""
    doc = copy.deepcopy(doc)
    run = run_of(doc)
    run["workflow_config_fully_hydrated"] = cfg
    for pair in run["input_output_pairs"]:
        for ev in pair["run_output"].get("events", []):
            if ev["type"] == "direct_edge" and ev["source_node_name"] == "Extract intake":
                ev["type"] = "conditional_edge"
                ev["edge_name"] = "Extract intake -> Confirm details"
                ev["edge_logical_id"] = TO_CONFIRM
    return doc


def wrong_number(doc):
    """From 01: at turn 2 the caller ends the call, and Collect reason goes to Goodbye."""
    doc = copy.deepcopy(doc)
    run = run_of(doc)
    pairs = run["input_output_pairs"]
    turn2, turn3 = pairs[1], pairs[2]
    events = turn2["run_output"]["events"]
    cut = next(i for i, e in enumerate(events) if e["type"] == "conditional_edge")
    kept = events[: cut + 1]
    goodbye = kept[-1]
    goodbye_node = next(e for e in turn3["run_output"]["events"] if e.get("origin_node_name") == "Goodbye")
    goodbye["edge_name"] = "Collect reason -> Goodbye"
    goodbye["destination_node_logical_id"] = goodbye_node["origin_node_logical_id"]
    goodbye["destination_node_name"] = "Goodbye"
    for e in kept:
        if e["type"] == "user_messages":
            e["messages"][0]["content"] = "Sorry, wrong number."
    start = next(i for i, e in enumerate(turn3["run_output"]["events"]) if e["type"] == "start_node_run" and e["origin_node_name"] == "Goodbye")
    kept += turn3["run_output"]["events"][start:]
    turn2["run_output"]["events"] = kept
    turn2["run_output"]["thread_to_node_outputs"] = turn3["run_output"]["thread_to_node_outputs"]
    for msg in turn2["run_input"]["thread_to_node_inputs"]["0"]["node_run_inputs"]:
        for m in msg.get("messages", []):
            m["content"] = "Sorry, wrong number."
    del pairs[2]
    doc["workflow_run"]["_id"] = "69a5e0000000000000000e01"
    run["workflow_run_id"] = "69a5e0000000000000000e01"
    run["logical_id"] = "run_impact-wrong-number"
    run["evaluation_run_info"] = None
    return doc


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=False)
        f.write("\n")


def main():
    base_doc = load("01-intake-completed-pass.json")
    recorded = with_expressions(run_of(base_doc)["workflow_config_fully_hydrated"])
    for out, src in CASES.items():
        doc = load(src)
        run = run_of(doc)
        assert run["workflow_id"] == WORKFLOW, src
        doc = restate(doc, recorded)
        # Evaluation runs are not part of this corpus: drop the link so no warning is raised.
        run_of(doc)["evaluation_run_info"] = None
        write(os.path.join(OUT, "cases", out), doc)
    write(os.path.join(OUT, "cases", "06-wrong-number.json"), wrong_number(restate(base_doc, recorded)))

    def candidate(name, edit):
        cfg = copy.deepcopy(recorded)
        edit(cfg)
        write(os.path.join(OUT, "candidates", name), cfg)

    # 1. Nothing changes.
    candidate("same.json", lambda cfg: None)

    # 2. The prompt of Confirm details (reached at turn 2 by every case past Extract intake).
    def prompt(cfg):
        n = next(n for n in cfg["node_configs"] if n["name"] == "Confirm details")
        n["main_response_config"]["prompt"] += " Always repeat the appointment time twice."
    candidate("prompt.json", prompt)

    # 3a. Disable the expression edge Extract intake -> Confirm details.
    candidate("disable-edge.json", lambda cfg: edge(cfg, "Extract intake -> Confirm details").update(disabled=True))

    # 3b. Remove the node Goodbye and the edges into it.
    def remove_goodbye(cfg):
        gid = node_id(cfg, "Goodbye")
        cfg["node_configs"] = [n for n in cfg["node_configs"] if n["logical_id"] != gid]
        gone = [e["logical_id"] for e in cfg["edge_configs"] if gid in (e["source_node_logical_id"], e["destination_node_logical_id"])]
        cfg["edge_configs"] = [e for e in cfg["edge_configs"] if e["logical_id"] not in gone]
    candidate("remove-node.json", remove_goodbye)

    # 4. The expression conditions: a 'soon' urgency now goes to Emergency.
    def expression(cfg):
        next(e for e in cfg["edge_configs"] if e["logical_id"] == TO_EMERGENCY)["condition"]["condition_expression"] = "[[urgency]] == 'urgent' OR [[urgency]] == 'soon'"
        next(e for e in cfg["edge_configs"] if e["logical_id"] == TO_CONFIRM)["condition"]["condition_expression"] = "[[urgency]] == 'routine'"
    candidate("expression.json", expression)

    # 5. An unreachable node: no edge leads to it.
    def unreachable(cfg):
        n = copy.deepcopy(next(n for n in cfg["node_configs"] if n["name"] == "Goodbye"))
        n.update(logical_id="node_impact-survey", name="Survey", is_start=False, global_node_config=None)
        n["static_messages_config"]["static_messages"] = ["Would you rate this call from 1 to 5?"]
        cfg["node_configs"].append(n)
    candidate("unreachable.json", unreachable)

    # 6a. A global node: offered by an LLM at every node.
    def global_node(cfg):
        n = copy.deepcopy(next(n for n in cfg["node_configs"] if n["name"] == "Emergency"))
        n.update(logical_id="node_impact-handoff", name="Human handoff", is_start=False)
        n["global_node_config"] = {
            "is_global": True,
            "condition": {"condition_freeform": "The caller asks for a human.", "condition_expression": None, "args_schema": None, "static_messages_config": None, "dynamic_messages_config": None},
            "global_condition_edge_evaluation_method": "workflow_default",
            "reverse_conditional_edge": None,
        }
        cfg["node_configs"].append(n)
    candidate("global-node.json", global_node)

    # 6b. Confirm details wrapped in a super node; its edges now lead to and from the wrapper.
    def super_node(cfg):
        cid = node_id(cfg, "Confirm details")
        inner = next(n for n in cfg["node_configs"] if n["logical_id"] == cid)
        cfg["node_configs"].remove(inner)
        wrapper = {
            "logical_id": "node_impact-confirmation",
            "name": "Confirmation",
            "description": "Confirms the visit (wraps Confirm details).",
            "workflow_id": WORKFLOW,
            "version_number": 1,
            "disabled": False,
            "miscellaneous": {},
            "is_start": False,
            "is_guardrail_node": False,
            "global_node_config": None,
            "self_loop_config": None,
            "type": "super_node",
            "super_workflow_id": "69a5e0000000000000000f01",
            "super_workflow_version_number": 1,
            "field_values": {},
            "encapsulated_workflow_config": {"workflow_config": None, "node_configs": [inner], "edge_configs": []},
        }
        cfg["node_configs"].append(wrapper)
        for e in cfg["edge_configs"]:
            if e["source_node_logical_id"] == cid:
                e["source_node_logical_id"] = wrapper["logical_id"]
            if e["destination_node_logical_id"] == cid:
                e["destination_node_logical_id"] = wrapper["logical_id"]
    candidate("super-node.json", super_node)


if __name__ == "__main__":
    main()
