//! Log Analytics `dynamic` values that arrive as text: JSON text (Query API, CSV export), or — in
//! `az monitor log-analytics query` output — Python's `repr()` of the object: single quotes, `True`, `None`
//! (FORMATS.md §6.2). Both become a `serde_json::Value`.

use serde_json::{Map, Value};

/// Deepest nesting accepted in Python-repr text (serde_json applies its own limit of 128 to JSON text).
const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Some(v);
    }
    let mut p = PyRepr { s: t.as_bytes(), pos: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.pos == p.s.len()).then_some(v)
}

struct PyRepr<'a> {
    s: &'a [u8],
    pos: usize,
}

impl PyRepr<'_> {
    fn ws(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.s.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                let mut map = Map::new();
                if self.eat(b'}') {
                    return Some(Value::Object(map));
                }
                loop {
                    let key = match self.value(depth + 1)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    map.insert(key, v);
                    if self.eat(b',') {
                        if self.eat(b'}') {
                            return Some(Value::Object(map));
                        }
                        continue;
                    }
                    return self.eat(b'}').then_some(Value::Object(map));
                }
            }
            b'[' | b'(' => {
                let close = if self.s[self.pos] == b'[' { b']' } else { b')' };
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(close) {
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b',') {
                        if self.eat(close) {
                            return Some(Value::Array(items));
                        }
                        continue;
                    }
                    return self.eat(close).then_some(Value::Array(items));
                }
            }
            q @ (b'\'' | b'"') => self.string(q).map(Value::String),
            _ => {
                let start = self.pos;
                while self.s.get(self.pos).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+'))
                {
                    self.pos += 1;
                }
                let word = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
                match word {
                    "True" => Some(Value::Bool(true)),
                    "False" => Some(Value::Bool(false)),
                    "None" => Some(Value::Null),
                    _ => serde_json::from_str::<serde_json::Number>(word).ok().map(Value::Number),
                }
            }
        }
    }

    fn string(&mut self, quote: u8) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.pos)?;
            self.pos += 1;
            if c == quote {
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = *self.s.get(self.pos)?;
            self.pos += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'x' | b'u' => {
                    let n = if e == b'x' { 2 } else { 4 };
                    let hex = std::str::from_utf8(self.s.get(self.pos..self.pos + n)?).ok()?;
                    self.pos += n;
                    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{FFFD}');
                    out.extend_from_slice(ch.to_string().as_bytes());
                }
                other => out.push(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_python_repr() {
        let j = parse(r#"{"claim":{"oid":"o1"}}"#).unwrap();
        assert_eq!(j["claim"]["oid"], "o1");
        let p = parse(r#"{'claim': {'oid': 'o1', 'upn': "it's@x", 'amr': ['pwd'], 'n': 2, 'ok': True, 'none': None}}"#)
            .unwrap();
        assert_eq!(p["claim"]["oid"], "o1");
        assert_eq!(p["claim"]["upn"], "it's@x");
        assert_eq!(p["claim"]["amr"][0], "pwd");
        assert_eq!(p["claim"]["ok"], true);
        assert_eq!(p["claim"]["none"], Value::Null);
        assert_eq!(parse("{'a': 'b'"), None);
        assert_eq!(parse(&("[".repeat(10_000))), None);
    }
}
