//! The serde shapes of the three systems' documents, read in one pass.
//!
//! One struct, [`Doc`], holds the top-level fields of every format at once: detection looks at
//! which fields were present, so a document is parsed once whatever it turns out to be. Strings
//! borrow from the file's buffer where they can; parts the harness does not read (prompts,
//! `workflow_show_state` snapshots, iteration copies) are skipped without building values.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::model::{exact, sorted_last_wins, Variables};

/// Text that may be a string, or a list of parts (`"x"` or `{"text": "x"}`), as LangChain
/// message `content` is. Borrows from the document when it can (no escapes, one part).
#[derive(Debug, Default)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl Text<'_> {
    /// The text, owned.
    pub(crate) fn owned(self) -> String {
        self.0.into_owned()
    }

    /// The text, owned as a `Box<str>`.
    pub(crate) fn boxed(self) -> Box<str> {
        self.owned().into_boxed_str()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of content parts")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'a>, A::Error> {
                let mut out = String::new();
                while let Some(part) = seq.next_element::<Part>()? {
                    if let Some(t) = part.0 {
                        out.push_str(&t);
                    }
                }
                Ok(Text(Cow::Owned(out)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One content part: a string, or an object whose `text` is kept.
struct Part(Option<String>);

impl<'de> Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Part;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a content part")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Part, E> {
                Ok(Part(Some(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part, A::Error> {
                let mut text = None;
                while let Some(key) = map.next_key_seed(KeySeed)? {
                    if key == "text" {
                        text = map.next_value::<Option<String>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Part(text))
            }
        }
        d.deserialize_any(V)
    }
}

/// A tool call in an AI message.
#[derive(Debug, Deserialize)]
pub(crate) struct ToolCallDoc {
    pub name: Option<String>,
    pub args: Option<Value>,
    pub id: Option<String>,
}

/// A LangChain-style message.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MessageDoc<'a> {
    #[serde(borrow)]
    pub content: Option<Text<'a>>,
    #[serde(rename = "type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    pub tool_calls: Option<Vec<ToolCallDoc>>,
}

/// `response_metadata` of an assistant response.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResponseMetadataDoc {
    pub message_type: Option<Box<str>>,
}

/// `run_output` of an `end_node_run` event.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EndNodeOutputDoc {
    #[serde(rename = "type")]
    pub kind: Option<Box<str>>,
}

/// Any event: the union of the fields of the types the harness reads.
///
/// Read by hand ([`EventDoc::fill`]) into a value that stays where it is: events are most of a
/// run's bytes, and a derived reader built this large struct and then moved it twice per event.
#[derive(Debug, Default)]
pub(crate) struct EventDoc<'a> {
    /// `type`.
    pub kind: Option<Cow<'a, str>>,
    pub logical_id: Option<Cow<'a, str>>,
    /// The SDK's printout wraps each event as `{class, event}`.
    pub event: Option<Box<EventDoc<'a>>>,
    pub content: Option<Text<'a>>,
    pub message: Option<MessageDoc<'a>>,
    pub messages: Option<Vec<MessageDoc<'a>>>,
    pub response_metadata: Option<ResponseMetadataDoc>,
    /// Read straight into the model's boxed form.
    pub llm_usage_info: Option<Box<crate::model::LlmUsageInfo>>,
    pub origin_node_logical_id: Option<Cow<'a, str>>,
    pub origin_node_name: Option<Cow<'a, str>>,
    pub source_node_logical_id: Option<Cow<'a, str>>,
    pub source_node_name: Option<Cow<'a, str>>,
    pub destination_node_logical_id: Option<Cow<'a, str>>,
    pub destination_node_name: Option<Cow<'a, str>>,
    pub edge_logical_id: Option<Cow<'a, str>>,
    pub run_output: Option<EndNodeOutputDoc>,
    pub error_message: Option<Cow<'a, str>>,
    pub iteration_number: Option<u64>,
    /// Only the run input's workflow and version are read; the copy of the turn is skipped.
    pub run_input_output_pair: Option<IterationPairDoc>,
}

impl<'de> EventDoc<'de> {
    /// Reads an event object's fields into `self`; unknown fields are skipped unread, a
    /// repeated field keeps its last value (as a JSON object would).
    pub(crate) fn fill<A: MapAccess<'de>>(&mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "type" => self.kind = map.next_value_seed(OptStr)?,
                "logical_id" => self.logical_id = map.next_value_seed(OptStr)?,
                "event" => self.event = map.next_value_seed(NestedEvent)?,
                "content" => self.content = map.next_value()?,
                "message" => self.message = map.next_value()?,
                "messages" => self.messages = map.next_value()?,
                "response_metadata" => self.response_metadata = map.next_value()?,
                "llm_usage_info" => self.llm_usage_info = map.next_value_seed(UsageSeed)?,
                "origin_node_logical_id" => {
                    self.origin_node_logical_id = map.next_value_seed(OptStr)?
                }
                "origin_node_name" => self.origin_node_name = map.next_value_seed(OptStr)?,
                "source_node_logical_id" => {
                    self.source_node_logical_id = map.next_value_seed(OptStr)?
                }
                "source_node_name" => self.source_node_name = map.next_value_seed(OptStr)?,
                "destination_node_logical_id" => {
                    self.destination_node_logical_id = map.next_value_seed(OptStr)?
                }
                "destination_node_name" => {
                    self.destination_node_name = map.next_value_seed(OptStr)?
                }
                "edge_logical_id" => self.edge_logical_id = map.next_value_seed(OptStr)?,
                "run_output" => self.run_output = map.next_value()?,
                "error_message" => self.error_message = map.next_value_seed(OptStr)?,
                "iteration_number" => self.iteration_number = map.next_value()?,
                "run_input_output_pair" => self.run_input_output_pair = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for EventDoc<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = EventDoc<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EventDoc<'a>, A::Error> {
                let mut doc = EventDoc::default();
                doc.fill(map)?;
                Ok(doc)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A string, borrowed from the document when it has no escapes.
struct Str;

impl<'de> Visitor<'de> for Str {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// An object key, borrowed from the document when it has no escapes.
///
/// Read as a string, not through [`OptStr`]: `serde_path_to_error` records a key only when it is
/// visited as one, and a key seen through an option's `visit_some` left hand-read fields out of
/// error pointers.
struct KeySeed;

impl<'de> de::DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(Str)
    }
}

/// A string or null, borrowed from the document when it has no escapes.
struct OptStr;

impl<'de> de::DeserializeSeed<'de> for OptStr {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_str(Str).map(Some)
            }
        }
        d.deserialize_option(V)
    }
}

/// The `event` of an SDK printout `{class, event}`, nested at most [`MAX_NESTED`] deep.
struct NestedEvent;

impl<'de> de::DeserializeSeed<'de> for NestedEvent {
    type Value = Option<Box<EventDoc<'de>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        nested(d)
    }
}

/// `llm_usage_info`, boxed as the model keeps it.
struct UsageSeed;

impl<'de> de::DeserializeSeed<'de> for UsageSeed {
    type Value = Option<Box<crate::model::LlmUsageInfo>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        usage_info(d)
    }
}

/// `run_input_output_pair` of an `end_workflow_iteration` event.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IterationPairDoc {
    pub run_input: Option<IterationInputDoc>,
}

/// The part of that pair's `run_input` that names the workflow.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IterationInputDoc {
    pub workflow_id: Option<Box<str>>,
    pub version_number: Option<i64>,
}

/// Reads one entry of an event list and pushes it onto the list: an event object typed, anything
/// else (vendor docs show placeholders such as `"<unknown>"` there) as an untyped `Other`.
/// Pushed, not returned, so each event is built once, where the run keeps it.
struct PushEvent<'l, 'a>(&'l mut EventList<'a>);

impl<'l, 'de: 'a, 'a> de::DeserializeSeed<'de> for PushEvent<'l, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl PushEvent<'_, '_> {
    fn untyped(self) {
        self.0.ids.push(None);
        self.0.events.push(crate::model::Event::Other {
            kind: String::new(),
        });
    }
}

impl<'l, 'de: 'a, 'a> Visitor<'de> for PushEvent<'l, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let mut outer = EventDoc::default();
        outer.fill(map)?;
        // The SDK's printout wraps events as `{class, event}`.
        let mut wrapped = if outer.kind.is_none() {
            outer.event.take()
        } else {
            None
        };
        let doc = match wrapped.as_deref_mut() {
            Some(inner) => inner,
            None => &mut outer,
        };
        self.0.ids.push(doc.logical_id.take());
        self.0.events.push(super::interactly::event(doc));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.untyped();
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.untyped();
        Ok(())
    }
}

/// An event list, converted while it is read: the events, and beside them their
/// `logical_id`s (`None` for entries that are no event object).
///
/// Kept as two vectors so the events are built once into the vector the run keeps.
#[derive(Debug, Default)]
pub(crate) struct EventList<'a> {
    pub events: Vec<crate::model::Event>,
    pub ids: Vec<Option<Cow<'a, str>>>,
}

impl<'a> EventList<'a> {
    /// Adds another list's events after this one's.
    pub(crate) fn append(&mut self, mut other: EventList<'a>) {
        self.events.append(&mut other.events);
        self.ids.append(&mut other.ids);
    }

    /// The events, each `logical_id` once (its first occurrence); entries without one are all
    /// kept.
    ///
    /// Duplicates are rare: one pass finds whether there are any (Fx hashing: these short ids
    /// come from the document, and a hash-flooding document would only slow its own load), and
    /// only then are the events filtered.
    pub(crate) fn into_unique(self) -> Vec<crate::model::Event> {
        let EventList { mut events, ids } = self;
        let mut seen: rustc_hash::FxHashSet<&str> =
            rustc_hash::FxHashSet::with_capacity_and_hasher(ids.len(), Default::default());
        if !ids.iter().flatten().all(|id| seen.insert(id)) {
            seen.clear();
            let mut ids = ids.iter();
            events.retain(|_| match ids.next() {
                Some(Some(id)) => seen.insert(id),
                _ => true,
            });
        }
        exact(events)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for EventList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = EventList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventList<'a>, A::Error> {
                let mut out = EventList::default();
                while seq.next_element_seed(PushEvent(&mut out))?.is_some() {}
                Ok(out)
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// A message list under a thread: `{node_run_inputs: [{type, messages}]}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ThreadInputsDoc<'a> {
    #[serde(borrow)]
    pub node_run_inputs: Option<Vec<NodeRunInputDoc<'a>>>,
}

/// One node run input.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeRunInputDoc<'a> {
    #[serde(borrow)]
    pub messages: Option<Vec<MessageDoc<'a>>>,
}

/// `runtime_variables` of a run input: two keys are pulled out, the rest kept.
#[derive(Debug, Default)]
pub(crate) struct RuntimeVarsDoc {
    pub input_dynamic_variables: Option<Variables>,
    pub rest: serde_json::Map<String, Value>,
}

impl<'de> Deserialize<'de> for RuntimeVarsDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuntimeVarsDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of runtime variables")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuntimeVarsDoc, A::Error> {
                let mut out = RuntimeVarsDoc::default();
                while let Some(key) = map.next_key_seed(KeySeed)? {
                    match key.as_ref() {
                        "input_dynamic_variables" => {
                            out.input_dynamic_variables = map.next_value_seed(AllVariables)?
                        }
                        // A full copy of the dynamic variables: the harness never needs it twice.
                        "all_dynamic_variables" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            let v: Value = map.next_value()?;
                            out.rest.insert(key.into_owned(), v);
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// `run_input` (WorkflowRunInput).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RunInputDoc<'a> {
    pub command: Option<String>,
    /// Without the server's volatile variables: they are noise to every stage, and they stay
    /// in the raw document.
    #[serde(default, deserialize_with = "without_volatile")]
    pub dynamic_variables: Option<Variables>,
    pub runtime_variables: Option<RuntimeVarsDoc>,
    #[serde(borrow, default, deserialize_with = "by_key")]
    pub thread_to_node_inputs: Option<Entries<'a, Option<ThreadInputsDoc<'a>>>>,
}

/// One entry of `thread_to_node_outputs`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeOutputDoc<'a> {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub node_logical_id: Option<String>,
    pub structured_output: Option<Value>,
    #[serde(borrow)]
    pub free_form_output: Option<Text<'a>>,
    #[serde(borrow)]
    pub events: Option<EventList<'a>>,
}

/// `run_output`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RunOutputDoc<'a> {
    #[serde(borrow)]
    pub events: Option<EventList<'a>>,
    #[serde(borrow, default, deserialize_with = "by_key")]
    pub thread_to_node_outputs: Option<Entries<'a, Option<Vec<NodeOutputDoc<'a>>>>>,
}

/// One `input_output_pairs` entry.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PairDoc<'a> {
    #[serde(borrow)]
    pub run_input: Option<RunInputDoc<'a>>,
    #[serde(borrow)]
    pub run_output: Option<RunOutputDoc<'a>>,
    pub evaluation: Option<Value>,
}

/// `breakdown_by_models[]` of `llm_token_usage` and `llm_latency_stats`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ModelStatsDoc {
    pub response_model: Option<String>,
    pub provider: Option<String>,
    pub total_input_tokens: Option<u64>,
    pub total_output_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    pub call_count: Option<u64>,
    pub total_latency_milliseconds: Option<f64>,
}

/// `llm_token_usage` / `llm_latency_stats`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatsDoc {
    pub total_input_tokens: Option<u64>,
    pub total_output_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    pub call_count: Option<u64>,
    pub total_latency_milliseconds: Option<f64>,
    pub breakdown_by_models: Option<Vec<ModelStatsDoc>>,
}

/// A comment.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentDoc {
    pub content: Option<String>,
    #[serde(rename = "createdBy")]
    pub created_by: Option<String>,
    #[serde(rename = "createdAt")]
    pub created_at: Option<String>,
}

/// `evaluation_run_info`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EvalInfoDoc {
    pub evaluation_workflow_run_id: Option<String>,
}

/// `evaluation_config`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EvalConfigDoc {
    pub evaluator_workflow_id: Option<String>,
    pub evaluator_workflow_version_number: Option<i64>,
    pub enable_turn_by_turn_evaluation: Option<bool>,
}

/// A tool config.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolDoc {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `tools_config`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolsConfigDoc {
    pub tools: Option<Vec<ToolDoc>>,
}

/// An MCP server; header values are skipped unread.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct McpDoc<'a> {
    pub name: Option<String>,
    pub server_url: Option<String>,
    #[serde(borrow)]
    pub api_headers: Option<BTreeMap<Cow<'a, str>, IgnoredAny>>,
}

/// `workflow_config`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WorkflowConfigDoc<'a> {
    pub name: Option<String>,
    pub evaluation_config: Option<EvalConfigDoc>,
    pub tools_config: Option<ToolsConfigDoc>,
    #[serde(borrow)]
    pub mcp_servers: Option<Vec<McpDoc<'a>>>,
}

/// A node config.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeConfigDoc {
    pub logical_id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub is_start: Option<bool>,
    pub disabled: Option<bool>,
    pub tools_config: Option<ToolsConfigDoc>,
}

/// An edge config.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EdgeConfigDoc {
    pub logical_id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub source_node_logical_id: Option<String>,
    pub destination_node_logical_id: Option<String>,
}

/// `workflow_config_fully_hydrated`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct HydratedDoc<'a> {
    #[serde(borrow)]
    pub workflow_config: Option<WorkflowConfigDoc<'a>>,
    pub node_configs: Option<Vec<NodeConfigDoc>>,
    pub edge_configs: Option<Vec<EdgeConfigDoc>>,
}

/// Noxus `workflow`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NoxusWorkflowDoc {
    pub workflow_hash: Option<String>,
}

/// Cortex `workflow_version`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CortexVersionDoc {
    pub version: Option<i64>,
}

/// Cortex `usage`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CortexUsageDoc {
    pub total: Option<f64>,
}

/// Every top-level field of every format. Which are present tells the format.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Doc<'a> {
    // Interactly envelope (`workflow_run` wraps the run; the wrapper's own `workflow_run` is it).
    #[serde(borrow, default, deserialize_with = "nested")]
    pub workflow_run: Option<Box<Doc<'a>>>,
    pub _id: Option<String>,
    pub team_id: Option<IgnoredAny>,
    pub debug_info: Option<IgnoredAny>,
    // Interactly WorkflowRun.
    pub workflow_run_id: Option<String>,
    pub workflow_id: Option<String>,
    pub version_number: Option<i64>,
    pub version_name: Option<String>,
    pub status: Option<String>,
    pub termination_source: Option<String>,
    #[serde(borrow)]
    pub input_output_pairs: Option<Vec<PairDoc<'a>>>,
    pub comments: Option<Vec<CommentDoc>>,
    pub llm_token_usage: Option<StatsDoc>,
    pub llm_latency_stats: Option<StatsDoc>,
    #[serde(borrow)]
    pub workflow_config_fully_hydrated: Option<HydratedDoc<'a>>,
    pub source_workflow_run_id: Option<String>,
    pub is_evaluation_run: Option<bool>,
    pub evaluation_run_info: Option<EvalInfoDoc>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    // Current Interactly execute response.
    pub run_id: Option<String>,
    pub turn_number: Option<u64>,
    #[serde(borrow)]
    pub events: Option<EventList<'a>>,
    pub is_waiting_for_input: Option<bool>,
    pub is_completed: Option<bool>,
    pub error: Option<Value>,
    pub next_input_hint: Option<IgnoredAny>,
    // Noxus and Cortex.
    pub id: Option<String>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    // Noxus.
    pub group_id: Option<IgnoredAny>,
    pub node_ids: Option<IgnoredAny>,
    pub progress: Option<f64>,
    pub definitions: Option<IgnoredAny>,
    pub finished_at: Option<String>,
    pub workflow: Option<NoxusWorkflowDoc>,
    // Cortex.
    pub result: Option<IgnoredAny>,
    pub origin: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub app_id: Option<String>,
    pub workflow_app_id: Option<IgnoredAny>,
    pub workflow_version: Option<CortexVersionDoc>,
    pub workflow_version_draft: Option<IgnoredAny>,
    pub version: Option<i64>,
    pub usage: Option<CortexUsageDoc>,
}

/// How many levels of [`Doc`] (envelope → run) or [`EventDoc`] (`{class, event}`) may nest.
/// Real documents need two; the limit keeps hostile nesting (`{"workflow_run": {"workflow_run":
/// …}}` 100,000 deep) from piling up these large stack frames until a thread overflows.
const MAX_NESTED: u32 = 4;

thread_local! {
    static NESTED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Deserializes a nested run or event: objects only (an array never reaches the struct's
/// sequence form, which would recurse once per `[`), at most [`MAX_NESTED`] levels deep.
fn nested<'de, D, T>(d: D) -> Result<Option<Box<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Nested<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> ObjectReader<'de> for Nested<T> {
        type Out = Box<T>;
        const EXPECTING: &'static str = "an object";
        fn read<A: MapAccess<'de>>(self, map: A) -> Result<Self::Out, A::Error> {
            let depth = NESTED.with(|n| {
                let depth = n.get() + 1;
                n.set(depth);
                depth
            });
            let result = if depth > MAX_NESTED {
                Err(de::Error::custom("runs or events nested too deep"))
            } else {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Box::new)
            };
            NESTED.with(|n| n.set(n.get() - 1));
            result
        }
    }
    optional_object(d, Nested(std::marker::PhantomData))
}

/// Parses a whole document as a [`Doc`]: objects only, for the same reason as [`nested`].
pub(crate) fn top<'de, D: Deserializer<'de>>(d: D) -> Result<Doc<'de>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Doc<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object (a run)")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc<'de>, A::Error> {
            Doc::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(V)
}

/// How an optional object field is read: null or absent is `None`, an object is handed to
/// [`ObjectReader::read`].
trait ObjectReader<'de>: Sized {
    type Out;
    /// What the field should be, for the error message.
    const EXPECTING: &'static str;
    fn read<A: MapAccess<'de>>(self, map: A) -> Result<Self::Out, A::Error>;
}

/// Reads an optional object field with `reader`.
fn optional_object<'de, D: Deserializer<'de>, R: ObjectReader<'de>>(
    d: D,
    reader: R,
) -> Result<Option<R::Out>, D::Error> {
    struct Optional<R>(R);
    impl<'de, R: ObjectReader<'de>> Visitor<'de> for Optional<R> {
        type Value = Option<R::Out>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(R::EXPECTING)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            self.0.read(map).map(Some)
        }
    }
    d.deserialize_option(Optional(reader))
}

/// An object's entries in key order (see [`by_key`]).
pub(crate) type Entries<'a, V> = Vec<(Cow<'a, str>, V)>;

/// An object's entries sorted by key, a repeated key keeping its last value: what a `BTreeMap`
/// gives, without its nodes, owned keys and tear-down (per-thread maps are read once and
/// consumed in order).
fn by_key<'de, D, V>(d: D) -> Result<Option<Entries<'de, V>>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Sorted<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> ObjectReader<'de> for Sorted<V> {
        type Out = Entries<'de, V>;
        const EXPECTING: &'static str = "an object";
        fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
            let mut entries = Vec::new();
            while let Some(key) = map.next_key_seed(KeySeed)? {
                entries.push((key, map.next_value()?));
            }
            Ok(sorted_last_wins(entries))
        }
    }
    optional_object(d, Sorted(std::marker::PhantomData))
}

/// Reads a variables object, skipping the server's volatile variables unbuilt.
fn without_volatile<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Variables>, D::Error> {
    optional_object(
        d,
        VariablesReader {
            skip_volatile: true,
        },
    )
}

/// Reads a variables object whole (`input_dynamic_variables`: what the caller sent).
struct AllVariables;

impl<'de> de::DeserializeSeed<'de> for AllVariables {
    type Value = Option<Variables>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        optional_object(
            d,
            VariablesReader {
                skip_volatile: false,
            },
        )
    }
}

/// A variables object, read into the model's sorted list.
struct VariablesReader {
    skip_volatile: bool,
}

impl<'de> ObjectReader<'de> for VariablesReader {
    type Out = Variables;
    const EXPECTING: &'static str = "an object of dynamic variables";
    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Variables, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if self.skip_volatile && crate::model::is_volatile_variable(&key) {
                map.next_value::<IgnoredAny>()?;
            } else {
                let v: Value = map.next_value()?;
                out.push((key.into_owned(), v));
            }
        }
        Ok(Variables::from_pairs(out))
    }
}

/// `llm_usage_info`, read by hand straight into the boxed form the model keeps (one in two
/// events carries one).
fn usage_info<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<crate::model::LlmUsageInfo>>, D::Error> {
    struct Usage;
    impl<'de> ObjectReader<'de> for Usage {
        type Out = Box<crate::model::LlmUsageInfo>;
        const EXPECTING: &'static str = "an llm_usage_info object";
        fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
            let mut u = Box::<crate::model::LlmUsageInfo>::default();
            let text = |v: Option<Cow<str>>| v.map(Cow::into_owned);
            while let Some(key) = map.next_key_seed(KeySeed)? {
                match key.as_ref() {
                    "response_model" => u.model = text(map.next_value_seed(OptStr)?),
                    "provider" => u.provider = text(map.next_value_seed(OptStr)?),
                    "llm_response_id" => u.response_id = text(map.next_value_seed(OptStr)?),
                    "prompt_tokens" => u.prompt_tokens = map.next_value()?,
                    "completion_tokens" => u.completion_tokens = map.next_value()?,
                    "total_tokens" => u.total_tokens = map.next_value()?,
                    "response_latency_milliseconds" => u.latency_ms = map.next_value()?,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(u)
        }
    }
    optional_object(d, Usage)
}
