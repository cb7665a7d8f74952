//! Chords: keys typed in turn, bound as one.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use super::key::{Key, KeyParseError};

/// A key sequence: one key, or a chord of up to [`KeySeq::MAX_LEN`] keys typed in turn (`g g`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySeq(Vec<Key>);

impl KeySeq {
    /// Longer chords are hard to remember and to show in a hint bar.
    pub const MAX_LEN: usize = 3;

    /// The keys in the order they are typed.
    pub fn keys(&self) -> &[Key] {
        &self.0
    }

    /// Compact ASCII for the hint bar, keys separated by spaces (`g g`, `^X ^C`).
    pub fn short(&self) -> String {
        self.0.iter().map(Key::short).collect::<Vec<_>>().join(" ")
    }

    /// The key, if this is a single key rather than a chord.
    pub fn single(&self) -> Option<Key> {
        match self.0.as_slice() {
            [key] => Some(*key),
            _ => None,
        }
    }

    /// Whether `self` is a strict prefix of `other`: then `self` would fire before `other` could be typed.
    pub fn is_strict_prefix_of(&self, other: &KeySeq) -> bool {
        self.0.len() < other.0.len() && other.0.starts_with(&self.0)
    }

    /// Ordering key for "shortest / simplest first": fewer keys, fewer modifiers, characters before named keys,
    /// then the spelling so the order is stable.
    pub(crate) fn simplicity(&self) -> (usize, usize, usize, String) {
        let (mods, named) =
            self.0.iter().map(Key::weight).fold((0, 0), |(m, n), (km, kn)| (m + km, n + usize::from(kn)));
        (self.0.len(), mods, named, self.to_string())
    }
}

/// Lets the keymap look up the keys typed so far (a slice) without allocating a `KeySeq`; the derived order of
/// `KeySeq` is the slice order, as `Borrow` requires.
impl Borrow<[Key]> for KeySeq {
    fn borrow(&self) -> &[Key] {
        &self.0
    }
}

impl From<Key> for KeySeq {
    fn from(key: Key) -> KeySeq {
        KeySeq(vec![key])
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

impl FromStr for KeySeq {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<KeySeq, KeyParseError> {
        let keys = s.split_whitespace().map(str::parse).collect::<Result<Vec<Key>, _>>()?;
        match keys.len() {
            0 => Err(KeyParseError { input: s.to_string(), reason: "empty key name" }),
            n if n > KeySeq::MAX_LEN => {
                Err(KeyParseError { input: s.to_string(), reason: "a chord has at most 3 keys" })
            }
            _ => Ok(KeySeq(keys)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn chords_parse_display_and_limit_length() {
        let seq: KeySeq = "g  g".parse().expect("chord");
        assert_eq!(seq.to_string(), "g g");
        assert_eq!(seq.keys().len(), 2);
        assert_eq!("ctrl-x ctrl-c".parse::<KeySeq>().map(|s| s.short()), Ok("^X ^C".to_string()));
        assert!("a b c d".parse::<KeySeq>().is_err());
        assert!("   ".parse::<KeySeq>().is_err());
        let g: KeySeq = key("g").into();
        assert!(g.is_strict_prefix_of(&seq));
        assert!(!seq.is_strict_prefix_of(&g));
        assert!(!g.is_strict_prefix_of(&g));
    }
}
