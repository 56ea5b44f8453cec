#!/usr/bin/env python3
"""Builds a corpus of runs the vendors' own models accept, to load with `reprise validate`.

Interactly documents are built from the vendor's pydantic models (the MIT `interactly_configs`
package, imported from --vendor, never copied here) with polyfactory, seeded: every event type
of the `Event` union, every node run input and output type, every node config type and some
unknown ones, nulls and absent fields, arbitrary JSON in the fields the vendor types `Any`
(event `message`, `messages`, node input messages, message `content` and parts, `tool_calls`,
`response_metadata`), big and negative integers, unicode, and future event types whose fields
have other shapes. Each `WorkflowRun` is validated with the vendor's model before it is written
(a document that fails is dropped and counted, never written), then dumped with one of the
models' serialisers (`model_dump(mode="json")` / `model_dump_json` with `exclude_none`,
`exclude_unset`, `by_alias`), bare or in the GET envelope, as single files, JSON arrays and
JSONL. Noxus and Cortex runs follow the vendors' API pages (every documented status, optional
fields null or absent).

Every document has a run id (the only other rejection DESIGN.md allows is a number beyond f64,
which these models cannot produce), so `reprise validate OUT` must report 0 errors and the run
count written to OUT/manifest.json.

    python3 scripts/vendor_corpus.py --out /tmp/vc --seed 1 --runs 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import typing
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VENDOR = REPO / ".." / "shared" / "reference" / "interactly" / "sdk-configs"

NOXUS_STATUSES = ["queued", "running", "failed", "completed", "stopped", "awaiting_human_feedback"]
CORTEX_STATUSES = ["PENDING", "RUNNING", "CANCELLED", "COMPLETED", "SKIPPED", "FAILED"]
INTERACTLY_STATUSES = [
    "not_started",
    "started",
    "running",
    "failed",
    "completed",
    "paused",
    "waiting_for_user_input",
    "cancelled",
    "aborted_looping_risk",
]
WORDS = [
    "hello",
    "Grüße",
    "日本語",
    "مرحبا",
    "🙂🚀",
    "e\u0301",
    "tab\there",
    'quote " and \\ backslash',
    "line\nbreak",
    "\u0000nul",
    "\u2028sep",
    "1e400 in text",
    "{\"json\": 1e999}",
    "",
]
BIG_INTS = [0, 1, 7, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, 10**30]
NEG_INTS = [-1, -7, -(2**31), -(2**63), -(2**63) - 1, -(2**70)]


class Gen:
    """Seeded building blocks; `rng` drives every choice."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def text(self) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(0, 3)))

    def integer(self) -> int:
        r = self.rng.random()
        if r < 0.6:
            return self.rng.randint(0, 5000)
        if r < 0.8:
            return self.rng.choice(BIG_INTS)
        return self.rng.choice(NEG_INTS)

    def number(self):
        return self.rng.choice(
            [self.integer(), 0.5, -0.0, 1e308, -1.7976931348623157e308, 5e-324, 1e-400, 3.25]
        )

    def any_json(self, depth: int = 0):
        """Any JSON value, nested a few levels at most."""
        kinds = ["str", "int", "num", "bool", "null"]
        if depth < 4:
            kinds += ["list", "dict"]
        kind = self.rng.choice(kinds)
        if kind == "str":
            return self.text()
        if kind == "int":
            return self.integer()
        if kind == "num":
            return self.number()
        if kind == "bool":
            return self.chance(0.5)
        if kind == "null":
            return None
        if kind == "list":
            return [self.any_json(depth + 1) for _ in range(self.rng.randint(0, 3))]
        return {self.text() or "k": self.any_json(depth + 1) for _ in range(self.rng.randint(0, 3))}

    def content(self):
        """LangChain message `content`: a string, parts, or anything else."""
        r = self.rng.random()
        if r < 0.5:
            return self.text()
        if r < 0.8:
            parts = []
            for _ in range(self.rng.randint(0, 3)):
                parts.append(
                    self.rng.choice(
                        [
                            self.text(),
                            {"type": "text", "text": self.text()},
                            {"type": "text", "text": self.any_json()},
                            {"type": "image_url", "image_url": {"url": "data:,x"}},
                            {"type": "tool_use", "id": "t1", "input": self.any_json()},
                            self.any_json(),
                        ]
                    )
                )
            return parts
        return self.any_json()

    def tool_calls(self):
        if self.chance(0.2):
            return self.any_json()
        calls = []
        for _ in range(self.rng.randint(0, 2)):
            call = {"name": self.rng.choice(["lookup", "book", "Destination_Node_x", self.text()])}
            call["args"] = self.rng.choice([{}, {"q": self.text()}, self.any_json()])
            call["id"] = self.rng.choice(["call_1", None, 5, self.text()])
            call["type"] = "tool_call"
            if self.chance(0.2):
                call = self.any_json()
            calls.append(call)
        return calls

    def message(self, kind: str | None = None):
        """A message as the vendor stores it (`Any`): usually LangChain-like, sometimes not."""
        if self.chance(0.15):
            return self.any_json()
        msg = {}
        for key, value in [
            ("content", lambda: self.content()),
            ("type", lambda: kind or self.rng.choice(["ai", "human", "tool", "system", None, 3])),
            ("name", lambda: self.rng.choice([None, "lookup", self.text(), 1])),
            ("tool_calls", lambda: self.tool_calls()),
            ("id", lambda: self.rng.choice([None, "msg_1", self.integer()])),
            ("response_metadata", lambda: {"finish_reason": self.any_json(), "x": self.any_json()}),
            ("additional_kwargs", lambda: self.any_json()),
            ("usage_metadata", lambda: {"input_tokens": self.integer()}),
        ]:
            if self.chance(0.7):
                msg[key] = value()
        return msg

    def usage_info(self) -> dict:
        info = {}
        for key in ["prompt_tokens", "completion_tokens", "total_tokens", "response_latency_milliseconds"]:
            if self.chance(0.8):
                info[key] = self.rng.choice([None, self.integer(), self.integer()])
        for key, value in [
            ("response_model", lambda: self.rng.choice(["gpt-4.1", "claude-haiku-4-5", None, self.text()])),
            ("provider", lambda: self.rng.choice(["openai", "anthropic", None])),
            ("llm_response_id", lambda: self.rng.choice([None, "r1", "r2", "r3", self.text()])),
            ("finish_reason", lambda: self.rng.choice([None, ["stop"], []])),
            ("was_streamed", lambda: self.rng.choice([None, True, False])),
        ]:
            if self.chance(0.8):
                info[key] = value()
        return info


def vendor_imports(vendor: Path):
    sys.path.insert(0, str(vendor))
    import interactly_configs  # noqa: F401
    from interactly_configs.events import event as events
    from interactly_configs.nodes import node_unions
    from interactly_configs import workflow_run, workflow, edge, comment, evaluation

    return events, node_unions, workflow_run, workflow, edge, comment, evaluation


def union_members(annotated) -> list:
    """The classes of an `Annotated[Union[...], Field(discriminator=...)]`."""
    union = typing.get_args(annotated)[0]
    return list(typing.get_args(union))


class Builder:
    """Builds vendor-model instances with polyfactory, retrying those a model validator refuses."""

    def __init__(self, seed: int):
        from polyfactory.factories.pydantic_factory import ModelFactory

        self.ModelFactory = ModelFactory
        ModelFactory.seed_random(seed)
        self.factories = {}

    def build(self, cls, allow_none: bool, **kwargs):
        key = (cls, allow_none)
        if key not in self.factories:
            self.factories[key] = self.ModelFactory.create_factory(
                cls, __allow_none_optionals__=allow_none, __check_model__=False
            )
        factory = self.factories[key]
        for _ in range(20):
            try:
                return factory.build(**kwargs)
            except Exception:  # a model validator refused this draw; draw again
                continue
        return cls.model_validate(kwargs)


class Corpus:
    def __init__(self, vendor: Path, seed: int):
        (
            self.events,
            self.node_unions,
            self.workflow_run,
            self.workflow,
            self.edge,
            self.comment,
            self.evaluation,
        ) = vendor_imports(vendor)
        self.seed = seed
        self.g = Gen(seed)
        self.builder = Builder(seed)
        self.event_classes = union_members(self.events.Event)
        self.output_classes = union_members(self.node_unions.NodeRunOutput)
        self.input_classes = union_members(self.node_unions.NodeRunInput)
        self.config_classes = union_members(self.node_unions.NodeConfig)
        from pydantic import TypeAdapter

        self.event_adapter = TypeAdapter(self.events.Event)
        self.dropped = 0
        self.used: dict = {}
        # Cycled so that every type appears in a small corpus.
        self.next_event = 0
        self.next_output = 0
        self.next_input = 0
        self.next_config = 0

    def cycle(self, attr: str, classes: list):
        i = getattr(self, attr)
        setattr(self, attr, i + 1)
        cls = classes[i % len(classes)]
        self.used.setdefault(attr, set()).add(cls.__name__)
        return cls

    def coverage(self) -> dict:
        """Per kind of model, [types written, types the vendor has]."""
        totals = {
            "next_event": ("event_types", self.event_classes),
            "next_output": ("node_output_types", self.output_classes),
            "next_input": ("node_input_types", self.input_classes),
            "next_config": ("node_config_types", self.config_classes),
        }
        return {name: [len(self.used.get(attr, ())), len(classes)] for attr, (name, classes) in totals.items()}

    # --- Interactly -----------------------------------------------------------------------------

    def dump(self, model) -> dict:
        """One of the model's serialisers, as a JSON-ready value."""
        g = self.g
        opts = {
            "exclude_none": g.chance(0.3),
            "exclude_unset": g.chance(0.3),
            "by_alias": g.chance(0.5),
        }
        if g.chance(0.5):
            return json.loads(model.model_dump_json(**opts))
        return model.model_dump(mode="json", **opts)

    def event(self) -> object:
        """One stored event: a vendor event (validated), a future type, or a stray value."""
        g = self.g
        r = g.rng.random()
        if r < 0.06:
            return g.rng.choice(["<unknown>", 5, None, [1, "x"], True, g.any_json()])
        if r < 0.16:
            future = {"type": "future_" + g.rng.choice(["thing", "llm", "say"]), "logical_id": f"ev_{g.rng.random()}"}
            for key in ["content", "message", "messages", "run_output", "llm_usage_info", "response_metadata", "iteration_number", "origin_node_logical_id", "run_input_output_pair", "error_message", "event"]:
                if g.chance(0.5):
                    future[key] = g.any_json()
            return future
        cls = self.cycle("next_event", self.event_classes)
        model = self.builder.build(cls, g.chance(0.5))
        data = self.dump(model)
        # The `Any` fields, with what the vendor really stores there.
        if "message" in cls.model_fields:
            data["message"] = g.message("ai") if g.chance(0.8) else g.any_json()
        if "messages" in cls.model_fields:
            data["messages"] = [g.message("human") for _ in range(g.rng.randint(0, 3))]
        if "llm_usage_info" in cls.model_fields and g.chance(0.8):
            data["llm_usage_info"] = g.usage_info()
        if "response_metadata" in cls.model_fields and g.chance(0.5):
            data["response_metadata"] = {"message_type": g.rng.choice(["ai", None, 5]), "x": g.any_json()}
        if "iteration_number" in cls.model_fields and g.chance(0.5):
            data["iteration_number"] = g.integer()
        if g.chance(0.1):
            # Unknown extra fields are ignored by the vendor's models.
            data["extra_" + str(g.rng.randint(0, 9))] = g.any_json()
        # Only what the vendor's own union accepts is written.
        self.event_adapter.validate_python(data)
        if g.chance(0.05):
            return {"class": cls.__name__, "event": data}
        return data

    def events_list(self, n: int) -> list:
        return [self.event() for _ in range(n)]

    def node_output(self) -> dict:
        g = self.g
        cls = self.cycle("next_output", self.output_classes)
        data = self.dump(self.builder.build(cls, g.chance(0.5)))
        data["events"] = self.events_list(g.rng.randint(0, 3))
        if "structured_output" in data and g.chance(0.5):
            data["structured_output"] = g.rng.choice([{"passed": g.chance(0.5), "score": g.number()}, {"x": g.any_json()}])
        return data

    def node_input(self) -> dict:
        g = self.g
        cls = self.cycle("next_input", self.input_classes)
        data = self.dump(self.builder.build(cls, g.chance(0.5)))
        if "messages" in cls.model_fields:
            data["messages"] = [g.message("human") for _ in range(g.rng.randint(0, 3))]
        data["dynamic_variables"] = self.variables()
        return data

    def variables(self) -> dict:
        g = self.g
        out = {}
        for name in ["patient_name", "now", "rand_1", "n", "nested", g.text() or "v"]:
            if g.chance(0.6):
                out[name] = g.any_json()
        return out

    def pair(self) -> dict:
        g = self.g
        pair: dict = {}
        if g.chance(0.9):
            run_input = {
                "command": g.rng.choice(["start", "data", "resume", "pause", "stop"]),
                "dynamic_variables": self.variables(),
                "runtime_variables": {
                    "input_dynamic_variables": self.variables(),
                    "workflow_invoke_count": g.integer(),
                    "x": g.any_json(),
                }
                if g.chance(0.6)
                else {},
                "version_number": g.integer() if g.chance(0.7) else None,
                "miscellaneous": {"k": g.any_json()},
                "thread_to_node_inputs": {
                    str(t): {"node_run_inputs": [self.node_input() for _ in range(g.rng.randint(0, 2))]}
                    for t in range(g.rng.randint(0, 2))
                },
            }
            if g.chance(0.3):
                run_input["welcome_message"] = g.text()
            pair["run_input"] = run_input
        elif g.chance(0.5):
            pair["run_input"] = None
        if g.chance(0.9):
            pair["run_output"] = {
                "events": self.events_list(g.rng.randint(0, 8)),
                "thread_to_node_outputs": {
                    str(t): [self.node_output() for _ in range(g.rng.randint(0, 2))]
                    for t in range(g.rng.randint(0, 2))
                },
            }
        if g.chance(0.3):
            pair["evaluation"] = g.rng.choice([None, {}, {"passed": True, "n": g.any_json()}])
        if g.chance(0.2):
            pair["iteration_end_state_miscellaneous"] = {"k": g.any_json()}
        return pair

    def usage(self, latency: bool) -> dict | None:
        g = self.g
        if g.chance(0.15):
            return None
        keys = ["call_count", "total_latency_milliseconds"] if latency else ["total_input_tokens", "total_output_tokens", "total_tokens", "call_count"]
        out = {}
        for key in keys:
            if g.chance(0.85):
                out[key] = g.rng.choice([None, g.integer(), g.integer()])
        if latency and g.chance(0.5):
            out["average_latency_milliseconds"] = g.rng.choice([None, 1.5, g.integer()])
        if g.chance(0.6):
            models = []
            for _ in range(g.rng.randint(0, 2)):
                m = {k: g.rng.choice([None, g.integer()]) for k in keys if g.chance(0.8)}
                m["response_model"] = g.rng.choice(["gpt-4.1", None])
                m["provider"] = g.rng.choice(["openai", None])
                models.append(m)
            out["breakdown_by_models"] = models
        elif g.chance(0.3):
            out["breakdown_by_models"] = None
        return out

    def hydrated(self) -> dict | None:
        g = self.g
        if g.chance(0.3):
            return None
        nodes = []
        for _ in range(g.rng.randint(0, 3)):
            if g.chance(0.1):
                # An unknown node type: the vendor keeps it as a BaseNodeConfig.
                nodes.append({"type": "future_node", "logical_id": "n_future", "name": g.text(), "x": g.any_json()})
                continue
            cls = self.cycle("next_config", self.config_classes)
            nodes.append(self.dump(self.builder.build(cls, g.chance(0.5))))
        edge_classes = union_members(self.edge.EdgeConfig) if typing.get_origin(self.edge.EdgeConfig) is typing.Annotated else [self.edge.EdgeConfig]
        edges = [self.dump(self.builder.build(g.rng.choice(edge_classes), g.chance(0.5))) for _ in range(g.rng.randint(0, 2))]
        out = {"node_configs": nodes, "edge_configs": edges, "dynamic_variables": self.variables()}
        if g.chance(0.7):
            out["workflow_config"] = self.dump(self.builder.build(self.workflow.WorkflowConfig, g.chance(0.5)))
        return out

    def interactly_run(self, index: int):
        """A validated WorkflowRun instance, or None when the vendor's model refused it."""
        g = self.g
        WorkflowRun = self.workflow_run.WorkflowRun
        run: dict = {"workflow_run_id": f"vc{self.seed}-{index:05d}-" + g.rng.choice(["a", "ü", "x y", "7"])}
        shape = g.rng.random()
        if shape < 0.08:
            pass  # a bare run: the id and nothing else
        elif shape < 0.16:
            run["status"] = g.rng.choice(INTERACTLY_STATUSES)
            run["input_output_pairs"] = []
            if g.chance(0.5):
                run["llm_token_usage"] = self.usage(False)
        else:
            run["status"] = g.rng.choice(INTERACTLY_STATUSES)
            run["input_output_pairs"] = [self.pair() for _ in range(g.rng.randint(1, 4))]
            run["llm_token_usage"] = self.usage(False)
            run["llm_latency_stats"] = self.usage(True)
        for key, value in [
            ("workflow_id", lambda: g.rng.choice(["wf_1", "wf_2", None])),
            ("version_number", lambda: g.rng.choice([None, 0, 1, g.integer()])),
            ("version_name", lambda: g.rng.choice([None, g.text()])),
            ("termination_source", lambda: g.rng.choice([None, "execution_error"])),
            ("comments", lambda: [self.dump(self.builder.build(self.comment.CommentConfig, g.chance(0.5))) for _ in range(g.rng.randint(0, 2))]),
            ("workflow_config_fully_hydrated", lambda: self.hydrated()),
            ("miscellaneous", lambda: g.rng.choice([None, {"k": g.any_json()}])),
            ("is_evaluation_run", lambda: g.chance(0.1)),
            ("source_workflow_run_id", lambda: g.rng.choice([None, f"vc{self.seed}-00001-a"])),
            ("checkpoint_source_turn_index", lambda: g.rng.choice([None, g.integer()])),
            ("carried_over_llm_token_usage", lambda: self.usage(False)),
            ("evaluation_run_info", lambda: g.rng.choice([None, {"evaluation_workflow_run_id": None}])),
            ("logical_id", lambda: g.rng.choice([None, "workflow_run_x"])),
        ]:
            if shape >= 0.08 and g.chance(0.5):
                run[key] = value()
        try:
            return WorkflowRun.model_validate(run)
        except Exception as err:  # only validated documents are written
            self.dropped += 1
            print(f"dropped run {index}: {str(err)[:200]}", file=sys.stderr)
            return None

    def interactly_doc(self, index: int):
        model = self.interactly_run(index)
        if model is None:
            return None
        run = self.dump(model)
        if "workflow_run_id" not in run or run.get("workflow_run_id") is None:
            # exclude_unset/none keep it (it was set); guard against a serialiser dropping it.
            run["workflow_run_id"] = model.workflow_run_id
        g = self.g
        if g.chance(0.4):
            wrapper = {
                "team_id": g.rng.choice(["t1", None]),
                "created_by": g.rng.choice(["u1", None]),
                "updated_by": "u1",
                "created_at": "2026-01-02T03:04:05Z",
                "updated_at": "2026-01-02T03:05:05Z",
                "_id": f"env{self.seed}-{index:05d}",
                "workflow_run": run,
            }
            if g.chance(0.3):
                # The envelope's `_id` is the run id when the run has none.
                run.pop("workflow_run_id", None)
            return {"workflow_run": wrapper, "debug_info": g.rng.choice([None, {}, {"x": g.any_json()}])}
        return run

    # --- Noxus and Cortex (vendor API pages) ----------------------------------------------------

    def optional(self, doc: dict, key: str, value):
        """Sets `key` to `value`, to null, or leaves it out."""
        r = self.g.rng.random()
        if r < 0.6:
            doc[key] = value
        elif r < 0.8:
            doc[key] = None

    def noxus_doc(self, index: int) -> dict:
        g = self.g
        doc = {"id": f"nx{self.seed}-{index:05d}", "status": NOXUS_STATUSES[index % len(NOXUS_STATUSES)]}
        self.optional(doc, "group_id", "g1")
        self.optional(doc, "workflow_id", "nx_wf")
        self.optional(doc, "input", {"q": g.any_json()})
        self.optional(doc, "output", g.any_json())
        self.optional(doc, "node_ids", ["n1"])
        self.optional(doc, "progress", g.rng.choice([0, 50, 100, 0.5]))
        self.optional(doc, "definitions", {})
        self.optional(doc, "created_at", "2023-11-07T05:31:56Z")
        self.optional(doc, "finished_at", "2023-11-07T05:31:56Z")
        self.optional(doc, "workflow", {"id": "nx_wf", "type": "flow", "workflow_hash": g.rng.choice(["h1", None]), "runs_count": g.integer(), "meta": {"tags": []}})
        self.optional(doc, "source", g.text())
        if "progress" not in doc:
            doc["progress"] = 0  # the field that tells a Noxus run
        return doc

    def cortex_doc(self, index: int) -> dict:
        g = self.g
        doc = {"id": f"cx{self.seed}-{index:05d}", "status": CORTEX_STATUSES[index % len(CORTEX_STATUSES)]}
        self.optional(doc, "result", g.any_json())
        self.optional(doc, "input", {"q": g.any_json()})
        self.optional(doc, "output", {"step_1": g.any_json()})
        self.optional(doc, "origin", "WORKFLOW")
        self.optional(doc, "error", g.rng.choice([g.text(), {"message": "x"}]))
        self.optional(doc, "started_at", "2023-12-25")
        self.optional(doc, "ended_at", "2023-12-25")
        self.optional(doc, "app_id", "app1")
        self.optional(doc, "workflow_app_id", "app1")
        self.optional(doc, "workflow_id", "cx_wf")
        self.optional(doc, "workflow_version", {"id": "v", "version": g.rng.choice([1, None, g.integer()]), "steps": []})
        self.optional(doc, "version", g.rng.choice([1, 2, g.integer()]))
        self.optional(doc, "usage", {"total": g.rng.choice([12, 0.5, None, g.integer()]), "calls": [{"id": "c", "total": 1, "calls": [{}]}], "steps": {}})
        self.optional(doc, "collection_id", "c")
        return doc


def write(out: Path, corpus: Corpus, runs: int) -> dict:
    g = corpus.g
    out.mkdir(parents=True, exist_ok=True)
    docs = []
    for i in range(runs):
        r = i % 10
        if r == 8:
            docs.append(corpus.noxus_doc(i))
        elif r == 9:
            docs.append(corpus.cortex_doc(i))
        else:
            doc = corpus.interactly_doc(i)
            if doc is not None:
                docs.append(doc)
    written = 0
    files = 0
    i = 0
    while i < len(docs):
        container = g.rng.choice(["single", "single", "array", "jsonl"])
        take = 1 if container == "single" else g.rng.randint(1, 4)
        batch = docs[i : i + take]
        i += take
        ascii_only = g.chance(0.5)
        if container == "single":
            text = json.dumps(batch[0], ensure_ascii=ascii_only, indent=g.rng.choice([None, 2]))
            name = f"doc-{files:05d}.json"
        elif container == "array":
            text = json.dumps(batch, ensure_ascii=ascii_only)
            name = f"batch-{files:05d}.json"
        else:
            text = "\n".join(json.dumps(d, ensure_ascii=ascii_only) for d in batch) + "\n"
            name = f"lines-{files:05d}.jsonl"
        (out / name).write_text(text, encoding="utf-8")
        files += 1
        written += len(batch)
    # Only documents that were written count: a type drawn for a refused run is still counted
    # here, but refusals are reported (`dropped`) and the test requires none.
    manifest = {"documents": written, "files": files, "dropped": corpus.dropped, "coverage": corpus.coverage()}
    # Outside the corpus folder's run files: `validate` reads .json, so the manifest goes beside it.
    return manifest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vendor", type=Path, default=DEFAULT_VENDOR, help="the sdk-configs folder (default: ../shared/reference/interactly/sdk-configs from the repo root)")
    ap.add_argument("--out", type=Path, required=True, help="folder to write the corpus into")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=60, help="documents to build (before dropping refused ones)")
    ap.add_argument("--manifest", type=Path, help="where to write counts as JSON (default: print)")
    args = ap.parse_args()
    if not (args.vendor / "interactly_configs").is_dir():
        print(f"vendor models not found under {args.vendor}", file=sys.stderr)
        return 2
    corpus = Corpus(args.vendor, args.seed)
    manifest = write(args.out, corpus, args.runs)
    text = json.dumps(manifest)
    if args.manifest:
        args.manifest.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
