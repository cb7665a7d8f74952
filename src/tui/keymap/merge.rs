//! Layers → one keymap. A later layer's binding replaces an earlier one for the same keys in the same context,
//! `noop` removes it. After each layer the chord-prefix rule is checked against the merged result, so a
//! conflict is reported at the layer that introduced it; at the end the escape hatches must be present.

use super::context::Context;
use super::error::KeymapError;
use super::key::Key;
use super::layer::Layer;
use super::seq::KeySeq;
use super::{Binding, Keymap};
use crate::tui::action::Action;

/// Merges `layers`, base first.
pub(super) fn merge(layers: &[Layer]) -> Result<Keymap, KeymapError> {
    let mut map = Keymap::empty();
    for (index, layer) in layers.iter().enumerate() {
        map.sources.push(layer.file.clone());
        for e in &layer.entries {
            let table = &mut map.tables[e.context.index()];
            if e.action == Action::Noop {
                table.remove(&e.keys);
            } else {
                let binding = Binding { action: e.action, layer: index, line: e.line, offset: e.offset };
                table.insert(e.keys.clone(), binding);
            }
        }
        check_prefixes(&map)?;
    }
    if let Some(base) = layers.first() {
        check_escape_hatches(&map, base)?;
    }
    Ok(map)
}

/// One side of a prefix conflict.
struct Side<'a> {
    context: Context,
    keys: &'a KeySeq,
    binding: &'a Binding,
}

/// No key sequence may be a strict prefix of another in the same context, or in a context and `global`
/// (lookups fall back from one to the other, so the shorter would always win). Reports the conflict whose
/// later-defined side comes first, so the message points at the first line to fix.
fn check_prefixes(map: &Keymap) -> Result<(), KeymapError> {
    let global = &map.tables[Context::Global.index()];
    let mut worst: Option<(Side, Side)> = None;
    for context in Context::ALL {
        let table = &map.tables[context.index()];
        let others = if context == Context::Global { None } else { Some(global) };
        for (a, ba) in table {
            let same = table.iter().map(|(k, b)| (context, k, b));
            let with_global = others.into_iter().flatten().map(|(k, b)| (Context::Global, k, b));
            for (other_context, b, bb) in same.chain(with_global) {
                if !(a.is_strict_prefix_of(b) || other_context != context && b.is_strict_prefix_of(a)) {
                    continue;
                }
                let x = Side { context, keys: a, binding: ba };
                let y = Side { context: other_context, keys: b, binding: bb };
                let (later, earlier) = if x.binding.order() >= y.binding.order() { (x, y) } else { (y, x) };
                if worst.as_ref().is_none_or(|(w, _)| later.binding.order() < w.binding.order()) {
                    worst = Some((later, earlier));
                }
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((later, earlier)) => Err(KeymapError::PrefixConflict {
            file: map.sources[later.binding.layer].clone(),
            line: later.binding.line,
            context: later.context,
            key: later.keys.to_string(),
            other_context: earlier.context,
            other_key: earlier.keys.to_string(),
            other_file: map.sources[earlier.binding.layer].clone(),
            other_line: earlier.binding.line,
        }),
    }
}

/// `ctrl-c` quits from `global`, `esc` cancels from `global` and `prompt`. Layers cannot rebind them (checked
/// per file), so only a base layer that extends "none" can lack them; the error points at its `extends`.
fn check_escape_hatches(map: &Keymap, base: &Layer) -> Result<(), KeymapError> {
    for (context, key, required) in [
        (Context::Global, Key::CTRL_C, Action::Quit),
        (Context::Global, Key::ESC, Action::Cancel),
        (Context::Prompt, Key::ESC, Action::Cancel),
    ] {
        let bound = map.tables[context.index()].get([key].as_slice()).map(|b| b.action);
        if bound != Some(required) {
            return Err(KeymapError::MissingEscapeHatch {
                file: base.file.clone(),
                line: base.extends_line,
                context,
                key: key.to_string(),
                required,
            });
        }
    }
    Ok(())
}
