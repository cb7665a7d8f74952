//! One keymap file → its bindings, with every check that needs only that file: TOML syntax, table and key
//! names, action names, keys written twice, `prompt_*` outside the prompt, and the escape hatches. Checks that
//! need the merged result (chord prefixes, escape hatches present at all) live in `merge`.

use std::collections::HashMap;
use std::collections::hash_map;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::context::Context;
use super::error::KeymapError;
use super::key::{Key, KeyParseError};
use super::seq::KeySeq;
use crate::tui::action::Action;

/// What a file says when it has no `extends`: a user file adds to the default keymap.
const DEFAULT_EXTENDS: &str = "default";

/// One `"keys" = "action"` line.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub context: Context,
    pub keys: KeySeq,
    pub action: Action,
    pub line: usize,
    /// Byte offset of the key in the file, so "which came later" has an answer even on one line.
    pub offset: usize,
}

/// A parsed, file-locally valid keymap file.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    /// The name used in messages.
    pub file: String,
    /// The preset this file builds on, or `"none"`.
    pub extends: String,
    /// The line of `extends`, or 1 when absent (the default applies to the whole file).
    pub extends_line: usize,
    /// In file order.
    pub entries: Vec<Entry>,
}

/// 1-based line of a byte offset. Counts bytes, so an offset inside a multi-byte character cannot panic.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count()
}

/// Parses and checks one file.
pub(crate) fn parse(text: &str, file: &str) -> Result<Layer, KeymapError> {
    let doc = DeTable::parse(text).map_err(|e| KeymapError::Syntax {
        file: file.to_string(),
        line: e.span().map_or(1, |span| line_of(text, span.start)),
        message: e.message().to_string(),
    })?;
    let at = |offset: usize| (file.to_string(), line_of(text, offset));

    let mut top: Vec<_> = doc.get_ref().iter().collect();
    top.sort_by_key(|(k, _)| k.span().start);
    let mut extends = None;
    let mut raw = Vec::new();
    for (name, value) in top {
        let (file, line) = at(name.span().start);
        match (name.get_ref().as_ref(), value.get_ref()) {
            ("extends", DeValue::String(s)) => extends = Some((s.to_string(), line)),
            ("extends", _) => {
                return Err(KeymapError::WrongType { file, line, what: "`extends`".into(), expected: "a string" });
            }
            (table, value) => match (Context::from_name(table), value) {
                (Some(context), DeValue::Table(bindings)) => {
                    raw.extend(bindings.iter().map(|(k, v)| (context, k, v)));
                }
                (Some(_), _) => {
                    let what = format!("`{table}`");
                    return Err(KeymapError::WrongType { file, line, what, expected: "a table of bindings" });
                }
                (None, DeValue::Table(_)) => {
                    return Err(KeymapError::UnknownContext { file, line, name: table.into() });
                }
                (None, _) => return Err(KeymapError::UnknownTopLevel { file, line, name: table.into() }),
            },
        }
    }
    raw.sort_by_key(|(_, k, _)| k.span().start);

    let mut entries: Vec<Entry> = Vec::with_capacity(raw.len());
    // Keys already bound in this file, per context, with their line: the same key twice is a mistake even when
    // TOML cannot see it ("G" and "shift-g").
    let mut seen: HashMap<(Context, KeySeq), usize> = HashMap::new();
    for (context, keys, action) in raw {
        let entry = entry(context, keys, action, &at)?;
        match seen.entry((context, entry.keys.clone())) {
            hash_map::Entry::Occupied(first) => {
                let (file, line) = at(entry.offset);
                let (key, first_line) = (entry.keys.to_string(), *first.get());
                return Err(KeymapError::DuplicateKey { file, line, context, key, first_line });
            }
            hash_map::Entry::Vacant(slot) => {
                slot.insert(entry.line);
            }
        }
        entries.push(entry);
    }
    let (extends, extends_line) = extends.unwrap_or_else(|| (DEFAULT_EXTENDS.to_string(), 1));
    Ok(Layer { file: file.to_string(), extends, extends_line, entries })
}

/// One binding, with the checks that need nothing but the binding itself.
fn entry(
    context: Context,
    keys: &Spanned<DeString<'_>>,
    action: &Spanned<DeValue<'_>>,
    at: &impl Fn(usize) -> (String, usize),
) -> Result<Entry, KeymapError> {
    let offset = keys.span().start;
    let (file, line) = at(offset);
    let written: &str = keys.get_ref();
    // The value first: `[global.more]` is a nested table, and "not a key name" would miss the point.
    let Some(name) = action.get_ref().as_str() else {
        let what = format!("the value of [{context}] `{written}`");
        return Err(KeymapError::WrongType { file, line, what, expected: "an action name string" });
    };
    let parsed = if written == "extends" {
        // TOML puts a late `extends` inside the table above it; say so instead of "not a key name".
        Err(KeyParseError { input: written.into(), reason: "`extends` must come before the first [table]" })
    } else {
        written.parse::<KeySeq>()
    };
    let keys = parsed.map_err(|source| KeymapError::UnknownKey { file: file.clone(), line, source })?;
    let action =
        name.parse::<Action>().map_err(|source| KeymapError::UnknownAction { file: file.clone(), line, source })?;
    if context != Context::Prompt && action.name().starts_with("prompt_") {
        return Err(KeymapError::PromptActionOutsidePrompt { file, line, context, key: keys.to_string(), action });
    }
    if let Some(required) = reserved(context, &keys, action) {
        let key = keys.to_string();
        return Err(KeymapError::EscapeHatch { file, line, context, key, required, found: action });
    }
    Ok(Entry { context, keys, action, line, offset })
}

/// The action a binding must have if it touches an escape hatch and has anything else, else `None`.
///
/// `ctrl-c` quits and `esc` cancels. Outside `global` (and for `esc`, outside `prompt`) a table may unbind
/// them with `noop`, because lookups then fall back to `global`; the prompt does not fall back for plain keys,
/// so its `esc` must stay.
fn reserved(context: Context, keys: &KeySeq, action: Action) -> Option<Action> {
    let key = keys.single()?;
    let (required, noop_ok) = if key == Key::CTRL_C {
        (Action::Quit, context != Context::Global)
    } else if key == Key::ESC {
        (Action::Cancel, !matches!(context, Context::Global | Context::Prompt))
    } else {
        return None;
    };
    let allowed = action == required || (action == Action::Noop && noop_ok);
    (!allowed).then_some(required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_newlines_before_the_offset() {
        let text = "a\nb\n\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 4);
        assert_eq!(line_of(text, 999), 4);
    }

    #[test]
    fn entries_come_in_file_order_with_lines() {
        let layer =
            parse("extends = \"none\"\n[table]\n\"z\" = \"copy\"\n\"a\" = \"copy\"\n", "t.toml").expect("parses");
        assert_eq!(layer.extends, "none");
        let lines: Vec<(String, usize)> = layer.entries.iter().map(|e| (e.keys.to_string(), e.line)).collect();
        assert_eq!(lines, [("z".to_string(), 3), ("a".to_string(), 4)]);
    }

    #[test]
    fn missing_extends_means_default() {
        let layer = parse("[global]\n\"x\" = \"copy\"\n", "t.toml").expect("parses");
        assert_eq!((layer.extends.as_str(), layer.extends_line), ("default", 1));
    }
}
