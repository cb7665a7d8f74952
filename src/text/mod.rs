//! Text from logs is attacker-controlled: a user agent or a UPN can carry terminal escape sequences, bidi
//! overrides that reorder what the analyst reads, or invisible characters. Everything printed to a terminal
//! goes through [`sanitize`] first.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width spaces and joiners, LRM/RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

/// Makes text safe to print: control characters become visible `\x1b`-style escapes, format characters
/// `\u{202e}`-style ones. Borrowed (no copy) when there is nothing to replace, which is nearly always.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_are_made_visible() {
        assert!(matches!(sanitize("alice@contoso.com"), Cow::Borrowed(_)));
        assert_eq!(sanitize("ua\x1b]52;c;ZXZpbA==\x07"), "ua\\x1b]52;c;ZXZpbA==\\x07");
        assert_eq!(sanitize("\u{202e}gpj.exe"), "\\u{202e}gpj.exe");
        assert_eq!(sanitize("a\r\nb\tc\u{9b}"), "a\\x0d\\x0ab\\x09c\\x9b");
        assert_eq!(sanitize("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(sanitize("ünïcødé 漢字"), "ünïcødé 漢字");
    }
}
