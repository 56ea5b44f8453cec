#!/usr/bin/env python3
"""Writes reprise's synthetic recorded-run corpus.

    python3 scripts/make_fixtures.py            # (re)writes fixtures/ and tests/data/

Outputs (all synthetic: fake names, (555) 010-xxxx phone numbers, @example.com e-mails, fake
dates of birth, the SSN-like 000-12-3456; nothing real):

  fixtures/                      the demo corpus `reprise run` replays (every case valid)
    interactly/*.json, *.jsonl   Interactly runs (GET envelope, bare WorkflowRun, execute response)
    interactly/evaluations/      their evaluator runs (is_evaluation_run = true)
    noxus/, cortex/              Noxus and Cortex runs
    README.md                    the expectations table, computed from the files written
  tests/data/
    fixtures-expected.csv        the same table as CSV (runs.csv column names where they exist)
    recordings-v2/               "Patient intake" version 2 recordings of cases 01, 02 and 07
    bad/                         one defect per file, plus good runs
    dangling/                    an orphaned evaluator run and a duplicate-run-id pair
    seeds/                       the JSON bodies of the API reference pages, verbatim
    README.md                    what each of those is for

Deterministic: ids are hashes of fixed labels, clocks start at fixed instants and every random
number comes from random.Random seeded with a fixed label. Python 3 standard library only.
The seed pages are read from $REPRISE_SEEDS_DIR (default: ../shared/seeds next to the repo); when
they are not there, tests/data/seeds/ is left as it is.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import shutil
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TESTDATA = ROOT / "tests" / "data"
SEEDS_SRC = Path(os.environ.get("REPRISE_SEEDS_DIR", ROOT.parent / "shared" / "seeds"))

UTC = dt.timezone.utc


# --------------------------------------------------------------------------------------------
# ids, clocks, randomness
# --------------------------------------------------------------------------------------------

def sha(label):
    return hashlib.sha256(("reprise-fixtures/" + label).encode()).hexdigest()


def oid(label):
    """A 24-hex Mongo-style ObjectId: a March-2026 timestamp prefix plus a hash."""
    return "69a5" + sha(label)[:20]


def fuuid(label):
    """A version-4-shaped UUID derived from a label."""
    s = sha(label)
    return f"{s[0:8]}-{s[8:12]}-4{s[13:16]}-{'89ab'[int(s[16], 16) % 4]}{s[17:20]}-{s[20:32]}"


def rng_for(label):
    return random.Random(int(sha("rng/" + label)[:16], 16))


def iso(t, ms=False):
    d = dt.datetime.fromtimestamp(t, UTC)
    if ms:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(y, mo, d, h, mi=0, s=0):
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp()


def volatile_vars(t, rng):
    """The variables the Interactly server adds to every run input (see EXECUTION.md §4)."""
    d = dt.datetime.fromtimestamp(t, UTC)
    return {
        "now": d.strftime("%B %d, %Y %I:%M %p"),
        "date": d.strftime("%B %d, %Y"),
        "time": d.strftime("%I:%M %p"),
        "year": d.year,
        "month": d.strftime("%B"),
        "day": d.day,
        "hour": d.strftime("%I"),
        "minute": d.strftime("%M"),
        "iso_datetime": d.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "day_of_week": d.strftime("%A"),
        "timestamp": int(t),
        "timestamp_ms": int(t * 1000),
        "rand_int": rng.randint(0, 999999),
        "rand_str": "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(8)),
        "rand_float": rng.random(),
        "rand_uuid": fuuid("rand_uuid/%r" % rng.random()),
        "rand_bool": rng.random() < 0.5,
    }


def fill(template, variables):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(variables.get(m.group(1), m.group(0))), template)


# --------------------------------------------------------------------------------------------
# constants of the synthetic world
# --------------------------------------------------------------------------------------------

TEAM_ID = oid("team")
USER_ID = oid("user/qa")
RUN_BY = "qa.automation@example.com"

MINI = ("openai", "gpt-4.1-mini-2025-04-14")
NANO = ("openai", "gpt-4.1-nano-2025-04-14")
HAIKU = ("anthropic", "claude-haiku-4-5-20251001")
JUDGE = ("openai", "gpt-4.1-2025-04-14")

LLM_EVENT_TYPES = {"llm", "say_llm", "worker_llm", "condition_evaluator_llm", "discarded_main_llm"}

SYNTHETIC_SECRET = "Bearer sk-synthetic-SECRET-0000"

EVALUATOR_WF_ID = oid("workflow/intake-evaluator")


def llm_cfg(label, provider, model, streaming=False, temperature=0.2):
    kind = {"openai": "openai_llm", "anthropic": "anthropic_llm"}[provider]
    return {
        "logical_id": "llm_" + fuuid("llmcfg/" + label),
        "provider": provider,
        "model": model,
        "streaming": streaming,
        "temperature": temperature,
        "model_kwargs": {},
        "do_not_split_sentences": False,
        "max_retries": 3,
        "max_parse_retries": 3,
        "type": kind,
    }


class Workflow:
    """A workflow version: its nodes, edges and the fully hydrated config snapshot."""

    def __init__(self, key, name, version, description, nodes, edges, evaluation_config,
                 llms_config, prompt, tools=None, mcp_servers=None, version_name=None,
                 workflow_id=None):
        self.key = key
        self.name = name
        self.version = version
        self.version_name = version_name or f"Version {version}"
        self.workflow_id = workflow_id or oid("workflow/" + key)
        self.description = description
        self.nodes = {}
        for n in nodes:
            n = dict(n)
            n["logical_id"] = "node_" + fuuid(f"node/{key}/{n['key']}")
            self.nodes[n["key"]] = n
        self.edges = []
        for e in edges:
            e = dict(e)
            e["logical_id"] = "edge_" + fuuid(f"edge/{key}/{e['src']}/{e['dst']}")
            self.edges.append(e)
        self.evaluation_config = evaluation_config
        self.llms_config = llms_config
        self.prompt = prompt
        self.tools = tools or []
        self.mcp_servers = mcp_servers
        self.workflow_logical_id = "workflow_" + fuuid("wflogical/" + key)

    def edge(self, src, dst):
        for e in self.edges:
            if e["src"] == src and e["dst"] == dst:
                return e
        raise KeyError((self.key, src, dst))

    def node_config(self, n):
        common = {
            "logical_id": n["logical_id"],
            "name": n["name"],
            "description": n.get("description"),
            "workflow_id": self.workflow_id,
            "version_number": self.version,
            "disabled": False,
            "miscellaneous": {},
            "primary_category": "System",
            "secondary_category": n.get("secondary_category", "LLM" if "llm" in n["type"] else "Action"),
            "is_start": n.get("is_start", False),
            "is_guardrail_node": False,
            "global_node_config": n.get("global_node_config"),
            "self_loop_config": None,
        }
        t = n["type"]
        if t == "say_static":
            common["static_messages_config"] = {
                "static_messages": [n["template"]],
                "static_messages_selection_mode": "random",
            }
        elif t in ("say_llm", "worker_llm", "workflow_run_evaluator"):
            common.update({
                "main_response_config": {"prompt": n["prompt"]},
                "llms_config": n["llm"],
                "tools_config": {"tools": n.get("tools", [])},
                "self_loop": t == "say_llm",
                "wait_for_user_message": n.get("wait", t == "say_llm"),
                "max_consecutive_tool_calls": 1,
                "default_error_message": "I am sorry, there seems to be an issue. Could you please repeat?",
                "use_mcp_tools": n.get("use_mcp_tools", False),
                "structured_output_schema": n.get("schema", {}),
                "backchannel_response_config": None,
            })
        elif t == "send_sms":
            common.update({
                "destination_phone_number": n["to_template"],
                "message": n["template"],
            })
        elif t == "workflow_run_fetch":
            common["workflow_run_id"] = "{{workflow_run_id}}"
        common["type"] = t
        return common

    def edge_config(self, e):
        c = {
            "logical_id": e["logical_id"],
            "name": e.get("name", f"{self.nodes[e['src']]['name']} -> {self.nodes[e['dst']]['name']}"),
            "description": None,
            "workflow_id": self.workflow_id,
            "version_number": self.version,
            "disabled": False,
            "miscellaneous": {},
            "source_node_logical_id": self.nodes[e["src"]]["logical_id"],
            "destination_node_logical_id": self.nodes[e["dst"]]["logical_id"],
        }
        if e["type"] == "conditional":
            c["condition"] = {
                "condition_freeform": e["condition"],
                "condition_expression": None,
                "args_schema": None,
                "static_messages_config": None,
                "dynamic_messages_config": None,
            }
            c["evaluate_while_waiting_config"] = None
        else:
            c["companion_thread_config"] = None
        c["type"] = e["type"]
        return c

    def hydrated(self):
        return {
            "workflow_config": {
                "logical_id": self.workflow_logical_id,
                "name": self.name,
                "description": self.description,
                "category": "User Created",
                "llms_config": self.llms_config,
                "main_response_config": {"prompt": self.prompt},
                "backchannel_response_config": None,
                "default_prompt_prefix": "Today is {{date}}.",
                "default_prompt_suffix": None,
                "tools_config": {"tools": self.tools},
                "mcp_servers": self.mcp_servers,
                "global_condition_evaluation_method": "tool_call",
                "nodes": [oid(f"nodedb/{self.key}/{k}") for k in self.nodes],
                "edges": [oid(f"edgedb/{self.key}/{e['src']}/{e['dst']}") for e in self.edges],
                "evaluation_config": self.evaluation_config,
                "guardrail_strikes_config": None,
                "attachable_llm_config_id": None,
                "ignore_content_received_during_llm_tool_call_specification": False,
                "miscellaneous": {"consecutive_conditional_edges_max_limit": "3"},
            },
            "node_configs": [self.node_config(n) for n in self.nodes.values()],
            "edge_configs": [self.edge_config(e) for e in self.edges],
            "dynamic_variables": {},
            "runtime_variables": {},
        }


def eval_config(turn_by_turn=False):
    return {
        "evaluator_workflow_id": EVALUATOR_WF_ID,
        "evaluator_workflow_version_number": 1,
        "enable_turn_by_turn_evaluation": turn_by_turn,
    }


EXTRACT_SCHEMA = {
    "type": "object",
    "properties": {
        "reason_for_visit": {"type": "string"},
        "symptom_duration_days": {"type": "integer"},
        "urgency": {"type": "string", "enum": ["routine", "soon", "urgent"]},
    },
    "required": ["reason_for_visit", "urgency"],
}


def intake_workflow(version, turn_by_turn=False):
    v2 = version == 2
    collect_prompt = (
        "Ask {{patient_name}} why they are calling {{clinic_name}}. Be brief and kind. "
        "Never give medical advice." + (" Repeat the reason back in one short sentence." if v2 else "")
    )
    confirm_prompt = (
        "Summarise [[reason_for_visit]] and offer the next weekday slot between 8 AM and 5 PM."
        + (" Ask for a preferred callback number only if none is on file." if v2 else "")
    )
    nodes = [
        {"key": "greet", "name": "Greeting", "type": "say_static", "is_start": True, "secondary_category": "Static",
         "template": "Hello {{patient_name}}, thank you for calling {{clinic_name}}. What brings you in today?"},
        {"key": "collect", "name": "Collect reason", "type": "say_llm", "prompt": collect_prompt,
         "llm": llm_cfg(f"intake{version}/collect", "openai", "gpt-4.1-mini")},
        {"key": "extract", "name": "Extract intake", "type": "worker_llm", "wait": False,
         "prompt": "Extract the intake fields from the conversation.", "schema": EXTRACT_SCHEMA,
         "llm": llm_cfg(f"intake{version}/extract", "anthropic", "claude-haiku-4-5", temperature=0.0)},
        {"key": "confirm", "name": "Confirm details", "type": "say_llm", "prompt": confirm_prompt,
         "llm": llm_cfg(f"intake{version}/confirm", "openai", "gpt-4.1-mini", streaming=True)},
        {"key": "goodbye", "name": "Goodbye", "type": "say_static", "secondary_category": "Static",
         "template": "Thank you for calling {{clinic_name}}. Take care, {{patient_name}}!"},
        {"key": "emergency", "name": "Emergency", "type": "say_static", "secondary_category": "Static",
         "template": "If this is a medical emergency, please hang up and dial 911 now.",
         "global_node_config": {
             "is_global": True,
             "condition": {
                 "condition_freeform": "The caller describes a medical emergency such as chest pain or trouble breathing.",
                 "condition_expression": None, "args_schema": None, "static_messages_config": None,
             },
             "global_condition_edge_evaluation_method": "independent_llm_evaluations",
             "reverse_conditional_edge": None,
         }},
    ]
    edges = [
        {"src": "greet", "dst": "collect", "type": "direct"},
        {"src": "collect", "dst": "extract", "type": "conditional",
         "condition": "The patient has clearly stated the reason for the visit."},
        {"src": "collect", "dst": "goodbye", "type": "conditional",
         "condition": "The caller does not need an appointment (wrong number, or wants to end the call)."},
        {"src": "extract", "dst": "confirm", "type": "direct"},
        {"src": "confirm", "dst": "goodbye", "type": "conditional",
         "condition": "The patient confirmed the appointment details."},
        {"src": "confirm", "dst": "collect", "type": "conditional",
         "condition": "The patient wants to change the reason for the visit."},
    ]
    return Workflow(
        "patient-intake", "Patient intake", version,
        "Collects the reason for a visit and offers the next available appointment.",
        nodes, edges, eval_config(turn_by_turn),
        llm_cfg(f"intake{version}/default", "openai", "gpt-4.1-nano", temperature=0.0),
        "You are a friendly intake assistant for {{clinic_name}}. Keep answers short.",
        version_name="Version 2 (repeat reason back)" if v2 else "Version 1",
        workflow_id=oid("workflow/patient-intake"),
    )


def reminder_workflow():
    nodes = [
        {"key": "remind", "name": "Reminder", "type": "say_static", "is_start": True, "secondary_category": "Static",
         "template": "Hi {{patient_name}}, this is {{clinic_name}} reminding you of your appointment on "
                     "{{appointment_date}}. Will you be able to make it?"},
        {"key": "reply", "name": "Handle reply", "type": "say_llm",
         "prompt": "Handle the patient's answer to the reminder. Offer to reschedule if needed.",
         "llm": llm_cfg("reminder/reply", "openai", "gpt-4.1-mini")},
        {"key": "goodbye", "name": "Goodbye", "type": "say_static", "secondary_category": "Static",
         "template": "Thanks, {{patient_name}}. See you soon!"},
    ]
    edges = [
        {"src": "remind", "dst": "reply", "type": "direct"},
        {"src": "reply", "dst": "goodbye", "type": "conditional",
         "condition": "The patient confirmed or cancelled the appointment."},
    ]
    return Workflow("appointment-reminder", "Appointment reminder", 1,
                    "Outbound reminder call; no evaluator attached.", nodes, edges, None,
                    llm_cfg("reminder/default", "openai", "gpt-4.1-nano", temperature=0.0),
                    "You are calling on behalf of {{clinic_name}}.")


LOOKUP_TOOL = {
    "logical_id": "tool_" + fuuid("tool/lookup_appointment"),
    "tool_id": oid("tooldb/lookup_appointment"),
    "name": "lookup_appointment",
    "description": "Looks up the next appointment of a patient by patient id (read-only).",
    "category": "Scheduling",
    "signature": "lookup_appointment(patient_id: str) -> dict",
    "args_schema": {"type": "object", "properties": {"patient_id": {"type": "string"}}, "required": ["patient_id"]},
    "static_messages_config": None,
    "result_runtime_variable_name": "appointment",
    "result_variable_mappings": [],
    "expand_result_into_runtime_variables": False,
    "allow_code_variable_substitution": True,
    "side_effect": None,
    "timeout_seconds": 10,
    "type": "inline_python",
    "code": "APPOINTMENTS = {'P-1001': {'starts_at': '2026-03-10T14:30:00', 'provider': 'Dr. Lee Okafor'}}\n"
            "def lookup_appointment(patient_id):\n    return APPOINTMENTS.get(patient_id)\n",
}


def lookup_workflow():
    nodes = [
        {"key": "greet", "name": "Greeting", "type": "say_static", "is_start": True, "secondary_category": "Static",
         "template": "Hello, this is {{clinic_name}}. Please tell me your patient ID and date of birth."},
        {"key": "lookup", "name": "Appointment lookup", "type": "say_llm", "tools": [LOOKUP_TOOL],
         "prompt": "Verify the caller, then use lookup_appointment to answer questions about their next visit. "
                   "Do not change any records.",
         "llm": llm_cfg("lookup/agent", "openai", "gpt-4.1-mini")},
        {"key": "goodbye", "name": "Goodbye", "type": "say_static", "secondary_category": "Static",
         "template": "Thanks for calling {{clinic_name}}. Goodbye!"},
    ]
    edges = [
        {"src": "greet", "dst": "lookup", "type": "direct"},
        {"src": "lookup", "dst": "goodbye", "type": "conditional",
         "condition": "The caller has no further questions."},
    ]
    mcp = [{
        "server_url": "https://mcp.scheduling.example.com/sse",
        "name": "clinic-scheduling",
        "api_headers": {"Authorization": SYNTHETIC_SECRET},
    }]
    return Workflow("appointment-lookup", "Appointment lookup", 1,
                    "Answers questions about a patient's next appointment using a read-only lookup tool.",
                    nodes, edges, eval_config(),
                    llm_cfg("lookup/default", "openai", "gpt-4.1-nano", temperature=0.0),
                    "You are the scheduling line of {{clinic_name}}.", mcp_servers=mcp)


def sms_workflow():
    nodes = [
        {"key": "greet", "name": "Greeting", "type": "say_static", "is_start": True, "secondary_category": "Static",
         "template": "Hi {{patient_name}}, this is {{clinic_name}}. When would you like your follow-up visit?"},
        {"key": "slot", "name": "Pick slot", "type": "say_llm",
         "prompt": "Agree on a follow-up slot on a weekday between 8 AM and 5 PM.",
         "llm": llm_cfg("sms/slot", "openai", "gpt-4.1-mini")},
        {"key": "goodbye", "name": "Goodbye", "type": "say_static", "secondary_category": "Static",
         "template": "Great, I'll text you a confirmation. Goodbye, {{patient_name}}!"},
        {"key": "sms", "name": "Send confirmation SMS", "type": "send_sms", "secondary_category": "Messaging",
         "to_template": "{{patient_phone}}",
         "template": "{{clinic_name}}: your follow-up is booked for [[slot]]. Reply STOP to opt out."},
    ]
    edges = [
        {"src": "greet", "dst": "slot", "type": "direct"},
        {"src": "slot", "dst": "goodbye", "type": "conditional", "condition": "A slot has been agreed."},
        {"src": "goodbye", "dst": "sms", "type": "direct"},
    ]
    return Workflow("intake-sms-confirmation", "Follow-up booking with SMS confirmation", 1,
                    "Books a follow-up and texts the patient a confirmation (side effect: send_sms).",
                    nodes, edges, eval_config(),
                    llm_cfg("sms/default", "openai", "gpt-4.1-nano", temperature=0.0),
                    "You are the booking assistant of {{clinic_name}}.")


def evaluator_workflow():
    nodes = [
        {"key": "fetch", "name": "Fetch run", "type": "workflow_run_fetch", "is_start": True,
         "secondary_category": "Data"},
        {"key": "judge", "name": "Judge intake quality", "type": "workflow_run_evaluator", "wait": False,
         "prompt": "Read [[workflow_run_object]]. Did the assistant capture the reason for the visit, stay polite, "
                   "avoid medical advice and offer a valid weekday slot? Answer with passed, score (0-1) and reason.",
         "schema": {"type": "object",
                    "properties": {"passed": {"type": "boolean"}, "score": {"type": "number"},
                                   "reason": {"type": "string"}},
                    "required": ["passed", "score", "reason"]},
         "llm": llm_cfg("evaluator/judge", "openai", "gpt-4.1", temperature=0.0)},
    ]
    edges = [{"src": "fetch", "dst": "judge", "type": "direct"}]
    return Workflow("intake-evaluator", "Intake quality evaluator", 1,
                    "Evaluator workflow: judges a finished intake conversation.", nodes, edges, None,
                    llm_cfg("evaluator/default", "openai", "gpt-4.1", temperature=0.0),
                    "You are a strict QA reviewer of patient-intake calls.",
                    workflow_id=EVALUATOR_WF_ID)


# --------------------------------------------------------------------------------------------
# Interactly run builder
# --------------------------------------------------------------------------------------------

def null_usage():
    return {
        "response_model": None, "provider": None, "ai_message_turn_id": None, "llm_response_id": None,
        "used_user_api_key": False, "finish_reason": None, "response_latency_milliseconds": None,
        "prompt_tokens": None, "completion_tokens": None, "total_tokens": None, "was_streamed": None,
        "was_estimated": False,
    }


def usage_info(call, final=True):
    u = null_usage()
    u["response_model"] = call["model"]
    u["provider"] = call["provider"]
    u["llm_response_id"] = call["id"]
    u["was_streamed"] = call["streamed"]
    if final:
        u["finish_reason"] = [call["finish"]]
        u["response_latency_milliseconds"] = call["latency"]
        u["prompt_tokens"] = call["prompt"]
        u["completion_tokens"] = call["completion"]
        u["total_tokens"] = call["prompt"] + call["completion"]
    return u


def message(content, mid, mtype="ai", tool_calls=None, response_metadata=None, **extra):
    m = {
        "content": content,
        "additional_kwargs": {},
        "response_metadata": response_metadata or {},
        "type": mtype,
        "name": extra.pop("name", None),
        "id": mid,
    }
    if mtype == "ai":
        m["tool_calls"] = tool_calls or []
        m["invalid_tool_calls"] = []
        m["usage_metadata"] = None
    m.update(extra)
    return m


def token_usage(calls):
    """Run-level llm_token_usage / llm_latency_stats from a list of calls (one per llm_response_id)."""
    by = {}
    for c in calls:
        k = (c["model"], c["provider"])
        b = by.setdefault(k, {"in": 0, "out": 0, "n": 0, "lat": 0})
        b["in"] += c["prompt"]
        b["out"] += c["completion"]
        b["n"] += 1
        b["lat"] += c["latency"]
    tin = sum(c["prompt"] for c in calls)
    tout = sum(c["completion"] for c in calls)
    lat = sum(c["latency"] for c in calls)
    usage = {
        "total_input_tokens": tin,
        "total_output_tokens": tout,
        "total_tokens": tin + tout,
        "call_count_with_user_keys": 0,
        "call_count_with_fallback_keys": len(calls),
        "call_count": len(calls),
        "breakdown_by_models": [
            {"response_model": m, "provider": p, "total_input_tokens": b["in"], "total_output_tokens": b["out"],
             "total_tokens": b["in"] + b["out"], "call_count_with_user_keys": 0,
             "call_count_with_fallback_keys": b["n"], "call_count": b["n"]}
            for (m, p), b in by.items()
        ],
    }
    latency = {
        "call_count": len(calls),
        "total_latency_milliseconds": lat,
        "average_latency_milliseconds": round(lat / len(calls), 2) if calls else 0.0,
        "breakdown_by_models": [
            {"response_model": m, "provider": p, "call_count": b["n"], "total_latency_milliseconds": b["lat"],
             "average_latency_milliseconds": round(b["lat"] / b["n"], 2)}
            for (m, p), b in by.items()
        ],
    }
    return usage, latency


def split_chunks(text, n):
    words = text.split(" ")
    size = max(1, -(-len(words) // n))
    parts = [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


class Run:
    """Builds one Interactly WorkflowRun turn by turn, emitting the events the server would."""

    def __init__(self, label, wf, caller_vars, start, run_id=None, token_scale=1.0, embed_pairs=False):
        self.label = label
        self.embed_pairs = embed_pairs
        self.wf = wf
        self.caller = dict(caller_vars)
        self.run_id = run_id or oid("run/" + label)
        self.rng = rng_for(label)
        self.t = start
        self.start = start
        self.n = 0
        self.pairs = []
        self.calls = []
        self.node_runs = {}
        self.edge_runs = 0
        self.path = []
        self.parked = None
        self.runtime = {}
        self.history = 0
        self.token_scale = token_scale
        self.transcript = []
        self.cur = None

    # -- helpers ---------------------------------------------------------------------------
    def _id(self, prefix):
        self.n += 1
        return prefix + fuuid(f"{self.label}/{self.n}")

    def _tick(self, dt_s=None):
        self.t += dt_s if dt_s is not None else 0.0004 + self.rng.random() * 0.0012
        return round(self.t, 6)

    def _base(self, etype, node=None, run_id=None, thread=True):
        e = {
            "logical_id": self._id("event_"),
            "timestamp": self._tick(),
            "origin_thread_id": "0" if thread else None,
            "comments": [],
            "interrupted": False,
        }
        if node is not None:
            n = self.wf.nodes[node]
            e["origin_node_logical_id"] = n["logical_id"]
            e["origin_node_name"] = n["name"]
            e["origin_node_run_id"] = run_id
        e["type"] = etype
        return e

    def _emit(self, e):
        self.cur["events"].append(e)
        return e

    def _vars(self):
        return self.cur["run_input"]["dynamic_variables"]

    def _new_call(self, provider_model, completion_text_len, kind, streamed=False, finish="stop"):
        provider, model = provider_model
        r = self.rng
        if kind == "condition":
            prompt, completion, latency = 160 + r.randint(0, 90) + 12 * self.history, 1, 110 + r.randint(0, 190)
        elif kind == "worker":
            prompt = 380 + r.randint(0, 120) + 28 * self.history
            completion = 24 + completion_text_len // 4 + r.randint(0, 10)
            latency = 520 + r.randint(0, 1300)
        elif kind == "judge":
            prompt = 1400 + r.randint(0, 2200)
            completion = 60 + completion_text_len // 4 + r.randint(0, 40)
            latency = 1500 + r.randint(0, 2600)
        else:
            prompt = 520 + r.randint(0, 160) + 34 * self.history
            completion = max(6, completion_text_len // 4 + r.randint(2, 12))
            latency = 340 + r.randint(0, 1100)
        prompt = int(prompt * self.token_scale)
        completion = max(1, int(completion * self.token_scale))
        rid = {"openai": "chatcmpl-", "anthropic": "msg_"}[provider] + sha(f"{self.label}/call/{len(self.calls)}")[:24]
        c = {"id": rid, "provider": provider, "model": model, "prompt": prompt, "completion": completion,
             "latency": latency, "streamed": streamed, "finish": finish, "turn": len(self.pairs)}
        self.calls.append(c)
        self.cur["calls"].append(c)
        return c

    # -- turns -----------------------------------------------------------------------------
    def turn(self, user_text=None):
        if self.pairs:
            self._tick(6.0 + self.rng.random() * 20.0)
        dyn = dict(self.caller)
        dyn.update(volatile_vars(self.t, rng_for(f"{self.label}/volatile/{len(self.pairs)}")))
        if user_text is None:
            inputs = {"0": {"node_run_inputs": []}}
        else:
            inputs = {"0": {"node_run_inputs": [{"type": "llm", "messages": [{"type": "human", "content": user_text}]}]}}
        run_input = {
            "dynamic_variables": dyn,
            "runtime_variables": {
                "input_dynamic_variables": dict(self.caller),
                "all_dynamic_variables": dict(dyn),
                "workflow_invoke_count": len(self.pairs),
            },
            "miscellaneous": {},
            "command": "start" if not self.pairs else "data",
            "workflow_id": self.wf.workflow_id,
            "version_number": self.wf.version,
            "run_by": RUN_BY,
            "workflow_run_id": self.run_id,
            "team_id": TEAM_ID,
            "start_node_logical_id": None,
            "initial_state": None,
            "thread_to_node_inputs": inputs,
        }
        self.cur = {"run_input": run_input, "events": [], "outputs": [], "calls": [], "start": self.t,
                    "nodes": 0, "tools": 0, "evaluation": None}
        self.pairs.append(self.cur)
        if user_text is not None:
            self.history += 1
            self.transcript.append({"role": "user", "content": user_text})
            e = self._base("user_messages", self.parked, None)
            e["messages"] = [message(user_text, self._id("human_message_"), mtype="human")]
            self._emit(e)
        return self

    def _start(self, key):
        self.node_runs[key] = self.node_runs.get(key, 0) + 1
        rid = str(self.node_runs[key])
        e = self._base("start_node_run", key, rid)
        e["run_input"] = None
        self._emit(e)
        self.path.append(self.wf.nodes[key]["logical_id"])
        self.cur["nodes"] += 1
        return rid

    def _end(self, key, rid, output):
        n = self.wf.nodes[key]
        out = {"events": [], "type": n["type"], "node_logical_id": n["logical_id"], "node_run_id": rid}
        out.update(output)
        e = self._base("end_node_run", key, rid)
        e["run_output"] = out
        self._emit(e)
        self.cur["outputs"].append(out)
        self._show_state()

    def _show_state(self):
        e = self._base("workflow_show_state", thread=False)
        e["thread_id"] = "0"
        e["runtime_variables"] = dict(self.runtime)
        e["workflow_runtime_variables"] = {
            "_evaluated_dynamic_variables": dict(self._vars()),
            "_input_dynamic_variables": dict(self.caller),
        }
        self._emit(e)

    def _assistant(self, key, rid, text, mid, call=None):
        self.history += 1
        self.transcript.append({"role": "assistant", "content": text})
        e = self._base("assistant_response", key, rid)
        e["logical_id"] = mid
        e["content"] = text
        e["response_metadata"] = {"message_type": "static" if call is None else "llm"}
        e["llm_usage_info"] = null_usage() if call is None else usage_info(call)
        self._emit(e)

    # -- nodes -----------------------------------------------------------------------------
    def say_static(self, key):
        rid = self._start(key)
        text = fill(self.wf.nodes[key]["template"], self._vars())
        mid = self._id("assistant_message_")
        e = self._base("say_static", key, rid)
        e["message"] = message(text, mid)
        self._emit(e)
        self._assistant(key, rid, text, mid)
        self._end(key, rid, {})
        return self

    def global_check(self, origin):
        """One independent condition evaluation for the workflow's global Emergency node."""
        if "emergency" not in self.wf.nodes:
            return self
        call = self._new_call(NANO, 1, "condition", finish="stop")
        self._tick(call["latency"] / 1000.0)
        e = self._base("condition_evaluator_llm", origin, str(self.node_runs.get(origin, 0) + 1))
        e["message"] = message("false", self._id("condition_message_"))
        e["llm_usage_info"] = usage_info(call)
        e["destination_node_logical_id"] = self.wf.nodes["emergency"]["logical_id"]
        e["is_condition_met"] = False
        self._emit(e)
        return self

    def say_llm(self, key, text, choose=None, tool=None, chunks=None):
        """An LLM turn of a say_llm node.

        tool:   (name, args, result) - the LLM first calls a real tool, then answers with `text`.
        choose: the destination node key of a freeform edge the LLM picks (Destination_Node… tool call).
        chunks: stream the answer as this many say_llm chunk events sharing one llm_response_id.
        """
        node = self.wf.nodes[key]
        rid = self._start(key)
        if tool is not None:
            name, args, result = tool
            call = self._new_call(MINI, 20, "say", finish="tool_calls")
            self._tick(call["latency"] / 1000.0)
            tc_id = "call_" + sha(f"{self.label}/tool/{len(self.calls)}")[:24]
            e = self._base("say_llm", key, rid)
            e["message"] = message("", self._id("assistant_message_"),
                                   tool_calls=[{"name": name, "args": args, "id": tc_id, "type": "tool_call"}])
            e["llm_usage_info"] = usage_info(call)
            self._emit(e)
            self._tick(0.05 + self.rng.random() * 0.2)
            e = self._base("say_llm", key, rid)
            e["message"] = message(json.dumps(result), self._id("tool_message_"), mtype="tool",
                                   response_metadata={"tool_result": result}, name=name,
                                   tool_call_id=tc_id, artifact=None, status="success")
            e["llm_usage_info"] = null_usage()
            self._emit(e)
            self.runtime[LOOKUP_TOOL["result_runtime_variable_name"]] = result
            self.cur["tools"] += 1
        tool_calls = []
        if choose is not None:
            dst = self.wf.nodes[choose]
            tool_calls.append({"name": "Destination_Node_" + dst["name"].replace(" ", "_"), "args": {},
                               "id": "call_" + sha(f"{self.label}/dest/{len(self.calls)}")[:24], "type": "tool_call"})
        streamed = bool(node["llm"]["streaming"])
        call = self._new_call(MINI, len(text), "say", streamed=streamed,
                              finish="tool_calls" if tool_calls and not text else "stop")
        mid = self._id("assistant_message_")
        if streamed:
            parts = split_chunks(text, chunks or 3) if text else [""]
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                self._tick(call["latency"] / 1000.0 / len(parts))
                e = self._base("say_llm", key, rid)
                e["message"] = message(part, mid, tool_calls=tool_calls if last else [])
                e["llm_usage_info"] = usage_info(call, final=last)
                self._emit(e)
        else:
            self._tick(call["latency"] / 1000.0)
            e = self._base("say_llm", key, rid)
            e["message"] = message(text, mid, tool_calls=tool_calls)
            e["llm_usage_info"] = usage_info(call)
            self._emit(e)
        if text:
            self._assistant(key, rid, text, mid, call)
        self._end(key, rid, {"structured_output": {}})
        return self

    def worker(self, key, structured, end=True):
        rid = self._start(key)
        body = json.dumps(structured)
        call = self._new_call(HAIKU, len(body), "worker")
        self._tick(call["latency"] / 1000.0)
        e = self._base("worker_llm", key, rid)
        e["message"] = message(body, self._id("assistant_message_"))
        e["llm_usage_info"] = usage_info(call)
        self._emit(e)
        if end:
            self.runtime.update(structured)
            self._end(key, rid, {"structured_output": structured})
        return self

    def send_sms(self, key):
        n = self.wf.nodes[key]
        rid = self._start(key)
        variables = dict(self._vars())
        variables.update(self.runtime)
        to = fill(n["to_template"], variables)
        text = re.sub(r"\[\[(\w+)\]\]", lambda m: str(self.runtime.get(m.group(1), m.group(0))),
                      fill(n["template"], variables))
        self._tick(0.3 + self.rng.random() * 0.4)
        e = self._base("send_sms", key, rid)
        e["destination_phone_number"] = to
        e["sent_message"] = text
        e["status"] = "sent"
        self._emit(e)
        self.runtime["send_sms_result"] = {"success": True}
        self._end(key, rid, {"success": True, "sent_sms_message": text})
        return self

    def fetch(self, key, fetched):
        rid = self._start(key)
        self._tick(0.08)
        self.runtime["workflow_run_object"] = "<fetched>"
        self._end(key, rid, {"fetched_workflow_run": fetched})
        return self

    def judge(self, key, free_form, structured):
        rid = self._start(key)
        call = self._new_call(JUDGE, len(free_form) + 40, "judge")
        self._tick(call["latency"] / 1000.0)
        e = self._base("worker_llm", key, rid)
        e["message"] = message(json.dumps({"free_form_output": free_form, "structured_output": structured}),
                               self._id("assistant_message_"))
        e["llm_usage_info"] = usage_info(call)
        self._emit(e)
        var = "evaluator_output_" + sha(self.label + "/evalvar")[:8]
        self.runtime[var] = {"free_form_output": free_form, "structured_output": structured}
        self._end(key, rid, {"free_form_output": free_form, "structured_output": structured})
        return self

    # -- edges -----------------------------------------------------------------------------
    def edge(self, src, dst):
        e_cfg = self.wf.edge(src, dst)
        s, d = self.wf.nodes[src], self.wf.nodes[dst]
        self.edge_runs += 1
        e = self._base(e_cfg["type"] + "_edge")
        if e_cfg["type"] == "direct":
            e["edge_name"] = None
            e["edge_logical_id"] = None
        else:
            e["edge_name"] = self.wf.edge_config(e_cfg)["name"]
            e["edge_logical_id"] = e_cfg["logical_id"]
        e["edge_run_id"] = str(self.edge_runs)
        e["source_node_logical_id"] = s["logical_id"]
        e["source_node_name"] = s["name"]
        e["destination_node_logical_id"] = d["logical_id"]
        e["destination_node_name"] = d["name"]
        kind = "Direct" if e_cfg["type"] == "direct" else "Conditional"
        e["reason"] = f"{kind} edge triggered from {s['logical_id']} to {d['logical_id']}"
        if e_cfg["type"] == "conditional":
            e["args_filled"] = {}
            e["super_node_exit_origin"] = None
        t = e.pop("type")
        e["type"] = t
        self._emit(e)
        nav_id = self._id("nav_msg_")
        nav = self._base("workflow_navigation_message", src, None)
        nav["logical_id"] = nav_id
        nav["message"] = message(
            f"[Internal-only memo]: System navigated from agent \"{s['name']}\" to agent \"{d['name']}\" "
            f"via {e_cfg['type']} edge.", nav_id,
            response_metadata={
                "navigation_message": "true", "edge_type": e_cfg["type"],
                "source_node_id": s["logical_id"], "source_node_name": s["name"],
                "destination_node_id": d["logical_id"], "destination_node_name": d["name"],
                "edge_name": "" if e_cfg["type"] == "direct" else e["edge_name"],
                "edge_logical_id": "" if e_cfg["type"] == "direct" else e_cfg["logical_id"],
            })
        self._emit(nav)
        return self

    # -- turn endings ----------------------------------------------------------------------
    def _end_iteration(self):
        cur = self.cur
        lats = sorted(c["latency"] for c in cur["calls"])
        stats = None
        if lats:
            mid = len(lats) // 2
            median = lats[mid] if len(lats) % 2 else (lats[mid - 1] + lats[mid]) / 2
            stats = {"average_milliseconds": round(sum(lats) / len(lats), 2), "max_milliseconds": float(lats[-1]),
                     "median_milliseconds": float(median), "min_milliseconds": float(lats[0])}
        e = self._base("end_workflow_iteration", thread=False)
        e["iteration_number"] = len(self.pairs)
        e["iteration_metrics"] = {
            "e2e_latency_milliseconds": int((self.t - cur["start"]) * 1000) + 35,
            "llm_call_count": len(cur["calls"]),
            "llm_call_latency_stats": stats,
            "nodes_executed_count": cur["nodes"],
            "tool_call_count": cur["tools"],
            "tool_call_latency_stats": None,
        }
        # A stored run already holds the pair itself, so its events leave the copy out (the field is
        # nullable); a streamed / execute-response turn carries it, as in the quickstart recording.
        e["run_input_output_pair"] = {
            "run_input": cur["run_input"],
            "run_output": {"events": [], "thread_to_node_outputs": {"0": list(cur["outputs"])}},
            "evaluation": None,
            "iteration_end_state_miscellaneous": self._end_state(),
        } if self.embed_pairs else None
        cur["end_state"] = self._end_state()
        self._emit(e)

    def _end_state(self):
        return {
            "thread_id_to_nodes_history": {"0": list(self.path)},
            "companion_thread_id_to_nodes_history": {},
            "thread_id_to_global_node_previous_node": {},
            "active_thread_ids": ["0"],
        }

    def wait(self, key):
        self.parked = key
        n = self.wf.nodes[key]
        rid = self.node_runs.get(key)
        self._emit(self._base("busy_wait_for_user_message", key, str(rid) if rid else None))
        e = self._base("workflow_ready_for_input", thread=False)
        e["active_companion_thread_ids"] = []
        self._emit(e)
        self._end_iteration()
        self.status = "waiting_for_user_input"
        return self

    def finish(self, last_node, usage_in_events=True):
        e = self._base("end_thread")
        e["last_node_logical_id"] = self.wf.nodes[last_node]["logical_id"]
        self._emit(e)
        self._end_iteration()
        usage, latency = token_usage(self.calls)
        e = self._base("end_workflow", thread=False)
        e["llm_token_usage"] = usage if usage_in_events else None
        e["llm_latency_stats"] = latency if usage_in_events else None
        self._emit(e)
        self.status = "completed"
        return self

    def error(self, error_message, stack_trace):
        usage, latency = token_usage(self.calls)
        e = self._base("workflow_error", thread=False)
        e["error_message"] = error_message
        e["stack_trace"] = stack_trace
        e["llm_token_usage"] = usage
        e["llm_latency_stats"] = latency
        self._emit(e)
        self._end_iteration()
        self.status = "failed"
        return self

    def abort_looping(self, warning):
        e = self._base("workflow_warning", thread=False)
        e["warning_message"] = warning
        self._emit(e)
        self._end_iteration()
        self.status = "aborted_looping_risk"
        return self

    def set_turn_evaluation(self, index, evaluation):
        self.pairs[index]["evaluation"] = evaluation
        return self

    # -- output ----------------------------------------------------------------------------
    def workflow_run(self, eval_run_id=None, null_usage_stats=False, is_evaluation_run=False,
                     source_run_id=None, termination_source=None, comments=None):
        usage, latency = token_usage(self.calls)
        pairs = []
        for p in self.pairs:
            pairs.append({
                "run_input": p["run_input"],
                "run_output": {"events": p["events"], "thread_to_node_outputs": {"0": p["outputs"]}},
                "evaluation": p["evaluation"],
                "iteration_end_state_miscellaneous": p["end_state"],
                "comments": [],
                "ratings": [],
            })
        return {
            "logical_id": "run_" + fuuid("runlogical/" + self.label),
            "workflow_id": self.wf.workflow_id,
            "version_number": self.wf.version,
            "status": self.status,
            "termination_source": termination_source,
            "input_output_pairs": pairs,
            "run_by": RUN_BY,
            "comments": comments or [],
            "llm_token_usage": None if null_usage_stats else usage,
            "llm_latency_stats": None if null_usage_stats else latency,
            "version_name": self.wf.version_name,
            "workflow_config_fully_hydrated": self.wf.hydrated(),
            "workflow_run_id": self.run_id,
            "source_workflow_run_id": source_run_id,
            "is_evaluation_run": is_evaluation_run,
            "evaluation_run_info": {"evaluation_workflow_run_id": eval_run_id} if eval_run_id else None,
            "miscellaneous": {},
            "voice_conversation_id": None,
            "carried_over_llm_token_usage": None,
            "carried_over_llm_latency_stats": None,
            "checkpoint_source_turn_index": None,
        }

    def envelope(self, **kw):
        return {
            "workflow_run": {
                "team_id": TEAM_ID,
                "created_by": USER_ID,
                "updated_by": USER_ID,
                "created_at": iso(self.start),
                "updated_at": iso(self.t + 1),
                "_id": self.run_id,
                "workflow_run": self.workflow_run(**kw),
                "debug_info": {},
            }
        }

    def execute_response(self):
        last = self.pairs[-1]
        return {
            "run_id": self.run_id,
            "turn_number": len(self.pairs),
            "events": last["events"],
            "is_waiting_for_input": self.status == "waiting_for_user_input",
            "is_completed": self.status == "completed",
            "error": None,
            "next_input_hint": None,
        }


# --------------------------------------------------------------------------------------------
# conversations
# --------------------------------------------------------------------------------------------

CLINIC = "Maple Street Family Clinic"


def intake_three_turns(r, c, v2=False):
    """T1 greeting → park at Collect reason; T2 reason → extract → confirm (streamed) → park;
    T3 confirmation → Goodbye → end."""
    r.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r.turn(c["user1"]).global_check("collect")
    r.say_llm("collect", c["collect_v2"] if v2 else c["collect"], choose="extract").edge("collect", "extract")
    r.worker("extract", c["extract"]).edge("extract", "confirm")
    r.say_llm("confirm", c["confirm_v2"] if v2 else c["confirm"], chunks=4).wait("confirm")
    r.turn(c["user2"]).global_check("confirm")
    r.say_llm("confirm", c["final_v2"] if v2 else c["final"], choose="goodbye", chunks=2).edge("confirm", "goodbye")
    r.say_static("goodbye").finish("goodbye")
    return r


CONV = {
    "c01": dict(
        patient="Avery Quill",
        user1="Hi, I've had a sore throat and a mild fever since Monday. I'd like to see a doctor.",
        collect="I'm sorry you're feeling unwell, Avery. Let me get that noted for you.",
        collect_v2="Sorry to hear that. So it's a sore throat with a mild fever since Monday, got it.",
        extract={"reason_for_visit": "sore throat and mild fever", "symptom_duration_days": 3, "urgency": "soon"},
        confirm="Thanks, Avery. I have you down for a sore throat and mild fever for three days. "
                "Does Thursday at 10:00 AM with Dr. Lee Okafor work for you?",
        confirm_v2="You mentioned a sore throat. The next opening is Saturday at 7:30 AM. Shall I book it?",
        user2="Yes, that works. Thank you.",
        final="Perfect, you're booked.",
        final_v2="Done, see you Saturday.",
    ),
    "c02": dict(
        patient="Jordan Pike",
        user1="I need a follow-up for my blood pressure medication, it's been about two weeks since I ran out.",
        collect="Thanks, Jordan. Running out of blood pressure medication is worth a prompt visit.",
        collect_v2="Understood, Jordan: a follow-up for your blood pressure medication, out for about two weeks.",
        extract={"reason_for_visit": "blood pressure medication follow-up", "symptom_duration_days": 14,
                 "urgency": "routine"},
        confirm="No problem. I've booked you for Saturday at 8 AM with Dr. Okafor. You should just double "
                "your dose until then.",
        confirm_v2="I have you down for a blood pressure medication follow-up. The earliest weekday slot is "
                   "Tuesday at 9:15 AM with Dr. Okafor. Does that work? Please call your pharmacy about a "
                   "bridge refill in the meantime.",
        user2="Saturday? OK, sure.",
        final="Great, that's confirmed.",
        final_v2="Great, Tuesday at 9:15 AM is confirmed.",
    ),
    "c07": dict(
        patient="Riley Marsh",
        user1="My daughter's asthma inhaler is almost empty and she needs a check-up before school.",
        collect="Thanks for letting me know, Riley. I'll get that set up.",
        collect_v2="Thanks, Riley. An asthma check-up and inhaler refill for your daughter, noted.",
        extract={"reason_for_visit": "pediatric asthma check-up and inhaler refill", "symptom_duration_days": 0,
                 "urgency": "routine"},
        confirm="I have an asthma check-up and inhaler refill for your daughter. Would Wednesday at 3:30 PM "
                "with Dr. Sam Ellery suit you?",
        confirm_v2="For the asthma check-up and refill, Dr. Sam Ellery has Wednesday at 3:45 PM. Shall I hold it?",
        user2="Wednesday afternoon is perfect.",
        final="Wonderful, it's booked.",
        final_v2="Booked for Wednesday.",
    ),
    "c10": dict(
        patient="Casey Thorne",
        user1="I twisted my ankle playing football yesterday and it's still swollen.",
        collect="Ouch, I'm sorry, Casey. Let's get you seen.",
        extract={"reason_for_visit": "swollen ankle after sprain", "symptom_duration_days": 1, "urgency": "soon"},
        confirm="I've noted a swollen ankle since yesterday. Dr. Lee Okafor can see you tomorrow at 11:20 AM. "
                "Does that work?",
        user2="Tomorrow at 11:20 is fine.",
        final="Great, see you tomorrow.",
    ),
    "c11a": dict(
        patient="Morgan Vale",
        user1="I'd like a routine annual physical, nothing urgent.",
        collect="Of course, Morgan. An annual physical it is.",
        extract={"reason_for_visit": "annual physical", "symptom_duration_days": 0, "urgency": "routine"},
        confirm="I have you down for an annual physical. Dr. Sam Ellery has Monday, March 16 at 9:00 AM. "
                "Shall I book it?",
        user2="Yes please, Monday at nine.",
        final="All set for Monday.",
    ),
    "c12a": dict(
        patient="Taylor Brook",
        user1="I've had a rash on my forearm for about a week and it's getting itchy.",
        collect="Thanks, Taylor. Let me note that down.",
        extract={"reason_for_visit": "itchy forearm rash", "symptom_duration_days": 7, "urgency": "routine"},
        confirm="I've noted an itchy rash on your forearm for about a week. Friday at 1:40 PM with Dr. Okafor "
                "is open. Would that work?",
        user2="Friday works for me.",
        final="You're booked for Friday.",
    ),
    "c12b": dict(
        patient="Quinn Harlow",
        user1="I need a travel vaccination consult, I'm flying out in five weeks.",
        collect="Happy to help, Quinn. Let's get that consult on the calendar.",
        extract={"reason_for_visit": "travel vaccination consult", "symptom_duration_days": 0, "urgency": "routine"},
        confirm="A travel vaccination consult, five weeks before your trip. Dr. Sam Ellery has Tuesday at "
                "4:10 PM. Does that suit you?",
        user2="Tuesday at 4:10 is good.",
        final="Great, that's confirmed.",
    ),
    "c12c": dict(
        patient="Drew Fenwick",
        user1="My lower back has been aching for two weeks since I moved house.",
        collect="Sorry to hear that, Drew. Let's find you a slot.",
        extract={"reason_for_visit": "lower back pain", "symptom_duration_days": 14, "urgency": "routine"},
        confirm="I have lower back pain for two weeks. Dr. Lee Okafor has Thursday at 8:50 AM. "
                "Would you like that one?",
        user2="Thursday morning, yes.",
        final="Thursday it is.",
    ),
}


def caller_vars(patient, **extra):
    v = {"patient_name": patient, "clinic_name": CLINIC}
    v.update(extra)
    return v


# --------------------------------------------------------------------------------------------
# evaluator runs
# --------------------------------------------------------------------------------------------

def evaluator_run(label, source, passed, score, reason, free_form, start):
    """An evaluator WorkflowRun judging `source` (a Run)."""
    wf = evaluator_workflow()
    r = Run(label, wf, {"workflow_run_id": source.run_id}, start)
    fetched = json.dumps({
        "workflow_run_id": source.run_id,
        "workflow_id": source.wf.workflow_id,
        "version_number": source.wf.version,
        "status": source.status,
        "transcript": source.transcript,
    }, ensure_ascii=False)
    r.turn().fetch("fetch", fetched).edge("fetch", "judge")
    r.judge("judge", free_form, {"passed": passed, "score": score, "reason": reason})
    r.finish("judge")
    return r


# --------------------------------------------------------------------------------------------
# Noxus and Cortex
# --------------------------------------------------------------------------------------------

NOXUS_GROUP = fuuid("noxus/group")
NOXUS_WF = fuuid("noxus/workflow/discharge")


def noxus_node_ids():
    return [fuuid("noxus/node/" + k) for k in ("input", "summarize", "translate", "review", "output")]


def noxus_workflow():
    ids = noxus_node_ids()
    names = ["Discharge notes", "Summarize", "Translate to plain language", "Clinician review", "Summary"]
    types = ["InputNode", "TextGenerationNode", "TextGenerationNode", "HumanFeedbackNode", "OutputNode"]
    return {
        "id": NOXUS_WF,
        "group_id": NOXUS_GROUP,
        "name": "Discharge summary",
        "type": "flow",
        "definition": {
            "nodes": [{"id": i, "type": t, "name": n} for i, t, n in zip(ids, types, names)],
            "edges": [{"from_id": ids[k], "to_id": ids[k + 1]} for k in range(len(ids) - 1)],
        },
        "workflow_hash": sha("noxus/workflow-hash/discharge/v7")[:40],
        "meta": {"tags": ["discharge", "synthetic"], "icon": "file-text"},
        "last_updated_at": "2026-02-27T16:05:12Z",
        "last_run_at": "2026-03-04T11:02:40Z",
        "created_at": "2026-01-19T09:00:00Z",
        "deleted_at": None,
        "runs_count": 214,
        "author_name": "QA Automation",
        "description": "Summarises synthetic discharge notes into plain-language patient instructions.",
        "saved": True,
        "error_handler": None,
    }


def noxus_run(label, status, progress, t0, finished, output, patient, notes):
    return {
        "id": fuuid("noxus/run/" + label),
        "group_id": NOXUS_GROUP,
        "workflow_id": NOXUS_WF,
        "input": {"patient_name": patient, "discharge_notes": notes},
        "node_ids": noxus_node_ids(),
        "status": status,
        "progress": progress,
        "definitions": {},
        "created_at": iso(t0),
        "finished_at": iso(finished) if finished else None,
        "workflow": noxus_workflow(),
        "source": "api",
        "output": output,
    }


def make_noxus():
    ids = noxus_node_ids()
    notes1 = ("Pt Sam Ellery-Wood (DOB 02/03/1958) admitted for community-acquired pneumonia; treated with "
              "amoxicillin. Discharge on day 4. Follow-up with GP in 7 days. Contact (555) 010-2231.")
    done = noxus_run("completed", "completed", 100, epoch(2026, 3, 4, 11, 0, 5), epoch(2026, 3, 4, 11, 0, 41), {
        ids[0]: {"discharge_notes": notes1},
        ids[1]: {"text": "Treated for pneumonia with antibiotics for 4 days; GP follow-up in one week."},
        ids[2]: {"text": "You were treated for a lung infection. Keep taking your antibiotic and see your "
                         "family doctor in one week."},
        ids[3]: {"approved": True, "reviewer": "clinician@example.com"},
        ids[4]: {"summary": "You were treated for a lung infection. Keep taking your antibiotic and see your "
                            "family doctor in one week."},
    }, "Sam Ellery-Wood", notes1)
    notes2 = "Pt Parker Lune, DOB 11/30/1990. Appendectomy, uncomplicated. Wound check in 10 days."
    failed = noxus_run("failed", "failed", 40, epoch(2026, 3, 4, 11, 5, 0), epoch(2026, 3, 4, 11, 5, 19), {
        ids[0]: {"discharge_notes": notes2},
        ids[1]: {"text": "Uncomplicated appendectomy; wound check in 10 days."},
    }, "Parker Lune", notes2)
    notes3 = "Pt Rowan Tillet, DOB 07/14/1972. Cellulitis left leg, IV then oral antibiotics. Review in 5 days."
    waiting = noxus_run("awaiting", "awaiting_human_feedback", 60, epoch(2026, 3, 4, 11, 9, 30), None, {
        ids[0]: {"discharge_notes": notes3},
        ids[1]: {"text": "Cellulitis of the left leg treated with antibiotics; review in 5 days."},
        ids[2]: {"text": "You had a skin infection on your left leg. Finish your antibiotic tablets and come "
                         "back in 5 days."},
    }, "Rowan Tillet", notes3)
    return {"completed.json": done, "failed.json": failed, "awaiting-feedback.json": waiting}


CORTEX_APP = "app_" + sha("cortex/app")[:20]
CORTEX_WF = "wf_" + sha("cortex/workflow/referral")[:20]


def cortex_steps():
    def step(kind, key, dest, pos, auto=None, note=None):
        s = {"type": kind, "key": key, "display": "expanded", "conditional": None, "loop": None,
             "throw_on_error": True, "input_connected": True, "destinations": dest, "position": pos,
             "size": [320, 180]}
        if auto:
            s["auto"] = auto
        if note:
            s["note"] = note
        return s
    auto = {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2}
    return [
        step("note", "about", [], [0, -200], note="Synthetic referral letters for QA only."),
        step("prompt", "extract", ["draft"], [0, 0], auto=auto),
        step("prompt", "draft", ["review"], [400, 0], auto=auto),
        step("prompt", "review", [], [800, 0], auto={"provider": "openai", "model": "gpt-4o", "temperature": 0}),
    ]


def cortex_run(label, status, t0, t1, inp, output, result, step_credits, error=None, version=4):
    total = sum(step_credits.values())
    rid = "run_" + sha("cortex/run/" + label)[:24]
    steps = cortex_steps()
    return {
        "id": rid,
        "result": result,
        "input": inp,
        "output": output,
        "status": status,
        "origin": "WORKFLOW",
        "error": error,
        "started_at": iso(t0, ms=True),
        "ended_at": iso(t1, ms=True),
        "app_id": CORTEX_APP,
        "workflow_app_id": CORTEX_APP,
        "workflow_id": CORTEX_WF,
        "workflow_version_draft": None,
        "workflow_version": {
            "id": "wfv_" + sha(f"cortex/version/{version}")[:20],
            "app_id": CORTEX_APP,
            "workflow_id": CORTEX_WF,
            "description": "Referral letter drafting",
            "version": version,
            "rollback_version": None,
            "notes": "Tightened the review prompt.",
            "created_by": {"id": "usr_" + sha("cortex/user")[:16], "name": "QA Automation"},
            "created_at": "2026-02-20T08:30:00.000Z",
            "key": "referral-letter",
            "input": {"type": "object", "properties": {"patient_name": {"type": "string"},
                                                       "specialty": {"type": "string"},
                                                       "clinical_summary": {"type": "string"}}},
            "input_default": {"specialty": "cardiology"},
            "input_options": {"display": {"field": "inline", "container": "grid", "hidden": False}},
            "steps": steps,
        },
        "collection_id": None,
        "record_id": None,
        "version": version,
        "usage": {
            "total": total,
            "calls": [{"id": "call_" + sha(f"cortex/{label}/{k}")[:16], "total": v, "calls": [{}]}
                      for k, v in step_credits.items()],
            "steps": dict(step_credits),
        },
        "retention": {"max_age_in_seconds": 2592000, "preserve_on_failure": True},
        "retention_due_at": iso(t1 + 2592000, ms=True),
        "created_at": iso(t0 - 0.4, ms=True),
        "updated_at": iso(t1 + 0.2, ms=True),
    }


def make_cortex():
    def letter(name, spec, summary):
        return (f"Dear colleague,\n\nI am referring {name} to {spec} for assessment. {summary}\n\n"
                f"Kind regards,\nDr. Lee Okafor, {CLINIC}")
    runs = []
    inp = {"patient_name": "Blake Ormsby", "specialty": "cardiology",
           "clinical_summary": "Intermittent palpitations for 3 months; ECG shows occasional ectopics. "
                               "DOB 09/09/1966, phone (555) 010-3391."}
    runs.append(cortex_run("list-1", "COMPLETED", epoch(2026, 3, 5, 14, 0, 0), epoch(2026, 3, 5, 14, 0, 9), inp,
                           {"extract": {"problem": "palpitations", "duration": "3 months"},
                            "draft": {"letter": letter("Blake Ormsby", "cardiology", "Palpitations for 3 months.")},
                            "review": {"approved": True, "issues": []}},
                           letter("Blake Ormsby", "cardiology", "Palpitations for 3 months."),
                           {"extract": 0.25, "draft": 0.5, "review": 0.75}))
    inp = {"patient_name": "Sam Ellery-Wood", "specialty": "dermatology",
           "clinical_summary": "Changing pigmented lesion on the back. E-mail sam.ew@example.com."}
    runs.append(cortex_run("list-2", "FAILED", epoch(2026, 3, 5, 14, 3, 0), epoch(2026, 3, 5, 14, 3, 31), inp,
                           {"extract": {"problem": "changing pigmented lesion", "duration": "unknown"}},
                           None, {"extract": 0.25},
                           error="Step 'draft' failed: upstream model timeout after 30000 ms"))
    inp = {"patient_name": "Parker Lune", "specialty": "gastroenterology",
           "clinical_summary": "Recurrent epigastric pain despite PPI for 8 weeks."}
    runs.append(cortex_run("list-3", "COMPLETED", epoch(2026, 3, 5, 14, 6, 0), epoch(2026, 3, 5, 14, 6, 12), inp,
                           {"extract": {"problem": "epigastric pain", "duration": "8 weeks"},
                            "draft": {"letter": letter("Parker Lune", "gastroenterology", "Epigastric pain, 8 weeks.")},
                            "review": {"approved": True, "issues": []}},
                           letter("Parker Lune", "gastroenterology", "Epigastric pain, 8 weeks."),
                           {"extract": 0.125, "draft": 0.5, "review": 0.75}))
    inp = {"patient_name": "Rowan Tillet", "specialty": "orthopaedics",
           "clinical_summary": "Right knee pain after a fall, MRI pending. SSN on file 000-12-3456 (synthetic)."}
    single = cortex_run("single", "COMPLETED", epoch(2026, 3, 5, 15, 0, 0), epoch(2026, 3, 5, 15, 0, 14), inp,
                        {"extract": {"problem": "right knee pain", "duration": "2 weeks"},
                         "draft": {"letter": letter("Rowan Tillet", "orthopaedics", "Knee pain after a fall.")},
                         "review": {"approved": True, "issues": ["MRI result pending"]}},
                        letter("Rowan Tillet", "orthopaedics", "Knee pain after a fall."),
                        {"extract": 0.25, "draft": 1.25, "review": 0.75})
    return runs, single


# --------------------------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------------------------

def t_case(i):
    return epoch(2026, 3, 2, 9, 0, 0) + i * 2820.0


def build_fixtures():
    """Returns (files, meta): files = {relative path: content object or list (jsonl)}."""
    intake = intake_workflow(1)
    intake_tbt = intake_workflow(1, turn_by_turn=True)
    files = {}
    why = {}

    def eval_for(case_label, source, passed, score, reason, free_form, offset=240.0):
        return evaluator_run("eval/" + case_label, source, passed, score, reason, free_form, source.t + offset)

    # 01 — three turns, completed, evaluator passed 0.92
    c = CONV["c01"]
    r1 = intake_three_turns(Run("case01", intake, caller_vars(c["patient"]), t_case(1)), c)
    e1 = eval_for("case01", r1, True, 0.92, "Reason captured, slot offered on a weekday, polite and concise.",
                  "The assistant captured the reason (sore throat, fever, 3 days), offered a valid weekday slot "
                  "and confirmed it. No medical advice was given. PASS.")
    files["interactly/01-intake-completed-pass.json"] = r1.envelope(eval_run_id=e1.run_id)
    files["interactly/evaluations/01-eval-pass.json"] = e1.envelope(is_evaluation_run=True, source_run_id=r1.run_id)
    why[r1.run_id] = "evaluator passed (0.92)"

    # 02 — completed, evaluator failed 0.31
    c = CONV["c02"]
    r2 = intake_three_turns(Run("case02", intake, caller_vars(c["patient"]), t_case(2)), c)
    e2 = eval_for("case02", r2, False, 0.31,
                  "Offered a Saturday slot although the clinic is closed at weekends, and gave medication advice.",
                  "The assistant booked a Saturday 8 AM slot (clinic closed at weekends) and told the patient to "
                  "double the dose, which is medical advice. FAIL.")
    comments = [{"logical_id": "comment_" + fuuid("comment/case02"),
                 "content": "Flagged by QA: weekend slot offered and dosing advice given.",
                 "createdBy": USER_ID, "updatedBy": USER_ID,
                 "createdAt": iso(r2.t + 900), "updatedAt": iso(r2.t + 900)}]
    files["interactly/02-intake-completed-fail.json"] = r2.envelope(eval_run_id=e2.run_id, comments=comments)
    files["interactly/evaluations/02-eval-fail.json"] = e2.envelope(is_evaluation_run=True, source_run_id=r2.run_id)
    why[r2.run_id] = "evaluator failed (0.31)"

    # 03 — failed with workflow_error in its last turn; evaluator passed=false
    r3 = Run("case03", intake, caller_vars("Sam Ellery"), t_case(3))
    r3.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r3.turn("I keep getting headaches, maybe for a few weeks? Hard to say.").global_check("collect")
    r3.say_llm("collect", "I'm sorry to hear about the headaches, Sam.", choose="extract").edge("collect", "extract")
    r3.worker("extract", {"reason_for_visit": "recurring headaches", "symptom_duration_days": "a few weeks",
                          "urgency": "routine"}, end=False)
    r3.error("Structured output of node 'Extract intake' failed validation after 3 attempts: "
             "'symptom_duration_days' must be an integer, got 'a few weeks'",
             "Traceback (most recent call last):\n  File \"runtime/nodes/worker_llm.py\", line 212, in run\n"
             "    output = schema.validate(raw)\nValidationError: symptom_duration_days: 'a few weeks' is not of "
             "type 'integer'")
    e3 = eval_for("case03", r3, False, 0.12, "The run failed before an appointment was offered.",
                  "The conversation ended with a workflow error after the reason was collected; the patient was "
                  "never offered an appointment. FAIL.")
    files["interactly/03-intake-failed.json"] = r3.envelope(eval_run_id=e3.run_id, termination_source="execution_error")
    files["interactly/evaluations/03-eval-fail.json"] = e3.envelope(is_evaluation_run=True, source_run_id=r3.run_id)
    why[r3.run_id] = "status failed (and its evaluator failed)"

    # 04 — aborted_looping_risk; no evaluator
    r4 = Run("case04", intake, caller_vars("Rowan Tillet"), t_case(4))
    r4.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r4.turn("It's about my knee. Actually no, my back. Well, the knee, but I want to change it.").global_check("collect")
    loops = ["Got it, your knee.", "", ""]
    for i in range(3):
        r4.say_llm("collect", loops[i], choose="extract").edge("collect", "extract")
        r4.worker("extract", {"reason_for_visit": ["knee pain", "back pain", "knee pain"][i],
                              "symptom_duration_days": 0, "urgency": "routine"}).edge("extract", "confirm")
        r4.say_llm("confirm", "Just to check, is this about your knee or your back?" if i == 0 else "",
                   choose="collect", chunks=2).edge("confirm", "collect")
    r4.abort_looping("Run aborted: node 'Collect reason' was entered 4 times in one iteration without user "
                     "input (looping risk).")
    files["interactly/04-intake-aborted-looping.json"] = r4.envelope()
    why[r4.run_id] = "status aborted_looping_risk"

    # 05 — waiting_for_user_input at the end of its last turn; no evaluator
    r5 = Run("case05", intake, caller_vars("Blake Ormsby"), t_case(5))
    r5.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r5.turn("I'd like to get my cholesterol checked, my last test was two years ago.").global_check("collect")
    r5.say_llm("collect", "Thanks, Blake, that's a good idea.", choose="extract").edge("collect", "extract")
    r5.worker("extract", {"reason_for_visit": "cholesterol check", "symptom_duration_days": 0,
                          "urgency": "routine"}).edge("extract", "confirm")
    r5.say_llm("confirm", "I have a cholesterol check for you. Dr. Okafor has Monday at 8:10 AM. Would that work?",
               chunks=3).wait("confirm")
    files["interactly/05-intake-waiting.json"] = r5.envelope()
    why[r5.run_id] = "still waiting for user input; nothing judged it"

    # 06 — Appointment reminder, no evaluation_config
    rem = reminder_workflow()
    r6 = Run("case06", rem, caller_vars("Parker Lune", appointment_date="March 12 at 2:00 PM"), t_case(6))
    r6.turn().say_static("remind").edge("remind", "reply").wait("reply")
    r6.turn("Yes, I'll be there. Thanks for the reminder!")
    r6.say_llm("reply", "Great, we'll see you on March 12 at 2:00 PM.", choose="goodbye").edge("reply", "goodbye")
    r6.say_static("goodbye").finish("goodbye")
    files["interactly/06-reminder-no-eval.json"] = r6.envelope()
    why[r6.run_id] = "workflow has no evaluation_config; a good status judges nothing"

    # 07 — turn-by-turn evaluation + evaluator passed
    c = CONV["c07"]
    r7 = intake_three_turns(Run("case07", intake_tbt, caller_vars(c["patient"]), t_case(7)), c)
    for i, (score, reason) in enumerate([(1.0, "Greeting used the patient's name and clinic."),
                                         (1.0, "Reason captured and a weekday slot offered."),
                                         (1.0, "Booking confirmed and call closed politely.")]):
        r7.set_turn_evaluation(i, {"passed": True, "score": score, "reason": reason})
    e7 = eval_for("case07", r7, True, 0.97, "Every step handled correctly.",
                  "Greeting, reason capture, slot offer and confirmation were all correct. PASS.")
    files["interactly/07-intake-turn-by-turn.json"] = r7.envelope(eval_run_id=e7.run_id)
    files["interactly/evaluations/07-eval-pass.json"] = e7.envelope(is_evaluation_run=True, source_run_id=r7.run_id)
    why[r7.run_id] = "per-turn evaluations all passed and the evaluator passed (0.97)"

    # 08 — tool call (lookup_appointment), MCP server with a synthetic secret, PII in messages
    lk = lookup_workflow()
    r8 = Run("case08", lk, {"clinic_name": CLINIC}, t_case(8))
    r8.turn().say_static("greet").edge("greet", "lookup").wait("lookup")
    r8.turn("Hi, this is Casey Fixture, date of birth 04/12/1961, patient ID P-1001. When is my next appointment?")
    result = {"patient_id": "P-1001", "name": "Casey Fixture", "date_of_birth": "1961-04-12",
              "starts_at": "2026-03-10T14:30:00", "provider": "Dr. Lee Okafor",
              "phone_on_file": "(555) 010-4477", "email_on_file": "casey.fixture@example.com"}
    r8.say_llm("lookup", "Thanks, Casey. Your next appointment is Tuesday, March 10 at 2:30 PM with Dr. Lee Okafor. "
                         "We'll text a reminder to (555) 010-4477.",
               tool=("lookup_appointment", {"patient_id": "P-1001"}, result)).wait("lookup")
    r8.turn("Great. Please send the details to casey.f@example.com instead, and my SSN is 000-12-3456 if you need it.")
    r8.say_llm("lookup", "I can't change contact details on this line, and we never need your SSN, so please don't "
                         "share it. Anything else?", choose="goodbye").edge("lookup", "goodbye")
    r8.say_static("goodbye").finish("goodbye")
    e8 = eval_for("case08", r8, True, 0.9, "Verified the caller, used the lookup tool correctly, refused to take an SSN.",
                  "Identity checked (DOB 04/12/1961, P-1001); appointment read from lookup_appointment; the agent "
                  "declined the SSN. PASS.")
    files["interactly/08-lookup-tools-pii.json"] = r8.envelope(eval_run_id=e8.run_id)
    files["interactly/evaluations/08-eval-pass.json"] = e8.envelope(is_evaluation_run=True, source_run_id=r8.run_id)
    why[r8.run_id] = "evaluator passed (0.90); config has an MCP server"

    # 09 — send_sms node (side effect)
    sw = sms_workflow()
    r9 = Run("case09", sw, caller_vars("Morgan Testwell", patient_phone="+15550100123"), t_case(9))
    r9.turn().say_static("greet").edge("greet", "slot").wait("slot")
    r9.turn("Next Wednesday morning would be best, around 9.")
    r9.runtime["slot"] = "Wednesday March 11, 9:00 AM"
    r9.say_llm("slot", "Wednesday, March 11 at 9:00 AM is available and reserved for you.", choose="goodbye")
    r9.edge("slot", "goodbye").say_static("goodbye").edge("goodbye", "sms").send_sms("sms").finish("sms")
    e9 = eval_for("case09", r9, True, 0.88, "Booked a valid weekday slot and confirmed by SMS.",
                  "The agent agreed on a weekday morning slot and the confirmation SMS was sent. PASS.")
    files["interactly/09-sms-side-effect.json"] = r9.envelope(eval_run_id=e9.run_id)
    files["interactly/evaluations/09-eval-pass.json"] = e9.envelope(is_evaluation_run=True, source_run_id=r9.run_id)
    why[r9.run_id] = "evaluator passed (0.88); config has a send_sms node"

    # 10 — llm_token_usage and llm_latency_stats null (counts come from the events)
    c = CONV["c10"]
    r10 = Run("case10", intake, caller_vars(c["patient"]), t_case(10))
    r10.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r10.turn(c["user1"]).global_check("collect")
    r10.say_llm("collect", c["collect"], choose="extract").edge("collect", "extract")
    r10.worker("extract", c["extract"]).edge("extract", "confirm")
    r10.say_llm("confirm", c["confirm"], chunks=5).wait("confirm")
    r10.turn(c["user2"]).global_check("confirm")
    r10.say_llm("confirm", c["final"], choose="goodbye", chunks=2).edge("confirm", "goodbye")
    r10.say_static("goodbye").finish("goodbye", usage_in_events=False)
    e10 = eval_for("case10", r10, True, 0.86, "Reason and urgency captured; next-day slot offered.",
                   "Sprained ankle noted, next-day appointment offered and confirmed. PASS.")
    files["interactly/10-intake-null-usage.json"] = r10.envelope(eval_run_id=e10.run_id, null_usage_stats=True)
    files["interactly/evaluations/10-eval-pass.json"] = e10.envelope(is_evaluation_run=True, source_run_id=r10.run_id)
    why[r10.run_id] = "evaluator passed (0.86); usage totals are null, counted from the events"

    # 11a — bare WorkflowRun (execute response of seed 002, no envelope)
    c = CONV["c11a"]
    r11a = intake_three_turns(Run("case11a", intake, caller_vars(c["patient"]), t_case(11)), c)
    e11a = eval_for("case11a", r11a, True, 0.95, "Routine physical booked on a weekday.",
                    "Annual physical captured and booked for a Monday morning. PASS.")
    files["interactly/11a-bare-workflow-run.json"] = r11a.workflow_run(eval_run_id=e11a.run_id)
    files["interactly/evaluations/11a-eval-pass.json"] = e11a.envelope(is_evaluation_run=True, source_run_id=r11a.run_id)
    why[r11a.run_id] = "evaluator passed (0.95); stored as a bare WorkflowRun"

    # 11b — current execute response shape (last turn only), wrong-number call
    r11b = Run("case11b", intake, caller_vars("Quinn Harlow-Smith"), t_case(12), embed_pairs=True)
    r11b.turn().say_static("greet").edge("greet", "collect").wait("collect")
    r11b.turn("Oh, sorry, I think I dialed the wrong number. I was trying to reach my pharmacy.")
    r11b.global_check("collect")
    r11b.say_llm("collect", "No problem at all. I hope you reach your pharmacy quickly.", choose="goodbye")
    r11b.edge("collect", "goodbye").say_static("goodbye").finish("goodbye")
    e11b = eval_for("case11b", r11b, True, 0.9, "Wrong-number call closed politely without collecting data.",
                    "The caller dialled the wrong number; the assistant ended the call politely. PASS.")
    files["interactly/11b-execute-response.json"] = r11b.execute_response()
    files["interactly/evaluations/11b-eval-pass.json"] = e11b.envelope(is_evaluation_run=True, source_run_id=r11b.run_id)
    why[r11b.run_id] = ("evaluator passed (0.90), linked by its source_workflow_run_id only (the execute response "
                        "has no evaluation_run_info); stored as an execute response holding turn 2 of 2")

    # 12 — three ordinary passing cases in one JSONL file, one evaluator on the same file
    lines = []
    evals12 = []
    for k, (lab, score) in enumerate([("c12a", 0.93), ("c12b", 0.91), ("c12c", 0.89)]):
        c = CONV[lab]
        r = intake_three_turns(Run("case" + lab[1:], intake, caller_vars(c["patient"]), t_case(13 + k)), c)
        e = eval_for(lab, r, True, score, "Reason captured and a weekday slot booked.",
                     f"Reason ({c['extract']['reason_for_visit']}) captured; slot offered and confirmed. PASS.")
        lines.append(r.envelope(eval_run_id=e.run_id))
        if k == 0:
            lines.append(e.envelope(is_evaluation_run=True, source_run_id=r.run_id))
        else:
            files[f"interactly/evaluations/{lab[1:]}-eval-pass.json"] = e.envelope(is_evaluation_run=True,
                                                                                   source_run_id=r.run_id)
        why[r.run_id] = f"evaluator passed ({score:.2f})" + ("; evaluator on the same JSONL file" if k == 0 else "")
        evals12.append(e)
    files["interactly/12-batch.jsonl"] = lines

    # Noxus and Cortex
    for name, run in make_noxus().items():
        files["noxus/" + name] = run
    runs, single = make_cortex()
    files["cortex/runs-list.json"] = runs
    files["cortex/single-run.json"] = single

    return files, why


def build_recordings_v2():
    intake2 = intake_workflow(2)
    intake2_tbt = intake_workflow(2, turn_by_turn=True)
    files = {}
    specs = [
        ("c01", 1, intake2, False, 0.38, "Offered a Saturday 7:30 AM slot although the clinic is closed at weekends.",
         "The v2 prompt change produced a weekend slot offer; the clinic is closed at weekends. FAIL."),
        ("c02", 2, intake2, True, 0.9, "Weekday slot offered and the patient was sent to the pharmacy, no dosing advice.",
         "v2 offered a Tuesday slot and avoided dosing advice. PASS."),
        ("c07", 7, intake2_tbt, True, 0.96, "Every step handled correctly.",
         "Greeting, reason, slot and confirmation all correct in v2. PASS."),
    ]
    for lab, i, wf, passed, score, reason, free in specs:
        c = CONV[lab]
        # same caller inputs as the v1 case, another day: other volatile variables
        r = intake_three_turns(Run(f"v2/case{i:02d}", wf, caller_vars(c["patient"]),
                                   epoch(2026, 3, 9, 13, 0, 0) + i * 1931.0, token_scale=1.18), c, v2=True)
        if lab == "c07":
            for k in range(3):
                r.set_turn_evaluation(k, {"passed": True, "score": 1.0, "reason": "Turn handled correctly."})
        e = evaluator_run(f"v2/eval/case{i:02d}", r, passed, score, reason, free, r.t + 250.0)
        files[f"recordings-v2/{i:02d}-intake-v2.json"] = r.envelope(eval_run_id=e.run_id)
        files[f"recordings-v2/evaluations/{i:02d}-eval-{'pass' if passed else 'fail'}.json"] = \
            e.envelope(is_evaluation_run=True, source_run_id=r.run_id)
    return files


def reminder_run(label, i, patient, reply, answer):
    rem = reminder_workflow()
    r = Run(label, rem, caller_vars(patient, appointment_date="March 20 at 9:30 AM"),
            epoch(2026, 3, 6, 8, 0, 0) + i * 977.0)
    r.turn().say_static("remind").edge("remind", "reply").wait("reply")
    r.turn(reply)
    r.say_llm("reply", answer, choose="goodbye").edge("reply", "goodbye")
    r.say_static("goodbye").finish("goodbye")
    return r


def build_bad():
    """tests/data/bad: each file broken in exactly one way; plus good runs. Returns {path: bytes}."""
    out = {}
    good = reminder_run("bad/good", 0, "Sky Winters", "Yes, I'll be there.", "Thank you, see you then.")
    out["bad/good.json"] = dumps(good.envelope())

    text = dumps(reminder_run("bad/truncated", 1, "Lane Ashby", "Yes.", "Great, see you.").envelope())
    out["bad/truncated.json"] = text[: int(len(text) * 0.6)]

    out["bad/empty.json"] = b""

    wt = reminder_run("bad/wrong-types", 2, "Remy Castell", "I'll be there.", "Wonderful, thank you.").envelope()
    run = wt["workflow_run"]["workflow_run"]
    run["version_number"] = "one"
    for pair in run["input_output_pairs"]:
        for e in pair["run_output"]["events"]:
            if e["type"] == "say_llm":
                e["llm_usage_info"]["prompt_tokens"] = [512, 7]
                break
    out["bad/wrong-types.json"] = dumps(wt)

    iu = reminder_run("bad/invalid-utf8", 3, "Noel Prentiss", "@@INVALID@@ yes I can come", "Thanks, see you.")
    out["bad/invalid-utf8.json"] = dumps(iu.envelope()).replace(b"@@INVALID@@", b"\xff\xfe")

    out["bad/deep.json"] = b"[" * 100000 + b"]" * 100000

    nn = reminder_run("bad/nan", 4, "Ivy Marlow", "Yes.", "Perfect.").envelope()
    nn["workflow_run"]["workflow_run"]["llm_latency_stats"]["average_latency_milliseconds"] = float("nan")
    out["bad/nan.json"] = dumps(nn)

    hn = reminder_run("bad/huge-number", 5, "Ezra Coldwell", "Yes.", "Great.").envelope()
    hn["workflow_run"]["workflow_run"]["llm_token_usage"]["total_tokens"] = 987654321987
    out["bad/huge-number.json"] = dumps(hn).replace(b'"total_tokens":987654321987', b'"total_tokens":1e400', 1)
    assert b"1e400" in out["bad/huge-number.json"]

    out["bad/binary.json"] = random.Random(20260302).randbytes(2048)

    out["bad/not-a-run.json"] = dumps({"hello": "world", "items": [1, 2]})

    lines = []
    for k, (p, rep, ans) in enumerate([("Milo Hart", "Yes, see you.", "Great, thanks!"),
                                       ("Nia Cole", "I'll be there.", "Perfect."),
                                       ("Otis Vance", "Yes please.", "Wonderful.")]):
        lines.append(compact(reminder_run(f"bad/mixed{k}", 10 + k, p, rep, ans).envelope()))
    broken = b'{"workflow_run": {"_id": "69a5deadbeefdeadbeef0002", "workflow_run": {"status": "completed", '
    out["bad/mixed.jsonl"] = lines[0] + b"\n" + broken + b"\n" + lines[1] + b"\n" + lines[2] + b"\n"

    # dangling: an evaluator whose source is nowhere, and two runs sharing one workflow_run_id
    ghost = reminder_run("dangling/ghost-source", 20, "Ghost Caller", "Yes.", "Thanks.")
    ghost.run_id = oid("run/dangling/not-in-corpus")
    ev = evaluator_run("dangling/orphan-eval", ghost, True, 0.8, "Fine.", "Fine. PASS.", ghost.t + 200)
    out["dangling/orphan-evaluator.json"] = dumps(ev.envelope(is_evaluation_run=True, source_run_id=ghost.run_id))
    dup_id = oid("run/dangling/duplicate")
    a = reminder_run("dangling/dup-a", 21, "Harper Quayle", "Yes.", "See you then.")
    a.run_id = dup_id
    b = reminder_run("dangling/dup-b", 22, "Harper Quayle", "No, I need to cancel.", "No problem, I've cancelled it.")
    b.run_id = dup_id
    out["dangling/duplicate-a.json"] = dumps(a.envelope())
    out["dangling/duplicate-b.json"] = dumps(b.envelope())
    return out, {"good": good.run_id, "mixed": [l for l in lines], "dup": dup_id, "ghost": ghost.run_id,
                 "orphan_eval": ev.run_id}


# --------------------------------------------------------------------------------------------
# serialisation
# --------------------------------------------------------------------------------------------

def dumps(obj):
    """Compact, as the APIs answer; one trailing newline."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(base, rel, data):
    p = base / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (bytes, bytearray)):
        p.write_bytes(data)
    elif isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    elif rel.endswith(".jsonl"):
        p.write_bytes(b"".join(compact(x) + b"\n" for x in data))
    else:
        p.write_bytes(dumps(data))


def copy_seeds():
    if not SEEDS_SRC.is_dir():
        print(f"note: {SEEDS_SRC} not found; tests/data/seeds left as it is", file=sys.stderr)
        return False
    wanted = [("000_", "000-interactly-get-workflow-run.json", lambda o: isinstance(o, dict) and "workflow_run" in o),
              ("002_", "002-interactly-execute-bare-workflow-run.json",
               lambda o: isinstance(o, dict) and "input_output_pairs" in o),
              ("003_", "003-noxus-get-run.json", lambda o: isinstance(o, dict) and "workflow" in o),
              ("004_", "004-cortex-list-runs.json", lambda o: isinstance(o, list))]
    dec = json.JSONDecoder()
    for prefix, name, pick in wanted:
        src = next(SEEDS_SRC.glob(prefix + "*.txt"))
        txt = src.read_text(encoding="utf-8")
        for m in re.finditer(r"(?m)^[\[{]", txt):
            try:
                obj, end = dec.raw_decode(txt, m.start())
            except json.JSONDecodeError:
                continue
            if pick(obj):
                write(TESTDATA, "seeds/" + name, txt[m.start():end] + "\n")
                break
        else:
            raise SystemExit(f"no JSON body found in {src}")
    return True


# --------------------------------------------------------------------------------------------
# expectations: computed by reading back the files written
# --------------------------------------------------------------------------------------------

FAIL_STATUSES = {"interactly": {"failed", "aborted_looping_risk"}, "noxus": {"failed"}, "cortex": {"FAILED"}}


def docs_of(path):
    raw = path.read_bytes()
    if path.suffix == ".jsonl":
        return [(i + 1, json.loads(l)) for i, l in enumerate(raw.decode("utf-8").splitlines()) if l.strip()]
    obj = json.loads(raw)
    if isinstance(obj, list):
        return [(None, o) for o in obj]
    return [(None, obj)]


def interactly_view(doc):
    """(shape, run-or-None, run_id) of an Interactly document, else None."""
    if isinstance(doc.get("workflow_run"), dict) and isinstance(doc["workflow_run"].get("workflow_run"), dict):
        env = doc["workflow_run"]
        run = env["workflow_run"]
        return "envelope", run, run.get("workflow_run_id") or env.get("_id")
    if "input_output_pairs" in doc:
        return "bare", doc, doc.get("workflow_run_id")
    if "run_id" in doc and "events" in doc and "turn_number" in doc:
        return "execute_response", None, doc["run_id"]
    return None


def calls_from_events(events):
    calls = {}
    for e in events:
        if e.get("type") not in LLM_EVENT_TYPES:
            continue
        u = e.get("llm_usage_info") or {}
        rid = u.get("llm_response_id")
        if not rid:
            continue
        c = calls.setdefault(rid, {"provider": u.get("provider"), "model": u.get("response_model"),
                                   "in": 0, "out": 0, "lat": 0, "seen_numbers": 0})
        if u.get("prompt_tokens") is not None:
            c["seen_numbers"] += 1
            c["in"] = u["prompt_tokens"]
            c["out"] = u["completion_tokens"]
            c["lat"] = u["response_latency_milliseconds"] or 0
            assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
    for rid, c in calls.items():
        assert c["seen_numbers"] == 1, f"{rid}: token numbers on {c['seen_numbers']} events"
    return calls


def all_events(run):
    out = []
    for p in run.get("input_output_pairs") or []:
        ro = p.get("run_output") or {}
        out.extend(ro.get("events") or [])
        for outs in (ro.get("thread_to_node_outputs") or {}).values():
            for o in outs:
                out.extend(o.get("events") or [])
    return out


def verdict_from_eval(eval_run):
    last = eval_run["input_output_pairs"][-1]["run_output"]["thread_to_node_outputs"]
    for outs in last.values():
        for o in outs:
            if o.get("type") == "workflow_run_evaluator":
                so = o.get("structured_output") or {}
                return so.get("passed"), so.get("score")
    return None, None


def summarize_corpus(base, rels):
    """Every case of the corpus with its expected numbers and verdict (DESIGN.md rules)."""
    cases, evals = [], {}
    for rel in rels:
        for line, doc in docs_of(base / rel):
            if isinstance(doc, dict) and doc.get("workflow_run") is not None or "input_output_pairs" in doc \
                    or "turn_number" in doc:
                shape, run, rid = interactly_view(doc)
                if run is not None and run.get("is_evaluation_run"):
                    evals[rid] = run
                    continue
                cases.append(("interactly", rel, line, shape, run, rid, doc))
            elif "workflow" in doc and "workflow_hash" in doc["workflow"]:
                cases.append(("noxus", rel, line, "run", doc, doc["id"], doc))
            elif "usage" in doc and "workflow_version" in doc:
                cases.append(("cortex", rel, line, "run", doc, doc["id"], doc))
            else:
                raise SystemExit(f"unrecognised document in {rel}")
    by_source = {}
    for eid, ev in evals.items():
        by_source.setdefault(ev["source_workflow_run_id"], []).append(eid)
    rows = []
    for system, rel, line, shape, run, rid, doc in cases:
        row = {"file": rel + (f":{line}" if line else ""), "run_id": rid, "system": system, "shape": shape,
               "credits": 0, "eval_run_id": "", "eval_tokens": 0, "score": "", "models": {}}
        if system == "interactly":
            if shape == "execute_response":
                events = doc["events"]
                it = next(e for e in reversed(events) if e["type"] == "end_workflow_iteration")
                ri = it["run_input_output_pair"]["run_input"]
                row.update(workflow_id=ri["workflow_id"], version=ri["version_number"],
                           status="completed" if doc["is_completed"] else
                           "waiting_for_user_input" if doc["is_waiting_for_input"] else "",
                           turns=doc["turn_number"], workflow_name="Patient intake")
                usage = None
                config = None
            else:
                events = all_events(run)
                cfg = (run.get("workflow_config_fully_hydrated") or {}).get("workflow_config") or {}
                row.update(workflow_id=run["workflow_id"], version=run["version_number"], status=run["status"],
                           turns=len(run["input_output_pairs"]), workflow_name=cfg.get("name"))
                usage = run.get("llm_token_usage")
                config = run.get("workflow_config_fully_hydrated")
            ev_calls = calls_from_events(events)
            ev_in = sum(c["in"] for c in ev_calls.values())
            ev_out = sum(c["out"] for c in ev_calls.values())
            ev_lat = sum(c["lat"] for c in ev_calls.values())
            if usage is not None:
                assert usage["call_count"] == len(ev_calls), rid
                assert usage["total_input_tokens"] == ev_in and usage["total_output_tokens"] == ev_out, rid
                assert run["llm_latency_stats"]["total_latency_milliseconds"] == ev_lat, rid
                row.update(llm_calls=usage["call_count"], input_tokens=usage["total_input_tokens"],
                           output_tokens=usage["total_output_tokens"], total_tokens=usage["total_tokens"],
                           latency_ms_total=run["llm_latency_stats"]["total_latency_milliseconds"],
                           usage_source="llm_token_usage")
            else:
                row.update(llm_calls=len(ev_calls), input_tokens=ev_in, output_tokens=ev_out,
                           total_tokens=ev_in + ev_out, latency_ms_total=ev_lat, usage_source="events")
            for c in ev_calls.values():
                m = row["models"].setdefault((c["provider"], c["model"]), [0, 0, 0, 0, []])
                m[0] += 1
                m[1] += c["in"]
                m[2] += c["out"]
                m[3] += c["lat"]
                m[4].append(c["lat"])
            # side effects per DESIGN.md (send_sms, athena_*, google_docs, http_request nodes; external_api
            # tools; MCP servers)
            se = []
            if config:
                for n in config.get("node_configs") or []:
                    if n.get("type") in {"send_sms", "athena_patients_create", "athena_patients_update",
                                         "athena_appointments_create", "google_docs", "http_request"}:
                        se.append("node:" + n["type"])
                wc = config.get("workflow_config") or {}
                for t in (wc.get("tools_config") or {}).get("tools") or []:
                    if t.get("type") == "external_api":
                        se.append("tool:external_api")
                if wc.get("mcp_servers"):
                    se.append("mcp_server")
            row["side_effects"] = ";".join(se)
            # evaluation link
            linked = []
            if run is not None and run.get("evaluation_run_info"):
                linked.append(run["evaluation_run_info"]["evaluation_workflow_run_id"])
            for eid in by_source.get(rid, []):
                if eid not in linked:
                    linked.append(eid)
            assert len(linked) <= 1, rid
            judged, failed = False, False
            if linked:
                ev = evals[linked[0]]
                passed, score = verdict_from_eval(ev)
                row.update(eval_run_id=linked[0], eval_tokens=ev["llm_token_usage"]["total_tokens"], score=score)
                judged = True
                failed = failed or passed is False
            if run is not None:
                for p in run["input_output_pairs"]:
                    if p.get("evaluation"):
                        judged = True
                        failed = failed or p["evaluation"].get("passed") is False
            bad_status = row["status"] in FAIL_STATUSES["interactly"]
        elif system == "noxus":
            row.update(workflow_id=doc["workflow_id"], workflow_name=doc["workflow"]["name"], version="",
                       status=doc["status"], turns=1, llm_calls=0, input_tokens=0, output_tokens=0, total_tokens=0,
                       latency_ms_total=0, usage_source="none", side_effects="")
            judged = failed = False
            bad_status = doc["status"] in FAIL_STATUSES["noxus"]
        else:
            row.update(workflow_id=doc["workflow_id"], workflow_name=doc["workflow_version"]["description"],
                       version=doc["version"], status=doc["status"], turns=1, llm_calls=0, input_tokens=0,
                       output_tokens=0, total_tokens=0, latency_ms_total=0, credits=doc["usage"]["total"],
                       usage_source="usage.total (credits)", side_effects="")
            assert abs(sum(c["total"] for c in doc["usage"]["calls"]) - doc["usage"]["total"]) < 1e-9
            assert abs(sum(doc["usage"]["steps"].values()) - doc["usage"]["total"]) < 1e-9
            judged = failed = False
            bad_status = doc["status"] in FAIL_STATUSES["cortex"]
        row["verdict"] = "fail" if (bad_status or failed) else "pass" if judged else "none"
        row["latency_ms_mean"] = round(row["latency_ms_total"] / row["llm_calls"], 2) if row["llm_calls"] else 0
        rows.append(row)
    rows.sort(key=lambda r: r["run_id"])
    linked_evals = {r["eval_run_id"] for r in rows if r["eval_run_id"]}
    dangling = sorted(set(evals) - linked_evals)
    return rows, evals, dangling


def pct(values, q):
    """Nearest-rank percentile."""
    if not values:
        return 0
    v = sorted(values)
    k = max(1, -(-len(v) * q // 100))
    return v[int(k) - 1]


def readme_table(rows, why):
    head = ["file", "run_id", "system", "workflow", "workflow_id", "version", "status", "turns", "llm_calls",
            "input_tokens", "output_tokens", "total_tokens", "credits", "latency_ms_total", "eval_run_id",
            "eval_tokens", "score", "verdict", "why"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        w = why.get(r["run_id"]) or {
            ("noxus", "completed"): "completed; Noxus has no evaluator, nothing judged it",
            ("noxus", "failed"): "status failed",
            ("noxus", "awaiting_human_feedback"): "wait state (awaiting_human_feedback); nothing judged it",
            ("cortex", "COMPLETED"): "completed; nothing judged it",
            ("cortex", "FAILED"): "status FAILED",
        }[(r["system"], r["status"])]
        if r.get("usage_source") == "events" and r["system"] == "interactly" and "events" not in w:
            w += "; usage counted from the events"
        vals = [f"`{r['file']}`", f"`{r['run_id']}`", r["system"], r["workflow_name"], f"`{r['workflow_id']}`",
                r["version"], r["status"], r["turns"], r["llm_calls"], r["input_tokens"], r["output_tokens"],
                r["total_tokens"], r["credits"], r["latency_ms_total"],
                f"`{r['eval_run_id']}`" if r["eval_run_id"] else "", r["eval_tokens"], r["score"], r["verdict"], w]
        out.append("| " + " | ".join(str(v) for v in vals) + " |")
    return "\n".join(out)


def models_table(rows):
    agg = {}
    for r in rows:
        for (prov, model), (n, tin, tout, lat, lats) in r["models"].items():
            a = agg.setdefault((prov, model), [0, 0, 0, 0, []])
            a[0] += n
            a[1] += tin
            a[2] += tout
            a[3] += lat
            a[4].extend(lats)
    out = ["| provider | model | calls | input_tokens | output_tokens | total_tokens | latency_ms_total | latency_ms_mean |",
           "|---|---|---|---|---|---|---|---|"]
    for (prov, model), (n, tin, tout, lat, lats) in sorted(agg.items()):
        out.append(f"| {prov} | {model} | {n} | {tin} | {tout} | {tin + tout} | {lat} | {round(lat / n, 2)} |")
    return "\n".join(out), agg


def summary_line(rows):
    passed = sum(r["verdict"] == "pass" for r in rows)
    failed = sum(r["verdict"] == "fail" for r in rows)
    none = sum(r["verdict"] == "none" for r in rows)
    total = sum(r["total_tokens"] for r in rows)
    credits = sum(r["credits"] for r in rows)
    return {"runs": len(rows), "passed": passed, "failed": failed, "errored": 0, "unevaluated": none,
            "pass_rate": round(passed / (passed + failed), 4) if passed + failed else "",
            "total_tokens": total, "total_credits": credits,
            "eval_tokens": sum(r["eval_tokens"] for r in rows)}


def write_expected_csv(rows, path):
    cols = ["file", "run_id", "system", "workflow_id", "workflow_name", "version", "status", "turns", "llm_calls",
            "input_tokens", "output_tokens", "total_tokens", "credits", "latency_ms_total", "latency_ms_mean",
            "eval_run_id", "eval_tokens", "verdict", "score", "usage_source", "side_effects", "shape"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")


FIXTURES_README_HEAD = """# fixtures: the demo corpus

Synthetic recorded runs that `reprise run` replays by default. Every case here is valid. Generated by
`python3 scripts/make_fixtures.py` (deterministic); edit the script, not the files. All people,
phone numbers ((555) 010-xxxx), e-mail addresses (@example.com), dates of birth, the SSN-like
`000-12-3456` and the MCP bearer token `sk-synthetic-SECRET-0000` are made up. The token sits in
`08-lookup-tools-pii.json` (`workflow_config.mcp_servers[0].api_headers.Authorization`) and must never
appear in anything reprise writes.

Layout:
- `interactly/` — Interactly cases. Most are `GET /workflows/v1/workflow-runs/{id}` envelopes
  (`{workflow_run: {_id, team_id, created_*, updated_*, workflow_run: WorkflowRun, debug_info}}`, with
  `debug_info` where seed 000 puts it); `11a` is a bare WorkflowRun (seed 002); `11b` is the current
  execute response `{run_id, turn_number, events, is_waiting_for_input, is_completed, error,
  next_input_hint}` holding only its last turn (turn 2 of 2; its workflow id and version are in the
  `end_workflow_iteration` event's `run_input_output_pair.run_input`); `12-batch.jsonl` holds three
  cases plus the evaluator run of its first case, one compact envelope per line.
- `interactly/evaluations/` — evaluator runs (`is_evaluation_run: true`, `source_workflow_run_id` = the
  case). Each evaluated case also names its evaluator in `evaluation_run_info`, except `11b` (the
  execute response has no such field): it is linked only from the evaluator's side.
- `noxus/` — three `GET /v1/workflows/{workflow_id}/runs/{run_id}` runs (seed 003 plus `output`).
- `cortex/` — `runs-list.json` is a list response (3 runs), `single-run.json` one run (seed 004).

Counting rules used below (DESIGN.md): tokens and calls from `llm_token_usage` when present, else from
the events (one call per distinct `llm_response_id` among `say_llm`/`worker_llm`/
`condition_evaluator_llm` events; `assistant_response` repeats a call and streamed chunks share one
id; only the last chunk carries the numbers); latency = the sum of `response_latency_milliseconds`
of those calls (= `llm_latency_stats.total_latency_milliseconds`); Cortex credits = `usage.total`;
evaluator tokens only in `eval_tokens`. Every Interactly case here has `llm_token_usage` equal to what
its events say, except `10` (usage null) and `11b` (no usage field) which are counted from events.
`turns` = number of `input_output_pairs` (for `11b`: `turn_number`); Noxus and Cortex runs are one
turn with no LLM calls reported. Verdicts assume the default recorded engine, which replays each case
to itself.

The same table as CSV (plus `usage_source`, `side_effects` and `shape` columns): `tests/data/fixtures-expected.csv`.
"""


def main():
    # clean what this script owns
    for d in (FIXTURES, TESTDATA / "recordings-v2", TESTDATA / "bad", TESTDATA / "dangling"):
        if d.exists():
            shutil.rmtree(d)

    files, why = build_fixtures()
    for rel, obj in files.items():
        write(FIXTURES, rel, obj)
    for rel, obj in build_recordings_v2().items():
        write(TESTDATA, rel, obj)
    bad, bad_ids = build_bad()
    for rel, data in bad.items():
        write(TESTDATA, rel, data)
    copy_seeds()

    # read everything back: every JSON file except the deliberately bad ones must parse
    for base in (FIXTURES, TESTDATA / "recordings-v2", TESTDATA / "seeds", TESTDATA / "dangling"):
        for p in sorted(base.rglob("*")):
            if p.suffix in (".json", ".jsonl"):
                docs_of(p)
    for name in ("good.json", "wrong-types.json", "not-a-run.json"):
        json.loads((TESTDATA / "bad" / name).read_bytes())

    rels = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.suffix in (".json", ".jsonl"))
    rows, evals, dangling = summarize_corpus(FIXTURES, rels)
    assert not dangling, dangling
    table = readme_table(rows, why)
    mtable, _ = models_table(rows)
    summ = summary_line(rows)
    sizes = sorted((p.stat().st_size, str(p.relative_to(ROOT))) for p in FIXTURES.rglob("*.json*"))
    readme = FIXTURES_README_HEAD + "\n## Cases (sorted by run_id)\n\n" + table + "\n\n"
    readme += ("## Expected models (cases only; evaluator calls excluded)\n\n" + mtable + "\n\n")
    readme += "## Expected summary\n\n| " + " | ".join(summ) + " |\n|" + "---|" * len(summ) + "\n| " + \
              " | ".join(str(v) for v in summ.values()) + " |\n\n"
    readme += ("`pass_rate` = passed / (passed + failed). `eval_tokens` is the sum over evaluated cases of "
               "their evaluator run's `llm_token_usage.total_tokens`; it is never part of `total_tokens`.\n\n")
    readme += "## Evaluator runs\n\n| file | eval_run_id | source_workflow_run_id | passed | score | tokens |\n|---|---|---|---|---|---|\n"
    for rel in rels:
        for line, doc in docs_of(FIXTURES / rel):
            v = interactly_view(doc) if isinstance(doc, dict) else None
            if v and v[1] is not None and v[1].get("is_evaluation_run"):
                passed, score = verdict_from_eval(v[1])
                readme += (f"| `{rel}{':' + str(line) if line else ''}` | `{v[2]}` | `{v[1]['source_workflow_run_id']}` | "
                           f"{str(passed).lower()} | {score} | {v[1]['llm_token_usage']['total_tokens']} |\n")
    write(FIXTURES, "README.md", readme)
    write_expected_csv(rows, TESTDATA / "fixtures-expected.csv")

    check_recordings_v2()
    secret_files = [str(p.relative_to(ROOT)) for p in sorted(ROOT.glob("fixtures/**/*.json*"))
                    if SYNTHETIC_SECRET.encode() in p.read_bytes()]
    assert secret_files == ["fixtures/interactly/08-lookup-tools-pii.json"], secret_files

    # recordings-v2 expectations
    v2rels = sorted(str(p.relative_to(TESTDATA / "recordings-v2"))
                    for p in (TESTDATA / "recordings-v2").rglob("*.json"))
    v2rows, _, v2dangling = summarize_corpus(TESTDATA / "recordings-v2", v2rels)
    assert not v2dangling
    case_by_input = {}
    for r in rows:
        if r["system"] == "interactly" and r["file"].startswith("interactly/0"):
            case_by_input[r["file"][11:13]] = r
    td = TESTDATA_README_HEAD
    td += "| file | recording run_id | replaces case | case run_id | version | status | llm_calls | input_tokens | output_tokens | total_tokens | latency_ms_total | eval_run_id | eval_tokens | score | verdict | case verdict (v1) | flip |\n"
    td += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    for r in sorted(v2rows, key=lambda r: r["file"]):
        num = r["file"][:2]
        c = case_by_input[num]
        flip = {("pass", "fail"): "new_failure", ("fail", "pass"): "fixed"}.get((c["verdict"], r["verdict"]), "")
        td += (f"| `recordings-v2/{r['file']}` | `{r['run_id']}` | {num} | `{c['run_id']}` | {r['version']} | "
               f"{r['status']} | {r['llm_calls']} | {r['input_tokens']} | {r['output_tokens']} | {r['total_tokens']} | "
               f"{r['latency_ms_total']} | `{r['eval_run_id']}` | {r['eval_tokens']} | {r['score']} | "
               f"{r['verdict']} | {c['verdict']} | {flip} |\n")
    td += TESTDATA_README_BAD.format(good=bad_ids["good"], dup=bad_ids["dup"], ghost=bad_ids["ghost"],
                                     orphan=bad_ids["orphan_eval"])
    write(TESTDATA, "README.md", td)
    write_expected_csv(sorted(v2rows, key=lambda r: r["file"]), TESTDATA / "recordings-v2-expected.csv")

    print(f"wrote {len(rels)} fixture files ({len(rows)} cases, {len(evals)} evaluator runs); "
          f"sizes {sizes[0][0]}..{sizes[-1][0]} bytes")
    print(f"summary: {summ}")


def check_recordings_v2():
    """Same caller inputs turn by turn as the v1 cases; other volatile variables and outputs."""
    def view(path):
        run = json.loads(path.read_bytes())["workflow_run"]["workflow_run"]
        ins = [(p["run_input"]["command"], p["run_input"]["runtime_variables"]["input_dynamic_variables"],
                p["run_input"]["thread_to_node_inputs"]) for p in run["input_output_pairs"]]
        vol = [{k: v for k, v in p["run_input"]["dynamic_variables"].items()
                if k not in p["run_input"]["runtime_variables"]["input_dynamic_variables"]}
               for p in run["input_output_pairs"]]
        said = [e["content"] for p in run["input_output_pairs"] for e in p["run_output"]["events"]
                if e["type"] == "assistant_response"]
        return run, ins, vol, said
    for case, num in (("01-intake-completed-pass", "01"), ("02-intake-completed-fail", "02"),
                      ("07-intake-turn-by-turn", "07")):
        r1, i1, v1, s1 = view(FIXTURES / "interactly" / f"{case}.json")
        r2, i2, v2, s2 = view(TESTDATA / "recordings-v2" / f"{num}-intake-v2.json")
        assert i1 == i2, case
        assert all(a[k] != b[k] for a, b in zip(v1, v2) for k in ("now", "timestamp", "rand_str", "rand_uuid")), case
        assert s1 != s2 and r1["llm_token_usage"] != r2["llm_token_usage"], case
        assert (r1["workflow_id"], r1["version_number"], r2["version_number"]) == (r2["workflow_id"], 1, 2), case


TESTDATA_README_HEAD = """# tests/data

Generated by `python3 scripts/make_fixtures.py`; do not edit by hand.

- `fixtures-expected.csv` — the expectations table of `fixtures/README.md` as CSV.
- `seeds/` — the JSON bodies of the API reference pages, verbatim (placeholders like `"<string>"`
  included): 000 Interactly GET run envelope, 002 Interactly execute response (bare WorkflowRun),
  003 Noxus run, 004 Cortex run list. They are shapes, not valid cases.
- `recordings-v2/` — never cases: recordings the engine may answer with (`--recordings`). "Patient
  intake" version 2 runs with exactly the caller inputs of fixture cases 01, 02 and 07
  (`runtime_variables.input_dynamic_variables` and the user message of each turn), but other assistant
  texts, token counts and volatile dynamic variables (`now`, `date`, `rand_*`, … of another day), plus
  their evaluator runs (evaluator workflow version 1) in `recordings-v2/evaluations/`. Expected with
  `reprise run fixtures --recordings tests/data/recordings-v2 --version 2` (as CSV:
  `recordings-v2-expected.csv`):

"""

TESTDATA_README_BAD = """
  Comparing the v1 report (baseline) with the v2 one: case 01 `new_failure`, case 02 `fixed`,
  case 07 unchanged (pass).

- `bad/` — `reprise validate` must report each broken file and still count the good runs:

| file | what is wrong |
|---|---|
| `bad/good.json` | nothing: one valid run (`{good}`, Appointment reminder, verdict none) |
| `bad/truncated.json` | a valid run cut at 60 % of its bytes |
| `bad/empty.json` | 0 bytes |
| `bad/wrong-types.json` | valid JSON envelope, but `version_number` is `"one"` and one `prompt_tokens` is a list |
| `bad/invalid-utf8.json` | bytes `0xff 0xfe` inside a user message string |
| `bad/deep.json` | 100,000 nested `[` then 100,000 `]` (valid JSON, far deeper than any parser's limit) |
| `bad/nan.json` | `llm_latency_stats.average_latency_milliseconds` is `NaN` |
| `bad/huge-number.json` | `llm_token_usage.total_tokens` is `1e400` |
| `bad/binary.json` | 2,048 pseudo-random bytes (seed 20260302) |
| `bad/not-a-run.json` | `{{"hello": "world", "items": [1, 2]}}` |
| `bad/mixed.jsonl` | 4 lines: lines 1, 3 and 4 are valid runs, line 2 is cut-off JSON |

  Good runs in `bad/`: `good.json` and lines 1, 3, 4 of `mixed.jsonl` (4 runs).

- `dangling/` — `orphan-evaluator.json` is an evaluator run (`{orphan}`) whose
  `source_workflow_run_id` `{ghost}` is in no corpus (a warning, not an error);
  `duplicate-a.json` and `duplicate-b.json` are two different runs sharing `workflow_run_id` `{dup}`.
"""


if __name__ == "__main__":
    main()
