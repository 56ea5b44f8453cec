//! Cassette matching: what of a turn's input counts, how it is hashed, and how two inputs
//! are told apart in words that never quote the input itself.
//!
//! A turn's key is its caller-supplied dynamic variables (first turn only: they are given at
//! start), its user message texts and its Noxus/Cortex `input`. The server's volatile dynamic
//! variables (`now`, `date`, `rand_*`, …; [`is_volatile_variable`]) are ignored on both sides,
//! whether the recording kept the caller's own variables (`input_dynamic_variables`) or only
//! the enriched ones. Run ids never take part.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::engine::TurnInput;
use crate::model::chain::{chain, counted, recorded_variables};
use crate::model::Turn;

/// The chain hash after a caller's turn input.
pub(crate) fn chain_input(prev: u64, input: &TurnInput, first: bool) -> u64 {
    let vars = &input.dynamic_variables;
    chain(
        prev,
        first,
        vars,
        &input.user_messages,
        input.input.as_ref(),
    )
}

/// How a caller's input differs from a recorded turn (`index` 0-based), redacted: names the
/// turn and field, never a message text or a variable value. Empty when they match.
pub(crate) fn differences(input: &TurnInput, turn: &Turn, index: usize) -> Vec<String> {
    let mut out = Vec::new();
    let n = index + 1;
    if index == 0 {
        let sent = counted(&input.dynamic_variables);
        let recorded = counted(recorded_variables(turn));
        let names: BTreeSet<&str> = sent.iter().chain(&recorded).map(|(k, _)| *k).collect();
        for name in names {
            let a = sent.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
            let b = recorded.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
            match (a, b) {
                (Some(_), None) => {
                    out.push(format!("dynamic variable {name} is not in the recording"))
                }
                (None, Some(_)) => {
                    out.push(format!("dynamic variable {name} is missing from the input"))
                }
                (Some(a), Some(b)) if a != b => {
                    out.push(format!("dynamic variable {name} differs"))
                }
                _ => {}
            }
        }
    }
    let (sent, recorded) = (&input.user_messages, &turn.user_messages);
    if sent.len() != recorded.len() {
        out.push(format!(
            "turn {n} has {} user message(s) in the recording, {} in the input",
            recorded.len(),
            sent.len()
        ));
    } else if sent.len() == 1 {
        if sent[0] != recorded[0] {
            out.push(format!("turn {n} user message differs"));
        }
    } else {
        for (i, (a, b)) in sent.iter().zip(recorded).enumerate() {
            if a != b {
                out.push(format!("turn {n} user message {} differs", i + 1));
            }
        }
    }
    let a = input.input.as_ref().filter(|v| !v.is_null());
    let b = turn.input.as_ref().filter(|v| !v.is_null());
    match (a, b) {
        (None, None) => {}
        (Some(_), None) => out.push(format!("turn {n} input is not in the recording")),
        (None, Some(_)) => out.push(format!("turn {n} input is missing")),
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                if a.get(k) != b.get(k) {
                    out.push(format!("turn {n} input field {k} differs"));
                }
            }
        }
        (Some(a), Some(b)) if a != b => out.push(format!("turn {n} input differs")),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::chain::{chain_recorded, CHAIN_SEED};
    use crate::model::{is_volatile_variable, Variables};
    use serde_json::json;

    fn object(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn vars(v: Value) -> Variables {
        Variables::from(object(v))
    }

    #[test]
    fn volatile_variables_and_key_order_do_not_change_the_hash() {
        let a = TurnInput {
            dynamic_variables: object(json!({"b": 1, "a": {"y": 2, "x": [1, "z"]}, "now": "x"})),
            user_messages: vec!["hi".into()],
            input: None,
        };
        let b = TurnInput {
            dynamic_variables: object(json!({"a": {"x": [1, "z"], "y": 2}, "b": 1, "rand_3": 9})),
            ..a.clone()
        };
        assert_eq!(
            chain_input(CHAIN_SEED, &a, true),
            chain_input(CHAIN_SEED, &b, true)
        );
        let c = TurnInput {
            dynamic_variables: object(json!({"a": 1, "b": 1})),
            ..a.clone()
        };
        assert_ne!(
            chain_input(CHAIN_SEED, &a, true),
            chain_input(CHAIN_SEED, &c, true)
        );
        // Later turns ignore variables.
        assert_eq!(chain_input(7, &a, false), chain_input(7, &c, false));
    }

    #[test]
    fn recorded_and_sent_hash_alike() {
        let turn = Turn {
            dynamic_variables: Some(vars(json!({"patient": "Ann", "date": "today"}))),
            user_messages: vec!["hello".into()],
            ..Turn::default()
        };
        let input = TurnInput {
            dynamic_variables: object(json!({"patient": "Ann"})),
            user_messages: vec!["hello".into()],
            input: None,
        };
        assert_eq!(
            chain_recorded(CHAIN_SEED, &turn, true),
            chain_input(CHAIN_SEED, &input, true)
        );
        assert!(differences(&input, &turn, 0).is_empty());
    }

    #[test]
    fn differences_are_redacted() {
        let turn = Turn {
            input_dynamic_variables: Some(vars(json!({"patient_name": "Ann Secret", "x": 1}))),
            user_messages: vec!["my ssn is 000".into()],
            input: Some(json!({"note": "private", "k": 1})),
            ..Turn::default()
        };
        let input = TurnInput {
            dynamic_variables: object(json!({"patient_name": "Bob Hidden", "y": 2})),
            user_messages: vec!["other text".into()],
            input: Some(json!({"note": "other", "k": 1})),
        };
        let d = differences(&input, &turn, 0);
        assert_eq!(
            d,
            vec![
                "dynamic variable patient_name differs",
                "dynamic variable x is missing from the input",
                "dynamic variable y is not in the recording",
                "turn 1 user message differs",
                "turn 1 input field note differs",
            ]
        );
        let text = d.join("; ");
        for secret in ["Ann", "Bob", "ssn", "private", "other"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = Value> {
            prop_oneof![
                any::<i64>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                "[a-z ]{0,8}".prop_map(Value::from),
                Just(Value::Null),
            ]
        }

        fn turn() -> impl Strategy<Value = Turn> {
            (
                proptest::collection::btree_map(
                    prop_oneof![
                        "[a-z_]{1,8}",
                        Just("now".to_owned()),
                        Just("rand_x".to_owned())
                    ],
                    value(),
                    0..6,
                ),
                proptest::collection::vec("[a-zA-Z ,.]{0,12}", 0..3),
                proptest::option::of(value()),
                any::<bool>(),
            )
                .prop_map(|(vars, user_messages, input, caller_kept)| {
                    let vars: Variables = vars.into_iter().collect();
                    let mut turn = Turn {
                        dynamic_variables: Some(vars.clone()),
                        user_messages,
                        input,
                        ..Turn::default()
                    };
                    if caller_kept {
                        let mut caller = vars;
                        caller.retain(|k| !is_volatile_variable(k));
                        turn.input_dynamic_variables = Some(caller);
                    }
                    turn
                })
        }

        proptest! {
            #[test]
            fn a_recorded_turn_sent_again_matches_itself(turn in turn(), first: bool, prev: u64) {
                let input = TurnInput::from_turn(&turn);
                prop_assert_eq!(chain_recorded(prev, &turn, first), chain_input(prev, &input, first));
                let index = usize::from(!first);
                prop_assert!(differences(&input, &turn, index).is_empty());
            }

            #[test]
            fn a_changed_message_never_matches(turn in turn(), first: bool, extra in "[a-z]{1,5}") {
                let mut input = TurnInput::from_turn(&turn);
                match input.user_messages.first_mut() {
                    Some(m) => m.push_str(&extra),
                    None => input.user_messages.push(extra),
                }
                prop_assert_ne!(chain_recorded(7, &turn, first), chain_input(7, &input, first));
                let index = usize::from(!first);
                prop_assert!(!differences(&input, &turn, index).is_empty());
            }
        }
    }
}
