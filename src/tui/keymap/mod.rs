//! Key → action, as data. Keymaps are TOML files (`keymaps/*.toml`, embedded as presets, or the user's own)
//! with one table per [`Context`] mapping key names to action names; a file `extends` a preset and lists only
//! its differences. Loading is strict: every mistake is an error with file and line, never a silent fallback,
//! because a keymap that half-loads makes keys do things nobody asked for.
//!
//! * `key` — key names and terminal events, one normalization for both; `seq` — chords.
//! * `layer` — one file → bindings, with the checks one file allows.
//! * `merge` — layers → one map, chord-prefix and escape-hatch checks.
//! * `load` — presets, files, the user's config file, `extends` chains.
//! * `describe` — the merged map as commented TOML.

mod context;
mod describe;
mod error;
mod key;
mod layer;
mod load;
mod merge;
mod presets;
mod seq;

use std::collections::BTreeMap;
use std::ops::Bound;

pub use context::Context;
pub use error::KeymapError;
pub use key::{KEY_FORMS, Key, KeyParseError};
pub use load::{check, user_keymap_path};
pub use presets::PRESETS;
pub use seq::KeySeq;

use crate::tui::action::Action;

/// The merged bindings of every context, and where each came from.
#[derive(Clone, Debug)]
pub struct Keymap {
    /// Indexed by [`Context::index`]. Ordered so the chords starting with some keys are one range.
    tables: [BTreeMap<KeySeq, Binding>; Context::ALL.len()],
    /// Layer files, base first; [`Binding::layer`] indexes this.
    sources: Vec<String>,
}

/// One merged binding.
#[derive(Clone, Copy, Debug)]
struct Binding {
    action: Action,
    layer: usize,
    line: usize,
    offset: usize,
}

impl Binding {
    /// Definition order across layers: later layers, then later in the file.
    fn order(&self) -> (usize, usize) {
        (self.layer, self.offset)
    }
}

/// What the keys typed so far mean in one context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A complete binding.
    Action(Action),
    /// The keys are the start of a chord: wait for the next key.
    Pending,
    /// Nothing here; the caller tries `global`, then gives up and clears the keys.
    None,
}

impl Keymap {
    fn empty() -> Keymap {
        Keymap { tables: Default::default(), sources: Vec::new() }
    }

    /// What `keys` mean in `ctx` alone; the caller falls back to [`Context::Global`] on [`Lookup::None`].
    pub fn lookup(&self, ctx: Context, keys: &[Key]) -> Lookup {
        let table = &self.tables[ctx.index()];
        if let Some(binding) = table.get(keys) {
            return Lookup::Action(binding.action);
        }
        if keys.is_empty() {
            return Lookup::None;
        }
        // Every chord that starts with `keys` sorts right after `keys`, so the next entry decides.
        let mut after = table.range::<[Key], _>((Bound::Excluded(keys), Bound::Unbounded));
        match after.next() {
            Some((next, _)) if next.keys().starts_with(keys) => Lookup::Pending,
            _ => Lookup::None,
        }
    }

    /// Every binding of `ctx`, sorted for display: by action (the help overlay's order), then simplest keys.
    pub fn bindings(&self, ctx: Context) -> Vec<(KeySeq, Action)> {
        let mut out: Vec<(KeySeq, Action)> =
            self.tables[ctx.index()].iter().map(|(keys, b)| (keys.clone(), b.action)).collect();
        out.sort_by_cached_key(|(keys, action)| (*action, keys.simplicity()));
        out
    }

    /// The keys bound to `action` in `ctx`, shortest and simplest first (what a hint bar shows).
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<KeySeq> {
        let mut out: Vec<KeySeq> =
            self.tables[ctx.index()].iter().filter(|(_, b)| b.action == action).map(|(k, _)| k.clone()).collect();
        out.sort_by_cached_key(KeySeq::simplicity);
        out
    }

    /// The file and line that bound `keys` in `ctx`, if they are bound.
    pub fn origin(&self, ctx: Context, keys: &KeySeq) -> Option<(&str, usize)> {
        let binding = self.tables[ctx.index()].get(keys)?;
        Some((self.sources.get(binding.layer)?.as_str(), binding.line))
    }

    /// The layer files, in merge order (base first).
    pub fn sources(&self) -> Vec<String> {
        self.sources.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> Vec<Key> {
        s.split_whitespace().map(|k| k.parse().unwrap_or_else(|e| panic!("{e}"))).collect()
    }

    #[test]
    fn chords_are_pending_until_complete() {
        let map = Keymap::preset("vim").expect("vim loads");
        assert_eq!(map.lookup(Context::Global, &keys("g")), Lookup::Pending);
        assert_eq!(map.lookup(Context::Global, &keys("g g")), Lookup::Action(Action::Top));
        assert_eq!(map.lookup(Context::Global, &keys("g x")), Lookup::None);
        assert_eq!(map.lookup(Context::Global, &[]), Lookup::None);
        assert_eq!(map.lookup(Context::Table, &keys("g")), Lookup::None);
    }

    #[test]
    fn keys_for_puts_the_simplest_first() {
        let map = Keymap::preset("vim").expect("vim loads");
        let top: Vec<String> = map.keys_for(Context::Global, Action::Top).iter().map(|k| k.to_string()).collect();
        assert_eq!(top, ["home", "g g"]);
        let quit: Vec<String> = map.keys_for(Context::Global, Action::Quit).iter().map(|k| k.to_string()).collect();
        assert_eq!(quit, ["q", "ctrl-c"]);
    }
}
