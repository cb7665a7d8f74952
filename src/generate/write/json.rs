//! A small ordered JSON tree and the two string dialects real Key Vault logs come in.
//!
//! Records are built as [`Node`] trees (keys in the order Azure writes them) so that every output format —
//! raw records, flattened AzureDiagnostics columns, AZKVAuditLogs rows — is derived from the same structure and
//! cannot drift apart. serde_json does the encoding; [`Escaping`] reproduces the "escape everything" serializers
//! (.NET `DataContractJsonSerializer` and friends) that write `\/` and `\u00e9`, which ~1% of records use.

use std::borrow::Cow;
use std::io;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// A JSON value with ordered object keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Str(Cow<'static, str>),
    Arr(Vec<Node>),
    Obj(Vec<(Cow<'static, str>, Node)>),
}

impl Node {
    pub fn obj() -> Node {
        Node::Obj(Vec::new())
    }

    /// Appends a member (only meaningful on objects; a no-op otherwise).
    pub fn push(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Node>) {
        if let Node::Obj(members) = self {
            members.push((key.into(), value.into()));
        }
    }

    /// Builder form of [`Node::push`].
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Node>) -> Node {
        self.push(key, value);
        self
    }

    /// Appends a member only when `value` is `Some`.
    pub fn push_opt<V: Into<Node>>(&mut self, key: impl Into<Cow<'static, str>>, value: Option<V>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn string_array(items: &[&'static str]) -> Node {
        Node::Arr(items.iter().map(|s| Node::Str(Cow::Borrowed(s))).collect())
    }

    /// Compact JSON text of this node (used for JSON-in-string columns and Activity Log `requestbody`).
    pub fn to_json_text(&self) -> String {
        // Serializing a Node into a Vec cannot fail: there are no maps with non-string keys and no I/O errors.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<&'static str> for Node {
    fn from(s: &'static str) -> Node {
        Node::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(Cow::Owned(s))
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<i64> for Node {
    fn from(i: i64) -> Node {
        Node::Int(i)
    }
}

impl From<u32> for Node {
    fn from(i: u32) -> Node {
        Node::Int(i64::from(i))
    }
}

impl From<u16> for Node {
    fn from(i: u16) -> Node {
        Node::Int(i64::from(i))
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Int(i) => serializer.serialize_i64(*i),
            Node::Real(f) => serializer.serialize_f64(*f),
            Node::Str(s) => serializer.serialize_str(s),
            Node::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Obj(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Wraps a formatter and additionally escapes `/` as `\/` and every non-ASCII character as `\uXXXX` (UTF-16 surrogate
/// pairs above the BMP) — legal JSON that naive byte-level parsers get wrong.
pub struct Escaping<F>(pub F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if ch == '/' || !ch.is_ascii() {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                if ch == '/' {
                    writer.write_all(b"\\/")?;
                } else {
                    let mut units = [0u16; 2];
                    for unit in ch.encode_utf16(&mut units) {
                        write!(writer, "\\u{:04x}", unit)?;
                    }
                }
                start = i + ch.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// How one record is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Compact,
    /// Pretty-printed with the given indent (spaces per level).
    Pretty(usize),
}

/// Writes `value` as JSON. `escaped` selects the escape-everything dialect.
pub fn write_value<W: io::Write, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
    layout: Layout,
    escaped: bool,
) -> io::Result<()> {
    let indent;
    let result = match (layout, escaped) {
        (Layout::Compact, false) => value.serialize(&mut serde_json::Serializer::new(&mut *out)),
        (Layout::Compact, true) => {
            value.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, Escaping(CompactFormatter)))
        }
        (Layout::Pretty(n), escaped) => {
            indent = vec![b' '; n];
            if escaped {
                let f = Escaping(PrettyFormatter::with_indent(&indent));
                value.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, f))
            } else {
                let f = PrettyFormatter::with_indent(&indent);
                value.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, f))
            }
        }
    };
    // Keep the I/O error kind (a closed pipe must still read as BrokenPipe to the caller).
    result.map_err(|e| match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_dialect_round_trips() {
        let node = Node::obj()
            .with("uri", "https://kv-a.vault.azure.net/secrets/x")
            .with("name", "Zoé \"CJ\" 😀")
            .with("n", 200u16);
        let mut plain = Vec::new();
        write_value(&mut plain, &node, Layout::Compact, false).unwrap();
        let mut esc = Vec::new();
        write_value(&mut esc, &node, Layout::Compact, true).unwrap();
        let esc_text = String::from_utf8(esc.clone()).unwrap();
        assert!(esc_text.contains(r"https:\/\/kv-a.vault.azure.net\/secrets\/x"));
        assert!(esc_text.contains(r#"Zo\u00e9 \"CJ\" \ud83d\ude00"#));
        assert!(esc_text.is_ascii());
        let a: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&esc).unwrap();
        assert_eq!(a, b);
    }
}
