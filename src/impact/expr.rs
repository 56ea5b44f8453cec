//! The condition expression language of Interactly edges (EXECUTION.md §3, "Expression
//! language"): `== != < <= > >=`, `AND OR NOT`, parentheses, `isPresent/isAbsent/isEmpty/
//! isNonEmpty(…)`, single-quoted strings, `[[runtime]]` and `{{dynamic}}` variables.
//!
//! Anything the documentation leaves open is refused with a reason rather than guessed:
//! dotted paths and filters inside `[[…]]`, cross-thread reads, comparing different types,
//! ordering strings, and a variable the recorded state does not hold. The caller reports such
//! a case `undetermined`.

use serde_json::{Map, Value};

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// The variables an expression reads: thread runtime variables and dynamic variables.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `[[name]]`.
    pub runtime: &'a Map<String, Value>,
    /// `{{name}}`.
    pub dynamic: &'a Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Runtime(String),
    Dynamic(String),
    Str(String),
    Num(f64),
    Word(String),
    Cmp(&'static str),
}

fn lex(src: &str) -> Result<Vec<Tok>, Unsupported> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push(Tok::Open);
                i += 1;
            }
            b')' => {
                out.push(Tok::Close);
                i += 1;
            }
            b'[' | b'{' if b.get(i + 1) == Some(&c) => {
                let close = if c == b'[' { "]]" } else { "}}" };
                let rest = &src[i + 2..];
                let end = rest
                    .find(close)
                    .ok_or_else(|| Unsupported(format!("unclosed variable in `{src}`")))?;
                let name = rest[..end].trim();
                if name.is_empty() || !name.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'_')
                {
                    return Err(Unsupported(format!(
                        "variable `{name}` uses a path, filter or cross-thread read"
                    )));
                }
                out.push(if c == b'[' {
                    Tok::Runtime(name.to_owned())
                } else {
                    Tok::Dynamic(name.to_owned())
                });
                i += 2 + end + 2;
            }
            b'\'' | b'"' => {
                let rest = &src[i + 1..];
                let end = rest
                    .find(c as char)
                    .ok_or_else(|| Unsupported(format!("unclosed string in `{src}`")))?;
                out.push(Tok::Str(rest[..end].to_owned()));
                i += 1 + end + 1;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = b.get(i + 1) == Some(&b'=');
                let op = match (c, two) {
                    (b'=', true) => "==",
                    (b'!', true) => "!=",
                    (b'<', true) => "<=",
                    (b'>', true) => ">=",
                    (b'<', false) => "<",
                    (b'>', false) => ">",
                    _ => return Err(Unsupported(format!("unknown operator in `{src}`"))),
                };
                out.push(Tok::Cmp(op));
                i += if two { 2 } else { 1 };
            }
            b'0'..=b'9' | b'-' | b'.' => {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                let n = src[start..i]
                    .parse()
                    .map_err(|_| Unsupported(format!("bad number in `{src}`")))?;
                out.push(Tok::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Tok::Word(src[start..i].to_owned()));
            }
            _ => {
                return Err(Unsupported(format!(
                    "unexpected `{}` in `{src}`",
                    c as char
                )))
            }
        }
    }
    Ok(out)
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Absent(String),
    Json(Value),
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    scope: Scope<'a>,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<bool, Unsupported> {
        let mut v = self.and()?;
        while self.word("or") {
            self.at += 1;
            let r = self.and()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, Unsupported> {
        let mut v = self.not()?;
        while self.word("and") {
            self.at += 1;
            let r = self.not()?;
            v = v && r;
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<bool, Unsupported> {
        if self.word("not") {
            self.at += 1;
            return Ok(!self.not()?);
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<bool, Unsupported> {
        if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let v = self.or()?;
            if self.peek() != Some(&Tok::Close) {
                return Err(self.bad("missing `)`"));
            }
            self.at += 1;
            return Ok(v);
        }
        if let Some(Tok::Word(w)) = self.peek() {
            let w = w.clone();
            if matches!(self.toks.get(self.at + 1), Some(Tok::Open)) {
                self.at += 2;
                let arg = self.operand()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(self.bad("missing `)`"));
                }
                self.at += 1;
                return function(&w, &arg);
            }
        }
        let left = self.operand()?;
        let Some(Tok::Cmp(op)) = self.peek().cloned() else {
            return match left {
                Val::Json(Value::Bool(b)) => Ok(b),
                _ => Err(self.bad("a bare value that is not a boolean")),
            };
        };
        self.at += 1;
        let right = self.operand()?;
        compare(op, &left, &right)
    }

    fn operand(&mut self) -> Result<Val, Unsupported> {
        let tok = self
            .peek()
            .cloned()
            .ok_or_else(|| self.bad("unexpected end"))?;
        self.at += 1;
        Ok(match tok {
            Tok::Runtime(n) => lookup(self.scope.runtime, &n, "[["),
            Tok::Dynamic(n) => lookup(self.scope.dynamic, &n, "{{"),
            Tok::Str(s) => Val::Json(Value::String(s)),
            Tok::Num(n) => Val::Json(serde_json::json!(n)),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Val::Json(Value::Bool(true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Val::Json(Value::Bool(false)),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") || w == "None" => Val::Json(Value::Null),
            other => return Err(self.bad(&format!("unexpected {other:?}"))),
        })
    }

    fn bad(&self, what: &str) -> Unsupported {
        Unsupported(format!("{what} in `{}`", self.src))
    }
}

fn lookup(vars: &Map<String, Value>, name: &str, open: &str) -> Val {
    match vars.get(name) {
        Some(v) => Val::Json(v.clone()),
        None => {
            let close = if open == "[[" { "]]" } else { "}}" };
            Val::Absent(format!("{open}{name}{close}"))
        }
    }
}

fn function(name: &str, arg: &Val) -> Result<bool, Unsupported> {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match (name, arg) {
        ("isPresent", Val::Absent(_)) => Ok(false),
        ("isAbsent", Val::Absent(_)) => Ok(true),
        ("isEmpty" | "isNonEmpty", Val::Absent(v)) => Err(Unsupported(format!(
            "{name}({v}) on a variable the recorded state does not hold"
        ))),
        (_, Val::Json(Value::Null)) if name == "isPresent" || name == "isAbsent" => Err(
            Unsupported(format!("{name} of a null value is undocumented")),
        ),
        ("isPresent", Val::Json(_)) => Ok(true),
        ("isAbsent", Val::Json(_)) => Ok(false),
        ("isEmpty", Val::Json(v)) => Ok(empty(v)),
        ("isNonEmpty", Val::Json(v)) => Ok(!empty(v)),
        _ => Err(Unsupported(format!("unsupported function `{name}`"))),
    }
}

fn compare(op: &str, l: &Val, r: &Val) -> Result<bool, Unsupported> {
    let (Val::Json(a), Val::Json(b)) = (l, r) else {
        let missing = [l, r]
            .into_iter()
            .find_map(|v| match v {
                Val::Absent(n) => Some(n.clone()),
                Val::Json(_) => None,
            })
            .unwrap_or_default();
        return Err(Unsupported(format!(
            "{missing} is not in the recorded state (an unresolved placeholder compares as text)"
        )));
    };
    let ord = match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            x.zip(y).and_then(|(x, y)| x.partial_cmp(&y))
        }
        (Value::String(x), Value::String(y)) if matches!(op, "==" | "!=") => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, "==" | "!=") => Some(x.cmp(y)),
        (Value::Null, Value::Null) if matches!(op, "==" | "!=") => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    let Some(ord) = ord else {
        return Err(Unsupported(format!(
            "`{op}` between {} and {} is undocumented",
            kind(a),
            kind(b)
        )));
    };
    use std::cmp::Ordering::*;
    Ok(match op {
        "==" => ord == Equal,
        "!=" => ord != Equal,
        "<" => ord == Less,
        "<=" => ord != Greater,
        ">" => ord == Greater,
        _ => ord != Less,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Evaluates `src` on `scope`.
pub fn eval(src: &str, scope: Scope<'_>) -> Result<bool, Unsupported> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        at: 0,
        scope,
        src,
    };
    let v = p.or()?;
    if p.at != p.toks.len() {
        return Err(p.bad("trailing input"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn run(src: &str, rt: Value) -> Result<bool, Unsupported> {
        let runtime = rt.as_object().cloned().unwrap_or_default();
        let dynamic = json!({"clinic": "Maple"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        eval(
            src,
            Scope {
                runtime: &runtime,
                dynamic: &dynamic,
            },
        )
    }

    #[test]
    fn the_documented_forms() {
        let rt = json!({"urgency": "emergency", "days": 3, "ok": true, "empty": ""});
        assert_eq!(run("[[urgency]] == 'emergency'", rt.clone()), Ok(true));
        assert_eq!(run("[[urgency]] != 'emergency'", rt.clone()), Ok(false));
        assert_eq!(
            run("[[days]] >= 3 AND NOT ([[days]] > 5)", rt.clone()),
            Ok(true)
        );
        assert_eq!(
            run("[[days]] < 2 OR {{clinic}} == 'Maple'", rt.clone()),
            Ok(true)
        );
        assert_eq!(
            run("isPresent([[urgency]]) and isEmpty([[empty]])", rt.clone()),
            Ok(true)
        );
        assert_eq!(run("isAbsent([[nothing]])", rt.clone()), Ok(true));
        assert_eq!(run("[[ok]]", rt), Ok(true));
    }

    #[test]
    fn what_is_undocumented_is_refused() {
        let rt = json!({"r": {"urgency": "x"}, "n": 1, "s": "a"});
        assert!(run("[[r.urgency | upcase ]] == 'X'", rt.clone()).is_err());
        assert!(run("[[missing]] == 'x'", rt.clone()).is_err());
        assert!(run("[[n]] == '1'", rt.clone()).is_err());
        assert!(run("[[s]] < 'b'", rt.clone()).is_err());
        assert!(run("contains([[s]])", rt.clone()).is_err());
        assert!(run("[[s]] == 'a' extra", rt).is_err());
    }

    proptest! {
        /// Any input evaluates or is refused; it never panics.
        #[test]
        fn never_panics(src in ".{0,40}") {
            let _ = run(&src, json!({"a": 1, "b": "x"}));
        }

        /// Comparing a number variable with a literal agrees with Rust's comparison.
        #[test]
        fn numbers_compare_like_numbers(a in -1000i64..1000, b in -1000i64..1000) {
            let rt = json!({"a": a});
            prop_assert_eq!(run(&format!("[[a]] < {b}"), rt.clone()), Ok(a < b));
            prop_assert_eq!(run(&format!("[[a]] == {b}"), rt), Ok(a == b));
        }
    }
}
