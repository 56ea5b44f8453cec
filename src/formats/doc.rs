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

use super::lenient::{any_bool, any_string, other_shapes, AnyStr, Count, Millis, Signed};
use crate::model::{exact, sorted_last_wins, EdgeKind, Event, LlmKind, ToolCall, Variables};

/// Text that may be a string, or a list of parts (`"x"` or `{"text": "x"}`), as LangChain
/// message `content` is. Borrows from the document when it can (no escapes, one part).
///
/// The vendor types message content `Any`: an object is read as one part, and any other value
/// (a number, a boolean) is no text; none of them rejects the run.
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
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text<'a>, A::Error> {
                let part = part_text(map)?;
                Ok(Text(Cow::Owned(part.unwrap_or_default())))
            }
            other_shapes!(Text<'a>, Text::default(), [bool, num, unit]);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The `text` of a content part object, when it is a string.
fn part_text<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<String>, A::Error> {
    let mut text = None;
    while let Some(key) = map.next_key_seed(KeySeed)? {
        if key == "text" {
            text = map.next_value_seed(AnyStr)?.map(Cow::into_owned);
        } else {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(text)
}

/// One content part: a string, or an object whose `text` is kept; any other value is no text.
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
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Part, A::Error> {
                part_text(map).map(Part)
            }
            other_shapes!(Part, Part(None), [bool, num, unit, seq]);
        }
        d.deserialize_any(V)
    }
}

/// An object read field by field into `Self`, each field leniently (see [`Object`]).
pub(crate) trait Fields<'de>: Default {
    /// Reads the value of `key` (skipping it unread when it is not used).
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Reads a [`Fields`] object; any other value (or null) is `None`, skipped unbuilt.
pub(crate) struct Object<T>(std::marker::PhantomData<T>);

impl<T> Object<T> {
    pub(crate) const fn new() -> Self {
        Object(std::marker::PhantomData)
    }
}

impl<'de, T: Fields<'de>> de::DeserializeSeed<'de> for Object<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Fields<'de>> Visitor<'de> for Object<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = T::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            out.field(&key, &mut map)?;
        }
        Ok(Some(out))
    }
    other_shapes!(Option<T>, None, [bool, num, str, unit, seq]);
}

/// [`Object`] for derived fields.
fn object<'de, D: Deserializer<'de>, T: Fields<'de>>(d: D) -> Result<Option<T>, D::Error> {
    de::DeserializeSeed::deserialize(Object::<T>::new(), d)
}

/// A list of [`Fields`] objects: entries that are no object are skipped, and a value that is no
/// list is `None`.
struct Items<T>(std::marker::PhantomData<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for Items<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(Object::<T>::new())? {
            out.extend(item);
        }
        Ok(Some(out))
    }
    other_shapes!(Option<Vec<T>>, None, [bool, num, str, unit, map]);
}

/// [`Items`] for derived fields.
fn items<'de, D: Deserializer<'de>, T: Fields<'de>>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    d.deserialize_any(Items::<T>(std::marker::PhantomData))
}

/// A tool call in an AI message.
#[derive(Debug, Default)]
pub(crate) struct ToolCallDoc {
    pub name: Option<String>,
    pub args: Option<Value>,
    pub id: Option<String>,
}

impl<'de> Fields<'de> for ToolCallDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" => self.name = map.next_value_seed(AnyStr)?.map(Cow::into_owned),
            "args" => self.args = map.next_value()?,
            "id" => self.id = map.next_value_seed(AnyStr)?.map(Cow::into_owned),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A LangChain-style message. The vendor types messages `Any`: an object is read by its
/// fields, a string is taken for its content, any other value is no message.
#[derive(Debug, Default)]
pub(crate) struct MessageDoc<'a> {
    pub content: Option<Text<'a>>,
    /// `type`.
    pub kind: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub tool_calls: Option<Vec<ToolCallDoc>>,
}

impl<'de> Fields<'de> for MessageDoc<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "content" => self.content = map.next_value()?,
            "type" => self.kind = map.next_value_seed(AnyStr)?,
            "name" => self.name = map.next_value_seed(AnyStr)?,
            "tool_calls" => self.tool_calls = map.next_value_seed(ToolCalls)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `tool_calls`, whatever it holds.
struct ToolCalls;

impl<'de> de::DeserializeSeed<'de> for ToolCalls {
    type Value = Option<Vec<ToolCallDoc>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        items(d)
    }
}

/// One message: `None` for a value that is no message (neither an object nor a string).
struct MaybeMessage;

impl<'de> de::DeserializeSeed<'de> for MaybeMessage {
    type Value = Option<MessageDoc<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MaybeMessage {
    type Value = Option<MessageDoc<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Object::<MessageDoc<'de>>::new().visit_map(map)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(MessageDoc {
            content: Some(Text(Cow::Borrowed(v))),
            ..MessageDoc::default()
        }))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(MessageDoc {
            content: Some(Text(Cow::Owned(v.to_owned()))),
            ..MessageDoc::default()
        }))
    }
    other_shapes!(Self::Value, None, [bool, num, unit, seq]);
}

/// A list of messages, whatever its entries hold: those that are no message are skipped, and a
/// value that is no list is `None`.
struct Messages;

impl<'de> de::DeserializeSeed<'de> for Messages {
    type Value = Option<Vec<MessageDoc<'de>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Messages {
    type Value = Option<Vec<MessageDoc<'de>>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(m) = seq.next_element_seed(MaybeMessage)? {
            out.extend(m);
        }
        Ok(Some(out))
    }
    other_shapes!(Self::Value, None, [bool, num, str, unit, map]);
}

/// [`Messages`] for derived fields.
fn messages<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<MessageDoc<'de>>>, D::Error> {
    de::DeserializeSeed::deserialize(Messages, d)
}

/// `response_metadata` of an assistant response (values `Any`).
#[derive(Debug, Default)]
pub(crate) struct ResponseMetadataDoc {
    pub message_type: Option<Box<str>>,
}

impl<'de> Fields<'de> for ResponseMetadataDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "message_type" {
            self.message_type = map.next_value_seed(AnyStr)?.map(|s| s.into_owned().into());
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// `run_output` of an `end_node_run` event.
#[derive(Debug, Default)]
pub(crate) struct EndNodeOutputDoc {
    /// `type`.
    pub kind: Option<Box<str>>,
}

impl<'de> Fields<'de> for EndNodeOutputDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "type" {
            self.kind = map.next_value_seed(AnyStr)?.map(|s| s.into_owned().into());
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
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
    ///
    /// The event's `type` may come after its other fields, so every field is read leniently
    /// whatever the type: a shape that is not the documented one is skipped (the raw document
    /// keeps it) and never rejects the run. Stored events are `Any` to the vendor.
    pub(crate) fn fill<A: MapAccess<'de>>(&mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "type" => self.kind = map.next_value_seed(AnyStr)?,
                "logical_id" => self.logical_id = map.next_value_seed(AnyStr)?,
                "event" => self.event = map.next_value_seed(NestedEvent)?,
                "content" => self.content = map.next_value()?,
                "message" => self.message = map.next_value_seed(MaybeMessage)?,
                "messages" => self.messages = map.next_value_seed(Messages)?,
                "response_metadata" => {
                    self.response_metadata = map.next_value_seed(Object::new())?
                }
                "llm_usage_info" => self.llm_usage_info = map.next_value_seed(Object::new())?,
                "origin_node_logical_id" => {
                    self.origin_node_logical_id = map.next_value_seed(AnyStr)?
                }
                "origin_node_name" => self.origin_node_name = map.next_value_seed(AnyStr)?,
                "source_node_logical_id" => {
                    self.source_node_logical_id = map.next_value_seed(AnyStr)?
                }
                "source_node_name" => self.source_node_name = map.next_value_seed(AnyStr)?,
                "destination_node_logical_id" => {
                    self.destination_node_logical_id = map.next_value_seed(AnyStr)?
                }
                "destination_node_name" => {
                    self.destination_node_name = map.next_value_seed(AnyStr)?
                }
                "edge_logical_id" => self.edge_logical_id = map.next_value_seed(AnyStr)?,
                "run_output" => self.run_output = map.next_value_seed(Object::new())?,
                "error_message" => self.error_message = map.next_value_seed(AnyStr)?,
                "iteration_number" => {
                    self.iteration_number = map.next_value_seed(Count("iteration_number", false))?
                }
                "run_input_output_pair" => {
                    self.run_input_output_pair = map.next_value_seed(Object::new())?
                }
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
/// Read as a string, not through [`AnyStr`]: `serde_path_to_error` records a key only when it is
/// visited as one, and a key seen through an option's `visit_some` left hand-read fields out of
/// error pointers.
struct KeySeed;

impl<'de> de::DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(Str)
    }
}

/// The `event` of an SDK printout `{class, event}`, nested at most [`MAX_NESTED`] deep; any
/// value that is no object is no event.
struct NestedEvent;

impl<'de> de::DeserializeSeed<'de> for NestedEvent {
    type Value = Option<Box<EventDoc<'de>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NestedEvent {
    type Value = Option<Box<EventDoc<'de>>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Nested(std::marker::PhantomData).read(map).map(Some)
    }
    other_shapes!(Self::Value, None, [bool, num, str, unit, seq]);
}

/// `run_input_output_pair` of an `end_workflow_iteration` event.
#[derive(Debug, Default)]
pub(crate) struct IterationPairDoc {
    pub run_input: Option<IterationInputDoc>,
}

impl<'de> Fields<'de> for IterationPairDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "run_input" {
            self.run_input = map.next_value_seed(Object::new())?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// The part of that pair's `run_input` that names the workflow.
#[derive(Debug, Default)]
pub(crate) struct IterationInputDoc {
    pub workflow_id: Option<Box<str>>,
    pub version_number: Option<i64>,
}

impl<'de> Fields<'de> for IterationInputDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "workflow_id" => {
                self.workflow_id = map.next_value_seed(AnyStr)?.map(|s| s.into_owned().into())
            }
            "version_number" => {
                self.version_number = map.next_value_seed(Signed(
                    "end_workflow_iteration.run_input_output_pair.run_input.version_number",
                    false,
                ))?
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
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
        self.0.events.push(event(doc));
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

/// Event text as the model keeps it: a `Box<str>` is a third smaller than a `String`, and
/// events are most of a loaded run.
pub(crate) fn boxed(s: Option<Cow<'_, str>>) -> Option<Box<str>> {
    s.map(|s| s.into_owned().into_boxed_str())
}

/// The typed event; the fields used are taken out of `doc`.
pub(crate) fn event(doc: &mut EventDoc<'_>) -> Event {
    let kind = doc.kind.as_deref().unwrap_or("");
    if let Some(llm) = LlmKind::from_type(kind) {
        let message = doc.message.take().unwrap_or_default();
        return Event::Llm {
            kind: llm,
            node: boxed(doc.origin_node_logical_id.take()),
            message_type: boxed(message.kind),
            content: message.content.map(Text::boxed),
            tool_calls: message
                .tool_calls
                .unwrap_or_default()
                .into_iter()
                .map(|c| ToolCall {
                    name: c.name.unwrap_or_default(),
                    args: c.args.unwrap_or(serde_json::Value::Null),
                    id: c.id,
                })
                .collect(),
            tool_name: boxed(message.name),
            usage: doc.llm_usage_info.take(),
        };
    }
    if let Some(edge) = EdgeKind::from_type(kind) {
        return Event::Edge {
            kind: edge,
            edge_id: boxed(doc.edge_logical_id.take()),
            source: boxed(doc.source_node_logical_id.take()),
            source_name: boxed(doc.source_node_name.take()),
            destination: boxed(doc.destination_node_logical_id.take()),
            destination_name: boxed(doc.destination_node_name.take()),
        };
    }
    match kind {
        "assistant_response" => Event::AssistantResponse {
            node: boxed(doc.origin_node_logical_id.take()),
            content: doc.content.take().map(Text::owned).unwrap_or_default(),
            message_type: doc.response_metadata.take().and_then(|m| m.message_type),
            usage: doc.llm_usage_info.take(),
        },
        "user_messages" => Event::UserMessages {
            node: boxed(doc.origin_node_logical_id.take()),
            messages: doc
                .messages
                .take()
                .unwrap_or_default()
                .into_iter()
                .map(|m| m.content.map(Text::owned).unwrap_or_default())
                .collect(),
        },
        "say_static" => Event::SayStatic {
            node: boxed(doc.origin_node_logical_id.take()),
            content: doc.message.take().and_then(|m| m.content).map(Text::boxed),
        },
        "start_node_run" => Event::NodeStart {
            node: boxed(doc.origin_node_logical_id.take()),
            node_name: boxed(doc.origin_node_name.take()),
        },
        "end_node_run" => Event::NodeEnd {
            node: boxed(doc.origin_node_logical_id.take()),
            node_type: doc.run_output.take().and_then(|o| o.kind),
        },
        "busy_wait_for_user_message" => Event::BusyWait {
            node: boxed(doc.origin_node_logical_id.take()),
        },
        "workflow_ready_for_input" => Event::ReadyForInput,
        "end_workflow_iteration" => {
            let input = doc.run_input_output_pair.take().and_then(|p| p.run_input);
            let (workflow_id, version) =
                input.map_or((None, None), |i| (i.workflow_id, i.version_number));
            Event::IterationEnd {
                iteration: doc.iteration_number,
                workflow_id,
                version,
            }
        }
        "end_workflow" => Event::WorkflowEnd,
        "workflow_error" => Event::WorkflowError {
            message: boxed(doc.error_message.take()),
        },
        other => Event::Other {
            kind: other.to_owned(),
        },
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
            // `events` of a node type reprise does not know may hold anything: no events.
            other_shapes!(
                EventList<'a>,
                EventList::default(),
                [bool, num, str, unit, map]
            );
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A message list under a thread: `{node_run_inputs: [{type, messages}]}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ThreadInputsDoc<'a> {
    #[serde(borrow)]
    pub node_run_inputs: Option<Vec<NodeRunInputDoc<'a>>>,
}

/// One node run input (`messages` is a list of `Any`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeRunInputDoc<'a> {
    #[serde(borrow, default, deserialize_with = "messages")]
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

/// One entry of `thread_to_node_outputs`. Its fields are read leniently: a node type reprise
/// does not know may give them other shapes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeOutputDoc<'a> {
    #[serde(rename = "type", default, deserialize_with = "any_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "any_string")]
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
#[derive(Debug, Default)]
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
#[derive(Debug, Default)]
pub(crate) struct StatsDoc {
    pub total_input_tokens: Option<u64>,
    pub total_output_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    pub call_count: Option<u64>,
    pub total_latency_milliseconds: Option<f64>,
    pub breakdown_by_models: Option<Vec<ModelStatsDoc>>,
}

/// The field names of one stats object, for the notes on counts out of range.
struct StatsNames {
    input: &'static str,
    output: &'static str,
    total: &'static str,
    calls: &'static str,
    latency: &'static str,
}

const TOKEN_NAMES: StatsNames = StatsNames {
    input: "llm_token_usage.total_input_tokens",
    output: "llm_token_usage.total_output_tokens",
    total: "llm_token_usage.total_tokens",
    calls: "llm_token_usage.call_count",
    latency: "llm_token_usage.total_latency_milliseconds",
};
const TOKEN_MODEL_NAMES: StatsNames = StatsNames {
    input: "llm_token_usage.breakdown_by_models.total_input_tokens",
    output: "llm_token_usage.breakdown_by_models.total_output_tokens",
    total: "llm_token_usage.breakdown_by_models.total_tokens",
    calls: "llm_token_usage.breakdown_by_models.call_count",
    latency: "llm_token_usage.breakdown_by_models.total_latency_milliseconds",
};
const LATENCY_NAMES: StatsNames = StatsNames {
    input: "llm_latency_stats.total_input_tokens",
    output: "llm_latency_stats.total_output_tokens",
    total: "llm_latency_stats.total_tokens",
    calls: "llm_latency_stats.call_count",
    latency: "llm_latency_stats.total_latency_milliseconds",
};
const LATENCY_MODEL_NAMES: StatsNames = StatsNames {
    input: "llm_latency_stats.breakdown_by_models.total_input_tokens",
    output: "llm_latency_stats.breakdown_by_models.total_output_tokens",
    total: "llm_latency_stats.breakdown_by_models.total_tokens",
    calls: "llm_latency_stats.breakdown_by_models.call_count",
    latency: "llm_latency_stats.breakdown_by_models.total_latency_milliseconds",
};

/// Reads a stats object with `names`; `models` names the fields of its breakdown.
struct Stats {
    names: &'static StatsNames,
    models: &'static StatsNames,
}

impl<'de> ObjectReader<'de> for Stats {
    type Out = StatsDoc;
    const EXPECTING: &'static str = "an object of LLM usage totals";
    fn read<A: MapAccess<'de>>(self, mut map: A) -> Result<StatsDoc, A::Error> {
        let mut out = StatsDoc::default();
        let n = self.names;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "total_input_tokens" => {
                    out.total_input_tokens = map.next_value_seed(Count(n.input, false))?
                }
                "total_output_tokens" => {
                    out.total_output_tokens = map.next_value_seed(Count(n.output, false))?
                }
                "total_tokens" => out.total_tokens = map.next_value_seed(Count(n.total, false))?,
                "call_count" => out.call_count = map.next_value_seed(Count(n.calls, false))?,
                "total_latency_milliseconds" => {
                    out.total_latency_milliseconds = map.next_value_seed(Millis(n.latency))?
                }
                "breakdown_by_models" => {
                    out.breakdown_by_models = map.next_value_seed(ModelList(self.models))?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// `breakdown_by_models`: null, or a list of per-model stats objects.
struct ModelList(&'static StatsNames);

impl<'de> de::DeserializeSeed<'de> for ModelList {
    type Value = Option<Vec<ModelStatsDoc>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ModelList {
    type Value = Option<Vec<ModelStatsDoc>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of per-model stats")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(m) = seq.next_element_seed(ModelEntry(self.0))? {
            out.push(m);
        }
        Ok(Some(out))
    }
}

/// One `breakdown_by_models` entry, read with the names of its list.
struct ModelEntry(&'static StatsNames);

impl<'de> de::DeserializeSeed<'de> for ModelEntry {
    type Value = ModelStatsDoc;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ModelEntry {
    type Value = ModelStatsDoc;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of per-model stats")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let names = self.0;
        let mut out = ModelStatsDoc::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "response_model" => {
                    out.response_model = map.next_value_seed(AnyStr)?.map(Cow::into_owned)
                }
                "provider" => out.provider = map.next_value_seed(AnyStr)?.map(Cow::into_owned),
                "total_input_tokens" => {
                    out.total_input_tokens = map.next_value_seed(Count(names.input, false))?
                }
                "total_output_tokens" => {
                    out.total_output_tokens = map.next_value_seed(Count(names.output, false))?
                }
                "total_tokens" => {
                    out.total_tokens = map.next_value_seed(Count(names.total, false))?
                }
                "call_count" => out.call_count = map.next_value_seed(Count(names.calls, false))?,
                "total_latency_milliseconds" => {
                    out.total_latency_milliseconds = map.next_value_seed(Millis(names.latency))?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// `llm_token_usage`, counts read leniently.
fn token_stats<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StatsDoc>, D::Error> {
    optional_object(
        d,
        Stats {
            names: &TOKEN_NAMES,
            models: &TOKEN_MODEL_NAMES,
        },
    )
}

/// `llm_latency_stats`, counts read leniently.
fn latency_stats<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StatsDoc>, D::Error> {
    optional_object(
        d,
        Stats {
            names: &LATENCY_NAMES,
            models: &LATENCY_MODEL_NAMES,
        },
    )
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
    #[serde(default, deserialize_with = "super::lenient::evaluator_version")]
    pub evaluator_workflow_version_number: Option<i64>,
    pub enable_turn_by_turn_evaluation: Option<bool>,
}

/// A tool config.
#[derive(Debug, Default)]
pub(crate) struct ToolDoc {
    pub name: Option<String>,
    /// `type`.
    pub kind: Option<String>,
}

impl<'de> Fields<'de> for ToolDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" => self.name = map.next_value_seed(AnyStr)?.map(Cow::into_owned),
            "type" => self.kind = map.next_value_seed(AnyStr)?.map(Cow::into_owned),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `tools_config`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolsConfigDoc {
    #[serde(default, deserialize_with = "items")]
    pub tools: Option<Vec<ToolDoc>>,
}

impl<'de> Fields<'de> for ToolsConfigDoc {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "tools" {
            self.tools = map.next_value_seed(ToolList)?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// A list of tool configs, whatever it holds.
struct ToolList;

impl<'de> de::DeserializeSeed<'de> for ToolList {
    type Value = Option<Vec<ToolDoc>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        items(d)
    }
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

/// A node config. The vendor keeps a node of a type it does not know with whatever fields it
/// holds, so each is read leniently.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeConfigDoc {
    #[serde(default, deserialize_with = "any_string")]
    pub logical_id: Option<String>,
    #[serde(default, deserialize_with = "any_string")]
    pub name: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "any_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "any_bool")]
    pub is_start: Option<bool>,
    #[serde(default, deserialize_with = "any_bool")]
    pub disabled: Option<bool>,
    #[serde(default, deserialize_with = "object")]
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
    #[serde(default, deserialize_with = "super::lenient::cortex_workflow_version")]
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
    #[serde(default, deserialize_with = "super::lenient::version_number")]
    pub version_number: Option<i64>,
    pub version_name: Option<String>,
    pub status: Option<String>,
    pub termination_source: Option<String>,
    #[serde(borrow)]
    pub input_output_pairs: Option<Vec<PairDoc<'a>>>,
    pub comments: Option<Vec<CommentDoc>>,
    #[serde(default, deserialize_with = "token_stats")]
    pub llm_token_usage: Option<StatsDoc>,
    #[serde(default, deserialize_with = "latency_stats")]
    pub llm_latency_stats: Option<StatsDoc>,
    #[serde(borrow)]
    pub workflow_config_fully_hydrated: Option<HydratedDoc<'a>>,
    pub source_workflow_run_id: Option<String>,
    pub is_evaluation_run: Option<bool>,
    pub evaluation_run_info: Option<EvalInfoDoc>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    // Only a WorkflowRunInput (which also has `workflow_run_id`) has these.
    pub command: Option<IgnoredAny>,
    pub thread_to_node_inputs: Option<IgnoredAny>,
    pub dynamic_variables: Option<IgnoredAny>,
    pub runtime_variables: Option<IgnoredAny>,
    // Current Interactly execute response.
    pub run_id: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::turn_number")]
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
    // Noxus: these tell a Noxus run even when null (every field of its run may be).
    #[serde(default, deserialize_with = "present")]
    pub group_id: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    pub node_ids: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    pub progress: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    pub definitions: Option<IgnoredAny>,
    pub finished_at: Option<String>,
    pub workflow: Option<NoxusWorkflowDoc>,
    // Cortex (`result` and the app ids tell a Cortex run even when null).
    #[serde(default, deserialize_with = "present")]
    pub result: Option<IgnoredAny>,
    pub origin: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub app_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub workflow_app_id: Option<IgnoredAny>,
    pub workflow_version: Option<CortexVersionDoc>,
    #[serde(default, deserialize_with = "present")]
    pub workflow_version_draft: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "super::lenient::cortex_version")]
    pub version: Option<i64>,
    pub usage: Option<CortexUsageDoc>,
}

/// A field that counts as present whatever it holds, null included (detection only needs to know
/// it is there); its value is skipped unread.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<IgnoredAny>, D::Error> {
    IgnoredAny::deserialize(d).map(Some)
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
    optional_object(d, Nested(std::marker::PhantomData))
}

/// Reads a nested run or event object, counting the levels (see [`MAX_NESTED`]).
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

/// Reads a variables object whole (`input_dynamic_variables`: what the caller sent). It is one
/// value of `runtime_variables`, whose values the vendor types `Any`: any other value is none.
struct AllVariables;

impl<'de> de::DeserializeSeed<'de> for AllVariables {
    type Value = Option<Variables>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AllVariables {
    type Value = Option<Variables>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        VariablesReader {
            skip_volatile: false,
        }
        .read(map)
        .map(Some)
    }
    other_shapes!(Self::Value, None, [bool, num, str, unit, seq]);
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
/// events carries one). Any value that is no object (a future event type's own shape) is none;
/// counts out of range are unknown (see [`super::lenient`]).
impl<'de> Fields<'de> for Box<crate::model::LlmUsageInfo> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let text = |v: Option<Cow<str>>| v.map(Cow::into_owned);
        match key {
            "response_model" => self.model = text(map.next_value_seed(AnyStr)?),
            "provider" => self.provider = text(map.next_value_seed(AnyStr)?),
            "llm_response_id" => self.response_id = text(map.next_value_seed(AnyStr)?),
            "prompt_tokens" => {
                self.prompt_tokens =
                    map.next_value_seed(Count("llm_usage_info.prompt_tokens", false))?
            }
            "completion_tokens" => {
                self.completion_tokens =
                    map.next_value_seed(Count("llm_usage_info.completion_tokens", false))?
            }
            "total_tokens" => {
                self.total_tokens =
                    map.next_value_seed(Count("llm_usage_info.total_tokens", false))?
            }
            "response_latency_milliseconds" => {
                self.latency_ms =
                    map.next_value_seed(Millis("llm_usage_info.response_latency_milliseconds"))?
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
