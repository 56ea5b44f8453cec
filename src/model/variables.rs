//! Dynamic variables as a run keeps them: a small list sorted by name.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::compact::{exact, sorted_last_wins};

/// Variables by name, sorted by name, each name once.
///
/// A list, not a map: a turn holds a handful, and the smallest `BTreeMap` node (what a
/// `serde_json::Map` is) costs about 600 bytes, more than the variables' own JSON. Two maps a
/// turn were a quarter of a loaded run's memory. Serialized as a JSON object, as the map was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variables(Vec<(String, Value)>);

impl Variables {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Names and values, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the variables whose name `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.0.retain(|(k, _)| keep(k));
    }

    /// The variables as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.0.iter().cloned().collect()
    }

    /// Variables from name → value pairs in document order: a repeated name keeps its last
    /// value, as in a JSON object.
    pub(crate) fn from_pairs(pairs: Vec<(String, Value)>) -> Self {
        Variables(exact(sorted_last_wins(pairs)))
    }
}

impl FromIterator<(String, Value)> for Variables {
    /// A repeated name keeps its last value, as in a JSON object.
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Variables::from_pairs(iter.into_iter().collect())
    }
}

impl From<Map<String, Value>> for Variables {
    fn from(map: Map<String, Value>) -> Self {
        map.into_iter().collect()
    }
}

impl Serialize for Variables {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pairs(list: &[(&str, Value)]) -> Variables {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn sorted_by_name_and_a_repeated_name_keeps_its_last_value() {
        let vars = pairs(&[
            ("b", json!(1)),
            ("a", json!("first")),
            ("c", json!(null)),
            ("a", json!("second")),
            ("a", json!("last")),
        ]);
        let names: Vec<&str> = vars.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(vars.get("a"), Some(&json!("last")));
        assert_eq!(vars.get("c"), Some(&json!(null)));
        assert_eq!(vars.get("d"), None);
        assert_eq!(vars.len(), 3);
    }

    #[test]
    fn serializes_and_converts_as_the_json_object_it_was_read_from() {
        let object = json!({"patient_name": "Ann", "age": 41, "tags": ["a"], "x": {"y": 1}});
        let map = object.as_object().cloned().unwrap();
        let vars = Variables::from(map.clone());
        assert_eq!(serde_json::to_value(&vars).unwrap(), object);
        assert_eq!(vars.to_map(), map);
        let mut kept = vars.clone();
        kept.retain(|k| k != "age");
        assert_eq!(kept.len(), 3);
        assert!(kept.get("age").is_none() && !kept.is_empty());
    }
}
