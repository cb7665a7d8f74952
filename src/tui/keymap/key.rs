//! Keys as keymap files spell them, and as the terminal reports them.
//!
//! Both sides go through one normalization ([`Key::new`]) so a binding written `"G"`, `"shift-g"` or
//! `"shift-G"` matches whatever a terminal sends for shift+g (crossterm reports `Char('G')` with or without
//! SHIFT depending on the terminal and keyboard protocol), and `"ctrl-l"` matches a terminal that reports
//! ctrl+l as `Char('L')` with CONTROL|SHIFT.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The key itself, without modifiers. Only keys a keymap can name, plus [`Code::Unnamed`] for everything a
/// terminal can report but a keymap cannot bind (media keys, caps lock, F13…), so that [`Key::from_event`]
/// is total and such keys simply never match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Space,
    F(u8),
    Unnamed,
}

/// Named keys: file spelling (lower case, the canonical form) and the compact hint-bar form.
const NAMED: &[(Code, &str, &str)] = &[
    (Code::Enter, "enter", "Enter"),
    (Code::Esc, "esc", "Esc"),
    (Code::Tab, "tab", "Tab"),
    (Code::BackTab, "backtab", "S-Tab"),
    (Code::Backspace, "backspace", "Bksp"),
    (Code::Delete, "delete", "Del"),
    (Code::Insert, "insert", "Ins"),
    (Code::Up, "up", "Up"),
    (Code::Down, "down", "Down"),
    (Code::Left, "left", "Left"),
    (Code::Right, "right", "Right"),
    (Code::PageUp, "pageup", "PgUp"),
    (Code::PageDown, "pagedown", "PgDn"),
    (Code::Home, "home", "Home"),
    (Code::End, "end", "End"),
    (Code::Space, "space", "Space"),
];

/// The highest function key a keymap can name; many terminals stop at F12.
const MAX_F: u8 = 12;

/// One key press, normalized (see the module docs). Shift is only kept for named keys (`shift-up`); for
/// characters it is folded into the character (`A`, `?`), and it is dropped under ctrl/alt, where letters are
/// lower case (`ctrl-l`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: Code,
    ctrl: bool,
    alt: bool,
    shift: bool,
}

impl Key {
    /// Always quits: the key every terminal user tries first.
    pub(crate) const CTRL_C: Key = Key { code: Code::Char('c'), ctrl: true, alt: false, shift: false };

    /// Always cancels: closes whatever is open, so no keymap can trap a user in an overlay or the prompt.
    pub(crate) const ESC: Key = Key { code: Code::Esc, ctrl: false, alt: false, shift: false };

    /// The one normalization every key goes through, whether parsed from a file or read from the terminal.
    fn new(code: Code, ctrl: bool, alt: bool, shift: bool) -> Key {
        let (code, shift) = match code {
            Code::Char(' ') => (Code::Space, shift),
            Code::Char(c) if ctrl || alt => (Code::Char(single_lower(c)), false),
            Code::Char(c) if shift => (Code::Char(single_upper(c)), false),
            Code::Tab if shift => (Code::BackTab, false),
            Code::BackTab => (Code::BackTab, false),
            other => (other, shift),
        };
        Key { code, ctrl, alt, shift }
    }

    /// The key a terminal event stands for. Total: keys no keymap can name come back as a key that matches no
    /// binding. META counts as alt (terminals that report it mean the same key); SUPER and HYPER are ignored
    /// because terminals rarely pass them through and no keymap can name them. The event kind (press, repeat,
    /// release) is the caller's business.
    pub fn from_event(event: &KeyEvent) -> Key {
        let m = event.modifiers;
        let code = match event.code {
            KeyCode::Char(c) if !c.is_control() => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Insert => Code::Insert,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::F(n) if (1..=MAX_F).contains(&n) => Code::F(n),
            _ => Code::Unnamed,
        };
        Key::new(
            code,
            m.contains(KeyModifiers::CONTROL),
            m.intersects(KeyModifiers::ALT | KeyModifiers::META),
            m.contains(KeyModifiers::SHIFT),
        )
    }

    /// The character this key types, if it is a plain character (no ctrl/alt) — what the prompt inserts.
    pub fn as_char(&self) -> Option<char> {
        match self.code {
            Code::Char(c) if !self.ctrl && !self.alt => Some(c),
            Code::Space if !self.ctrl && !self.alt && !self.shift => Some(' '),
            _ => None,
        }
    }

    /// Whether ctrl or alt is held: the keys the prompt leaves to `global` because they never type text.
    pub fn is_modified(&self) -> bool {
        self.ctrl || self.alt
    }

    /// Compact ASCII for the hint bar: `Enter`, `S-Tab`, `^L`, `M-v`, `PgDn`, `F5`, `q`.
    pub fn short(&self) -> String {
        let mut out = String::new();
        if self.alt {
            out.push_str("M-");
        }
        if self.shift {
            out.push_str("S-");
        }
        if self.ctrl {
            out.push('^');
        }
        match self.code {
            Code::Char(c) if self.ctrl => out.extend(c.to_uppercase()),
            Code::Char(c) => out.push(c),
            Code::F(n) => out.push_str(&format!("F{n}")),
            Code::Unnamed => out.push('?'),
            named => out.push_str(named_entry(named).map_or("?", |(_, _, short)| short)),
        }
        out
    }

    /// How many modifiers and whether it is a named key, for ordering "simplest first".
    pub(crate) fn weight(&self) -> (usize, bool) {
        (usize::from(self.ctrl) + usize::from(self.alt) + usize::from(self.shift), !matches!(self.code, Code::Char(_)))
    }
}

/// `c` lower-cased if that is a single character (true for every letter a keyboard types).
fn single_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// `c` upper-cased if that is a single character; symbols (`?`, `+`) are unchanged.
fn single_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// A decimal number of plain digits (`str::parse` alone would also take `+1`).
fn parse_digits(s: &str) -> Option<u8> {
    if s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn named_entry(code: Code) -> Option<&'static (Code, &'static str, &'static str)> {
    NAMED.iter().find(|(c, _, _)| *c == code)
}

impl fmt::Display for Key {
    /// The canonical spelling in keymap files: `ctrl-alt-x`, `shift-up`, `G`, `enter`, `f5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            Code::Char(c) => write!(f, "{c}"),
            Code::F(n) => write!(f, "f{n}"),
            Code::Unnamed => f.write_str("<unnamed>"),
            named => f.write_str(named_entry(named).map_or("<unnamed>", |(_, name, _)| name)),
        }
    }
}

/// Why a key name was rejected; [`super::KeymapError`] adds the file, line and the list of accepted forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}`: {reason}")]
pub struct KeyParseError {
    /// The key (or chord) as written.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The accepted key forms, in one breath, for error messages.
pub const KEY_FORMS: &str = "a key is a single character (`q`, `?`, `G` for shift-g), or one of enter esc tab backtab \
     backspace delete insert up down left right pageup pagedown home end space f1..f12, optionally prefixed by \
     ctrl- alt- shift- (shift- only with letters and named keys); a chord is up to 3 keys separated by spaces";

impl FromStr for Key {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<Key, KeyParseError> {
        let err = |reason| KeyParseError { input: s.to_string(), reason };
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        let mut rest = s;
        'modifiers: loop {
            for (prefix, flag) in [("ctrl-", &mut ctrl), ("alt-", &mut alt), ("shift-", &mut shift)] {
                // `rest.len() > prefix.len()` keeps `ctrl--` (ctrl+minus) and a bare `-` parseable.
                let matches = rest.len() > prefix.len()
                    && rest.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
                if matches {
                    if *flag {
                        return Err(err("a modifier is repeated"));
                    }
                    *flag = true;
                    rest = &rest[prefix.len()..];
                    continue 'modifiers;
                }
            }
            break;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(err("empty key name")),
            (Some(c), None) if c.is_control() || c.is_whitespace() => {
                return Err(err("control and whitespace characters cannot be bound; write `space`, `tab`, …"));
            }
            (Some(c), None) if shift && !c.is_alphabetic() => {
                return Err(err(
                    "shift- only combines with letters and named keys; write the shifted character itself",
                ));
            }
            (Some(c), None) => Code::Char(c),
            _ => {
                let lower = rest.to_ascii_lowercase();
                match NAMED.iter().find(|(_, name, _)| *name == lower) {
                    Some((code, _, _)) => *code,
                    None => match lower.strip_prefix('f').filter(|n| !n.starts_with('0')).and_then(parse_digits) {
                        Some(n) if (1..=MAX_F).contains(&n) => Code::F(n),
                        _ => return Err(err("not a key name")),
                    },
                }
            }
        };
        Ok(Key::new(code, ctrl, alt, shift))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers as M;

    fn key(s: &str) -> Key {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn ev(code: KeyCode, mods: M) -> Key {
        Key::from_event(&KeyEvent::new(code, mods))
    }

    #[test]
    fn spellings_normalize_to_one_canonical_form() {
        for (written, canonical) in [
            ("a", "a"),
            ("A", "A"),
            ("shift-a", "A"),
            ("SHIFT-a", "A"),
            ("shift-A", "A"),
            ("ctrl-l", "ctrl-l"),
            ("Ctrl-L", "ctrl-l"),
            ("ctrl-shift-l", "ctrl-l"),
            ("alt-V", "alt-v"),
            ("alt-ctrl-x", "ctrl-alt-x"),
            ("ENTER", "enter"),
            ("shift-tab", "backtab"),
            ("BackTab", "backtab"),
            ("shift-Up", "shift-up"),
            ("F5", "f5"),
            ("f12", "f12"),
            ("-", "-"),
            ("+", "+"),
            ("ctrl--", "ctrl--"),
            ("alt-<", "alt-<"),
            ("space", "space"),
            ("ctrl-space", "ctrl-space"),
        ] {
            assert_eq!(key(written).to_string(), canonical, "{written}");
            assert_eq!(key(canonical), key(written), "{written} round trip");
        }
    }

    #[test]
    fn bad_names_are_rejected() {
        for bad in ["", "ctrl-", "enterr", "f0", "f13", "f01", "f+1", "shift-1", "shift-?", "ctrl-ctrl-x", "\t", "xy"] {
            assert!(bad.parse::<Key>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn events_normalize_like_files() {
        assert_eq!(ev(KeyCode::Char('A'), M::SHIFT), key("A"));
        assert_eq!(ev(KeyCode::Char('A'), M::NONE), key("shift-a"));
        assert_eq!(ev(KeyCode::Char('a'), M::SHIFT), key("A"));
        assert_eq!(ev(KeyCode::Char('L'), M::CONTROL | M::SHIFT), key("ctrl-l"));
        assert_eq!(ev(KeyCode::Char('l'), M::CONTROL), key("ctrl-l"));
        assert_eq!(ev(KeyCode::Char('?'), M::SHIFT), key("?"));
        assert_eq!(ev(KeyCode::Char('<'), M::ALT | M::SHIFT), key("alt-<"));
        assert_eq!(ev(KeyCode::Char('v'), M::META), key("alt-v"));
        assert_eq!(ev(KeyCode::BackTab, M::SHIFT), key("backtab"));
        assert_eq!(ev(KeyCode::Tab, M::SHIFT), key("shift-tab"));
        assert_eq!(ev(KeyCode::Char(' '), M::NONE), key("space"));
        assert_eq!(ev(KeyCode::Up, M::SHIFT), key("shift-up"));
        assert_eq!(ev(KeyCode::F(5), M::NONE), key("f5"));
        assert_eq!(ev(KeyCode::Esc, M::NONE), key("esc"));
        assert_ne!(ev(KeyCode::Up, M::SHIFT), key("up"));
        assert_ne!(ev(KeyCode::F(13), M::NONE), key("f12"));
        assert_eq!(ev(KeyCode::CapsLock, M::NONE), ev(KeyCode::Null, M::NONE));
    }

    #[test]
    fn short_forms_fit_a_hint_bar() {
        for (name, short) in [
            ("enter", "Enter"),
            ("esc", "Esc"),
            ("tab", "Tab"),
            ("backtab", "S-Tab"),
            ("backspace", "Bksp"),
            ("ctrl-l", "^L"),
            ("alt-v", "M-v"),
            ("pageup", "PgUp"),
            ("pagedown", "PgDn"),
            ("home", "Home"),
            ("end", "End"),
            ("space", "Space"),
            ("up", "Up"),
            ("down", "Down"),
            ("left", "Left"),
            ("right", "Right"),
            ("f5", "F5"),
            ("G", "G"),
            ("?", "?"),
            ("shift-up", "S-Up"),
        ] {
            assert_eq!(key(name).short(), short, "{name}");
        }
    }

    #[test]
    fn plain_characters_are_text_for_the_prompt() {
        assert_eq!(key("G").as_char(), Some('G'));
        assert_eq!(key("space").as_char(), Some(' '));
        assert_eq!(key("ctrl-w").as_char(), None);
        assert_eq!(key("enter").as_char(), None);
        assert!(key("alt-v").is_modified());
        assert!(!key("G").is_modified());
    }
}
