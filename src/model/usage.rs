//! Token usage, LLM latency and credits of a run, counted as DESIGN.md ("Counting") says.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Event, LlmUsageInfo};

/// Where a run's token numbers came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageSource {
    /// The run's own `llm_token_usage`.
    RunTotals,
    /// Counted from the events' `llm_usage_info` (the run's totals were null or missing).
    Events,
    /// The system reports no tokens (Noxus, Cortex).
    #[default]
    None,
}

/// Tokens and calls of one provider/model pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelUsage {
    /// `provider` (may be null in the recording).
    pub provider: Option<String>,
    /// `response_model`.
    pub model: Option<String>,
    /// LLM calls.
    pub calls: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// All tokens.
    pub total_tokens: u64,
}

/// A number the vendor allows where a count was expected (tokens, calls, latency, iteration or
/// version number) that reprise cannot use as one: negative, above 2^53 (or beyond `i64` for a
/// version), a fraction, or no number at all. It is treated as unknown (as if null: a run total
/// then comes from the events) and the loader warns about it, naming the run and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusableCount {
    /// The field, as a path of names (`llm_usage_info.prompt_tokens`).
    pub field: &'static str,
    /// The value as written (shortened), or its JSON type when it is no number.
    pub value: String,
}

/// A run's token usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Where the numbers came from.
    pub source: UsageSource,
    /// LLM calls.
    pub calls: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// All tokens.
    pub total_tokens: u64,
    /// Per provider and model, sorted by (provider, model).
    pub by_model: Vec<ModelUsage>,
    /// The counts of the document that were treated as unknown (the first 16): the loader
    /// warns about them.
    #[serde(skip)]
    pub unusable: Vec<UnusableCount>,
    /// How many more there were.
    #[serde(skip)]
    pub unusable_more: usize,
}

/// LLM call latencies of one provider/model pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelLatency {
    /// `provider`.
    pub provider: Option<String>,
    /// `response_model`.
    pub model: Option<String>,
    /// Calls with a latency.
    pub calls: u64,
    /// Sum of the calls' latencies.
    pub total_ms: f64,
    /// Each call's latency, from the events, in event order (for percentiles).
    pub call_ms: Vec<f64>,
}

/// A run's LLM latency, as the engine reported it (never the harness's wall time).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Calls with a latency.
    pub calls: u64,
    /// Sum of call latencies in milliseconds.
    pub total_ms: f64,
    /// Per provider and model.
    pub by_model: Vec<ModelLatency>,
}

impl Latency {
    /// Mean call latency, 0 when there were no calls.
    pub fn mean_ms(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.total_ms / self.calls as f64
        }
    }
}

/// One distinct LLM call found in the events.
#[derive(Debug, Clone, Default)]
struct Call<'a> {
    provider: Option<&'a str>,
    model: Option<&'a str>,
    prompt: Option<u64>,
    completion: Option<u64>,
    total: Option<u64>,
    latency: Option<f64>,
}

impl<'a> Call<'a> {
    fn merge(&mut self, info: &'a LlmUsageInfo) {
        // Streamed chunks share one id and usually only the last carries numbers: keep the
        // first value seen for each field rather than adding chunks up.
        fn keep<T: Clone>(slot: &mut Option<T>, v: &Option<T>) {
            if slot.is_none() {
                slot.clone_from(v);
            }
        }
        keep(&mut self.provider, &info.provider.as_deref());
        keep(&mut self.model, &info.model.as_deref());
        keep(&mut self.prompt, &info.prompt_tokens);
        keep(&mut self.completion, &info.completion_tokens);
        keep(&mut self.total, &info.total_tokens);
        keep(&mut self.latency, &info.latency_ms);
    }
}

/// The distinct LLM calls among the LLM node events, in order of first appearance.
///
/// `assistant_response` repeats the usage of the call that produced it and is never counted.
/// An LLM event without an id is a call of its own.
fn calls<'a>(events: impl Iterator<Item = &'a Event>) -> Vec<Call<'a>> {
    let mut out: Vec<Call> = Vec::new();
    let mut by_id: BTreeMap<&'a str, usize> = BTreeMap::new();
    for event in events {
        let Event::Llm {
            usage: Some(info), ..
        } = event
        else {
            continue;
        };
        let slot = match info.response_id.as_deref() {
            Some(id) => *by_id.entry(id).or_insert_with(|| {
                out.push(Call::default());
                out.len() - 1
            }),
            None => {
                out.push(Call::default());
                out.len() - 1
            }
        };
        out[slot].merge(info);
    }
    out
}

/// Usage counted from events, for runs whose `llm_token_usage` is null or missing.
pub(crate) fn usage_from_events<'a>(events: impl Iterator<Item = &'a Event>) -> Usage {
    let mut by_model: BTreeMap<(Option<&str>, Option<&str>), ModelUsage> = BTreeMap::new();
    let mut usage = Usage {
        source: UsageSource::Events,
        ..Usage::default()
    };
    for call in calls(events) {
        let input = call.prompt.unwrap_or(0);
        let output = call.completion.unwrap_or(0);
        // Counts are at most 2^53 each (larger ones are read as unknown), but a hostile run
        // could hold very many: the sums saturate rather than wrap.
        let total = call.total.unwrap_or(input.saturating_add(output));
        usage.calls += 1;
        usage.input_tokens = usage.input_tokens.saturating_add(input);
        usage.output_tokens = usage.output_tokens.saturating_add(output);
        usage.total_tokens = usage.total_tokens.saturating_add(total);
        let m = by_model
            .entry((call.provider, call.model))
            .or_insert_with(|| ModelUsage {
                provider: call.provider.map(str::to_owned),
                model: call.model.map(str::to_owned),
                ..ModelUsage::default()
            });
        m.calls += 1;
        m.input_tokens = m.input_tokens.saturating_add(input);
        m.output_tokens = m.output_tokens.saturating_add(output);
        m.total_tokens = m.total_tokens.saturating_add(total);
    }
    usage.by_model = by_model.into_values().collect();
    usage
}

/// Per-call latencies from the events, grouped by provider and model.
pub(crate) fn latency_from_events<'a>(events: impl Iterator<Item = &'a Event>) -> Latency {
    let mut by_model: BTreeMap<(Option<&str>, Option<&str>), ModelLatency> = BTreeMap::new();
    let mut latency = Latency::default();
    for call in calls(events) {
        let Some(ms) = call.latency else { continue };
        latency.calls += 1;
        latency.total_ms += ms;
        let m = by_model
            .entry((call.provider, call.model))
            .or_insert_with(|| ModelLatency {
                provider: call.provider.map(str::to_owned),
                model: call.model.map(str::to_owned),
                ..ModelLatency::default()
            });
        m.calls += 1;
        m.total_ms += ms;
        m.call_ms.push(ms);
    }
    latency.by_model = by_model.into_values().collect();
    latency
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LlmKind;

    fn llm(
        id: Option<&str>,
        prompt: Option<u64>,
        completion: Option<u64>,
        ms: Option<f64>,
    ) -> Event {
        Event::Llm {
            kind: LlmKind::SayLlm,
            node: None,
            message_type: Some("ai".into()),
            content: None,
            tool_calls: Box::default(),
            tool_name: None,
            usage: Some(Box::new(LlmUsageInfo {
                model: Some("gpt-4o".into()),
                provider: Some("openai".into()),
                response_id: id.map(Into::into),
                prompt_tokens: prompt,
                completion_tokens: completion,
                total_tokens: None,
                latency_ms: ms,
            })),
        }
    }

    /// The vendor's counts have any size: each is at most 2^53 once read (larger ones are
    /// unknown), but a run with very many calls still sums past `u64`: the sums saturate (a
    /// debug build panicked on a generated run before).
    #[test]
    fn sums_of_many_large_counts_saturate() {
        let big = 1u64 << 53;
        let events: Vec<Event> = (0..3000)
            .map(|i| llm(Some(&format!("r{i}")), Some(big), Some(big), None))
            .collect();
        let u = usage_from_events(events.iter());
        assert_eq!(u.calls, 3000);
        assert_eq!((u.input_tokens, u.output_tokens), (u64::MAX, u64::MAX));
        assert_eq!(u.total_tokens, u64::MAX);
        assert_eq!(u.by_model[0].total_tokens, u64::MAX);
    }

    #[test]
    fn streamed_chunks_are_one_call_and_assistant_responses_are_not_counted() {
        let events = [
            llm(Some("r1"), None, None, None),
            llm(Some("r1"), Some(100), Some(20), Some(350.0)),
            Event::AssistantResponse {
                node: None,
                content: "hi".into(),
                message_type: None,
                usage: Some(Box::new(LlmUsageInfo {
                    prompt_tokens: Some(100),
                    ..Default::default()
                })),
            },
            llm(Some("r2"), Some(10), Some(5), Some(50.0)),
        ];
        let u = usage_from_events(events.iter());
        assert_eq!(
            (u.calls, u.input_tokens, u.output_tokens, u.total_tokens),
            (2, 110, 25, 135)
        );
        assert_eq!(u.by_model.len(), 1);
        let l = latency_from_events(events.iter());
        assert_eq!((l.calls, l.total_ms), (2, 400.0));
        assert_eq!(l.by_model[0].call_ms, vec![350.0, 50.0]);
    }
}
